"""Figures stated in the narrative, and how they compare with the tables (template Relation 9/10).

    figures = extract_figures(report)          # [Figure], patterns from rules/signals.yaml `figures:`
    comparison = compare_figure(figure, report)

Kinds (the patterns are in rules/signals.yaml, so authors tune wording without code):
    received         本年新收/收到/受理…申请N件          applications 一.总计  (or 一 + 二, see below)
    no_requests      未收到申请 / 未接收到依申请公开申请 / 受理依申请公开0件    一 and 二 must be 0
    no_new_requests  未收到新的申请 / 本年未新收申请 (or 未收到申请 next to a 结转 figure)  一 must be 0
    carried_over     上年结转…N件                        applications 二.总计
    carried_forward  结转下年度/结转至2026年…N件          applications 四.总计
    handled          办结/答复/办理…申请N件              applications 三.七.总计
    reconsideration  行政复议(案件)N件/起                review 行政复议.总计
    litigation       行政诉讼(案件)N件/起                review 未经复议直接起诉.总计 + 复议后起诉.总计
    fee              信息处理费…N元 / 万元 (value in 元)  compared with the no-fee statement only
    fee_notices      收费通知N件                         compared with the no-fee statement only

Numbers: Arabic (full-width too, 1,098) and Chinese numerals (cn2an: 三件, 十二件). 约/近/超过/逾
before the number, 余/多 after it, 左右/以上 after the unit make the figure approximate: an
approximate figure is never compared as exact (compare_figure says "approximate").

Scope: a figure in a sentence about 全市/全区/全县/全镇… or 各单位/各部门/各级行政机关 may be a total
over many bodies. It is the body's own figure when the body is itself the people's government of
that level (平潭综合实验区 is the 区 body: its "全区" is its own scope; 淮安市人民政府's "全市" is its
own), never for a department; scope_own is None when the agency is unknown.

Policy for `received` (documented here because it is a judgement): reports say "收到申请75件" for
一 alone or for 一 + 二 (pingtan-2022: 74 new + 1 carried over = 75). The figure agrees when it
equals either; it contradicts only when it matches neither.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from engine.facts.signal_catalog import signals_path
from engine.facts.signals import (DEFAULT_SIGNALS_FILE, SignalLoadError, _line, compile_checked,
                                  load_yaml_document)
from engine.facts.figure import Figure  # noqa: F401  (re-exported: narrative.Figure)
from engine.facts.literals import finditer_at, required_literals, scan_starts
from engine.facts.text_source import TextView, part_views
from engine.model import Metadata, Report
from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS

FIGURE_KINDS = ("received", "no_requests", "no_new_requests", "carried_over", "carried_forward", "handled",
                "reconsideration", "litigation", "fee", "fee_notices")

_TOTAL = APPLICANT_COLUMNS[-1]          # 总计
_REVIEW_TOTAL = REVIEW_COLUMNS[-1]      # 总计

# kind -> admissible readings; each reading is a list of cells whose sum the figure must equal.
CELL_READINGS: dict[str, list[list[str]]] = {
    "received": [[f"applications.一.{_TOTAL}"],
                 [f"applications.一.{_TOTAL}", f"applications.二.{_TOTAL}"]],
    "no_requests": [[f"applications.一.{_TOTAL}", f"applications.二.{_TOTAL}"]],
    "no_new_requests": [[f"applications.一.{_TOTAL}"]],
    "carried_over": [[f"applications.二.{_TOTAL}"]],
    "carried_forward": [[f"applications.四.{_TOTAL}"]],
    "handled": [[f"applications.三.七.{_TOTAL}"]],
    "reconsideration": [[f"review.行政复议.{_REVIEW_TOTAL}"]],
    "litigation": [[f"review.未经复议直接起诉.{_REVIEW_TOTAL}", f"review.复议后起诉.{_REVIEW_TOTAL}"]],
}

KIND_LABELS = {
    "received": "收到申请数", "no_requests": "未收到申请",
    "no_new_requests": "未收到新的申请", "carried_over": "上年结转申请数",
    "carried_forward": "结转下年度申请数", "handled": "办结（答复）申请数",
    "reconsideration": "行政复议案件数", "litigation": "行政诉讼案件数",
    "fee": "信息处理费金额", "fee_notices": "收费通知数",
}

_NUM = (r"(?P<approx_pre>大约|约|近|将近|超过|逾)?"
        r"(?<![\d.])(?P<n>[0-9０-９]{1,3}(?:,[0-9]{3})+|[0-9０-９]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万]+)"
        r"(?P<approx_post>余|多)?")
_PLACEHOLDERS = {"{N}": _NUM, "{Q}": r"(?:件|条|个|份|起|宗|次)", "{G}": r"[^。；，,]{0,12}?"}
_APPROX_AFTER = re.compile(r"^(?:左右|以上|上下)")
_SCOPE = re.compile(r"全(?P<level>省|自治区|市|州|盟|县|旗|区|镇|乡|街道)"
                    r"|(?P<many>各单位|各部门|各级行政机关|各级政府|各乡镇|各街道|各县区|各区县|各有关单位|系统内)")
_LEVEL_OF_NAME = re.compile(
    r"(?P<level>省|自治区|市|自治州|州|盟|地区|自治县|县|自治旗|旗|区|镇|乡|街道)"
    r"(?:人民政府|政府|管委会|管理委员会|办事处|街道办事处)?$")
_LEVEL_ALIASES = {"自治区": "省", "自治州": "州", "自治县": "县", "自治旗": "旗", "地区": "州"}


@dataclass
class _FigurePattern:
    kind: str
    regex: re.Pattern
    value: Decimal | None
    unless: re.Pattern | None
    context: re.Pattern | None
    line: int
    needs: re.Pattern | None = None      # speed only: skip a part whose text lacks this
    # speed only: strings one of which every match contains (engine/facts/literals.py)
    literals: tuple[str, ...] | None = None
    # speed only: strings one of which every match begins with (matches tried only there)
    starts: tuple[str, ...] | None = None


@dataclass
class FigureSet:
    patterns: list[_FigurePattern] = field(default_factory=list)

    def literals(self) -> frozenset[str]:
        """Every string some pattern requires (_FigurePattern.literals), computed again when
        patterns are added or replaced."""
        patterns = self.patterns
        key = (id(patterns), len(patterns), id(patterns[-1]) if patterns else None)
        hit = self.__dict__.get("_literals")
        if hit is None or hit[0] != key:
            hit = self.__dict__["_literals"] = (key, frozenset(s for fp in self.patterns for s in fp.literals or ()))
            self.__dict__["_candidates"] = (key, {})
        return hit[1]

    def candidates(self, held: frozenset[str]) -> tuple[_FigurePattern, ...]:
        """The patterns, in order, whose required strings (if any) meet `held` (of literals())."""
        return self._candidates_in(self.plan()[1], held)

    def _candidates_in(self, memo: dict, held: frozenset[str]) -> tuple[_FigurePattern, ...]:
        hit = memo.get(held)
        if hit is None:
            if len(memo) > 256:
                memo.clear()
            hit = memo[held] = tuple(fp for fp in self.patterns
                                     if fp.literals is None or not held.isdisjoint(fp.literals))
        return hit

    def plan(self) -> tuple[frozenset[str], dict]:
        """(literals(), the memo of candidates), asked once per report (figures_in_view)."""
        return self.literals(), self.__dict__["_candidates"][1]


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def _expand(pattern: str) -> str:
    for key, value in _PLACEHOLDERS.items():
        pattern = pattern.replace(key, value)
    return pattern


def load_figures(path: str | Path | None = None) -> FigureSet:
    """The `figures:` section of the signal file; SignalLoadError with file:line when broken."""
    p = Path(path) if path is not None else DEFAULT_SIGNALS_FILE
    doc = load_yaml_document(p)
    problems: list[str] = []
    out = FigureSet()
    node = doc.get("figures") if isinstance(doc, dict) else None
    if not isinstance(node, dict):
        raise SignalLoadError([f"{p}:1: 缺少 figures 映射（叙述中数字的识别模式）"])
    for kind in node:
        kln = _line(node, kind)
        if kind not in FIGURE_KINDS:
            problems.append(f"{p}:{kln}: 未知的数字类别 {kind!r}（允许：{', '.join(FIGURE_KINDS)}）")
            continue
        entries = node[kind]
        if not isinstance(entries, list) or not entries:
            problems.append(f"{p}:{kln}: 数字类别 {kind} 应为非空的模式列表")
            continue
        for i, entry in enumerate(entries):
            eln = _line(entries, i, kln)
            fp = _parse_entry(kind, entry, f"{p}:{eln}", eln, problems)
            if fp is not None:
                out.patterns.append(fp)
    if problems:
        raise SignalLoadError(problems)
    return out


def _parse_entry(kind: str, entry: Any, where: str, line: int, problems: list[str]) -> _FigurePattern | None:
    value = None
    unless = context = needs = None
    if isinstance(entry, str):
        pattern = entry
    elif isinstance(entry, dict):
        unknown = set(entry) - {"pattern", "value", "unless", "context", "needs"}
        if unknown:
            problems.append(f"{where}: 模式中有未知字段 {', '.join(sorted(map(str, unknown)))}"
                            f"（允许：pattern, value, unless, context, needs）")
        pattern = entry.get("pattern")
        if not isinstance(pattern, str):
            problems.append(f"{where}: 缺少 pattern（正则表达式字符串）")
            return None
        if "value" in entry:
            try:
                value = Decimal(str(entry["value"]))
            except InvalidOperation:
                problems.append(f"{where}: value 应为数字：{entry['value']!r}")
                return None
        compiled_opts = {}
        for key in ("unless", "context", "needs"):
            if key in entry:
                compiled_opts[key] = compile_checked(str(entry[key]), where, problems)
        unless, context = compiled_opts.get("unless"), compiled_opts.get("context")
        needs = compiled_opts.get("needs")
    else:
        problems.append(f"{where}: 模式应为字符串或含 pattern 的映射")
        return None
    has_n = "{N}" in pattern
    if value is None and not has_n:
        problems.append(f"{where}: 模式既没有 {{N}}（数字位置）也没有固定的 value：{pattern}")
        return None
    if value is not None and has_n:
        problems.append(f"{where}: 模式同时有 {{N}} 和 value，只能取其一：{pattern}")
        return None
    if pattern.count("{N}") > 1:
        problems.append(f"{where}: 一个模式只能有一个 {{N}}：{pattern}")
        return None
    regex = compile_checked(_expand(pattern), where, problems)
    if regex is None:
        return None
    return _FigurePattern(kind, regex, value, unless, context, line, needs, required_literals(regex),
                          scan_starts(regex))


_DEFAULT: FigureSet | None = None


def default_figures() -> FigureSet:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_figures()
    return _DEFAULT


# --------------------------------------------------------------------------------------------
# Numbers and scope
# --------------------------------------------------------------------------------------------

def parse_number(text: str) -> Decimal | None:
    """Decimal of an Arabic or Chinese numeral as written; None when it is not one."""
    if text.isascii() and text.isdigit():
        return Decimal(text)        # (the usual figure: what the general reading below gives it)
    t = unicodedata.normalize("NFKC", text).replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return Decimal(t)
    # a deliberate lazy load: cn2an takes 0.1–0.2 s to import (a third of the fact layer's import
    # time) and only Chinese numerals (三件, 十二件) need it — most reports write Arabic figures
    import cn2an
    try:
        value = cn2an.cn2an(t, "normal")
    except (ValueError, KeyError, TypeError):
        return None
    return Decimal(str(value)).normalize() if value is not None else None


@functools.lru_cache(maxsize=1024)     # asked for every figure; the agency is the same all report
def agency_level(agency: str | None) -> str | None:
    """The administrative level of a people's government named `agency` (市, 区, 镇 …), or None
    when the name is not a government's (a department, an office) or is unknown."""
    if not agency:
        return None
    name = re.sub(r"\s+", "", agency)
    if re.search(r"(局|委员会|委|办公室|办|厅|中心|所|站|院|队|处|科)$", name) and \
            not re.search(r"(管委会|管理委员会|街道办事处|街道办)$", name):
        return None
    m = _LEVEL_OF_NAME.search(name)
    if not m:
        return None
    level = m.group("level")
    return _LEVEL_ALIASES.get(level, level)


