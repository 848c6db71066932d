"""Cross-year facts: this year's report against the same body's report of the year before
(computations in engine/facts/crossyear.py; rules in rules/crossyear.yaml). Every fact is a verdict
fact (engine/facts/verdict.py) of one of the computed checks in CHECKS.

Facts are produced only for the requests of the rules that use them, and only when last year's
report is there (`ctx.previous`) and really is the year before: a report without a previous year
gets no cross-year fact at all. Same-year peers (`report.same_year_sources`, set by the batch
runner) need no previous report.

Requests (one per rule), each {"rule": RULE_ID, "kind": …, …options}:
    kind "carryover"    Relation 6 — one `xy_carryover` fact per applicant column
    kind "continuity"   Relation 7 — one `xy_continuity` fact per active.item1 row (2021 ↔ 2021 only)
    kind "problems"     Relation 8 — one `xy_problems` fact for last year's part 五 (when it names
                        problems): those this year's report leaves unanswered, listed in it;
                        options "threshold" (judged only when given), "ignore_words": extra
                        generic words
    kind "similarity"   copy detection — one `xy_similarity` fact per narrative part in "parts";
                        options "threshold", "min_chars" (judged only when given)
    kind "same_year"    one `xy_same_year` fact per other report of the same body and year

Every fact carries the evidence for BOTH reports: this year's cells/line (addr, cells, line, part,
table, where, excerpt) and last year's (previous_source, previous_cells, previous_values,
previous_line, previous_where, previous_excerpt).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from engine.evidence import fmt_value, location
from engine.facts import crossyear as cy
from engine.facts.verdict import PREVIOUS_FIELDS, VERDICT_FIELDS, ComputedCheck
from engine.model import Report
from engine.template import PART_IDS, PART_TITLES, describe_address

ID = "crossyear"

FACT_TYPES = {
    "xy_carryover": {**VERDICT_FIELDS, "column": "str", "this_v": "dec", "prev_v": "dec",
                     "addr": "str", "unknown": "py", **PREVIOUS_FIELDS},
    "xy_continuity": {**VERDICT_FIELDS, "row": "str", "stated": "dec", "expected": "dec",
                      "prev_valid": "dec", "issued": "dec", "repealed": "dec", "addr": "str",
                      "unknown": "py", **PREVIOUS_FIELDS},
    "xy_problems": {**VERDICT_FIELDS, "n_problems": "int", "n_unanswered": "int", "unanswered": "py",
                    "details": "py", **PREVIOUS_FIELDS},
    "xy_similarity": {**VERDICT_FIELDS, "similarity": "dec", "percent": "int", "chars": "int",
                      "previous_chars": "int", **PREVIOUS_FIELDS},
    "xy_same_year": {**VERDICT_FIELDS, "other_source": "py", "year": "int", "agency": "py"},
}

_PREVIOUS_MESSAGE_FIELDS = {"previous_source": "上年报告的文件", "previous_year": "上年报告的年度"}
_THRESHOLD = {"type": "number", "exclusiveMinimum": 0, "maximum": 1}


def _options(**properties: Any) -> dict[str, Any]:
    required = [k for k, v in properties.items() if v.pop("required", False)]
    return {"type": "object", "additionalProperties": False, "properties": properties,
            **({"required": required} if required else {})}


CHECKS = (
    ComputedCheck(
        id="previous_carryover", extractor=ID, fact_type="xy_carryover",
        summary="本年“上年结转”与上年报告“结转下年度继续办理”逐列相等",
        message_fields={
            "column": "申请人列（自然人、商业企业……总计）",
            "this_v": "本年“二、上年结转政府信息公开申请数量”的数值",
            "prev_v": "上年报告“四、结转下年度继续办理”的数值",
            **_PREVIOUS_MESSAGE_FIELDS,
            "cell": "本年单元格的文字描述",
            "previous_cell": "上年单元格的文字描述",
            "template_note": "跨越2019/2021年版格式时的说明（否则为空）",
            "unknown": "无法读取数值的单元格（不可评估时）",
        },
        request=lambda options, ctx: {"kind": "carryover"},
        reason="{column}列的结转数无法读取（{unknown}），不能与上年报告比对"),
    ComputedCheck(
        id="previous_valid_count", extractor=ID, fact_type="xy_continuity",
        summary="现行有效件数 = 上年现行有效件数 + 本年制发件数 − 本年废止件数（两年均为2021年版格式）",
        message_fields={
            "row": "行（规章、行政规范性文件）",
            "stated": "本年报告的现行有效件数",
            "expected": "按上年现行有效件数推算的件数",
            "prev_valid": "上年报告的现行有效件数",
            "issued": "本年制发件数",
            "repealed": "本年废止件数",
            **_PREVIOUS_MESSAGE_FIELDS,
            "cell": "本年单元格的文字描述",
            "previous_cell": "上年单元格的文字描述",
            "unknown": "无法读取数值的单元格（不可评估时）",
        },
        request=lambda options, ctx: {"kind": "continuity"},
        reason="“{row}”行的件数无法读取（{unknown}），不能与上年报告衔接"),
    ComputedCheck(
        id="previous_problems_answered", extractor=ID, fact_type="xy_problems",
        summary="上年报告第五部分所列问题，本年报告有整改说明；未说明的问题合并为一条问题逐一列出",
        options=_options(
            threshold={**_THRESHOLD, "required": True,
                       "description": "问题关键词在本年报告同一句中出现的比例低于此值即视为未说明（只写入 findings.json）"},
            ignore_words={"type": "array", "items": {"type": "string", "minLength": 1},
                          "description": "额外忽略的泛用词"}),
        message_fields={
            "problems": "本年未说明整改情况的上年问题，逐条引用原文：（1）“…”；（2）“…”",
            "count": "未说明的问题个数",
            "total": "上年列出的问题个数",
            **_PREVIOUS_MESSAGE_FIELDS,
        },
        request=lambda options, ctx: {"kind": "problems", "threshold": options["threshold"],
                                      "ignore_words": list(options.get("ignore_words") or [])},
        reason="上一年度报告第五部分所列问题没有可比对的内容"),
    ComputedCheck(
        id="similar_to_previous", extractor=ID, fact_type="xy_similarity",
        summary="正文某部分与上年报告同一部分高度雷同（去除数字后相似度不低于阈值）",
        options=_options(
            threshold={**_THRESHOLD, "required": True},
            min_chars={"type": "integer", "minimum": 1, "required": True},
            parts={"type": "array", "items": {"enum": list(PART_IDS)}, "minItems": 1,
                   "uniqueItems": True}),
        message_fields={
            "part": "部分（一……六）",
            "part_title": "该部分的标准标题",
            "percent": "相似度（百分数）",
            "chars": "本年该部分字数",
            "previous_chars": "上年该部分字数",
            **_PREVIOUS_MESSAGE_FIELDS,
            "threshold_percent": "规则设定的阈值（百分数）",
            "excerpt": "本年该部分开头摘录",
            "previous_excerpt": "上年该部分开头摘录",
        },
        request=lambda options, ctx: {"kind": "similarity",
                                      "parts": list(options.get("parts") or ["一", "五", "六"]),
                                      "threshold": options["threshold"],
                                      "min_chars": options["min_chars"]}),
    ComputedCheck(
        id="same_year_duplicate", extractor=ID, fact_type="xy_same_year",
        summary="同一机关同一年度有两份不同的年度报告",
        message_fields={"other_source": "同一年度的另一份报告文件", "year": "报告年度",
                        "agency": "发布机关"},
        request=lambda options, ctx: {"kind": "same_year"}),
)


def extract(ctx) -> Iterable[dict[str, Any]]:
    report, previous = ctx.report, ctx.previous
    if previous is not None and not is_year_before(report, previous):
        previous = None
    for req in unique_requests(ctx.requests):
        kind = req.get("kind")
        if kind == "same_year":
            yield from same_year_facts(report, req)
        elif previous is None:
            continue
        elif kind == "carryover":
            yield from carryover_facts(report, previous, req)
        elif kind == "continuity":
            yield from continuity_facts(report, previous, req)
        elif kind == "problems":
            yield from problem_facts(report, previous, req)
        elif kind == "similarity":
            yield from similarity_facts(report, previous, req)
        else:
            raise ValueError(f"未知的跨年度事实请求：{kind!r}")


def unique_requests(requests: list[dict]) -> list[dict]:
    """One request per rule and kind: a rule's fail and unknown clauses ask for the same facts."""
    seen: set[tuple] = set()
    out = []
    for req in requests:
        key = (req.get("rule"), req.get("kind"))
        if key not in seen:
            seen.add(key)
            out.append(req)
    return out


