"""Who a result is charged to: the agency, or a person who must look (待人工核对).

    assign_charges(report, results, previous=None) -> results        (in place, and returned)

The rule (docs/charge.md, CONTRACTS.md "Finding charge"): a finding is the AGENCY's — scored, in
the letter — only where the defect is in what the agency published:
  - a blank cell or a missing row of a structured table (Table.structured: an HTML/DOCX/ruled-PDF
    grid states every cell, so an empty or absent one is what was published);
  - a dash, 无 or text written where a number belongs (visible characters, whatever the layout);
  - a broken identity, a wrong continuity, a narrative figure against the tables — among values
    read with certainty (every value the parser places is: Cell.read says how);
  - a missing table with no trace in the text (its part holds none of the table's labels), a
    missing part, missing metadata, a statement the narrative lacks or contradicts.
It is MANUAL — listed in findings.json, the dashboard and the workbook with where to look, never
scored, never in the letter as a defect — where the evidence rests on our reading:
  - a blank cell or a missing row of a table read from text (copied text, Markdown, a PDF without
    ruling lines): the blank may be a cell the conversion lost;
  - a row whose value count does not match its columns in such a table (a row of six values);
  - a table whose labels are in the text but which could not be read (Table.reading unreadable);
  - a value the parser did not place with certainty (Cell.read None on a number);
  - a number too large for the rule engines to compute with (|value| ≥ ENGINE_DEC_BOUND ≈ 4.6e14),
    or numbers whose sum is: the agency did write them, the limit is ours.
A not-assessable item takes the charge of its unknown inputs (manual if any input is manual), and
is `covered_by` the agency finding that already charges those cells (a missing table, the blank
cells, a malformed row): listed, never scored twice. Items without cells (the year, the template
or the kind of body not recognised, a part missing) are covered by the structure or metadata
finding that charges their cause, else manual.
"""
from __future__ import annotations

import re
from typing import Iterable

from engine.dialect import ENGINE_DEC_BOUND
from engine.model import Cell, Finding, Report, RuleResult
from engine.template import PART_OF_TABLE

# The template's row labels that betray a table in the text even when it could not be read.
TABLE_TRACES = {
    "active": re.compile(r"行政规范性文件|规范性文件|行政许可|行政处罚|行政事业性收费"),
    "applications": re.compile(r"本年新收|上年结转|予以公开|不予公开|无法提供|不予处理|结转下年度"),
    "review": re.compile(r"结果维持|结果纠正|尚未审结|未经复议"),
}
# Checks whose failure already charges a cause that leaves other rules without inputs (a missing
# part or table, missing metadata), the check that reports a missing table, and the one that
# reports malformed rows.
STRUCTURE_CHECKS = frozenset({"part_present", "table_present", "metadata_present"})
TABLE_CHECK = "table_present"
SHAPE_CHECK = "diagnostic_present"

WHY_BLANK = "该表从文本中读取（复制的文字、Markdown 或无框线 PDF），空白单元格可能是转换时丢失的，需人工对照原件核对"
WHY_MISSING = "该表从文本中读取，缺少的行可能是转换时丢失或未能识别的，需人工对照原件核对"
WHY_ROW = "该表从文本中读取，行内数值个数与栏目不符可能是转换时丢失了空白单元格，需人工对照原件核对"
WHY_TABLE = "报告正文中有该表的栏目名称，但未能读出表格，需人工对照原件核对"
WHY_VALUE = "有数值未能确定所在的行列，需人工对照原件核对"
WHY_UNDECIDED = "本工具未能识别判断所需的信息，需人工核对"
WHY_HUGE = "有数值过大，超出本工具能够计算的范围，需人工核对"


def assign_charges(report: Report, results: list[RuleResult], checks: dict[str, str],
                   previous: Report | None = None) -> list[RuleResult]:
    """`checks`: rule id -> its check (block id), from the catalog."""
    reasons = CellReasons(report)
    for r in results:
        if r.outcome == "fail":
            for f in r.findings:
                why = finding_manual_reason(f, checks.get(f.rule_id, ""), report, previous, reasons)
                f.charge, f.charge_reason = ("manual", why) if why else ("agency", "")
                if why:
                    f.counted = False
    agency = [f for r in results if r.outcome == "fail" for f in r.findings if f.charge == "agency"]
    for r in results:
        if r.outcome == "not_assessable":
            _charge_not_assessable(r, report, agency, checks, reasons)
    return results


class CellReasons(dict):
    """address -> cell_manual_reason(report, address), each computed once per report (the same
    cells are inputs of several results; a missing table's text is searched once)."""

    def __init__(self, report: Report):
        super().__init__()
        self.report = report
        self._unreadable: dict[str, bool] = {}

    def __missing__(self, address: str) -> str | None:
        why = self[address] = cell_manual_reason(self.report, address, self.unreadable)
        return why

    def unreadable(self, report: Report, name: str) -> bool:
        hit = self._unreadable.get(name)
        if hit is None:
            hit = self._unreadable[name] = table_unreadable(report, name)
        return hit


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

