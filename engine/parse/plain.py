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
from typing import NamedTuple

from engine.model import Cell, SourceLine
from engine.parse.anchors import Anchor, Region
from engine.parse.cells import _KINDS, TEXT, DECIMALS, new_cell, tokens_of_piece, word_kind
from engine.parse.grid import _MAYBE_VALUE, VALUE, _collect

ENABLED = True            # tests turn it off to compare with the general path
_MAX_PLAIN_DECIMALS = 4   # a longer decimal part in a row without TAB: active.check_amounts decides
_ANCHOR_POS = attrgetter("line", "start")
_new_object = object.__new__

# key -> (label line index, the row's values: their texts, value kinds and raw texts); and the last
# line any token of the table's rows stands on (the table's span)
PlainRows = dict[str, tuple[int, list[str], list[str], list[str]]]


class Partial(NamedTuple):
    """A table some of whose rows are not plain (plain_rows(partial=True)): its TAB rows whose values
    are exactly the cells of their label's line (the common row, decided inline), and the padding
    those rows show, for the general reader to read the other rows around them."""
    rows: PlainRows         # the inline rows only
    lead: int               # the most empty cells before the first value of an inline row
    trail: int              # ... after its last value
    short: dict[str, list[str]]     # short rows: key -> the values (see plain_rows)


def plain_rows(lines: list[SourceLine], folded: list[str], anchors: list[Anchor], chosen: dict[str, Anchor],
               region: Region, width: dict[str, int], labels: dict[str, str] | None = None,
               partial: bool = False) -> tuple[PlainRows, int] | Partial | None:
    """Every chosen row read as a plain row (module doc), or None when one of them is not.

    `partial`: when some row is not plain, a Partial (its inline rows) instead of None, if it has
    any inline or short row; the caller reads the other rows the general way (grid.read_rows(plain=
    ...)). A SHORT row is an inline row with fewer values than cells and no empty cell at all: the
    general reader reads it as exactly those values (TAB tokens on its label's line, nothing else),
    which no padding or position can place (positional_slots needs an empty cell), no layout takes
    (TAB) and no digit run splits (TAB): ROW_TOO_FEW_VALUES, whatever the rest of the table. So is
    such a row followed by empty cells that the inline rows' trailing padding covers (_partial)."""
    if not ENABLED or not chosen:
        return None
    inline: dict[str, list[str]] | None = {} if partial else None
    short: dict[str, list[str]] = {}
    trailing: dict[str, tuple[list[str], int]] = {}
    general: list[str] = []
    chosen_ids = {id(a) for a in chosen.values()}
    relevant = [a for a in sorted(anchors, key=_ANCHOR_POS) if a.kind == "stop" or id(a) in chosen_ids]
    count = len(relevant)
    out: PlainRows = {}
    last_line = -1
    kinds_get = _KINDS.get
    for i, a in enumerate(relevant):
        if id(a) not in chosen_ids:
            continue
        if i + 1 < count:
            nxt = relevant[i + 1]
            end_line, end_col = nxt.line, nxt.start
        else:
            end_line, end_col = region.end.line, region.end.col
        key, li, start = a.key, a.line, a.end
        w = width[key]
        if end_line == li + 1:
            # the common row, decided here: a TAB row of known value words after a label cell of
            # text (or nothing), folded as printed, the next label's line empty before the label
            f = folded[li]
            line = lines[li]
            nf = folded[end_line]
            if "\t" in f and not line.spanned and end_col < len(nf) and not nf[:end_col].strip():
                fields = f[start:].split("\t")
                head = fields[0]
                if not head or _MAYBE_VALUE.search(head) is None:
                    texts = fields[1:]
                    if "" in texts:         # (most rows have no empty cell: no filtering then)
                        texts = list(filter(None, texts))
                    if len(texts) == w:
                        kinds = list(map(kinds_get, texts))
                        raw = line.text
                        if all(kinds) and (raw == f or raw[start:len(f)] == f[start:]):
                            out[key] = (li, texts, kinds, texts)
                            if li > last_line:
                                last_line = li
                            if inline is not None:
                                inline[key] = fields
                            continue
                    elif inline is not None and 0 < len(texts) < w:
                        # the values first, then only empty cells (none: a short row; some: one when
                        # the inline rows' padding takes them all, decided in _partial)
                        n = len(texts)
                        empties = len(fields) - 1 - n
                        if not any(fields[n + 1:]):     # (so the first n cells are the values)
                            kinds = list(map(kinds_get, texts))
                            raw = line.text
                            if all(kinds) and (raw == f or raw[start:len(f)] == f[start:]):
                                if empties:
                                    trailing[key] = (texts, empties)
                                else:
                                    short[key] = texts
                                general.append(key)     # (not plain: the table is read partly)
                                continue
        if general:
            general.append(key)     # (a partial reading already: the other rows go the general way)
            continue
        label = labels.get(key, "") if labels else ""
        row = _label_line(lines[li], folded[li], li, start, end_line) if end_line > li else None
        if row is not None and len(row[1]) == w:
            last = _rest(lines, folded, li, end_line, end_col, label)
            if last is not None:
                out[key] = row
                last_line = max(last_line, li, last)
                continue
        # not plain on its label's line: the general reader's tokens for the row, taken when they
        # are exactly the row's values with nothing for the rest of the machinery to do
        got = _column_row(lines, folded, li, start, end_line, end_col, w)
        if got is None:
            got = _general_row(lines, folded, li, start, end_line, end_col, label, w)
        if got is None:
            if inline is None:
                return None
            general.append(key)
            continue
        out[key], last = got
        last_line = max(last_line, last)
    if general:
        return _partial(out, inline, short, trailing) if inline or short else None
    return out, last_line


