"""Where the repository's own files are: the one place that computes the repository root.

The engine runs from a source checkout or an editable install, so the default rules, the schemas
and the signal lists are found beside the `engine` package.
"""
from __future__ import annotations

import os
from pathlib import Path

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
