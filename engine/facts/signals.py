"""Named text signals: "part 六 states the information-processing fee", "part 五 reviews last year's
problems" … declared in YAML (rules/signals.yaml) as phrase/pattern sets over parts.

    signal_set = load_signals()                      # rules/signals.yaml; SignalLoadError with file:line
    values = signal_set.evaluate(report)             # {signal id: SignalValue}

A signal is a list of groups (a simple signal has one implicit group); each group is a set of
literal `phrases` and Python-`re` `patterns`. A group is hit when one of them matches the narrative
of one of the signal's parts (book titles 《…》 masked, table rows skipped, see text_source.py).
`require: all` (the default) makes the signal present only when every group is hit; `require: any`
when at least one is. The signal's `missing` lists the groups without a hit (for the message).

Negation: every hit carries a polarity. It is "negative" when a negation cue (the file's
`negation` list: 未, 没有, 无…, 不存在, 0元 …) occurs in the clause of the match (between ，；。):
"未收取政府信息公开信息处理费", "本年度没有产生信息公开处理费", "无收取信息处理费情况". A signal's
`accept` says which polarities count: any (a statement that no fee was charged IS a fee statement),
affirmative, or negative (e.g. "states that no fee was charged"). A bare "无" never matches anything,
because every phrase or pattern needs its own keyword.

Placeholders {year}, {prev_year}, {next_year} in phrases and patterns are filled from the report's
reporting year. When the year is unknown such entries cannot be used: if nothing else matched, the
signal is unknown (present = None, reason says why) rather than absent — never a guess.

The regexes run in Python (never in durable-rules); the engine only sees the resulting booleans.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from engine.facts.literals import one_regex, required_literals
from engine.facts.text_source import PART_IDS, TextView, part_views
from engine.model import Report
from engine.paths import SIGNALS_FILE
from engine.yaml_guard import YamlLimitError, read_yaml_text
from engine.yamlfile import NOT_PLAIN, round_trip_tree

DEFAULT_SIGNALS_FILE = SIGNALS_FILE

Polarity = Literal["affirmative", "negative"]
_PLACEHOLDER = re.compile(r"\{(year|prev_year|next_year)\}")
MAX_HITS = 20          # per signal
MAX_GROUP_HITS = 5     # per group: evidence quotes the first; more only costs time


class SignalLoadError(Exception):
    """The signal file is broken; `problems` are "file:line: message" strings (Chinese)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class SignalHit:
    signal: str
    group: str
    part: str
    phrase: str          # the matched text
    polarity: Polarity
    line: int | None
    where: str | None
    excerpt: str         # the sentence the match sits in

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SignalValue:
    id: str
    present: bool | None                 # None: cannot be decided (part missing, year unknown)
    hits: list[SignalHit] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)     # groups without an accepted hit
    reason: str | None = None

    @property
    def first(self) -> SignalHit | None:
        return self.hits[0] if self.hits else None

    @property
    def negative_only(self) -> bool:
        """True when there are accepted hits and every one is a negative statement."""
        return bool(self.hits) and all(h.polarity == "negative" for h in self.hits)


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
        if isinstance(node, CommentedMap):
            return node.lc.key(key)[0] + 1
        if isinstance(node, CommentedSeq):
            return node.lc.item(key)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        pass
    return fallback


def load_yaml_document(path: Path) -> Any:
    """The round-trip YAML tree of a rules file (line numbers kept); SignalLoadError on bad YAML."""
    try:
        text = read_yaml_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise SignalLoadError([f"{path}: 无法读取文件：{exc}"]) from exc
    except YamlLimitError as exc:
        raise SignalLoadError([f"{path}:{exc.line}: {exc.problem}"]) from None
    tree = round_trip_tree(text)       # libyaml for plain YAML, ruamel for the rest and for errors
    if tree is not NOT_PLAIN:
        return tree
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise SignalLoadError([f"{path}:{line}: YAML 语法错误：{exc.problem or exc}"]) from exc


def compile_checked(regex: str, where: str, problems: list[str]) -> re.Pattern | None:
    try:
        return re.compile(regex)
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


def _unknown_keys(node: CommentedMap, allowed: set[str], path: str, what: str, problems: list[str]) -> None:
    for key in node:
        if key not in allowed:
            problems.append(f"{path}:{_line(node, key)}: {what}中有未知字段 {key!r}"
                            f"（允许：{', '.join(sorted(allowed))}）")


def _parse_signal(node: Any, path: str, problems: list[str]) -> SignalDef | None:
    ln = _line(node)
    if not isinstance(node, CommentedMap):
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
            if not isinstance(g, CommentedMap) or not isinstance(g.get("name"), str):
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
                re.compile(combined)
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
    if not isinstance(doc, CommentedMap):
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


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------

class SignalSet:
    def __init__(self, negation: list[re.Pattern], signals: list[SignalDef], source: str = ""):
        self.negation = negation
        self.signals = {s.id: s for s in signals}
        self.source = source
        self._cache: dict[tuple[str, int, int | None], tuple[re.Pattern | None, bool]] = {}
        # the negation cues as one search (a clause is negative iff some cue occurs in it)
        self._negation_rx = one_regex(negation)
        # group regex -> strings one of which each of its matches contains (a part lacking all of
        # them is not scanned: engine/facts/literals.py)
        self._literals: dict[re.Pattern, tuple[str, ...] | None] = {}
        # signal id -> (its groups in the order decide_one reads them, the phrases of each group
        # made only of phrases without placeholders, else None): see decide_one
        self._plans: dict[str, tuple[tuple[int, ...], tuple[tuple[str, ...] | None, ...]]] = {}

    @property
    def ids(self) -> list[str]:
        return list(self.signals)

    def _group_regex(self, sig: SignalDef, index: int, year: int | None) -> tuple[re.Pattern | None, bool]:
        """One alternation of the group's phrases and patterns (one scan per part instead of one
        per phrase), and whether some entry had to be left out because the year is unknown."""
        group = sig.groups[index]
        key = (sig.id, index, year)
        if key not in self._cache:
            filled = [_fill(m.regex, year) for m in group.matchers]
            usable = [f for f in filled if f is not None]
            regex = re.compile("|".join(f"(?:{f})" for f in usable)) if usable else None
            self._cache[key] = (regex, len(usable) < len(filled))
            if regex is not None:
                self._literals[regex] = required_literals(regex)
        return self._cache[key]

    def polarity(self, view: TextView, start: int, end: int) -> Polarity:
        """negative when a negation cue sits in the match's clause (between ，；。): "未收取…信息处理费",
        "收取信息处理费0元"."""
        bounds = (view.clause_start(start), view.clause_end(end))
        # several signals match in the same clause (信息处理费 …): judged once per view and clause
        key = (self, bounds)
        memo = view.memo
        found = memo.get(key)
        if found is None:
            clause = view.masked[bounds[0]:bounds[1]]
            if self._negation_rx is not None:
                negative = self._negation_rx.search(clause) is not None
            else:
                negative = any(cue.search(clause) for cue in self.negation)
            found = memo[key] = "negative" if negative else "affirmative"
        return found

    def evaluate(self, report: Report, ids: list[str] | None = None) -> dict[str, SignalValue]:
        year = report.metadata.year if report.metadata else None
        views = {v.part: v for v in part_views(report)}
        return {sid: self.evaluate_one(self.signals[sid], views, year)
                for sid in (ids or self.signals)}

    def evaluate_one(self, sig: SignalDef, views: dict[str, TextView], year: int | None) -> SignalValue:
        scanned = [views[p] for p in sig.parts if p in views]
        if not scanned:
            return SignalValue(sig.id, None, reason=f"报告缺少第{'、'.join(sig.parts)}部分，无法判断")
        hits: list[SignalHit] = []
        missing: list[str] = []
        unusable = False
        for index, group in enumerate(sig.groups):
            rx, left_out = self._group_regex(sig, index, year)
            unusable = unusable or left_out
            group_hits: list[SignalHit] = []
            if rx is not None:
                for view in scanned:
                    group_hits.extend(self._hits(sig, group.name, rx, view,
                                                 MAX_GROUP_HITS - len(group_hits)))
                    if len(group_hits) >= MAX_GROUP_HITS:
                        break
            if group_hits:
                hits.extend(group_hits)
            else:
                missing.append(group.name)
        present = not missing if sig.require == "all" else len(missing) < len(sig.groups)
        if not present and unusable:
            return SignalValue(sig.id, None, hits, missing,
                               reason="报告年度未知，部分表述（如“上一年度”对应的年份）无法判断")
        return SignalValue(sig.id, present, hits[:MAX_HITS], missing)

    def decide(self, report: Report, ids: list[str]) -> dict[str, bool | None]:
        """{signal id: SignalValue.present} as evaluate() would give it, doing only what that
        needs: the first accepted match of each group, no hit built (the facts of a signal that
        is present are of no use to the engine, see text_signals)."""
        year = report.metadata.year if report.metadata else None
        views = {v.part: v for v in part_views(report)}
        return {sid: self.decide_one(self.signals[sid], views, year) for sid in ids}

    def decide_one(self, sig: SignalDef, views: dict[str, TextView], year: int | None) -> bool | None:
        """evaluate_one(...).present, reading no more than the answer needs: with `require: all`
        the first group without an accepted match decides (absent, or unknown when some group
        had to leave an entry out for want of the year: every group's regex is still asked for
        that), with `require: any` the first group with one; the groups made only of literal
        phrases are read first, each by substring tests (`in`) — what its alternation of escaped
        phrases would find, at a fraction of a regex scan — when any match counts (accept any,
        no exclusion)."""
        scanned = [views[p] for p in sig.parts if p in views]
        if not scanned:
            return None
        plan = self._plans.get(sig.id)
        if plan is None or len(plan[0]) != len(sig.groups):
            plan = self._plans[sig.id] = _decide_plan(sig)
        order, phrases = plan
        plain = sig.accept == "any" and not sig.exclude
        need_all = sig.require == "all"
        missing = 0
        unusable = False
        decided = None
        for index in order:
            rx, left_out = self._group_regex(sig, index, year)
            unusable = unusable or left_out
            if decided is not None:
                continue            # decided: only whether an entry was left out still matters
            literal = phrases[index]
            if rx is None:
                hit = False
            elif plain and literal is not None:
                hit = any(p in view.masked for view in scanned for p in literal)
            else:
                hit = self._any_accepted(sig, rx, scanned)
            if not hit:
                missing += 1
                if need_all:
                    decided = False
            elif not need_all:
                decided = True
        present = decided if decided is not None else (
            not missing if need_all else missing < len(sig.groups))
        if not present and unusable:
            return None
        return present

    def _any_accepted(self, sig: SignalDef, rx: re.Pattern, views: list[TextView]) -> bool:
        """Whether some view has a match of `rx` that counts for the signal (_accepted). When every
        non-empty match counts (no exclusion, any polarity), the view's first match decides."""
        plain = sig.accept == "any" and not sig.exclude
        for view in views:
            if plain and self._may_match(rx, view):
                m = rx.search(view.masked)
                if m is None:
                    continue
                if m.end() > m.start():
                    return True
            for _ in self._accepted(sig, rx, view):
                return True
        return False

    def _may_match(self, rx: re.Pattern, view: TextView) -> bool:
        """False when the view lacks every string a match of `rx` requires (asked once per view)."""
        literals = self._literals.get(rx)
        held = view.memo.get(literals) if literals is not None else True
        if held is None:
            held = view.memo[literals] = any(s in view.masked for s in literals)
        return held

    def _accepted(self, sig: SignalDef, rx: re.Pattern, view: TextView):
        """(start, end, polarity) of each match of `rx` in the view that counts for the signal
        (not empty, not in an excluded sentence, of an accepted polarity), in order."""
        if not self._may_match(rx, view):
            return              # certainly no match in this part
        for match in rx.finditer(view.masked):
            start, end = match.span()
            if end == start:
                continue
            if sig.exclude:
                s, e = view.sentence_span(start, end)
                if any(x.search(view.text[s:e]) for x in sig.exclude):
                    continue
            polarity = self.polarity(view, start, end)
            if sig.accept != "any" and polarity != sig.accept:
                continue
            yield start, end, polarity

    def _hits(self, sig: SignalDef, group: str, rx: re.Pattern, view: TextView,
              limit: int = MAX_GROUP_HITS) -> list[SignalHit]:
        out: list[SignalHit] = []
        for start, end, polarity in self._accepted(sig, rx, view):
            out.append(SignalHit(signal=sig.id, group=group, part=view.part,
                                 phrase=view.text[start:end], polarity=polarity,
                                 line=view.line_at(start), where=view.where_at(start),
                                 excerpt=view.sentence(start, end)))
            if len(out) >= limit:
                break
        return out


def _decide_plan(sig: SignalDef) -> tuple[tuple[int, ...], tuple[tuple[str, ...] | None, ...]]:
    """(the order decide_one reads the groups in: those made only of literal phrases first, then
    the others, each in file order; for each group, its phrases when it has only phrases and none
    with a placeholder, else None)."""
    phrases = tuple(tuple(m.source for m in g.matchers)
                    if g.matchers and all(m.phrase and not m.needs_year for m in g.matchers) else None
                    for g in sig.groups)
    order = tuple(sorted(range(len(sig.groups)), key=lambda i: phrases[i] is None))
    return order, phrases


def load_signals(path: str | Path | None = None) -> SignalSet:
    """The signal set of a file (default rules/signals.yaml). Raises SignalLoadError (file:line)."""
    p = Path(path) if path is not None else DEFAULT_SIGNALS_FILE
    negation, signals = parse_signal_file(p)
    return SignalSet(negation, signals, str(p))