def _partial(out: PlainRows, inline: dict[str, list[str]], short: dict[str, list[str]],
             trailing: dict[str, tuple[list[str], int]]) -> Partial:
    """The inline rows of a partial reading and their padding: the general reader's tokens of such
    a row are its line's cells after the label, an empty cell each or a value (grid._collect; no
    merged cell, nothing after the line), so the empty cells before its first value and after its
    last are what grid.padding learns from it.

    `trailing`: rows of fewer values than cells, then only empty cells (key -> values, how many empty
    cells). The table's trailing padding is at least the inline rows' (grid.padding over the other
    rows can only raise it): when that takes every empty cell of such a row, positional_slots is left
    with its values alone and no empty cell, and the row is ROW_TOO_FEW_VALUES like a short row,
    whatever the other rows show. Otherwise the general reader reads it."""
    lead = trail = 0
    for fields in inline.values():
        cells = fields[1:]
        if "" in cells:
            k = 0
            while not cells[k]:
                k += 1
            lead = max(lead, k)
            k = 0
            while not cells[-1 - k]:
                k += 1
            trail = max(trail, k)
    for key, (texts, empties) in trailing.items():
        if empties <= trail:
            short[key] = texts
    return Partial({k: out[k] for k in inline}, lead, trail, short)


def _rest(lines: list[SourceLine], folded: list[str], li: int, end_line: int, end_col: int, label: str
          ) -> int | None:
    """After a plain label line, the rest of the row up to the next label: None when the general
    reader finds a value there, else the last line it gives a token on (-1: none)."""
    if end_line == li + 1:      # the common case, decided without the reader: the next label's
        nf = folded[end_line]   # line, its cells before the label empty
        if end_col < len(nf) and not nf[:end_col].strip():
            return -1
    last = -1
    for t in _collect(lines, folded, li, len(folded[li]), end_line, end_col, label, True):
        if t.kind == VALUE:
            return None
        last = t.line
    return last


def _label_line(line: SourceLine, f: str, li: int, start: int, end_line: int
                ) -> tuple[int, list[str], list[str], list[str]] | None:
    """The row's values on its label's line, when that line is read cell by cell exactly as the
    general reader does (plain); None otherwise."""
    if start >= len(f):
        return None
    if line.spanned and li < f.count("\t", 0, start) <= end_line:
        # (the general reader takes that count of TABs for the row's first line number: a later
        # line of that number would be read as the label's line)
        return None
    seg = f[start:]
    if "\t" not in f:
        return _spaced_values(li, seg, start, line.text)
    fields = seg.split("\t")
    head = fields[0]
    if head and _MAYBE_VALUE.search(head) is not None:
        return None         # the label's cell may state a value: the general reader decides
    texts = list(filter(None, fields[1:]))      # (empty cells: a label cell spanning columns, the
    kinds = list(map(_KINDS.get, texts))        # grid's edge)
    raw = line.text
    same = raw[start:len(f)] == seg
    if same and all(kinds):
        return li, texts, kinds, texts
    return _tab_cells(li, fields, start, raw, same)


