"""What a finding shows of a report, shared by the fact extractors (engine/facts) and the rule
blocks (engine/rules/blocks): the values stated in cells, where a source line is, and values as a
reader reads them. A leaf module below every stage but the report model."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.model import Report, decimal_to_json


def stated_values(report: Report, cells: list[str]) -> dict[str, Any]:
    """address -> what the report states there: the number, or the kind (blank/dash/无/text…)."""
    out: dict[str, Any] = {}
    tables = report.tables
    for a in cells:
        table = tables.get(a.split(".", 1)[0])       # Report.cell, inline
        c = table.cells.get(a) if table is not None else None
        if c is None:
            out[a] = "missing"
        else:
            kind = c.kind
            if kind == "number" and c.value is not None:         # Cell.known
                out[a] = decimal_to_json(c.value)
            else:
                out[a] = c.raw if kind == "text" else kind
    return out


def location(report: Report, line: int | None) -> str | None:
    """Where a source line is, in the source's own terms (第3页第5行, 表格第2行 …); 第N行 for a line
    the report does not have; None without a line."""
    if not line:
        return None
    if 1 <= line <= len(report.lines):
        return report.lines[line - 1].where
    return f"第{line}行"


def fmt_value(value: Any) -> str:
    """A value as a person reads it: Decimal without exponent, lists joined with 、."""
    cls = value.__class__
    if cls is str:
        return value
    if cls is int:
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value else str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(fmt_value(v) for v in value)
    if value is None:
        return "（无）"
    return str(value)
