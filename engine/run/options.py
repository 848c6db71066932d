"""What a run is asked to do (AuditOptions, Hooks) and what it returns (AuditRun)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from engine import DEFAULT_RULES_DIR
from engine.ingest import DEFAULT_LIMITS, Limits
from engine.render.json_out import load_findings


@dataclass(frozen=True)
class Hooks:
    """Where the pipeline's stages live, as "module:function" names (picklable for workers).

    The defaults are the real stages; tests substitute their own to exercise the runner alone.
    """
    read_document: str = "engine.ingest:read_document"
    parse_document: str = "engine.parse:parse_document"
    load_catalog: str = "engine.rules:load_catalog"
    evaluate: str = "engine.evaluate:evaluate"
    not_a_report_error: str = "engine.parse:NotAReportError"


@dataclass
class AuditOptions:
    rules_dir: Path = DEFAULT_RULES_DIR      # the rules, with their scoring.yaml (and office.yaml, deadlines.yaml)
    office_path: Path | None = None           # default: rules_dir/office.yaml when present
    previous_dirs: list[Path] = field(default_factory=list)
    jobs: int = 1
    run_date: dt.date = field(default_factory=dt.date.today)
    limits: Limits = DEFAULT_LIMITS
    hooks: Hooks = field(default_factory=Hooks)
    # a pool where nothing finishes for max_seconds + stall_grace has a worker stuck in native code
    stall_grace: float = 30.0
    # progress(description, total) -> object with update(n=1) and close(); None: no progress
    progress: Callable[[str, int], Any] | None = None
    # the audit ledger (engine/ledger): None runs without one (nothing carries over between runs)
    ledger: Path | None = None
    agencies: Path | None = None              # the list of agencies (CSV/XLSX), imported into the ledger
    deadlines_path: Path | None = None        # default: rules_dir/deadlines.yaml when present
    by: str | None = None                     # who runs the audit (recorded in the ledger)
    # a Dask scheduler ("tcp://host:8786"): per-report work runs on its workers (engine/run/cluster.py)
    cluster: str | None = None

    @property
    def scoring_file(self) -> Path:
        return Path(self.rules_dir) / "scoring.yaml"

    @property
    def office_file(self) -> Path | None:
        if self.office_path:
            return self.office_path
        default = Path(self.rules_dir) / "office.yaml"
        return default if default.exists() else None

    @property
    def deadlines_file(self) -> Path | None:
        if self.deadlines_path:
            return self.deadlines_path
        default = Path(self.rules_dir) / "deadlines.yaml"
        return default if default.exists() else None

    @property
    def stall_seconds(self) -> float | None:
        """How long a worker pool may go without finishing any task before its workers are killed."""
        return self.limits.max_seconds + self.stall_grace if self.limits.max_seconds else None


@dataclass
class AuditRun:
    """What a finished run returns. `summary` is findings.json's summary; the full document is read
    back from OUT/findings.json on first access (the run itself never holds every finding in memory;
    a large run's records are read from findings.jsonl: engine.render.json_out.load_findings)."""
    out: Path
    summary: dict[str, Any]
    statuses: Counter
    _document: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def document(self) -> dict[str, Any]:
        if self._document is None:
            document = load_findings(self.out)
            if document is None:
                raise FileNotFoundError(f"结果文件夹中没有 findings.json：{self.out}")
            self._document = document
        return self._document

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.document["reports"]

    def count_by_status(self) -> Counter:
        return Counter(self.statuses)

    def count_findings(self, severities: Iterable[str]) -> int:
        return sum(self.summary["findings"].get(s, 0) for s in severities)


class NullProgress:
    """The progress bar when the caller wants none."""

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass
