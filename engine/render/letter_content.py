"""What a 审核意见书 says, once, for both of its forms (HTML and DOCX): the forms only lay it out.

    build_letter(record, office, run_date) -> Letter
    shared_letter(record, office, run_date, form) -> Letter   build_letter, built once for the two forms

Kept short enough to print on 1–3 A4 pages: findings are grouped by rule (title, deduction, remedy
and basis once per rule; one numbered table row per finding); a quote is cut to a window around
what it concerns (a crawled report can be one 6,000-character line); empty-cell findings name the
row once and its columns after it. The wording follows what was found: errors or warnings ask for
rectification by a deadline, hints only are "供参考，无需整改", nothing found says so.
Nothing internal reaches the agency: file paths become file names, findings charged to our own
reading ("manual", 待人工核对) are left out, and rule ids stay in findings.json.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import PurePath
from typing import Any, Callable

from engine.model import AuditRecord, Evidence, RecordHead, finding_json
from engine.render.labels import SEVERITY_LABELS, SEVERITY_ORDER, part_label
from engine.render.letter_cells import (bounded_quote, cell_anchors, cells_quote, cells_text, empty_cells_text,
                                        format_number, short_reason, shown_value, year_pairs_text)
from engine.render import posix_names
from engine.render.office import Office
from engine.sources import format_title

REGULATION = "《中华人民共和国政府信息公开条例》第四十七条、第五十条"


def legal_basis_for(year: int | None, template: str | None) -> str:
    """The letter's basis follows the report: the format in force for its year (国办公开办函〔2019〕60号
    for the 2019–2020 reports, 〔2021〕30号 from 2021; by its template when the year is unknown;
    rules/sources.yaml)."""
    doc = format_title(template, year)
    return f"{REGULATION}和{doc}" if doc else REGULATION


def run_basis() -> Callable[[int | None, str | None], str]:
    """legal_basis_for made once per (year, template) for the letters of one run (an output makes
    it when it starts): the format list as it was then, not looked up on disk (sources.yaml's
    modification time) for every letter."""
    return lru_cache(maxsize=64)(legal_basis_for)

DIAGNOSTICS_LISTED = 5
PAIRED_FROM = 8              # a rule with more short findings than this lists two per table row
PAIRED_TEXT = 60
QUOTED_GROUP = 3             # a rule with more findings than this quotes no source rows of digits
_NUMERALS = "一二三四五六七八九十"
TABLE_SHORT = {"active": "表二", "applications": "表三", "review": "表四"}


@dataclass
class FindingRow:
    no: int                   # numbered through the whole letter
    text: str                 # what is wrong
    where: str                # part / table / source line ("" when the text names the cells)
    quote: str | None         # the row or sentence concerned, bounded
    still_open: bool = False  # a 复核 round: the earlier letter asked for this already (【未整改】)


@dataclass
class RuleGroup:
    heading: str              # （一）
    severity: str             # error / warning / info
    severity_label: str       # 错误 / 警告 / 提示
    title: str
    points: str               # 扣 5 分 / 不扣分
    rows: list[FindingRow]
    remedy: str
    basis: str | None
    paired: bool = False      # many short rows: two findings side by side per table row

    def row_pairs(self) -> list[tuple[FindingRow, FindingRow | None]]:
        return [(self.rows[i], self.rows[i + 1] if i + 1 < len(self.rows) else None)
                for i in range(0, len(self.rows), 2)]


@dataclass
class Section:
    heading: str              # 一、审核结论
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)       # a plain list (not-assessable, diagnostics)
    groups: list[RuleGroup] = field(default_factory=list)
    rectified: list[tuple[int, str, str]] = field(default_factory=list)   # 复核: (序号, 原审核意见, 整改情况)


@dataclass
class Letter:
    kind: str                 # "rectify" | "hints" | "clean"
    title: str
    reference_number: str
    addressee: str
    opening: str
    sections: list[Section]
    closing: Section          # 整改要求 / 处理意见: kept on the page of the signature
    office_name: str
    date_text: str
    contact: str | None       # in the closing paragraph when rectification is asked; after the date otherwise
    placeholder_warning: str | None
    agency: str
    year: int | None
    finding_count: int


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_numeral(n: int) -> str:
    if n <= 10:
        return _NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else _NUMERALS[tens - 1]}十{_NUMERALS[ones - 1] if ones else ''}"


# --- what stays internal ----------------------------------------------------------------------------

def letter_findings(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings a letter states: those that count — charged to the agency (a finding resting on
    our own reading, charge "manual", is 待人工核对 and never put to the agency) and not set aside
    by a review decision (engine/ledger: counted); an item 待人工核对 that a person confirmed is."""
    return [f for f in record.get("findings") or []
            if f.get("counted", True) and (f.get("charge", "agency") != "manual"
                                           or (f.get("decision") or {}).get("status") == "confirmed")]


