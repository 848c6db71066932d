"""Which files of a rules directory are rule files, and the rule files' JSON schema (with its
problems in Chinese). Reading the YAML itself, with line numbers, is engine/yamlfile.py."""
from __future__ import annotations

import json
import re
from pathlib import Path

from engine.paths import SCHEMAS_DIR

SCHEMA_PATH = SCHEMAS_DIR / "rule.schema.json"

# Files in a rules directory that are not rule files (other stages' configuration).
NON_RULE_FILES = frozenset({"scoring.yaml", "office.yaml", "deadlines.yaml", "sources.yaml"})
NON_RULE_PREFIXES = ("signals",)


def is_rule_file(path: Path) -> bool:
    return (path.suffix in (".yaml", ".yml") and path.name not in NON_RULE_FILES
            and not path.name.startswith(NON_RULE_PREFIXES))


_SCHEMA: dict | None = None


def rule_schema() -> dict:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return _SCHEMA


def schema_message(err) -> str:
    """A jsonschema ValidationError in Chinese."""
    v = err.validator
    where = ".".join(str(p) for p in err.absolute_path) or "（文件顶层）"
    if v == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return f"{where}：未知字段 {'、'.join(map(str, extra))}"
    if v == "required":
        # jsonschema reports each missing property as an error of its own
        m = re.match(r"'([^']+)' is a required property", err.message)
        missing = [m.group(1)] if m else [p for p in err.validator_value if p not in err.instance]
        return f"{where}：缺少必填字段 {'、'.join(missing)}"
    if v == "enum":
        return f"{where}：取值 {err.instance!r} 不在允许范围（{'、'.join(map(str, err.validator_value))}）"
    if v == "type":
        return f"{where}：类型应为 {err.validator_value}，实际为 {type(err.instance).__name__}（{err.instance!r}）"
    if v == "pattern":
        return f"{where}：取值 {err.instance!r} 不符合格式 {err.validator_value}"
    if v in ("minItems", "minLength"):
        return f"{where}：不能为空"
    if v in ("minimum", "maximum"):
        return f"{where}：取值 {err.instance!r} 超出范围"
    if v == "propertyNames":
        return f"{where}：键名不允许（{err.message}）"
    return f"{where}：{err.message}"