# The body speaking of itself ("我镇收到申请2件"): after such a word the figure is its own again.
_OWN = re.compile(r"(?:我|本)(?:镇|乡|街道|区|县|市|局|委|办|厅|单位|机关|部门|中心|府)")


def scope_of(sentence_prefix: str) -> str | None:
    """The scope word governing a figure: the 全X word of its sentence (else a 各… word) before it,
    unless the body names itself after that word ("全县共收到120件，我镇收到2件")."""
    found = list(_SCOPE.finditer(sentence_prefix))
    if not found:
        return None
    chosen = next((m for m in found if m.group("level")), found[-1])
    last_scope_end = found[-1].end()
    if any(m.start() >= last_scope_end for m in _OWN.finditer(sentence_prefix)):
        return None
    return chosen.group(0)


# A figure for only part of what the table counts, in the figure's own clause: "其中…", one office
# acting for the government ("区政府办代表区政府受理17件"), or — in a 区/县/市 government's report —
# "本机关/本级" (the government's own office) as against the district-wide table. Never compared.
_PARTIAL = re.compile(r"其中")
# In a people's government's report only: its office acting for it counts part of the government's
# requests (in the office's own report — 上海市人民政府办公厅 — the same words are its own scope).
_PARTIAL_OFFICE = re.compile(r"代表|政府办|办公室|办公厅")
_PARTIAL_OF_WIDE_BODY = re.compile(r"本机关|本级|本单位")
_WIDE_LEVELS = frozenset({"省", "市", "州", "盟", "县", "旗", "区"})
_CLAUSE_START = re.compile(r"[，,；;：:]")


def partial_scope(sentence_prefix: str, metadata: Metadata | None) -> str | None:
    """The word making a figure's scope narrower than the table's, in the figure's clause, or None."""
    clause = _CLAUSE_START.split(sentence_prefix)[-1]
    m = _PARTIAL.search(clause)
    if m:
        return m.group(0)
    level = agency_level(metadata.agency if metadata else None)
    if level is None:
        return None
    m = _PARTIAL_OFFICE.search(clause)
    if m is None and level in _WIDE_LEVELS:
        m = _PARTIAL_OF_WIDE_BODY.search(clause)
    return m.group(0) if m else None


def scope_is_own(scope: str | None, metadata: Metadata | None) -> bool | None:
    """Whether a figure with this scope word is the body's own (see module docstring)."""
    if scope is None:
        return True
    agency = metadata.agency if metadata else None
    kind = metadata.body_kind if metadata else None
    if kind == "department":
        return False
    level = agency_level(agency)
    if level is None:
        return None if not agency else False
    m = _SCOPE.fullmatch(scope)
    if m and m.group("level"):
        wanted = _LEVEL_ALIASES.get(m.group("level"), m.group("level"))
        return wanted == level
    return True    # 各单位/各部门 in a people's government's report: its own aggregate


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------

def _figure_from(fp: _FigurePattern, match: re.Match, view: TextView, metadata: Metadata | None) -> Figure | None:
    start, end = match.span()
    unit = None
    if fp.value is not None:
        value, approx = fp.value, False
    else:
        value = parse_number(match.group("n"))
        if value is None:
            return None
        approx = bool(match.group("approx_pre") or match.group("approx_post")
                      or _APPROX_AFTER.match(view.text[end:end + 2]))
        unit_group = match.groupdict().get("unit")
        if unit_group:
            unit = "元"
            if unit_group.startswith("万"):
                value = value * 10000
    s, e = view.sentence_span(start, end)
    prefix = view.text[s:end]
    partial = partial_scope(prefix, metadata)
    scope = partial or scope_of(prefix)
    # line, place and sentence looked up when read (most figures are never quoted)
    return Figure(fp.kind, value, approx, scope, False if partial else scope_is_own(scope, metadata),
                  view.part, phrase=view.text[start:end], unit=unit, view=view, span=(start, end, s, e))


def figures_in_view(view: TextView, figure_set: FigureSet, metadata: Metadata | None,
                    plan: tuple[frozenset[str], dict] | None = None) -> list[Figure]:
    """`plan`: figure_set.plan(), when the caller asks it once for several views."""
    masked = view.masked
    out: list[Figure] = []
    taken: set[tuple[str, int, int]] = set()
    literals, memo = plan or figure_set.plan()
    # which of the patterns' required strings the text holds, each looked for once (the patterns
    # share a few: 申请, 结转, 件 …)
    held = frozenset(filter(masked.__contains__, literals))
    places = view.places        # the start strings' places in the text, shared with the signals
    for fp in figure_set._candidates_in(memo, held):     # (the others certainly do not match here)
        if fp.needs is not None and fp.needs.search(masked) is None:
            continue
        starts = fp.starts
        for match in fp.regex.finditer(masked) if starts is None else finditer_at(fp.regex, starts, masked, places):
            start, end = match.span()
            if any(k == fp.kind and not (end <= s or start >= e) for k, s, e in taken):
                continue    # the same statement, already read by an earlier pattern of this kind
            if fp.unless is not None and fp.unless.search(
                    masked[view.clause_start(start):view.clause_end(end)]):
                continue
            if fp.context is not None:
                s, e = view.sentence_span(start, end)
                if not fp.context.search(masked[s:e]):
                    continue
            figure = _figure_from(fp, match, view, metadata)
            if figure is not None:
                taken.add((fp.kind, start, end))
                out.append(figure)
    return out