def letter_not_assessable(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in record.get("not_assessable") or [] if n.get("charge", "agency") != "manual"]


class PathScrubber:
    """Replaces every source path the record knows (its own, last year's, same-year reports') by the
    file name alone: directories of the office's disk are no business of the agency's."""

    def __init__(self, record: dict[str, Any]):
        paths = {record.get("source"), record.get("previous_source"), *(record.get("same_year_sources") or [])}
        for f in record.get("findings") or []:
            paths.add(evidence_of(f).get("previous_source"))
        pairs = []
        for p in paths:
            if p:
                name = file_name(p)
                if name != p:
                    pairs.append((p, name))
        if len(pairs) > 1:
            pairs.sort(key=lambda pair: -len(pair[0]))      # longest first (stable: the set's order)
        self.pairs = pairs

    def __call__(self, text: str | None) -> str:
        text = text or ""
        for path, name in self.pairs:
            text = text.replace(path, name)
        return text


def file_name(path: str | None) -> str:
    text = str(path or "").replace("\\", "/")
    # posix_names.name is PurePosixPath's name by string operations (pathlib's parsing is most of
    # the cost of naming the two or three files a letter mentions)
    return posix_names.name(text) if _POSIX else PurePath(text).name


_POSIX = os.name == "posix"       # PurePath is PurePosixPath


def finding_where(ev: dict[str, Any]) -> str:
    parts = []
    if ev.get("table"):            # the table says the part; its number is enough
        parts.append(TABLE_SHORT.get(ev["table"], ev["table"]))
    elif ev.get("part"):
        parts.append(part_label(ev["part"]))
    if ev.get("where"):
        parts.append("原文" + ev["where"])
    elif ev.get("line"):
        parts.append(f"原文第{ev['line']}行")
    return "，".join(parts) or "全文"


def finding_row(no: int, f: dict[str, Any], scrub: PathScrubber, quote_cells: bool = True,
                remaining: frozenset[str] = frozenset()) -> FindingRow:
    """One finding as a row of its rule's table. A finding about cells quotes its source row only
    when its rule has few findings (`quote_cells`): the message states the numbers, and a rule
    failing on twenty rows would otherwise fill pages with rows of digits."""
    ev = evidence_of(f)
    cells = list(ev.get("cells") or [])
    empty = empty_cells_text(cells, ev.get("values") or {})
    text = empty or scrub(f.get("message"))
    numbers = None if empty else (year_pairs_text(ev) or cells_text(cells, ev.get("values") or {}, text))
    if numbers:
        text = f"{text}（{numbers}）"
    # an empty-cell finding names its row and columns: the row's digits add nothing
    quote = None if empty or (cells and not quote_cells) else cells_quote(ev.get("excerpt"), cells)
    # last year's row only for number comparisons; a text finding's message quotes last year already
    prev_quote = bounded_quote(ev.get("previous_excerpt"), cell_anchors(list(ev.get("previous_cells") or []))) \
        if ev.get("previous_cells") else None
    if prev_quote and ev.get("previous_source"):
        quote = (f"{quote}\n" if quote else "") + f"上年报告（{file_name(ev['previous_source'])}）：{prev_quote}"
    where = "" if empty else scrub(finding_where(ev))      # the text names the table and row already
    return FindingRow(no=no, text=text, where=where, quote=scrub(quote) if quote else None,
                      still_open=bool(f.get("id")) and f.get("id") in remaining)


def point_texts(record: dict[str, Any], findings: list[dict[str, Any]]) -> dict[str, str]:
    """What each rule costs as the letter says it (after the scoring policy: a rule failing in
    several places may count once)."""
    deducted = {d["rule_id"]: d["points"] for d in (record.get("scoring") or {}).get("deductions", [])
                if d.get("outcome") == "fail"}
    out = {}
    for f in findings:
        points = deducted.get(f["rule_id"], f.get("points") or 0)
        out[f["rule_id"]] = f"扣 {format_number(points)} 分" if points else "不扣分"
    return out


