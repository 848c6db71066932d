"""The signal file (rules/signals.yaml) read into signal definitions: SignalDef per signal, with
"file:line" problems (SignalLoadError) for everything wrong in it. Evaluation is
engine/facts/signals.py's (SignalSet), which re-exports these names."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.facts.text_source import PART_IDS
from engine.regex_cache import regex as cached_regex
from engine.yaml_guard import YamlLimitError, check_yaml_text, read_yaml_text
from engine.yamlfile import NOT_PLAIN, round_trip_tree

_PLACEHOLDER = re.compile(r"\{(year|prev_year|next_year)\}")



class SignalLoadError(Exception):
    """The signal file is broken; `problems` are "file:line: message" strings (Chinese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class _Matcher:
    source: str               # phrase or pattern as written (for messages)
    regex: str                # regex text, placeholders not yet filled
    line: int                 # line in the signal file
    needs_year: bool
    phrase: bool = False      # a literal phrase (regex = re.escape(source))


@dataclass
class _Group:
    name: str
    matchers: list[_Matcher]


@dataclass
class SignalDef:
    id: str
    title: str
    parts: tuple[str, ...]
    groups: list[_Group]
    require: Literal["all", "any"] = "all"
    accept: Literal["any", "affirmative", "negative"] = "any"
    exclude: list[re.Pattern] = field(default_factory=list)
    description: str = ""
    line: int = 0


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

_SIGNAL_KEYS = {"id", "title", "description", "parts", "phrases", "patterns", "groups", "require",
                "accept", "exclude"}
_GROUP_KEYS = {"name", "phrases", "patterns"}
_TOP_KEYS = {"version", "negation", "signals", "figures"}   # figures: read by narrative.py


def _line(node: Any, key: Any = None, fallback: int = 0) -> int:
    """1-based line of a mapping key / sequence item in the YAML file (ruamel keeps 0-based)."""
    try:
        if key is None:
            return node.lc.line + 1
        if isinstance(node, dict):
            return node.lc.key(key)[0] + 1
        if isinstance(node, list):
            return node.lc.item(key)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        pass
    return fallback


# The last plain document read, by its text: (text, tree). The signal set (signals.py) and the figure
# set (narrative.py) are two readings of one file, made one after the other as each worker starts
# (warmup.warm_extractors): the second takes the first's tree instead of checking and parsing the
# same text again (~1.5 ms a worker). The tree is only read, never changed, by either.
_LAST_READ: tuple[str, Any] | None = None


def load_yaml_document(path: Path) -> Any:
    """The round-trip YAML tree of a rules file (line numbers kept: engine/yamlfile.py, dicts and lists
    with `lc`); SignalLoadError on bad YAML."""
    global _LAST_READ
    try:
        text = read_yaml_text(path, check=False)
        if _LAST_READ is not None and _LAST_READ[0] == text:
            return _LAST_READ[1]
        check_yaml_text(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SignalLoadError([f"{path}: 无法读取文件：{exc}"]) from exc
    except YamlLimitError as exc:
        raise SignalLoadError([f"{path}:{exc.line}: {exc.problem}"]) from None
    tree = round_trip_tree(text)       # libyaml for plain YAML, ruamel for the rest and for errors
    if tree is not NOT_PLAIN:
        _LAST_READ = (text, tree)
        return tree
    from ruamel.yaml import YAML       # lazy: ~6 ms, for a file that is not plain YAML (engine/yamlfile.py)
    from ruamel.yaml.error import MarkedYAMLError
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise SignalLoadError([f"{path}:{line}: YAML 语法错误：{exc.problem or exc}"]) from exc


def compile_checked(regex: str, where: str, problems: list[str]) -> re.Pattern | None:
    try:
        return cached_regex(regex)
    except re.error as exc:
        problems.append(f"{where}: 正则表达式无法编译（{exc}）：{regex}")
        return None


def _fill(regex: str, year: int | None) -> str | None:
    if _PLACEHOLDER.search(regex) is None:
        return regex
    if year is None:
        return None
    values = {"year": str(year), "prev_year": str(year - 1), "next_year": str(year + 1)}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], regex)


def _str_list(node: Any, key: str, where: str, problems: list[str]) -> list[tuple[str, int]]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}:{_line(node, key)}: 字段 {key} 应为字符串列表")
        return []
    out = []
    for i, item in enumerate(value):
        ln = _line(value, i, _line(node, key))
        if not isinstance(item, str) or not item.strip():
            problems.append(f"{where}:{ln}: 字段 {key} 的第 {i + 1} 项应为非空字符串")
            continue
        out.append((item, ln))
    return out


def _matchers(node: Any, path: str, problems: list[str]) -> list[_Matcher]:
    out = []
    for phrase, ln in _str_list(node, "phrases", path, problems):
        # a phrase is literal text; placeholders stay usable inside it
        parts = _PLACEHOLDER.split(phrase)
        regex = "".join(re.escape(p) if i % 2 == 0 else "{" + p + "}" for i, p in enumerate(parts))
        out.append(_Matcher(phrase, regex, ln, bool(_PLACEHOLDER.search(phrase)), True))
    for pattern, ln in _str_list(node, "patterns", path, problems):
        probe = _fill(pattern, 2000)
        if compile_checked(probe or pattern, f"{path}:{ln}", problems) is None:
            continue
        out.append(_Matcher(pattern, pattern, ln, bool(_PLACEHOLDER.search(pattern))))
    return out


def _unknown_keys(node: dict, allowed: set[str], path: str, what: str, problems: list[str]) -> None:
    for key in node:
        if key not in allowed:
            problems.append(f"{path}:{_line(node, key)}: {what}中有未知字段 {key!r}"
                            f"（允许：{', '.join(sorted(allowed))}）")


def _parse_signal(node: Any, path: str, problems: list[str]) -> SignalDef | None:
    ln = _line(node)
    if not isinstance(node, dict):
        problems.append(f"{path}:{ln}: 每个信号应为一个映射（含 id、title、parts …）")
        return None
    _unknown_keys(node, _SIGNAL_KEYS, path, "信号定义", problems)
    sid = node.get("id")
    if not isinstance(sid, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", sid):
        problems.append(f"{path}:{ln}: 信号 id 缺失或不合法（应为小写字母、数字、下划线）：{sid!r}")
        return None
    title = node.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{path}:{ln}: 信号 {sid} 缺少中文标题 title")
    parts = node.get("parts")
    if not isinstance(parts, list) or not parts:
        problems.append(f"{path}:{_line(node, 'parts', ln)}: 信号 {sid} 的 parts 应为非空列表（一 … 六）")
        parts = []
    for i, p in enumerate(parts):
        if p not in PART_IDS:
            problems.append(f"{path}:{_line(parts, i, ln)}: 信号 {sid} 引用了未知部分 {p!r}（应为 一 … 六）")
    require = node.get("require", "all")
    if require not in ("all", "any"):
        problems.append(f"{path}:{_line(node, 'require', ln)}: 信号 {sid} 的 require 应为 all 或 any")
    accept = node.get("accept", "any")
    if accept not in ("any", "affirmative", "negative"):
        problems.append(f"{path}:{_line(node, 'accept', ln)}: 信号 {sid} 的 accept 应为 any、affirmative 或 negative")
    groups: list[_Group] = []
    if "groups" in node:
        if "phrases" in node or "patterns" in node:
            problems.append(f"{path}:{ln}: 信号 {sid} 不能同时有 groups 和 phrases/patterns")
        gnodes = node["groups"]
        if not isinstance(gnodes, list) or not gnodes:
            problems.append(f"{path}:{_line(node, 'groups', ln)}: 信号 {sid} 的 groups 应为非空列表")
            gnodes = []
        for i, g in enumerate(gnodes):
            gln = _line(gnodes, i, ln)
            if not isinstance(g, dict) or not isinstance(g.get("name"), str):
                problems.append(f"{path}:{gln}: 信号 {sid} 的第 {i + 1} 组应含 name 与 phrases/patterns")
                continue
            _unknown_keys(g, _GROUP_KEYS, path, f"信号 {sid} 的分组", problems)
            ms = _matchers(g, path, problems)
            if not ms:
                problems.append(f"{path}:{gln}: 信号 {sid} 的分组 {g['name']} 没有任何 phrases 或 patterns")
            groups.append(_Group(str(g["name"]), ms))
    else:
        ms = _matchers(node, path, problems)
        if not ms:
            problems.append(f"{path}:{ln}: 信号 {sid} 没有任何 phrases 或 patterns")
        groups.append(_Group(str(title or sid), ms))
    for group in groups:
        # the group's entries are matched as one alternation: they must combine (e.g. no named
        # group defined twice)
        combined = "|".join(f"(?:{_fill(m.regex, 2000)})" for m in group.matchers)
        if group.matchers:
            try:
                cached_regex(combined)
            except re.error as exc:
                problems.append(f"{path}:{group.matchers[0].line}: 信号 {sid} 的分组 {group.name} "
                                f"的各项无法合并为一个正则表达式（{exc}），请勿使用命名分组")
    exclude = []
    for pattern, pln in _str_list(node, "exclude", path, problems):
        compiled = compile_checked(pattern, f"{path}:{pln}", problems)
        if compiled is not None:
            exclude.append(compiled)
    return SignalDef(id=sid, title=str(title or ""), parts=tuple(str(p) for p in parts), groups=groups,
                     require=require if require in ("all", "any") else "all",
                     accept=accept if accept in ("any", "affirmative", "negative") else "any",
                     exclude=exclude, description=str(node.get("description") or ""), line=ln)


def parse_signal_file(path: Path) -> tuple[list[re.Pattern], list[SignalDef]]:
    doc = load_yaml_document(path)
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise SignalLoadError([f"{path}:1: 信号文件应为映射，含 negation 与 signals"])
    _unknown_keys(doc, _TOP_KEYS, str(path), "信号文件顶层", problems)
    negation = []
    for pattern, ln in _str_list(doc, "negation", str(path), problems):
        compiled = compile_checked(pattern, f"{path}:{ln}", problems)
        if compiled is not None:
            negation.append(compiled)
    signals: list[SignalDef] = []
    nodes = doc.get("signals")
    if not isinstance(nodes, list):
        problems.append(f"{path}:{_line(doc, 'signals', 1)}: 缺少 signals 列表")
        nodes = []
    seen: dict[str, int] = {}
    for node in nodes:
        sig = _parse_signal(node, str(path), problems)
        if sig is None:
            continue
        if sig.id in seen:
            problems.append(f"{path}:{sig.line}: 信号 id 重复：{sig.id}（第 {seen[sig.id]} 行已定义）")
            continue
        seen[sig.id] = sig.line
        signals.append(sig)
    if problems:
        raise SignalLoadError(problems)
    return negation, signals