def is_year_before(report: Report, previous: Report) -> bool:
    y, p = report.metadata.year, previous.metadata.year
    return y is not None and p is not None and p == y - 1


def template_change(report: Report, previous: Report) -> bool:
    return (report.metadata.template is not None and previous.metadata.template is not None
            and report.metadata.template != previous.metadata.template)


def previous_fields(report: Report, previous: Report, cells: dict | None = None,
                    line: int | None = None, excerpt: str | None = None) -> dict[str, Any]:
    """The evidence of last year's report: its file, cells, values, line, location, excerpt."""
    if line is None and cells:
        line, _ = cy.first_line(cells)
    return {
        "previous_source": previous.source,
        "previous_cells": list(cells or {}),
        "previous_values": cy.cell_values(cells or {}),
        "previous_line": line,
        "previous_where": location(previous, line),
        "previous_excerpt": excerpt if excerpt is not None else previous.line_text(line),
        "previous_year": previous.metadata.year,
        "template_change": template_change(report, previous),
    }


def _evidence(report: Report, line: int | None, excerpt: str | None = None) -> dict[str, Any]:
    """This year's location and quoted text (the source line itself when no excerpt is given)."""
    return {"line": line, "where": location(report, line),
            "excerpt": excerpt if excerpt is not None else report.line_text(line)}


