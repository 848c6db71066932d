"""Units printed with a value, reconciled with the unit of its column.

A table cell may carry its unit ("251000元", "5 万元", "3件"; engine/parse/cells.Token.unit). The
template fixes each column's unit: the 万元 amounts of table 二 (本年收费金额（单位：万元）,
采购总金额（单位：万元）, read from engine/template column labels) and counts everywhere else.

- a money unit in a money column is converted EXACTLY to the column's unit (Decimal, powers of ten:
  251000元 → 25.1 万元); `raw` keeps what was printed; UNIT_CONVERTED (info) quotes both;
- the column's own unit (5万元 in a 万元 column, 3件 in a count column) changes nothing;
- a report whose header declares another money unit for an amount column ("本年收费金额（单位：元）")
  has its unit-less values in that unit: they are converted the same way (UNIT_CONVERTED says so);
- a unit that cannot be reconciled (件 in a 万元 column, 元 or % in a count column) makes the cell
  kind "text" (raw = as printed, value unknown) with UNIT_MISMATCH: we never guess what was meant.
"""
from __future__ import annotations

import re
from functools import lru_cache
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import Token
from engine.parse.grid import RowRead
from engine.parse.normalize import label_pattern

# Money units as powers of ten of 元.
MONEY_EXPONENT = {"元": 0, "千元": 3, "万元": 4, "万": 4, "亿元": 8}
COUNT_UNITS = frozenset({"件", "条", "个", "项", "次", "人次"})
_LABEL_UNIT = re.compile(r"[（(]\s*(?:单位\s*[:：]\s*)?(?P<u>[^）)]+?)\s*[）)]\s*$")


@lru_cache(maxsize=None)
def column_unit(label: str) -> str | None:
    """The money unit a template column label declares ("本年收费金额（单位：万元）" → "万元"), else None
    (a count column)."""
    m = _LABEL_UNIT.search(label)
    if m and m.group("u") in MONEY_EXPONENT:
        return m.group("u")
    return None


def convert(value: Decimal, unit: str, to: str) -> Decimal:
    """value in `unit` expressed in `to` (both money units), exactly; trailing zeros dropped."""
    shift = MONEY_EXPONENT[unit] - MONEY_EXPONENT[to]
    # Exact whatever the number of digits: the default context (28 digits) would round a long
    # amount in normalize() and refuse it in quantize() (InvalidOperation for ≥ 25 digits in 亿元).
    ctx = Context(prec=len(value.as_tuple().digits) + abs(shift) + 2, Emax=MAX_EMAX, Emin=MIN_EMIN)
    out = value.scaleb(shift, context=ctx).normalize(context=ctx)
    if out.as_tuple().exponent > 0:          # 2亿元 → 20000, not 2E+4
        out = out.quantize(Decimal(1), context=ctx)
    return out


@lru_cache(maxsize=None)
def _declared_rx(col: str) -> re.Pattern:
    """A column label followed by its unit in brackets (template columns: compiled once)."""
    return re.compile(label_pattern(col) + r"\s*\(\s*(?:单位\s*:?\s*)?(?P<u>亿元|万元|千元|元)\s*\)")


def declared_units(text: str, columns: dict[str, str]) -> dict[str, str]:
    """column -> the money unit the report's own header declares for it, when it differs from the
    template's ("本年收费金额（单位：元）" in a report: its unit-less values are in 元). `text`: the table's
    folded text; `columns`: column -> template unit."""
    out = {}
    for col, unit in columns.items():
        m = _declared_rx(col).search(text)
        if m and MONEY_EXPONENT[m.group("u")] != MONEY_EXPONENT[unit]:
            out[col] = m.group("u")
    return out


def reconcile(table_name: str, key: str, addrs: list[str], units: list[str | None], read: RowRead,
              lines: list[SourceLine], table: Table, header_units: list[str | None] | None = None
              ) -> list[Diagnostic]:
    """Convert or refuse the units printed in one row's cells (units[i]: the money unit of column i,
    None for a count column; header_units[i]: the unit the report's header declares for column i
    when it differs — the unit of its values printed without one)."""
    diags: list[Diagnostic] = []
    for t in read.values:
        if t.unit:
            break
    else:
        if header_units is None or not any(header_units):
            return diags      # the common row: no unit printed and none declared, nothing to do
    for i, (addr, col_unit) in enumerate(zip(addrs, units)):
        cell = table.cells.get(addr)
        if cell is None or not cell.known:
            continue
        tok = _unit_token(addr, addrs, cell, read, lines)
        header_unit = header_units[i] if header_units else None
        unit = tok.unit if tok is not None else header_unit
        if unit is None or unit == col_unit or (col_unit is None and unit in COUNT_UNITS):
            continue
        if col_unit is not None and MONEY_EXPONENT.get(unit) == MONEY_EXPONENT[col_unit]:
            continue          # 25.1万 in a 万元 column
        line = lines[tok.line] if tok is not None else _line_of(cell, lines)
        if col_unit is not None and unit in MONEY_EXPONENT:
            value = convert(cell.value, unit, col_unit)
            table.cells[addr] = Cell(addr, "number", value, cell.raw, cell.line, cell.where, cell.recovered, cell.read)
            printed = cell.raw if tok is not None else f"{cell.raw}（表头单位：{unit}）"
            diags.append(D.unit_converted(table_name, key, addr, printed, str(value), col_unit, line))
        else:
            table.cells[addr] = Cell(addr, "text", None, cell.raw, cell.line, cell.where, read=cell.read)
            diags.append(D.unit_mismatch(table_name, key, addr, cell.raw, unit, col_unit, line))
    return diags


def _unit_token(addr: str, addrs: list[str], cell: Cell, read: RowRead, lines: list[SourceLine]) -> Token | None:
    """The token that printed the cell's value with a unit, if any."""
    if cell.recovered:
        # a digit run split into cells: its unit belongs to the run's last piece only
        last = read.values[-1] if read.values else None
        return last if addr == addrs[-1] and last is not None and last.unit else None
    return next((t for t in read.values if t.unit and t.raw == cell.raw and lines[t.line].no == cell.line), None)


def _line_of(cell: Cell, lines: list[SourceLine]) -> SourceLine | None:
    return lines[cell.line - 1] if cell.line and 0 < cell.line <= len(lines) else None
