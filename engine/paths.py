"""Where the repository's own files are: the one place that computes the repository root.

The engine runs from a source checkout or an editable install, so the default rules, the schemas
and the signal lists are found beside the `engine` package.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = REPO_ROOT / "rules"                  # the default rule catalog
SCHEMAS_DIR = REPO_ROOT / "schemas"              # JSON schemas of the rules, the report model, findings.json
SIGNALS_FILE = RULES_DIR / "signals.yaml"        # word lists of the narrative signals


def user_cache_folder() -> Path | None:
    """The user's cache folder for the engine ($XDG_CACHE_HOME/xxgk-audit, else ~/.cache/xxgk-audit:
    the compiled rule catalog and compiled templates), or None when caching is off
    (XXGK_AUDIT_NO_CACHE) or there is no home."""
    if os.environ.get("XXGK_AUDIT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home == "~":
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "xxgk-audit"


def prune_newest(folder: Path, keep: int, is_entry: Callable[[str], bool]) -> None:
    """Of the files in `folder` whose names `is_entry` accepts, only the `keep` newest are kept (a
    cache folder of compiled things: those made from files edited many times do not pile up).
    A file that cannot be removed is left."""
    entries = [e for e in os.scandir(folder) if is_entry(e.name)]
    if len(entries) <= keep:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
    for entry in entries[keep:]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass
