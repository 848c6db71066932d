"""The 问题 sheet's rows of summary.xlsx: a row per finding, cells and quotes bounded to what a cell
can show (tables.py writes them).

    finding_rows(records) -> rows (dicts keyed by FINDING_COLUMNS)
    finding_values(record) -> [[value per column] per finding]   what the spreadsheet writer appends

A module of its own, without the workbook writer: the evaluation worker, which holds each finished
record, makes its rows (finding_values) and spools them beside its findings.json text, so the
spreadsheet writer appends rows instead of parsing every record's JSON again (outputs.py).
"""
from __future__ import annotations

import functools
from itertools import islice
from typing import Any, Iterable, Iterator

from engine.model import AuditRecord, Finding
from engine.render.labels import SEVERITY_LABELS, TABLE_LABELS, part_label
from engine.render.letter_cells import bounded_quote, cell_anchors, shown_value
from engine.render.letter_content import public_basis
from engine.template import describe_address

FINDING_COLUMNS = ("来源文件", "单位", "年度", "规则编号", "严重程度", "类别", "问题", "说明", "扣分", "部分", "表格",
                   "单元格", "数值", "行号", "位置", "原文", "整改要求", "依据", "问题编号", "复核状态")
# What a finding's row shows: the first cells (then "等 N 个单元格") and a window of the source
# text around them — a cell is read, not scrolled; findings.json has everything.
CELLS_SHOWN = 6
QUOTE_CHARS = 200
QUOTE_LEAD_CHARS = 60
VALUE_CHARS = 20

_describe = functools.lru_cache(maxsize=8192)(describe_address)
# a rule's basis is catalog text: a few distinct values in a run, each cleaned once
_public_basis = functools.lru_cache(maxsize=1024)(public_basis)
_part_label = functools.lru_cache(maxsize=64)(part_label)       # 一 … 六 and None


def cells_cell(cells: list[str]) -> str:
    """The first CELLS_SHOWN cells in words, then how many there are."""
    shown = "；".join(_describe(c) for c in cells[:CELLS_SHOWN])
    return shown + (f" 等 {len(cells)} 个单元格" if len(cells) > CELLS_SHOWN else "")


def values_cell(values: dict[str, Any]) -> str:
    """Stated values in words: 表三“…”行“自然人”列：5；…（空白）— never a token such as "=blank"."""
    parts = []
    for address, value in islice(values.items(), CELLS_SHOWN):
        text = shown_value(value)
        if text is None:
            raw = "" if value is None else str(value)
            text = (raw[:VALUE_CHARS] + "…") if len(raw) > VALUE_CHARS else (raw or "（未填写）")
        parts.append(f"{_describe(address)}：{text}")
    return "；".join(parts) + (f" 等 {len(values)} 个单元格" if len(values) > CELLS_SHOWN else "")


def review_label(f: Finding) -> str:
    """The 问题 sheet's 复核状态: what a review decision (xxgk-audit review, by 问题编号) made of it."""
    if f.decision is None:
        return "" if f.counted else "待人工核对"
    d = f.decision or {}
    if d.get("status") == "dismissed":
        if d.get("expired"):
            return f"豁免已于 {d.get('until')} 到期，重新计入"
        return f"已排除（豁免至 {d['until']}）" if d.get("until") else "已排除"
    if d.get("status") == "confirmed":
        return "已确认"
    return "" if f.counted else "待人工核对"


def _values(r: AuditRecord, f: Finding) -> list[Any]:
    """One finding's row, in FINDING_COLUMNS order."""
    ev = f.evidence
    cells, excerpt = ev.cells or [], ev.excerpt
    # the anchors only for a quote long enough to be cut (bounded_quote reads them only then)
    anchors = cell_anchors(list(cells)) if excerpt and len(excerpt) > QUOTE_CHARS else ()
    return [r.source, r.agency or "", r.year,
            f.rule_id, SEVERITY_LABELS.get(f.severity, f.severity),
            f.category, f.title, f.message, f.points,
            _part_label(ev.part), TABLE_LABELS.get(ev.table or "", ""),
            cells_cell(cells), values_cell(ev.values or {}),
            ev.line, ev.where or "",
            bounded_quote(excerpt, anchors, QUOTE_CHARS, QUOTE_LEAD_CHARS) or "",
            f.remedy or "", _public_basis(f.basis) if type(f.basis) is str else public_basis(f.basis),
            f.id or "", review_label(f)]


def finding_rows(reports: Iterable[AuditRecord]) -> Iterator[dict[str, Any]]:
    for r in reports:
        for f in r.findings:
            yield dict(zip(FINDING_COLUMNS, _values(r, f)))


def finding_values(record: AuditRecord) -> list[list[Any]]:
    """The record's rows of the 问题 sheet, each a list of values in FINDING_COLUMNS order."""
    return [_values(record, f) for f in record.findings]


# The types a record's JSON text gives back (json.loads): a record holding only these in what its rows
# read makes the same rows in the worker as from its text in the spreadsheet writer (json_in_form).
_SCALARS = frozenset((str, int, float, bool, type(None)))
_STR = frozenset((str,))


def json_in_form(record: AuditRecord) -> bool:
    """True when every value the 问题 rows read of the record is of a type its findings.json text
    reads back as (a str, not a str subclass; a list, not a tuple; no Decimal or date), so that
    finding_values(record) equals finding_values of the record read back from its text. A record
    that is not (no rule makes one today) has its rows made from the text instead."""
    if record.engine is None:                # not evaluated: its text lists no findings
        return not record.findings
    scalar = _SCALARS.issuperset
    if not scalar(map(type, (record.source, record.agency, record.year))):
        return False
    for f in record.findings:
        ev = f.evidence
        if not scalar(map(type, (f.rule_id, f.severity, f.category, f.title, f.message, f.points, f.basis, f.remedy,
                                 f.id, f.counted, ev.part, ev.table, ev.line, ev.where, ev.excerpt))):
            return False
        cells, values, d = ev.cells, ev.values, f.decision
        if type(cells) is not list or not _STR.issuperset(map(type, cells)):
            return False
        if type(values) is not dict or not _STR.issuperset(map(type, values)) or not scalar(map(type, values.values())):
            return False
        if d is not None and (type(d) is not dict or not _STR.issuperset(map(type, d))
                              or not scalar(map(type, d.values()))):
            return False
    return True