def _message_values(fact: dict[str, Any], **extra: Any) -> dict[str, str]:
    """The placeholders a cross-year message uses besides the fact's fields: the previous cell
    described in words, the unknown cells, the template-change note."""
    prev_cells = fact.get("previous_cells") or []
    unknown = [("上年报告" + describe_address(a[3:])) if a.startswith("上年:") else ("本年报告" + describe_address(a))
               for a in fact.get("unknown") or []]
    return {"unknown": "、".join(unknown),
            "previous_cell": describe_address(prev_cells[0]) if prev_cells else "",
            "previous_source": fact.get("previous_source") or "",
            "template_note": ("（上年报告使用2019年版格式，本年使用2021年版格式；此项两版口径相同，可以比对）"
                              if fact.get("template_change") else ""),
            **{k: fmt_value(v) for k, v in extra.items()}}


def _with_message(fact: dict[str, Any], **extra: Any) -> dict[str, Any]:
    fact["message_values"] = _message_values(fact, **extra)
    return fact


def _threshold(req: dict, name: str = "threshold") -> Decimal | None:
    return Decimal(str(req[name])) if req.get(name) is not None else None


def carryover_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    for cmp in cy.carryover_rows(report, previous):
        [(addr, cell)] = cmp.this_cells.items()
        [(_, prev_cell)] = cmp.previous_cells.items()
        line = cell.line if cell is not None else None
        yield _with_message({
            "type": "xy_carryover", "rule": req["rule"], "column": cmp.key, "known": cmp.known,
            "holds": cmp.holds, "this_v": cell.value if cmp.known else None,
            "prev_v": prev_cell.value if cmp.known else None, "addr": addr,
            "part": "三", "table": "applications", "cells": [addr], "unknown": cmp.unknown,
            **_evidence(report, line), **previous_fields(report, previous, cmp.previous_cells)})


def continuity_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    for cmp in cy.continuity_rows(report, previous):
        base = f"active.item1.{cmp.key}"
        values = {a.rsplit(".", 1)[1]: (c.value if c is not None and c.known else None)
                  for a, c in cmp.this_cells.items()}
        prev_cell = cmp.previous_cells[f"{base}.现行有效件数"]
        line, _ = cy.first_line(cmp.this_cells)
        yield _with_message({
            "type": "xy_continuity", "rule": req["rule"], "row": cmp.key, "known": cmp.known,
            "holds": cmp.holds, "stated": values["现行有效件数"], "expected": cmp.expected,
            "prev_valid": prev_cell.value if prev_cell is not None and prev_cell.known else None,
            "issued": values["本年制发件数"], "repealed": values["本年废止件数"],
            "addr": f"{base}.现行有效件数", "part": "二", "table": "active",
            "cells": list(cmp.this_cells), "unknown": cmp.unknown,
            **_evidence(report, line), **previous_fields(report, previous, cmp.previous_cells)})


