"""Settings of the web app: where DATA lives and the limits uploads must respect."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.ingest import DEFAULT_LIMITS

LEDGER_NAME = "xxgk-audit.sqlite"
REFUSED = "refused.txt"          # in a batch's folder: the uploads that were not accepted, and why


@dataclass(frozen=True)
class WebSettings:
    data: Path                                   # everything the app writes lives under DATA
    max_file_bytes: int = DEFAULT_LIMITS.max_bytes            # one uploaded report (ingest limit)
    max_files: int = 2000                                      # files in one batch (zip members included)
    max_batch_bytes: int = 500 * 1024 * 1024                  # one batch, uploaded or unzipped
    max_zip_ratio: float = DEFAULT_LIMITS.max_zip_ratio        # per zip member (zip bombs)
    session_hours: float = 12.0
    login_window_seconds: float = 600.0          # failed logins are counted over this window …
    login_max_failures: int = 5                  # … and this many lock the account/address out
    concurrent_batches: int = 1                  # audits running at once (each is a process pool)
    jobs: int = 2                                # worker processes per audit
    file_timeout: float = 60.0                   # per input file, as `audit --timeout`
    secure_cookies: bool = False                 # set behind HTTPS

    @property
    def ledger(self) -> Path:
        return self.data / LEDGER_NAME

    @property
    def batches(self) -> Path:
        return self.data / "batches"

    @property
    def agencies_dir(self) -> Path:
        return self.data / "agencies"