def rule_groups(record: dict[str, Any], findings: list[dict[str, Any]], scrub: PathScrubber) -> list[RuleGroup]:
    remaining = frozenset(e["id"] for e in rectified_items(record) if e["status"] == "未整改")
    order: dict[str, list[dict[str, Any]]] = {}
    for f in sorted(findings, key=lambda f: SEVERITY_ORDER.get(f["severity"], 9)):   # stable: rule order kept
        order.setdefault(f["rule_id"], []).append(f)
    points = point_texts(record, findings)
    groups, no = [], 0
    for k, (rule_id, items) in enumerate(order.items(), start=1):
        rows = []
        for f in items:
            no += 1
            rows.append(finding_row(no, f, scrub, quote_cells=len(items) <= QUOTED_GROUP, remaining=remaining))
        first = items[0]
        remedies = {f.get("remedy") for f in items}
        remedy = scrub(first.get("remedy")) if len(remedies) == 1 else "请对照上述各项逐一核实并更正。"
        groups.append(RuleGroup(
            heading=f"（{cn_numeral(k)}）", severity=first["severity"],
            severity_label=SEVERITY_LABELS.get(first["severity"], first["severity"]),
            title=first.get("title") or "", points=points[rule_id],
            rows=rows, remedy=remedy or "请核实并更正上述内容。",
            basis=public_basis(scrub(first.get("basis"))) or None,
            paired=len(rows) > PAIRED_FROM and all(not r.quote and len(r.text) <= PAIRED_TEXT for r in rows)))
    return groups


# --- the other sections ----------------------------------------------------------------------------

_INTERNAL_REFERENCE = re.compile(r"[\w.-]+/[\w./-]+\.(?:md|ya?ml|json)\b")


@lru_cache(maxsize=4096)       # a rule's basis (rules/*.yaml): a few hundred texts per catalog
def public_basis(text: str | None) -> str:
    """A rule's basis without references to our own documentation (docs/template.md 关系9): the
    agency gets the regulations, not our file names."""
    kept = [part for part in re.split(r"[；;]", text or "") if part.strip() and not _INTERNAL_REFERENCE.search(part)]
    return "；".join(p.strip() for p in kept)


