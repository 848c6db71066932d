"""Reading YAML files with line numbers, so every problem in a rule, signal or configuration file
can be reported as file:line. A leaf module, with engine/yaml_guard.py (the size, depth and alias
limits checked before parsing).

ruamel's round-trip loader keeps the line of every key and item and never constructs Python
objects from tags, so YAML can carry no executable code. Duplicate keys are errors.

ruamel's round-trip loader is pure Python and was most of the start-up time of an audit run (~0.4 s
for the rules directory). `round_trip_tree` builds the same tree (mappings and sequences with the
same keys, items, values and the same line and column of every key and item, YAML 1.2 scalars)
from libyaml's C parser, for documents that use only plain YAML: mappings, sequences, strings,
decimal integers and floats, booleans and nulls. Anything else (anchors, merge keys, tags,
timestamps, other number forms, duplicate keys) and every syntax error is left to ruamel itself, so
its results and its error messages are unchanged.

The plain tree is made of this module's own light types, not ruamel's: LineMap and LineSeq (a dict
and a list with ruamel's `lc`: line, col, key(k), value(k), item(i)); a block scalar is a str and a
number a plain int or float (ruamel's LiteralScalarString, FoldedScalarString, ScalarInt and
ScalarFloat only add what it needs to write the value back as it was written, which nothing here
does). Importing ruamel.yaml costs ~6 ms (its package imports its whole loader and dumper), on the
path of every audit run before the workers fork: the shipped files are plain, so a run never imports
it (ruamel is imported only when a document is not plain). Code reading a tree tests for dict and
list, which both kinds of tree are.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml as pyyaml

from engine.yaml_guard import YamlLimitError, read_yaml_text


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def read_yaml(path: Path) -> Any:
    """The YAML document of `path` as a tree of dict/list subclasses with line info (round_trip_tree's,
    or ruamel's for a document that is not plain)."""
    try:
        text = read_yaml_text(path)
    except UnicodeDecodeError as exc:
        raise YamlProblem(1, f"文件不是 UTF-8 编码：{exc}") from None
    except YamlLimitError as exc:
        raise YamlProblem(exc.line, exc.problem) from None
    tree = round_trip_tree(text)
    if tree is not NOT_PLAIN:
        return tree
    # lazy: ~6 ms to import, needed only for a document that is not plain YAML (module docstring)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise YamlProblem(line, f"YAML 语法错误：{what}") from None
    except YAMLError as exc:
        raise YamlProblem(1, f"YAML 错误：{exc}") from None


NOT_PLAIN = object()      # round_trip_tree: "not plain YAML, ask ruamel"
_TAG = "tag:yaml.org,2002:"


class LineCol:
    """Where a mapping or sequence and each of its keys or items are (0-based), as ruamel's `lc`:
    `data` maps a key to [line, col, value line, value col], an index to [line, col]."""

    __slots__ = ("line", "col", "data")

    def __init__(self, line: int, col: int):
        self.line, self.col = line, col
        self.data: dict[Any, list[int]] | None = None

    def key(self, k: Any) -> tuple[int, int] | None:
        return self._pair(k, 0)

    def value(self, k: Any) -> tuple[int, int] | None:
        return self._pair(k, 2)

    def item(self, idx: int) -> tuple[int, int] | None:
        return self._pair(idx, 0)

    def _pair(self, k: Any, at: int) -> tuple[int, int] | None:
        if self.data is None:            # as ruamel's: nothing recorded yet
            return None
        entry = self.data[k]
        return entry[at], entry[at + 1]

    def add(self, k: Any, entry: list[int]) -> None:
        if self.data is None:
            self.data = {}
        self.data[k] = entry


class LineMap(dict):
    """A mapping of a plain YAML document, with where it and its keys are (`lc`)."""

    __slots__ = ("lc",)


class LineSeq(list):
    """A sequence of a plain YAML document, with where it and its items are (`lc`)."""

    __slots__ = ("lc",)


class _PlainLoader(getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)):   # type: ignore[misc]
    """libyaml's parser with YAML 1.2 core-schema resolution (what ruamel applies by default):
    `yes`/`no`/`on`/`off` are strings, not booleans as in YAML 1.1. Forms that this module does not
    build itself resolve to tags that send the document to ruamel."""

    yaml_implicit_resolvers: dict = {}


