"""Plain grid rows, read straight into their cells: the common table in one pass.

Most tables are grids: each row's label, then the row's values in TAB cells on the label's own line
("（一）予以公开⇥0⇥0⇥1⇥0⇥1⇥0⇥2"). For such a row the general machinery (engine/parse/grid.read_rows,
then engine/parse/rows.place_row) builds a token per cell, looks for values on other lines, learns
the table's padding, checks for wrapped labels and figures, and finally places the values in order.
When EVERY row found of a table is plain, all of that comes to "the row's values, in order, on its
label's line": this module checks exactly that and gives the cells without the tokens.

A row is PLAIN when
- its label's line is a TAB row with no merged cell (SourceLine.spanned empty) and the next label
  (or the region's end) is on a later line;
- after the label, the rest of the label's cell states no value (the label's own wrapped rest:
  "大量", no digit, dash or 无), then come exactly the row's number of cells each holding one value
  word as it stands (no space around it), then only empty cells;
- from the end of that line to the next label, the general reader gives no value (it may give empty
  cells: a wrapped label's line "⇥反复申请⇥⇥…" — they matter only to the table's line span, which
  is kept).
A table whose rows are not all plain goes the general way, row by row, as before: the same cells by
construction, since a plain row is one that the general reader reads as exactly its values on its
label's line (tests/test_plain.py compares both paths over every layout and draw of the corpus).
"""
from __future__ import annotations

from operator import attrgetter

from engine.model import Cell, SourceLine
from engine.parse.anchors import Anchor, Region
from engine.parse.cells import _KINDS, TEXT, _decimal, tokens_of_piece, word_kind
from engine.parse.grid import _MAYBE_VALUE, VALUE, _collect

ENABLED = True            # tests turn it off to compare with the general path
_MAX_PLAIN_DECIMALS = 4   # a longer decimal part in a row without TAB: active.check_amounts decides
_ANCHOR_POS = attrgetter("line", "start")

# key -> (label line index, the row's values: their texts, value kinds and raw texts); and the last
# line any token of the table's rows stands on (the table's span)
PlainRows = dict[str, tuple[int, list[str], list[str], list[str]]]


def plain_rows(lines: list[SourceLine], folded: list[str], anchors: list[Anchor], chosen: dict[str, Anchor],
               region: Region, width: dict[str, int], labels: dict[str, str] | None = None
               ) -> tuple[PlainRows, int] | None:
    """Every chosen row read as a plain row (module doc), or None when one of them is not."""
    if not ENABLED or not chosen:
        return None
    chosen_ids = {id(a) for a in chosen.values()}
    relevant = [a for a in sorted(anchors, key=_ANCHOR_POS) if a.kind == "stop" or id(a) in chosen_ids]
    kinds_get = _KINDS.get
    count = len(relevant)
    out: PlainRows = {}
    last_line = -1
    for i, a in enumerate(relevant):
        if id(a) not in chosen_ids:
            continue
        if i + 1 < count:
            nxt = relevant[i + 1]
            end_line, end_col = nxt.line, nxt.start
        else:
            end_line, end_col = region.end.line, region.end.col
        li = a.line
        if end_line <= li:
            return None
        line = lines[li]
        f = folded[li]
        start = a.end
        if start >= len(f):
            return None
        if line.spanned and li < f.count("\t", 0, start) <= end_line:
            # (the general reader takes that count of TABs for the row's first line number: a later
            # line of that number would be read as the label's line)
            return None
        seg = f[start:]
        if "\t" in f:
            fields = seg.split("\t")
            head = fields[0]
            if head and _MAYBE_VALUE.search(head) is not None:
                return None         # the label's cell may state a value: the general reader decides
            texts = [fc for fc in fields[1:] if fc]     # (empty cells: a label cell spanning columns,
            kinds = list(map(kinds_get, texts))          # the grid's edge)
            raw = line.text
            same = raw[start:len(f)] == seg
            if same and all(kinds):
                row = (li, texts, kinds, texts)
            else:
                row = _tab_cells(li, fields, start, raw, same)
                if row is None:
                    return None
        else:
            row = _spaced_values(li, seg, start, line.text)
            if row is None:
                return None
        if len(row[1]) != width[a.key]:
            return None
        out[a.key] = row
        if li > last_line:
            last_line = li
        # the rest of the row: nothing, or only what gives no value (a next label's line whose
        # cells before the label are empty is the common case, decided here without the reader)
        if end_line == li + 1:
            nf = folded[end_line]
            if end_col < len(nf) and not nf[:end_col].strip():
                continue
        rest = _collect(lines, folded, li, len(f), end_line, end_col, labels.get(a.key, "") if labels else "", True)
        for t in rest:
            if t.kind == VALUE:
                return None
            if t.line > last_line:
                last_line = t.line
    return out, last_line