def _column_row(lines: list[SourceLine], folded: list[str], li: int, start: int, end_line: int, end_col: int,
                width: int) -> tuple[tuple[list[int], list[str], list[str], list[str]], int] | None:
    """A row printed one cell per line below its label (reading-order text of a table: the label
    on its own line, then lines "⇥0", "⇥12" … up to the next label, whose line has nothing but
    empty cells before it), read as grid._collect reads those lines: an empty cell and a value
    each. None when the lines are not exactly that."""
    if end_line <= li + 1:
        return None
    rest = folded[li][start:]
    if rest and ("\t" in rest or _MAYBE_VALUE.search(rest) is not None or lines[li].spanned):
        return None             # (the label's own rest, "信息公开申请数量", is passed over)
    nf = folded[end_line]
    if end_col >= len(nf) or nf[:end_col].strip():
        return None
    at: list[int] = []
    texts: list[str] = []
    kinds: list[str] = []
    raws: list[str] = []
    kinds_get = _KINDS.get
    last = -1
    tabbed = False
    for k in range(li + 1, end_line):
        f = folded[k]
        if not f:
            continue
        line = lines[k]
        if line.spanned:
            return None
        if not f.strip():
            if f.count("\t") >= 2 and not f.strip(" \t"):
                last = k        # a line of empty cells: empty tokens (the row's span)
            continue
        if "\t" in f:
            head, _, word = f.partition("\t")
            if head or "\t" in word:
                return None
            pos = 1
            tabbed = cell_tab = True    # (an empty cell, then the value)
        else:
            word, pos, cell_tab = f, 0, False
        kind = kinds_get(word)
        if kind:
            raw = word if line.text == f else line.text[pos:pos + len(word)]
        else:
            stripped = word.strip()
            if " " in stripped:
                return None
            kind = kinds_get(stripped)
            if kind is None:
                kind = word_kind(stripped)
            if not kind:
                return None
            pos += word.index(stripped)
            word = stripped
            raw = line.text[pos:pos + len(word)]
        if not cell_tab and "." in word and len(word.rsplit(".", 1)[1]) > _MAX_PLAIN_DECIMALS:
            return None         # (a value without TAB: active.check_amounts decides)
        at.append(k)
        texts.append(word)
        kinds.append(kind)
        raws.append(raw)
        last = k
    if len(texts) != width or not tabbed:
        return None             # (values without any TAB on several lines: by_column orders them)
    return (at, texts, kinds, raws), last


def _general_row(lines: list[SourceLine], folded: list[str], li: int, start: int, end_line: int, end_col: int,
                 label: str, width: int) -> tuple[tuple[list[int], list[str], list[str], list[str]], int] | None:
    """A row from the general reader's tokens (grid._collect, as read_rows calls it), when they
    hold exactly `width` values, none with a unit, and read_rows would keep them as they are: a
    row with a TAB token (by_column reorders only text without TAB), else its values on one line
    with no long decimal part (active.check_amounts). ((lines, texts, kinds, raws), last line)"""
    toks = _collect(lines, folded, li, start, end_line, end_col, label)
    values = [t for t in toks if t.kind == VALUE]
    if len(values) != width:
        return None
    tabbed = False
    for t in toks:
        if t.tabbed:
            tabbed = True
            break
    for t in values:
        if t.unit or (not t.tabbed and "." in t.text and len(t.text.rsplit(".", 1)[1]) > _MAX_PLAIN_DECIMALS):
            return None
    if not tabbed and len({t.line for t in values}) > 1:
        return None
    row = ([t.line for t in values], [t.text for t in values], [t.value_kind for t in values],
           [t.raw for t in values])
    return row, max(t.line for t in toks)


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


def place(table_cells: dict, addrs: tuple[str, ...] | list[str],
          row: tuple[int | list[int], list[str], list[str], list[str]], lines: list[SourceLine]) -> None:
    """A plain row's cells, in order (rows.place_row of a row with exactly its values, inlined)."""
    at, texts, kinds, raws = row
    if at.__class__ is not int:
        _place_lines(table_cells, addrs, row, lines)
        return
    line = lines[at]
    no, where = line.no, line.where
    how = "order" if line.table is None else "grid"
    for a, text, kind, raw in zip(addrs, texts, kinds, raws):
        # Cell(a, kind, value, raw, no, where, False, how), its fields set in their order (cells.new_cell)
        c = table_cells[a] = _new_object(Cell)
        c.address = a
        c.kind = kind
        c.value = DECIMALS[text] if kind == "number" else None
        c.raw = raw
        c.line = no
        c.where = where
        c.recovered = False
        c.read = how


def _place_lines(table_cells: dict, addrs, row: tuple[list[int], list[str], list[str], list[str]],
                 lines: list[SourceLine]) -> None:
    """place() of a row whose values stand on several lines (each cell keeps its value's line)."""
    at, texts, kinds, raws = row
    got = [lines[li] for li in at]
    how = "grid"
    for line in got:
        if line.table is None:
            how = "order"
            break
    for a, line, text, kind, raw in zip(addrs, got, texts, kinds, raws):
        # new_cell(a, kind, value, raw, line.no, line.where, False, how), inlined as in place()
        c = table_cells[a] = _new_object(Cell)
        c.address = a
        c.kind = kind
        c.value = DECIMALS[text] if kind == "number" else None
        c.raw = raw
        c.line = line.no
        c.where = line.where
        c.recovered = False
        c.read = how


def place_values(table_cells: dict, addrs, values: list, lines: list[SourceLine]) -> None:
    """Exactly a row's values (VALUE tokens) in order into its cells: rows.place_row of a row with
    as many values as cells."""
    how = "grid" if all(lines[t.line].table is not None for t in values) else "order"
    at = -1
    for a, t in zip(addrs, values):
        if t.line != at:
            at = t.line
            line = lines[at]
            no, where = line.no, line.where
        kind = t.value_kind
        table_cells[a] = new_cell(a, kind, DECIMALS[t.text] if kind == "number" else None, t.raw, no, where, False,
                                  how)
