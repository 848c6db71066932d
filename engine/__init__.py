"""xxgk-audit: rules-driven compliance auditing of 政府信息公开工作年度报告."""
from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

# The repository's rules/ folder: the default catalog (editable install / source checkout).
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RULES_DIR = REPO_ROOT / "rules"
SCHEMAS_DIR = REPO_ROOT / "schemas"