def letter_diagnostics(record: dict[str, Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parse diagnostics worth telling the agency: errors and warnings on lines no finding already
    covers (rules turn most format problems into findings of their own)."""
    covered = {evidence_of(f).get("line") for f in findings} - {None}
    return [d for d in record.get("diagnostics") or []
            if d.get("severity") in ("error", "warning") and (d.get("line") is None or d.get("line") not in covered)]


def diagnostic_items(record: dict[str, Any], findings: list[dict[str, Any]], scrub: PathScrubber) -> list[str]:
    diags = letter_diagnostics(record, findings)
    items = []
    for d in diags[:DIAGNOSTICS_LISTED]:
        where = f"{d['where']}：" if d.get("where") else (f"第{d['line']}行：" if d.get("line") else "")
        items.append(scrub(where + (d.get("message") or "")))
    if len(diags) > DIAGNOSTICS_LISTED:
        items.append(f"另有 {len(diags) - DIAGNOSTICS_LISTED} 处同类格式问题。")
    return items


def conclusion_text(record: dict[str, Any], findings: list[dict[str, Any]], n_na: int) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:               # one pass (a severity outside the three counts in none)
        severity = f["severity"]
        if severity in counts:
            counts[severity] += 1
    score = f"得分 {format_number(record.get('score'))} 分，等级为“{record.get('grade')}”。"
    if findings:
        found = (f"发现问题 {len(findings)} 项，其中错误 {counts['error']} 项、警告 {counts['warning']} 项、"
                 f"提示 {counts['info']} 项")
    else:
        found = "未发现问题"
    na = f"；另有 {n_na} 项因报告内容缺失或无法识别未能核对" if n_na else ""
    return f"经审核，{score}{found}{na}。"


def closing(kind: str, office: Office, run_date: dt.date, heading: str) -> Section:
    if kind == "rectify":
        return Section(heading=f"{heading}、整改要求", paragraphs=[rectify_request(office, run_date)])
    if kind == "hints":
        return Section(heading=f"{heading}、处理意见",
                       paragraphs=["上述提示事项供参考，无需整改。请在今后编制年度报告时予以注意。"])
    return Section(heading=f"{heading}、处理意见",
                   paragraphs=["本次审核未发现问题，无需整改。请继续做好政府信息公开工作。"])


def rectify_request(office: Office, run_date: dt.date) -> str:
    return _by_office(_rectify_request, office, run_date)


def _rectify_request(office: Office, run_date: dt.date) -> str:
    contact = f"（{office.contact}）" if office.contact else ""
    return (f"请你单位对照上述问题逐项整改，于{cn_date(office.deadline(run_date))}前"
            f"（{office.deadline_working_days}个工作日内）完成整改，更正并重新发布年度报告，"
            f"并将整改情况书面报送{office.name}{contact}。")


def placeholder_warning(office: Office) -> str | None:
    return _by_office(_placeholder_warning, office)


def _placeholder_warning(office: Office) -> str | None:
    unset = office.placeholder_fields()
    if not unset:
        return None
    return (f"【发文前请注意】审核单位配置（rules/office.yaml）中的{'、'.join(unset)}仍是示例值，"
            "本意见书的落款和联系方式不是本单位信息。请填写后重新生成意见书。")


_OFFICE_TEXTS: dict[tuple[Any, ...], str | None] = {}


def _by_office(make: Any, office: Office, *args: Any) -> str | None:
    """make(office, *args), made once per office settings (and run date): the same text for every
    letter of a run, and the deadline is a walk over a calendar. An Office is a frozen dataclass,
    compared and hashed by its settings; one made by hand with a list of holidays (unhashable)
    is made afresh each time."""
    key = (make, office, *args)
    try:
        return _OFFICE_TEXTS[key]
    except KeyError:
        text = _OFFICE_TEXTS[key] = make(office, *args)
        if len(_OFFICE_TEXTS) > 64:     # a long-lived process going through many settings
            _OFFICE_TEXTS.clear()
        return text
    except TypeError:
        return make(office, *args)


def record_json(record: AuditRecord) -> dict[str, Any]:
    """Every field of the record in its findings.json form (what the letter reads), whatever stage
    of the run the record is at."""
    out = {f.name: getattr(record, f.name) for f in fields(RecordHead)}
    out.update(scoring=record.scoring, findings=[finding_json(f) for f in record.findings],
               not_assessable=[vars(n).copy() for n in record.not_assessable],
               diagnostics=[vars(d).copy() for d in record.diagnostics])
    return out


def letter_record(record: AuditRecord) -> dict[str, Any]:
    """record_json's keys and values for reading: the record's own attribute dicts and lists, not
    copies of them (build_letter only reads; copying every finding was a third of its work). Has
    the record's other attributes too (rule_errors), which the letter does not read. A finding's
    evidence stays its Evidence object: read it with evidence_of."""
    out = dict(vars(record))
    out["findings"] = [vars(f) for f in record.findings]
    out["not_assessable"] = [vars(n) for n in record.not_assessable]
    out["diagnostics"] = [vars(d) for d in record.diagnostics]
    return out


def evidence_of(finding: dict[str, Any]) -> dict[str, Any]:
    """A finding's evidence as a dict: its Evidence's attributes (letter_record's view) or the
    evidence dict of record_json's form ({} when it has none)."""
    ev = finding.get("evidence")
    return ev.__dict__ if ev.__class__ is Evidence else ev or {}


def rectified_items(record: dict[str, Any]) -> list[dict[str, Any]]:
    """In a 复核 round, each finding of the earlier letter with 已整改/未整改 (已排除 ones are left out)."""
    earlier = (record.get("round") or {}).get("earlier") or []
    return [e for e in earlier if e.get("status") in ("已整改", "未整改")]


def review_round(record: dict[str, Any]) -> bool:
    return bool(record.get("round")) and (record["round"].get("number") or 1) > 1


def rectification_section(record: dict[str, Any], scrub: PathScrubber) -> Section:
    """复核 rounds: how each finding of the earlier letter stands now."""
    rnd = record["round"]
    items = rectified_items(record)
    if rnd.get("note"):
        intro = scrub(rnd["note"])
    else:
        earlier = (f"《审核意见书》（{rnd['previous_reference_number']}）" if rnd.get("previous_reference_number")
                   else "上一轮审核意见")
        intro = f"对照{earlier}，逐条复核如下{'' if items else '：上一轮未提出需要整改的问题'}。"
    return Section(heading="原审核意见整改情况", paragraphs=[intro],
                   rectified=[(k, f"{e.get('title') or e.get('rule_id')}：{scrub(e.get('message'))}", e["status"])
                              for k, e in enumerate(items, start=1)])


def build_letter(record: AuditRecord | dict[str, Any], office: Office, run_date: dt.date,
                 basis: Callable[[int | None, str | None], str] = legal_basis_for) -> Letter:
    """The letter of a record; `basis`: legal_basis_for, or run_basis()'s for the letters of a run."""
    if isinstance(record, AuditRecord):
        record = letter_record(record)
    scrub = PathScrubber(record)
    findings = letter_findings(record)
    na = letter_not_assessable(record)
    kind = ("rectify" if any(f["severity"] in ("error", "warning") for f in findings)
            else "hints" if findings else "clean")
    agency = record.get("agency") or ""
    year = record.get("year")
    title = record.get("title")
    source = file_name(record.get("source"))
    again = review_round(record)
    opening = (f"根据{basis(year, record.get('template'))}的规定，我办对你单位{f'{year}年度' if year else ''}政府信息公开工作年度报告"
               f"{f'《{title}》' if title else ''}（文件名：{source}）进行了{'整改复核' if again else '审核'}。"
               f"现将{'复核' if again else '审核'}意见告知如下。")

    sections: list[Section] = [rectification_section(record, scrub)] if again else []
    conclusion = Section(heading=f"{cn_numeral(len(sections) + 1)}、审核结论", paragraphs=[conclusion_text(record, findings, len(na))])
    if record.get("engine_fallback") and record.get("engine_note"):
        conclusion.paragraphs.append("说明：" + scrub(record["engine_note"]))
    if record.get("previous_source"):
        conclusion.paragraphs.append(f"跨年度核对所用的上一年度报告：{file_name(record['previous_source'])}。")
    conclusion.paragraphs += ["说明：" + scrub(n) for n in record.get("agency_notes") or []]
    sections.append(conclusion)

    n = cn_numeral(len(sections) + 1)
    problems = Section(heading=f"{n}、存在的问题" if kind == "rectify" else f"{n}、提示事项" if kind == "hints"
                       else f"{n}、审核发现")
    if findings:
        problems.groups = rule_groups(record, findings, scrub)
    else:
        problems.paragraphs.append("经审核，未发现问题。")
    sections.append(problems)
    if na:
        sections.append(Section(
            heading=f"{cn_numeral(len(sections) + 1)}、未能核对的事项",
            paragraphs=["以下事项因报告内容缺失或无法识别未能核对，请一并核实："],
            items=[f"{n.get('title')}：{short_reason(scrub(n.get('reason')))}" if n.get("reason") else n.get("title", "")
                   for n in na]))
    diag_items = diagnostic_items(record, findings, scrub)
    if diag_items:
        sections.append(Section(heading=f"{cn_numeral(len(sections) + 1)}、报告格式问题说明",
                                paragraphs=["读取报告时发现以下格式问题（可能影响核对结果）："], items=diag_items))
    return Letter(
        kind=kind, title="整改复核意见" if again else "审核意见书", reference_number=record.get("reference_number") or "",
        addressee=agency or "（报告未载明发布单位）", opening=opening, sections=sections,
        closing=closing(kind, office, run_date, cn_numeral(len(sections) + 1)),
        office_name=office.name, date_text=cn_date(run_date),
        contact=(office.contact or None) if kind != "rectify" else None,
        placeholder_warning=placeholder_warning(office), agency=agency, year=year,
        finding_count=len(findings))


# The letter the last form built, for the other form of the same record: (form, record, office,
# run_date, letter). One slot: the worker writes a record's outputs one after the other.
_LAST: list[tuple[str, Any, Office, dt.date, Letter]] = []


def shared_letter(record: AuditRecord, office: Office, run_date: dt.date, form: str,
                  basis: Callable[[int | None, str | None], str] = legal_basis_for) -> Letter:
    """build_letter for one form of the letter (`form`: "html", "docx"), built once for both: the
    worker writes the HTML and then the DOCX letter of the same record, and building the content
    costs as much as laying it out. The letter a form built is handed to the next call from
    ANOTHER form for the same record object (same office and date), once; any other call builds
    it afresh, so a record written twice in the same form is read again each time."""
    last = _LAST.pop() if _LAST else None
    if last is not None and last[0] != form and last[1] is record and last[2] is office and last[3] == run_date:
        return last[4]
    letter = build_letter(record, office, run_date, basis)
    _LAST.append((form, record, office, run_date, letter))
    return letter
