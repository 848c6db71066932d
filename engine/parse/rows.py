"""Placing one row's tokens into its cells (the value policy of engine/parse/grid.py), for any table.

    n values == n cells           -> in order
    more values                   -> ROW_TOO_MANY_VALUES, cells "missing" (raw = the row's values)
    fewer, blanks in place        -> positional, empty cells "blank" + CELL_BLANK
    fewer, an untabbed digit run  -> left to engine/parse/digits.py (registered in `runs`; cells
                                     "missing" until recovered)
    fewer otherwise               -> ROW_TOO_FEW_VALUES, cells "missing" (raw = the row's values)
(an unreadable row is always kind "missing": see the convention in engine/parse/grid.py)
"""
from __future__ import annotations

import re

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import DECIMALS
from engine.parse.grid import _CELL_KIND, RowRead, cell_from_token, positional_slots, unknown_cell

_RUN = re.compile(r"-?\d+(?:\.\d+)?")
_new_object = object.__new__


def place_row(table_name: str, key: str, addrs: list[str], read: RowRead, lines: list[SourceLine],
              table: Table, lead: int, trail: int, runs: dict[str, RowRead]) -> list[Diagnostic]:
    """Cells of one row from its tokens, following the value policy of engine/parse/grid.py."""
    values = read.values
    n = len(addrs)
    row_line = lines[read.anchor.line] if read.anchor else (lines[values[0].line] if values else None)
    if read.doubt:
        raw = " ".join(t.raw for t in values)
        for a in addrs:
            table.cells[a] = unknown_cell(a, "missing", raw, row_line)
        return [D.row_unplaced(table_name, key, read.doubt, [t.raw for t in values], row_line, addrs)]
    if len(values) == n:
        how = "grid" if _from_grid(values, lines) else "order"
        cells = table.cells
        at = -1
        for a, t in zip(addrs, values):
            # cell_from_token of a VALUE token, inlined: this runs for nearly every cell of a report
            if t.line != at:        # (a row's values mostly stand on one line)
                at = t.line
                line = lines[at]
                no, where = line.no, line.where
            kind = _CELL_KIND[t.value_kind]
            # Cell(a, kind, value, t.raw, no, where, False, how), its fields set in order (cells.new_cell)
            c = cells[a] = _new_object(Cell)
            c.address = a
            c.kind = kind
            c.value = DECIMALS[t.text] if kind == "number" else None
            c.raw = t.raw
            c.line = no
            c.where = where
            c.recovered = False
            c.read = how
        return []
    raw = [t.raw for t in values]
    if len(values) > n:
        for a in addrs:
            table.cells[a] = unknown_cell(a, "missing", " ".join(raw), row_line)
        return [D.too_many(table_name, key, n, raw, row_line, addrs)]
    slots = positional_slots(read.tokens, n, lead, trail)
    if slots is not None:
        blanks = []
        # TAB positions: the cells of a real grid, or columns of tab-separated text (copy-paste)
        how = "grid" if _from_grid(slots, lines) else "aligned"
        for a, t, col in zip(addrs, slots, _columns(table_name, addrs)):
            table.cells[a] = cell_from_token(a, t, lines[t.line], how)
            if t.kind == "empty":
                blanks.append((a, col))
        line = lines[slots[0].line] if slots else row_line
        return [D.cell_blank(table_name, key, [c for _, c in blanks], line, [a for a, _ in blanks])]
    if values and all(not t.tabbed and is_run(t.text) for t in values) and not _spaced_columns(values, lines) \
            and sum(len(t.text.lstrip("+-").partition(".")[0]) for t in values) >= n:
        runs[key] = read
        for a in addrs:        # provisional: replaced when recovered
            table.cells[a] = unknown_cell(a, "missing", " ".join(raw), row_line)
        return []
    for a in addrs:
        table.cells[a] = unknown_cell(a, "missing", " ".join(raw), row_line)
    return [D.too_few(table_name, key, n, raw, row_line, addrs)]


def _from_grid(tokens, lines: list[SourceLine]) -> bool:
    """The tokens are cells of a structured table (lines a grid reader emitted: SourceLine.table)."""
    if not tokens:
        return False
    for t in tokens:
        if lines[t.line].table is None:
            return False
    return True


def _spaced_columns(values, lines: list[SourceLine]) -> bool:
    """Values set apart by wide gaps (2+ spaces, or one value per line): text laid out in columns
    (pdftotext -layout, reading-order text), where each token is one cell and a missing cell is a
    gap — never digits run together, so no split is attempted."""
    if len({t.line for t in values}) > 1:
        return True
    text = lines[values[0].line].text
    return any("  " in text[a.start + len(a.raw):b.start] for a, b in zip(values, values[1:]))


def is_run(text: str) -> bool:
    """Digits, possibly signed, possibly with decimals: what a flattened row's values look like."""
    return _RUN.fullmatch(text) is not None


def _columns(table_name: str, addrs: list[str]) -> list[str]:
    if table_name == "review":
        return [".".join(a.split(".")[1:]) for a in addrs]
    return [a.rsplit(".", 1)[-1] for a in addrs]
