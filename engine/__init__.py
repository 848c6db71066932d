"""xxgk-audit: rules-driven compliance auditing of 政府信息公开工作年度报告."""
from __future__ import annotations

from engine.paths import REPO_ROOT, SCHEMAS_DIR
from engine.paths import RULES_DIR as DEFAULT_RULES_DIR

__version__ = "0.1.0"

__all__ = ["DEFAULT_RULES_DIR", "REPO_ROOT", "SCHEMAS_DIR", "__version__"]