def extract_figures(report: Report, figure_set: FigureSet | None = None) -> list[Figure]:
    """Every figure stated in the narrative of the report, in reading order."""
    fs = figure_set or default_figures()
    figures: list[Figure] = []
    plan = fs.plan()
    for view in part_views(report):
        found = figures_in_view(view, fs, report.metadata, plan)
        if len(found) > 1:      # (one figure: no line looked up to sort it)
            found.sort(key=lambda f: (f.line or 0, view.text.find(f.phrase)))
        figures.extend(found)
    return figures


# --------------------------------------------------------------------------------------------
# Comparison with the tables
# --------------------------------------------------------------------------------------------

ComparisonStatus = Literal["agree", "contradict", "unknown", "approximate", "other_scope", "not_applicable"]


@dataclass
class Comparison:
    figure: Figure
    status: ComparisonStatus
    readings: list[list[str]] = field(default_factory=list)     # the cells of each admissible reading
    totals: list[Decimal | None] = field(default_factory=list)  # the table's value of each reading
    values: dict[str, Decimal | None] = field(default_factory=dict)
    unknown_cells: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[str]:
        seen: list[str] = []
        for reading in self.readings:
            for c in reading:
                if c not in seen:
                    seen.append(c)
        return seen


def compare_figure(figure: Figure, report: Report) -> Comparison:
    """How a narrative figure compares with the table cells it speaks about."""
    readings = CELL_READINGS.get(figure.kind)
    if not readings:
        return Comparison(figure, "not_applicable")
    if figure.approx:
        return Comparison(figure, "approximate", readings)
    if figure.scope_own is not True:
        return Comparison(figure, "other_scope", readings)
    values: dict[str, Decimal | None] = {}
    unknown: list[str] = []
    totals: list[Decimal | None] = []
    for reading in readings:
        total = Decimal(0)
        for address in reading:
            cell = report.cell(address)
            value = cell.value if cell is not None and cell.known else None
            values[address] = value
            if value is None:
                if address not in unknown:
                    unknown.append(address)
                total = None
            elif total is not None:
                total += value
        totals.append(total)
    if any(t is not None and t == figure.value for t in totals):
        status: ComparisonStatus = "agree"
    elif any(t is None for t in totals):
        status = "unknown"     # a reading we cannot compute might agree: never call it a contradiction
    else:
        status = "contradict"
    return Comparison(figure, status, readings, totals, values, unknown)


def catalog_figures(ctx) -> Path:
    """Compile time: check the `figures:` section of the catalog's signals file (a broken pattern
    is a compile error, not a failure at evaluation time); returns the file's path for the
    extractor. `ctx` is the rules' CompileContext."""
    path = signals_path(ctx)
    key = ("figures", str(path))
    if key not in ctx.cache:
        try:
            load_figures(path)
            ctx.cache[key] = None
        except SignalLoadError as exc:
            ctx.cache[key] = exc
    if isinstance(ctx.cache[key], SignalLoadError):
        raise ctx.error("信号文件的 figures 部分有误：" + "；".join(ctx.cache[key].problems[:3]))
    return path
