"""Units printed with a value, reconciled with the unit of its column.

A table cell may carry its unit ("251000元", "5 万元", "3件"; engine/parse/cells.Token.unit). The
template fixes each column's unit: the 万元 amounts of table 二 (本年收费金额（单位：万元）,
采购总金额（单位：万元）, read from engine/template column labels) and counts everywhere else.

- a money unit in a money column is converted EXACTLY to the column's unit (Decimal, powers of ten:
  251000元 → 25.1 万元); `raw` keeps what was printed; UNIT_CONVERTED (info) quotes both;
- the column's own unit (5万元 in a 万元 column, 3件 in a count column) changes nothing;
- a unit that cannot be reconciled (件 in a 万元 column, 元 or % in a count column) makes the cell
  kind "text" (raw = as printed, value unknown) with UNIT_MISMATCH: we never guess what was meant.
"""
from __future__ import annotations

import re
from decimal import Decimal

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.grid import RowRead

# Money units as powers of ten of 元.
MONEY_EXPONENT = {"元": 0, "千元": 3, "万元": 4, "万": 4, "亿元": 8}
COUNT_UNITS = frozenset({"件", "条", "个", "项", "次", "人次"})
_LABEL_UNIT = re.compile(r"[（(]\s*(?:单位\s*[:：]\s*)?(?P<u>[^）)]+?)\s*[）)]\s*$")


def column_unit(label: str) -> str | None:
    """The money unit a template column label declares ("本年收费金额（单位：万元）" → "万元"), else None
    (a count column)."""
    m = _LABEL_UNIT.search(label)
    if m and m.group("u") in MONEY_EXPONENT:
        return m.group("u")
    return None


def convert(value: Decimal, unit: str, to: str) -> Decimal:
    """value in `unit` expressed in `to` (both money units), exactly; trailing zeros dropped."""
    out = value.scaleb(MONEY_EXPONENT[unit] - MONEY_EXPONENT[to]).normalize()
    if out.as_tuple().exponent > 0:          # 2亿元 → 20000, not 2E+4
        out = out.quantize(Decimal(1))
    return out


def reconcile(table_name: str, key: str, addrs: list[str], units: list[str | None], read: RowRead,
              lines: list[SourceLine], table: Table) -> list[Diagnostic]:
    """Convert or refuse the units printed in one row's cells (units[i]: the money unit of column i,
    None for a count column)."""
    diags: list[Diagnostic] = []
    for addr, col_unit in zip(addrs, units):
        cell = table.cells.get(addr)
        if cell is None or not cell.known:
            continue
        if cell.recovered:
            # a digit run split into cells: its unit belongs to the run's last piece only
            last = read.values[-1] if read.values else None
            tok = last if addr == addrs[-1] and last is not None and last.unit else None
        else:
            tok = next((t for t in read.values
                        if t.unit and t.raw == cell.raw and lines[t.line].no == cell.line), None)
        if tok is None or tok.unit == col_unit or (col_unit is None and tok.unit in COUNT_UNITS):
            continue
        if col_unit is not None and MONEY_EXPONENT.get(tok.unit) == MONEY_EXPONENT[col_unit]:
            continue          # 25.1万 in a 万元 column
        line = lines[tok.line]
        if col_unit is not None and tok.unit in MONEY_EXPONENT:
            value = convert(cell.value, tok.unit, col_unit)
            table.cells[addr] = Cell(addr, "number", value, cell.raw, cell.line, cell.where, cell.recovered)
            diags.append(D.unit_converted(table_name, key, addr, cell.raw, str(value), col_unit, line))
        else:
            table.cells[addr] = Cell(addr, "text", None, cell.raw, cell.line, cell.where)
            diags.append(D.unit_mismatch(table_name, key, addr, cell.raw, tok.unit, col_unit, line))
    return diags
