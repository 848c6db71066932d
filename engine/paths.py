"""Where the repository's own files are: the one place that computes the repository root.

The engine runs from a source checkout or an editable install, so the default rules, the schemas
and the signal lists are found beside the `engine` package.
"""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = REPO_ROOT / "rules"                  # the default rule catalog
SCHEMAS_DIR = REPO_ROOT / "schemas"              # JSON schemas of the rules, the report model, findings.json
SIGNALS_FILE = RULES_DIR / "signals.yaml"        # word lists of the narrative signals