def finding_manual_reason(f: Finding, check: str, report: Report, previous: Report | None,
                          reasons: CellReasons | None = None) -> str | None:
    """Why the finding rests on our reading (it is then 待人工核对), or None (the agency's)."""
    ev = f.evidence
    if reasons is None:
        reasons = CellReasons(report)
    if check == TABLE_CHECK and ev.table and reasons.unreadable(report, ev.table):
        return WHY_TABLE
    if check == SHAPE_CHECK:
        # a row whose values do not match its columns: in a grid the agency's, in text ours
        return WHY_ROW if ev.table and not table_structured(report, ev.table) else None
    for address in ev.cells:
        why = reasons[address]
        if why:
            return why
    for address in ev.previous_cells:
        why = cell_manual_reason(previous, address) if previous is not None else None
        if why:
            return "上一年度报告：" + why
    return None


def cell_manual_reason(report: Report, address: str, unreadable=None) -> str | None:
    """Why this cell's state rests on our reading, or None when it is what the agency published.
    `unreadable`: table_unreadable, or a cached equivalent (CellReasons.unreadable)."""
    table_name = address.split(".", 1)[0]
    table = report.tables.get(table_name)
    if table is None:
        return None
    if not table.present:
        return WHY_TABLE if (unreadable or table_unreadable)(report, table_name) else None
    cell: Cell | None = table.cells.get(address)
    if cell is None or cell.kind == "missing":
        return None if table.structured else WHY_MISSING
    if cell.kind == "blank":
        return None if table.structured else WHY_BLANK
    if cell.kind == "number" and cell.read is None:
        return WHY_VALUE
    if cell.kind == "number" and cell.value is not None and not -ENGINE_DEC_BOUND < cell.value < ENGINE_DEC_BOUND:
        return WHY_HUGE
    return None          # a number placed with certainty, a dash, 无, text: as published


def table_structured(report: Report, name: str) -> bool:
    table = report.tables.get(name)
    return bool(table is not None and table.structured)


def table_unreadable(report: Report, name: str) -> bool:
    """A table we could not read although the text shows it (its row labels are in its part)."""
    table = report.tables.get(name)
    if table is None or table.structured:
        return False
    if table.present and table.reading != "unreadable":
        return False
    part = report.parts.get(PART_OF_TABLE[name])
    text = part.text if part is not None and part.present else ""
    return bool(TABLE_TRACES[name].search(re.sub(r"\s+", "", text or "")))


# --------------------------------------------------------------------------------------------
# Not-assessable items
# --------------------------------------------------------------------------------------------

def _charge_not_assessable(r: RuleResult, report: Report, agency: list[Finding], checks: dict[str, str],
                           reasons: CellReasons) -> None:
    cells = [a for a in r.cells if not a.startswith("上年:")]
    if not cells:
        cover = next((f.rule_id for f in agency if checks.get(f.rule_id) in STRUCTURE_CHECKS), None)
        if cover:
            r.charge, r.covered_by = "agency", cover
        else:
            r.charge, r.charge_reason = "manual", WHY_UNDECIDED
        return
    # the first cell resting on our reading gives the reason (a missing table's every cell would
    # give the same one, each at the cost of searching the part's text)
    reason = next((why for why in (reasons[a] for a in cells) if why), None)
    if reason is None and _beyond_the_engine(report, cells):
        reason = WHY_HUGE
    if reason:
        r.charge, r.charge_reason = "manual", reason
        return
    r.charge = "agency"
    r.covered_by = covering_rule(cells, agency, checks)


def _beyond_the_engine(report: Report, cells: list[str]) -> bool:
    """Numbers each within the engine's range whose sum is not (four 15-digit cells): the sum the
    item needed is our limit too."""
    total = 0
    for a in cells:
        table = report.tables.get(a.split(".", 1)[0])
        cell = table.cells.get(a) if table is not None else None
        if cell is not None and cell.kind == "number" and cell.value is not None:
            total += abs(cell.value)
    return total >= ENGINE_DEC_BOUND


def covering_rule(cells: Iterable[str], agency: list[Finding], checks: dict[str, str]) -> str | None:
    """The agency finding that already charges every one of these cells (or their missing table)."""
    cells = list(cells)
    for f in agency:
        cited = set(f.evidence.cells)
        missing_table = checks.get(f.rule_id) == TABLE_CHECK and f.evidence.table
        if all(a in cited or (missing_table and a.split(".", 1)[0] == f.evidence.table) for a in cells):
            return f.rule_id
    # several findings together (blank cells and a malformed row of one table)
    covered: set[str] = set()
    for f in agency:
        covered.update(f.evidence.cells)
    if all(a in covered for a in cells):
        return next(f.rule_id for f in agency if set(f.evidence.cells) & set(cells))
    return None
