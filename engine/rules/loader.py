"""Reading rule files with line numbers (ruamel.yaml) and turning every problem into file:line.

ruamel's round-trip loader keeps the line of every key and item and never constructs Python
objects from tags, so YAML can carry no executable code. Duplicate keys are errors.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "schemas" / "rule.schema.json"

# Files in a rules directory that are not rule files (other stages' configuration).
NON_RULE_FILES = frozenset({"scoring.yaml", "office.yaml"})
NON_RULE_PREFIXES = ("signals",)


def is_rule_file(path: Path) -> bool:
    return (path.suffix in (".yaml", ".yml") and path.name not in NON_RULE_FILES
            and not path.name.startswith(NON_RULE_PREFIXES))


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def read_yaml(path: Path) -> Any:
    """The YAML document of `path` as ruamel nodes (dict/list subclasses with line info)."""
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(1, f"文件不是 UTF-8 编码：{exc}") from None
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise YamlProblem(line, f"YAML 语法错误：{what}") from None
    except YAMLError as exc:
        raise YamlProblem(1, f"YAML 错误：{exc}") from None


def line_of(node: Any, path: tuple | list, default: int = 1) -> int:
    """1-based line of the deepest element of `path` found in the ruamel node tree."""
    line = _node_line(node, default)
    for key in path:
        if isinstance(node, CommentedMap) and key in node:
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            try:
                line = node.lc.item(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            node = node[key]
        else:
            break
    return line


def _node_line(node: Any, default: int) -> int:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else default


def plain(node: Any) -> Any:
    """ruamel nodes -> plain JSON-like Python (dict, list, str, int, float, bool, None)."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (int, bool)) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


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