MAX_PROBLEM_CHARS = 60


def problem_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    """One fact for the whole look back at last year's problems: one defect (problems whose
    rectification this year's report does not tell) is one finding, the problems listed in it in
    plain words. The workings — keywords, shares, threshold — go to `details` (findings.json),
    never into the message."""
    generic = cy.DEFAULT_GENERIC_WORDS | frozenset(req.get("ignore_words") or ())
    threshold = _threshold(req) or Decimal("0.5")
    matches = cy.problem_matches(report, previous, generic)
    if not matches:
        return
    judged = [m for m in matches if m.keywords]
    unanswered = [m for m in judged if Decimal(str(m.score)) < threshold]
    part = report.parts.get("五")
    present = part is not None and part.present
    first = unanswered[0] if unanswered else matches[0]
    listed = "；".join(f"（{k}）{_quoted(m.problem)}" for k, m in enumerate(unanswered, 1))
    yield _with_message({
        "type": "xy_problems", "rule": req["rule"], "known": bool(judged), "holds": not unanswered,
        "n_problems": len(matches), "n_unanswered": len(unanswered),
        "unanswered": [{"index": m.index, "problem": m.problem} for m in unanswered],
        "details": {"threshold": float(threshold),
                    "problems": [{"index": m.index, "problem": m.problem, "keywords": m.keywords,
                                  "found": m.found, "missing": [k for k in m.keywords if k not in m.found],
                                  "score": m.score, "answered": (m not in unanswered) if m.keywords else None,
                                  "best_sentence": m.best_sentence, "previous_line": m.previous_line}
                                 for m in matches]},
        "part": "五",
        # the letter quotes the opening of this year's part 五, not a sentence that merely
        # shares a word with the problem
        **_evidence(report, part.line_start if present else None, cy.opening(part.text) if present else None),
        **previous_fields(report, previous, None, first.previous_line, first.problem)},
        problems=listed, count=str(len(unanswered)), total=str(len(matches)))


def _quoted(problem: str) -> str:
    text = problem.strip()
    return f"“{text[:MAX_PROBLEM_CHARS]}…”" if len(text) > MAX_PROBLEM_CHARS else f"“{text}”"


def similarity_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    parts = tuple(req.get("parts") or cy.NARRATIVE_PARTS)
    threshold, min_chars = _threshold(req), req.get("min_chars")
    for s in cy.part_similarities(report, previous, parts):
        similarity = Decimal(str(s.similarity))
        # a copy: similar enough, and both parts long enough to judge (a one-line fee statement
        # may honestly repeat)
        copied = (threshold is not None and similarity >= threshold
                  and s.chars >= (min_chars or 0) and s.previous_chars >= (min_chars or 0))
        yield _with_message({
            "type": "xy_similarity", "rule": req["rule"], "part": s.part, "known": True,
            "holds": not copied, "similarity": similarity, "percent": round(s.similarity * 100),
            "chars": s.chars, "previous_chars": s.previous_chars,
            **_evidence(report, s.this_line, s.excerpt),
            **previous_fields(report, previous, None, s.previous_line, s.previous_excerpt)},
            part_title=PART_TITLES.get(s.part, ""),
            **({"threshold_percent": int(threshold * 100)} if threshold is not None else {}))


def same_year_facts(report: Report, req: dict) -> Iterable[dict[str, Any]]:
    line = report.metadata.agency_line
    for other in getattr(report, "same_year_sources", None) or []:
        # the other report is named in the message; `previous_*` is for last year's report only
        yield {"type": "xy_same_year", "rule": req["rule"], "known": True, "holds": False,
               "other_source": other, "year": report.metadata.year,
               "agency": report.metadata.agency, "line": line,
               "where": f"第{line}行" if line else None,
               "excerpt": report.line_text(line) or report.metadata.title}
