"""Cross-year facts: this year's report against the same body's report of the year before
(computations in engine/evaluate/crossyear.py; rules in rules/crossyear.yaml; blocks
engine/rules/blocks/xy_*.py).

Facts are produced only for the requests of the rules that use them, and only when last year's
report is there (`ctx.previous`) and really is the year before: a report without a previous year
gets no cross-year fact at all. Same-year peers (`report.same_year_sources`, set by the batch
runner) need no previous report.

Requests (from the blocks), each {"rule": RULE_ID, "kind": …, …options}:
    kind "carryover"    Relation 6 — one `xy_carryover` fact per applicant column
    kind "continuity"   Relation 7 — one `xy_continuity` fact per active.item1 row (2021 ↔ 2021 only)
    kind "problems"     Relation 8 — one `xy_problem` fact per problem of last year's part 五;
                        option "ignore_words": extra generic words
    kind "similarity"   copy detection — one `xy_similarity` fact per narrative part in "parts"
    kind "same_year"    one `xy_same_year` fact per other report of the same body and year

Every fact carries the evidence for BOTH reports: this year's cells/line (addr, cells, line, part,
table) and last year's (previous_source, previous_cells, previous_values, previous_line,
previous_where, previous_excerpt), read by the blocks' `evidence()`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

from engine.evaluate import crossyear as cy
from engine.model import Report

ID = "crossyear"

_PREVIOUS = {"previous_source": "py", "previous_cells": "py", "previous_values": "py",
             "previous_line": "py", "previous_where": "py", "previous_excerpt": "py",
             "previous_year": "int", "template_change": "bool"}

FACT_TYPES = {
    "xy_carryover": {"rule": "str", "column": "str", "known": "bool", "holds": "bool",
                     "this_v": "dec", "prev_v": "dec", "addr": "str", "line": "int", "part": "str",
                     "table": "str", "cells": "py", "unknown": "py", **_PREVIOUS},
    "xy_continuity": {"rule": "str", "row": "str", "known": "bool", "holds": "bool",
                      "stated": "dec", "expected": "dec", "prev_valid": "dec", "issued": "dec",
                      "repealed": "dec", "addr": "str", "line": "int", "part": "str", "table": "str",
                      "cells": "py", "unknown": "py", **_PREVIOUS},
    "xy_problem": {"rule": "str", "index": "int", "known": "bool", "score": "dec", "percent": "int",
                   "problem": "py", "keywords": "py", "found": "py", "missing": "py",
                   "best_sentence": "py", "line": "int", "part": "str", "excerpt": "py", **_PREVIOUS},
    "xy_similarity": {"rule": "str", "part": "str", "similarity": "dec", "percent": "int",
                      "chars": "int", "previous_chars": "int", "line": "int", "excerpt": "py",
                      **_PREVIOUS},
    "xy_same_year": {"rule": "str", "other_source": "py", "year": "int", "agency": "py", "line": "int"},
}


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
        "previous_where": _where(previous, line),
        "previous_excerpt": excerpt if excerpt is not None else previous.line_text(line),
        "previous_year": previous.metadata.year,
        "template_change": template_change(report, previous),
    }


def _where(report: Report, line: int | None) -> str | None:
    if line is None:
        return None
    if 1 <= line <= len(report.lines):
        return report.lines[line - 1].where
    return f"第{line}行"


def carryover_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    for cmp in cy.carryover_rows(report, previous):
        [(addr, cell)] = cmp.this_cells.items()
        [(_, prev_cell)] = cmp.previous_cells.items()
        yield {"type": "xy_carryover", "rule": req["rule"], "column": cmp.key, "known": cmp.known,
               "holds": cmp.holds, "this_v": cell.value if cmp.known else None,
               "prev_v": prev_cell.value if cmp.known else None, "addr": addr,
               "line": cell.line if cell is not None else None, "part": "三", "table": "applications",
               "cells": [addr], "unknown": cmp.unknown,
               **previous_fields(report, previous, cmp.previous_cells)}


def continuity_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    for cmp in cy.continuity_rows(report, previous):
        base = f"active.item1.{cmp.key}"
        values = {a.rsplit(".", 1)[1]: (c.value if c is not None and c.known else None)
                  for a, c in cmp.this_cells.items()}
        prev_cell = cmp.previous_cells[f"{base}.现行有效件数"]
        line, _ = cy.first_line(cmp.this_cells)
        yield {"type": "xy_continuity", "rule": req["rule"], "row": cmp.key, "known": cmp.known,
               "holds": cmp.holds, "stated": values["现行有效件数"], "expected": cmp.expected,
               "prev_valid": prev_cell.value if prev_cell is not None and prev_cell.known else None,
               "issued": values["本年制发件数"], "repealed": values["本年废止件数"],
               "addr": f"{base}.现行有效件数", "line": line, "part": "二", "table": "active",
               "cells": list(cmp.this_cells), "unknown": cmp.unknown,
               **previous_fields(report, previous, cmp.previous_cells)}


def problem_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    generic = cy.DEFAULT_GENERIC_WORDS | frozenset(req.get("ignore_words") or ())
    part = report.parts.get("五")
    for m in cy.problem_matches(report, previous, generic):
        known = bool(m.keywords)
        yield {"type": "xy_problem", "rule": req["rule"], "index": m.index, "known": known,
               "score": Decimal(str(m.score)) if known else None,
               "percent": round(m.score * 100) if known else None,
               "problem": m.problem, "keywords": m.keywords, "found": m.found,
               "missing": [k for k in m.keywords if k not in m.found], "best_sentence": m.best_sentence,
               # the letter quotes the opening of this year's part 五, not a sentence that merely
               # shares a word with the problem
               "line": part.line_start if part else None, "part": "五",
               "excerpt": cy.opening(part.text) if part else None,
               **previous_fields(report, previous, None, m.previous_line, m.problem)}


def similarity_facts(report: Report, previous: Report, req: dict) -> Iterable[dict[str, Any]]:
    parts = tuple(req.get("parts") or cy.NARRATIVE_PARTS)
    for s in cy.part_similarities(report, previous, parts):
        yield {"type": "xy_similarity", "rule": req["rule"], "part": s.part,
               "similarity": Decimal(str(s.similarity)), "percent": round(s.similarity * 100),
               "chars": s.chars, "previous_chars": s.previous_chars, "line": s.this_line,
               "excerpt": s.excerpt,
               **previous_fields(report, previous, None, s.previous_line, s.previous_excerpt)}


def same_year_facts(report: Report, req: dict) -> Iterable[dict[str, Any]]:
    for other in getattr(report, "same_year_sources", None) or []:
        yield {"type": "xy_same_year", "rule": req["rule"], "other_source": other,
               "year": report.metadata.year, "agency": report.metadata.agency,
               "line": report.metadata.agency_line}


# --------------------------------------------------------------------------------------------
# Evidence and message values for the blocks (engine/rules/blocks/xy_*.py)
# --------------------------------------------------------------------------------------------

def evidence_of(fact: dict[str, Any], report: Report):
    """Evidence citing both reports: this year's cells/line and last year's file, cells, line."""
    from engine.model import Evidence
    from engine.rules.blocks import stated_values

    cells = list(fact.get("cells") or ([fact["addr"]] if fact.get("addr") else []))
    line = fact.get("line")
    excerpt = fact.get("excerpt")
    if excerpt is None:
        excerpt = report.line_text(line)
    return Evidence(
        part=fact.get("part"), table=fact.get("table"), cells=cells,
        values=stated_values(report, cells) if cells else {},
        line=line, where=_where(report, line), excerpt=excerpt,
        previous_source=fact.get("previous_source"),
        previous_cells=list(fact.get("previous_cells") or []),
        previous_values=dict(fact.get("previous_values") or {}),
        previous_line=fact.get("previous_line"), previous_where=fact.get("previous_where"),
        previous_excerpt=fact.get("previous_excerpt"))


def message_values(fact: dict[str, Any]) -> dict[str, Any]:
    """Extra placeholders: the previous cell described in words, the template-change note."""
    from engine.template import describe_address

    prev_cells = fact.get("previous_cells") or []
    unknown = [("上年报告" + describe_address(a[3:])) if a.startswith("上年:") else ("本年报告" + describe_address(a))
               for a in fact.get("unknown") or []]
    out = {"unknown": "、".join(unknown),"previous_cell": describe_address(prev_cells[0]) if prev_cells else "",
           "previous_source": fact.get("previous_source") or "",
           "template_note": ("（上年报告使用2019年版格式，本年使用2021年版格式；此项两版口径相同，可以比对）"
                             if fact.get("template_change") else "")}
    return out