for _tag, _regexp, _first in (
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("int", r"^[-+]?[0-9]+$", "-+0123456789"),
        ("float", r"^[-+]?[0-9]+\.[0-9]+$", "-+0123456789"),
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        # forms ruamel resolves but round_trip_tree leaves to it (their values have several types)
        ("other", r"^(?:[-+]?0[box][0-9a-fA-F_]+|[-+]?[0-9_]+|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
                  r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
                  r"|<<|=|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?)$", list("-+0123456789.<=")),
):
    _PlainLoader.add_implicit_resolver(_TAG + _tag, re.compile(_regexp), list(_first))


class _NotPlain(Exception):
    pass


def round_trip_tree(text: str) -> Any:
    """The document as ruamel's round-trip loader would give it (keys, items, values, lines and
    columns; in LineMap and LineSeq), or NOT_PLAIN (see the module docstring)."""
    loader = _PlainLoader(text)
    try:
        node = loader.get_single_node()
    except pyyaml.YAMLError:
        return NOT_PLAIN
    finally:
        loader.dispose()
    try:
        return _built(node, set()) if node is not None else None
    except _NotPlain:
        return NOT_PLAIN


def _built(node: Any, seen: set[int]) -> Any:
    if id(node) in seen:            # an alias: ruamel keeps anchors and shares the object
        raise _NotPlain
    seen.add(id(node))
    tag = node.tag
    if isinstance(node, pyyaml.MappingNode):
        if tag != _TAG + "map":
            raise _NotPlain
        out = LineMap()
        out.lc = lc = LineCol(node.start_mark.line, node.start_mark.column)
        for key_node, value_node in node.value:
            key = _built(key_node, seen)
            if not isinstance(key, (str, int)) or isinstance(key, bool) or key in out:
                raise _NotPlain       # ruamel reports duplicate keys; odd keys are its business
            out[key] = _built(value_node, seen)
            lc.add(key, [key_node.start_mark.line, key_node.start_mark.column,
                         value_node.start_mark.line, value_node.start_mark.column])
        return out
    if isinstance(node, pyyaml.SequenceNode):
        if tag != _TAG + "seq":
            raise _NotPlain
        seq = LineSeq()
        seq.lc = lc = LineCol(node.start_mark.line, node.start_mark.column)
        for idx, child in enumerate(node.value):
            seq.append(_built(child, seen))
            lc.add(idx, [child.start_mark.line, child.start_mark.column])
        return seq
    value = node.value
    if tag == _TAG + "str":
        return value                # (a block scalar too: ruamel's str subclass only keeps its style)
    if node.style:                  # quoted or block (libyaml: "" for plain) with a non-str tag
        raise _NotPlain
    if tag == _TAG + "int":
        return int(value)           # (ruamel's ScalarInt for 007 only keeps the width: the same value)
    if tag == _TAG + "float":
        return float(value)
    if tag == _TAG + "bool":
        return value in ("true", "True", "TRUE")
    if tag == _TAG + "null" and value:
        return None                 # (an empty value: libyaml and ruamel place it differently)
    raise _NotPlain


def line_of(node: Any, path: tuple | list, default: int = 1) -> int:
    """1-based line of the deepest element of `path` found in the tree (round_trip_tree's or ruamel's)."""
    line = _node_line(node, default)
    for key in path:
        if isinstance(node, dict) and key in node:
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
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
    """A tree (round_trip_tree's or ruamel's) -> plain JSON-like Python (dict, list, str, int, float, bool, None)."""
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