def _tab_cells(li: int, fields: list[str], start: int, raw: str, same: bool
               ) -> tuple[int, list[str], list[str], list[str]] | None:
    """The values of a TAB row's cells after its label, cell by cell as grid._collect reads them on
    the label's line, or None when that reading is not certain to be the general one: a cell of
    several words, a cell of text after a value (it ends the row), a text cell that may hold a value."""
    texts: list[str] = []
    kinds: list[str] = []
    raws: list[str] = []
    kinds_get = _KINDS.get
    col = start + len(fields[0]) + 1
    for fc in fields[1:]:
        if not fc:
            col += 1
            continue
        pos = col
        col += len(fc) + 1
        kind = kinds_get(fc)
        if kind:
            texts.append(fc)
            kinds.append(kind)
            raws.append(fc if same else raw[pos:pos + len(fc)])
            continue
        stripped = fc.strip()
        if not stripped:
            continue            # an empty cell
        if " " not in stripped:
            kind = kinds_get(stripped)
            if kind is None:
                kind = word_kind(stripped)
            if kind:
                if len(stripped) != len(fc):
                    pos += fc.index(stripped)
                texts.append(stripped)
                kinds.append(kind)
                raws.append(raw[pos:pos + len(stripped)])
                continue
        if texts or _MAYBE_VALUE.search(stripped) is not None:
            return None
        # (a cell of text before the values, the label's second cell: passed over)
    return li, texts, kinds, raws


def _spaced_values(li: int, seg: str, start: int, raw: str) -> tuple[int, list[str], list[str], list[str]] | None:
    """The values of a row of text without TAB after its label ("规章 231 102 216"): words of text
    (the label's rest) then value words only, each with no unit, as cells.tokens_of_piece gives
    them; None otherwise."""
    stripped = seg.strip()
    if not stripped or _MAYBE_VALUE.search(stripped) is None:
        return None
    toks = tokens_of_piece(seg, raw[start:start + len(seg)], li, start, False)
    texts: list[str] = []
    kinds: list[str] = []
    raws: list[str] = []
    for t in toks:
        if t.kind == VALUE:
            if t.unit or ("." in t.text and len(t.text.rsplit(".", 1)[1]) > _MAX_PLAIN_DECIMALS):
                return None     # (units.reconcile / an amount run into another number: the general way)
            texts.append(t.text)
            kinds.append(t.value_kind)
            raws.append(t.raw)
        elif texts or t.kind != TEXT:
            return None         # text after a value ends the row, or is a wrapped label's piece
    return li, texts, kinds, raws


def place(table_cells: dict, addrs: tuple[str, ...] | list[str], row: tuple[int, list[str], list[str], list[str]],
          lines: list[SourceLine]) -> None:
    """A plain row's cells, in order (rows.place_row of a row with exactly its values, inlined)."""
    li, texts, kinds, raws = row
    line = lines[li]
    no, where = line.no, line.where
    how = "order" if line.table is None else "grid"
    for a, text, kind, raw in zip(addrs, texts, kinds, raws):
        table_cells[a] = Cell(a, kind, _decimal(text) if kind == "number" else None, raw, no, where, False, how)
