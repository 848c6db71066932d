"""Shared machinery of table extraction: regions, label anchors, row segments and the value policy.

A table is read by ANCHORING ON THE TEMPLATE'S LABELS, not on layout:
1. the table's region is the text between two part headings (positions, so a flattened one-line
   body works the same as a TAB grid or one cell per line);
2. every row label of the template is searched in the region (folded text, spaces allowed inside
   labels, a label's numbering "1." / "（一）" / "一、" optional unless the label is too short to be
   distinctive, e.g. "（七）总计", "3.其他"); a row label is matched on its first characters only, so a
   label broken over two cells or lines ("4.无正当理由大量" … "反复申请") is still found, and the rest of
   it is ignored as text;
3. of all label matches, the longest chain in template order is kept (a label seen twice, or out of
   order, does not derail the table);
4. a row's values are the tokens from the end of its label to the next label (row label or a known
   group/column label) — they may continue on following lines (one cell per line, PDF rows); the row
   ends at the first text token after its first value. When no row has a value on its label's line
   and the values BEFORE each label fit the rows better, those are taken (PDF text that prints a
   row's figures on the line above its label). Markdown rows "| a | b |" are TAB rows
   (engine/parse/normalize.markdown_row_as_tabs).

A table whose every row found reads as exactly its values (a TAB row on the label's line, one
value per line below the label, …) skips all of this: engine/parse/plain.py gives the same cells
directly (tests/test_plain.py compares both ways); one row that does not sends the table here.

Value policy (documented here because rules depend on it):
- n values == expected columns: assigned in order; empty TAB cells around them are layout.
- fewer values: empty TAB cells may be blank cells. Leading/trailing empty cells are layout padding
  up to the amount that the table's COMPLETE rows show (e.g. rows "label⇥⇥0⇥…⇥0⇥" teach one leading and
  one trailing padding cell). If, after removing that padding, the row has exactly the expected
  number of cells, the mapping is positional and the empty ones are kind "blank" (+ CELL_BLANK).
  A grid row (one line of TAB cells from DOCX/HTML/ruled PDF, which keep the grid's width) may also
  show more empty cells than its value count in front of its values: those are the positions its
  label cell spans, dropped from the front until the row has its width (Shanghai 2019 has no
  complete row to learn padding from). A row whose value cells are all empty is all blank.
  Positions a merged cell covers beyond its first (SourceLine.spanned: the grid readers know them)
  are dropped before any of this, so a grid row's blank cell is never taken for padding.
  Otherwise the row is malformed: ROW_TOO_FEW_VALUES, and ALL its cells are kind "missing" (which
  value belongs to which column cannot be known; the diagnostic quotes the values seen).
- more values: ROW_TOO_MANY_VALUES, ALL the row's cells are kind "missing" with raw = the row's values
  (we never choose which ones to keep).
- values run together without separators (lines without TAB): see engine/parse/digits.py; a run
  that cannot be split leaves ALL the row's cells kind "missing" (raw = the run) + DIGITS_AMBIGUOUS.

One convention for an UNREADABLE ROW (too few values, too many, an ambiguous digit run): every cell
of the row is kind "missing" — the cell's value cannot be located in the source — with raw = what
the row states and the row's line; the diagnostic (ROW_TOO_FEW_VALUES / ROW_TOO_MANY_VALUES /
DIGITS_AMBIGUOUS, engine/facts/extractors/structure.SHAPE_CODES) says why. Kind "text" is kept
for a CELL that states something that is not a number ("见附件", "3件" in a 万元 column).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from functools import lru_cache
from operator import attrgetter

from engine.model import Cell, SourceLine
from engine.parse.anchors import (HEAD_CHARS, SHORT_CORE, Anchor, AnchorSet, Pos, Region,  # noqa: F401  (re-exported)
                                  label_first_chars, prefix_pattern, row_label_pattern, stop_label_pattern)
from engine.parse.cells import _KINDS, EMPTY, TEXT, VALUE, Token, DECIMALS, new_cell, tokens_of_piece, word_kind
from engine.parse.normalize import squeeze
from engine.parse.sides import label_sides

_CJK = re.compile(r"[\u4e00-\u9fff]")

_new = tuple.__new__       # Token(...) without its generated __new__ (same tuple)
# What a VALUE token needs (engine/parse/cells.py): a digit, a dash or 无; a cell without any of
# these tokenises to TEXT tokens only
_MAYBE_VALUE = re.compile(r"\d|[—\-/\\]|无")

MAX_ROW_MATCHES = 600    # label matches considered per table (guards the quadratic chain search)
_ANCHOR_POS = attrgetter("line", "start")      # Anchor.pos, without the property's Python call


class _Values:
    """RowRead.values: the VALUE tokens, computed on first use and then a plain attribute of the
    read (what functools.cached_property does, without the lock it takes in Python 3.11)."""

    def __get__(self, read, owner=None):
        if read is None:
            return self
        values = read.__dict__["values"] = [t for t in read.tokens if t.kind == VALUE]
        return values


class RowRead:
    """What the text says for one row: its anchor and the tokens after it.

    `doubt`: why the tokens cannot be given to this row with certainty (then its cells stay
    unknown). A plain class rather than a dataclass: every row of every table makes one, and
    `values` is asked for many times.
    """

    def __init__(self, key: str, anchor: Anchor | None, tokens: list[Token] | None = None, doubt: str = ""):
        self.key = key
        self.anchor = anchor
        self.tokens = [] if tokens is None else tokens
        self.doubt = doubt

    values = _Values()

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.key, self.anchor, self.tokens, self.doubt) == (other.key, other.anchor, other.tokens, other.doubt)

    __hash__ = None

    def __repr__(self) -> str:
        return f"RowRead(key={self.key!r}, anchor={self.anchor!r}, tokens={self.tokens!r}, doubt={self.doubt!r})"


def chain(anchors: list[Anchor], order: list[str]) -> dict[str, Anchor]:
    """The longest run of row anchors in document order whose keys follow the template order."""
    rank = _rank(tuple(order))
    # the chain search is quadratic: a table region never holds more than a few matches per row
    rows = [a for a in anchors if a.kind == "row" and a.key in rank][:MAX_ROW_MATCHES]
    n = len(rows)
    if not n:
        return {}
    ranks = [rank[a.key] for a in rows]
    if all(map(int.__lt__, ranks, ranks[1:])):
        # every match in template order, each row once (a table read cleanly): the chain is all of
        # them — the search below would give the same, built from the last back to the first
        return {a.key: a for a in reversed(rows)}
    best = [1] * n
    prev = [-1] * n
    for i in range(1, n):
        ri, bi, pi = ranks[i], 1, -1
        for j in range(i):
            # the first j that gives the longest chain (best[j] + 1 > bi)
            if ranks[j] < ri and best[j] >= bi:
                bi, pi = best[j] + 1, j
        best[i], prev[i] = bi, pi
    i = max(range(n), key=lambda k: (best[k], -k))
    out: dict[str, Anchor] = {}
    while i >= 0:
        out[rows[i].key] = rows[i]
        i = prev[i]
    return out


@lru_cache(maxsize=64)
def _rank(order: tuple[str, ...]) -> dict[str, int]:
    """Each key's place in a template order (the orders are the templates' and variants': made once;
    read only)."""
    return {k: i for i, k in enumerate(order)}


def collect_tokens(lines: list[SourceLine], folded: list[str], start: Pos, end: Pos, label: str = "") -> list[Token]:
    """Tokens from `start` (just after a label) to `end` (the next label), with the row-end rule.

    `label`: the row's full label (with its group labels); a text token that is a piece of it is
    the label wrapped onto the next line ("行政机关不再处理其政府信息公开" / "申请", a group label's
    "他处理"), not the end of the row: values printed beside a wrapped label's lines stay the row's.
    """
    return _collect(lines, folded, start.line, start.col, end.line, end.col, label)


def _collect(lines: list[SourceLine], folded: list[str], first: int, start_col: int, last: int, end_col: int,
             label: str, started: bool = False) -> list[Token]:
    """collect_tokens from (first, start_col) to (last, end_col), positions as plain numbers.
    `started`: the row has a value already (engine/parse/plain.py reads a row's label line itself
    and asks for the rest of the row: start_col at the end of the label's line)."""
    toks: list[Token] = []
    append = toks.append
    kinds_get = _KINDS.get
    whole = _squeezed_label(label) if label else ""
    for li in range(first, min(last, len(lines) - 1) + 1):
        f = folded[li]
        n = len(f)
        a = start_col if li == first else 0
        b = end_col if li == last else n
        if a >= b:
            continue
        seg = f[a:b] if (a or b != n) else f
        label_line = li == first
        if not seg.strip():
            # a grid row's empty cells after its label (on the label's own line) are blank cells,
            # not nothing — whether the row came from a DOCX/HTML grid or a TAB-separated text
            # line; so is a line of nothing but empty cells (a grid row left blank, e.g. the review
            # table's) — but not the empty cells in front of the NEXT label on its line: those are
            # that row's
            grid_row = (label_line and "\t" in seg) or (seg.count("\t") >= 2 and b == n
                                                         and not seg.strip(" \t"))
            if not grid_row:
                continue
        tabbed = "\t" in f
        line = lines[li]
        raw = line.text
        # the raw text of the segment is its folded text (digits, ASCII): a cell's raw is its text
        same = (raw == f) if seg is f else (raw[a:b] == seg)
        col = a
        # a grid row's positions that a merged cell covers beyond its first are layout, not blank
        # cells ("行政许可⇥161⇥⇥": one value merged over three columns; "规章⇥206⇥138⇥": a blank)
        spanned = line.spanned
        first = f.count("\t", 0, a) if spanned else 0
        # the cells of line[a:b] (split_cells, inlined: this loop runs for every cell of every table)
        for k, fc in enumerate(seg.split("\t")):
            # the common cells first: an empty cell, a value word as it stands (a known value word
            # has no space around it: the memo holds classify_word's words, which fullmatch a value)
            if not fc:
                if (k or not label_line) and not (spanned and first + k in spanned):
                    append(_new(Token, (EMPTY, "", "", li, col, "", tabbed, "")))
                col += 1
                continue
            pos = col
            col += len(fc) + 1
            kind = kinds_get(fc)
            if kind:
                started = True
                append(_new(Token, (VALUE, fc, fc if same else raw[pos:pos + len(fc)], li, pos, kind, tabbed, "")))
                continue
            stripped = fc.strip()
            if not stripped:
                if (k or not label_line) and not (spanned and first + k in spanned):
                    # (k == 0 on the label's line: the rest of its cell)
                    append(_new(Token, (EMPTY, "", "", li, pos, "", tabbed, "")))
                continue
            if " " not in stripped:     # tokens_of_piece's common case: one value word in the cell
                kind = _KINDS.get(stripped)
                if kind is None:
                    kind = word_kind(stripped)
                if kind:
                    if len(stripped) != len(fc):
                        pos += fc.index(stripped)
                    started = True
                    append(_new(Token, (VALUE, stripped, raw[pos:pos + len(stripped)], li, pos, kind, tabbed, "")))
                    continue
            if (tabbed or not started) and _MAYBE_VALUE.search(stripped) is None:
                # a cell of text only (a label's rest, a group label): tokens_of_piece would give
                # TEXT tokens alone, which end a started row (in a TAB row, whatever they say) or
                # are passed over
                if started:
                    return toks
                continue
            for t in tokens_of_piece(fc, raw[pos:pos + len(fc)], li, pos, tabbed):
                if t.kind == TEXT:
                    if started and not (whole and not tabbed and _label_piece(t.text, whole)):
                        return toks
                    continue
                if t.kind == VALUE:
                    started = True
                append(t)
    # trailing empties after the last line of the row belong to the layout of the NEXT label's line
    return toks


@lru_cache(maxsize=1024)
def _squeezed_label(label: str) -> str:
    """squeeze() of a row's label: the template's labels, squeezed once per process, not per row."""
    return squeeze(label)


def _label_piece(text: str, whole: str) -> bool:
    piece = squeeze(text)
    return bool(piece) and piece in whole and (len(piece) >= 2 or _CJK.fullmatch(piece) is not None)


def read_rows(lines: list[SourceLine], folded: list[str], anchors: list[Anchor], chosen: dict[str, Anchor],
              region: Region, expected: dict[str, int] | None = None,
              labels: dict[str, str] | None = None, plain: Collection[str] = ()) -> dict[str, RowRead]:
    """For each chosen row anchor, the tokens up to the next anchor of any kind.

    PDF text sometimes puts a row's values on the line BEFORE its label. When no row has a value on
    its label's own line and more rows find exactly their number of values before their label than
    after it, the values before each label are taken (`expected`: values per row, enables the check).

    `plain`: rows read already (engine/parse/plain.Partial: TAB rows whose values are exactly their
    label line's cells), left out of the result. Such a row has values on its label's line (so the
    rows are read after their labels) and changes no other row's reading (_hand_on_full_lines
    passes over every pair it is in).
    """
    ordered = sorted(anchors, key=_ANCHOR_POS)
    chosen_ids = {id(a) for a in chosen.values()}
    relevant = [a for a in ordered if a.kind == "stop" or id(a) in chosen_ids]
    after: dict[str, RowRead] = {}
    labels = labels or {}
    region_end = region.end
    count = len(relevant)
    for i, a in enumerate(relevant):
        if id(a) in chosen_ids and a.key not in plain:
            if i + 1 < count:
                nxt = relevant[i + 1]
                end_line, end_col = nxt.line, nxt.start
            else:
                end_line, end_col = region_end.line, region_end.col
            after[a.key] = RowRead(a.key, a, _collect(lines, folded, a.line, a.end, end_line, end_col,
                                                      labels.get(a.key, "")))
    if expected is not None:
        _hand_on_full_lines(after, expected, plain)
    after = {k: by_column(r, lines) for k, r in after.items()}
    if plain or expected is None or _has_inline_values(after) or all(
            len(r.values) == expected[k] for k, r in after.items()):
        return after
    before: dict[str, RowRead] = {}
    prev_end = region.start
    for a in relevant:
        if id(a) in chosen_ids:
            before[a.key] = RowRead(a.key, a, _values_before(lines, folded, prev_end, a))
        prev_end = Pos(a.line, a.end)
    # Which side of its label a row's values stand on is decided by the table's edges, where only
    # one reading fits: the first row's values after its label and nothing before it (or a full
    # row after the last row's label) mean "after"; the last row's values before its label and
    # nothing after it (or a full row before the first row's label) mean "before". Both or
    # neither: the rows read away from their label stay unknown.
    order = list(expected)
    keys = [a.key for a in relevant if id(a) in chosen_ids]
    first, last = keys[0], keys[-1]
    # (the edge rows must be the template's own first and last rows: a label found out of place
    # leaves its values where they tell nothing)
    after_edge = (first == order[0] and not before[first].values and _full(after[first], expected[first])) \
        or (last == order[-1] and _full(after[last], expected[last]))
    before_edge = (last == order[-1] and not after[last].values and _full(before[last], expected[last])) \
        or (first == order[0] and _full(before[first], expected[first]))
    # ... and the other edge must not contradict it: the template's first row with no value before
    # its label cannot be read "before", its last row with none after its label cannot be read
    # "after" (reading-order text where some rows print their figure above the label and others
    # below it: 行政处罚 / 4119 / 行政强制 / 195 would give 行政强制 4119)
    before_contra = first == order[0] and not before[first].values
    after_contra = last == order[-1] and not after[last].values
    sides = label_sides(lines, folded, region, [a for a in relevant if id(a) in chosen_ids], expected, order)
    if after_edge and not before_edge and not after_contra:
        return _doubt_off_line(after, order, chosen, +1, "", sides)
    if before_edge and not after_edge and not before_contra:
        return _doubt_off_line(before, order, chosen, -1, "", sides)
    reads = before if _values_precede_labels(after, before, expected) else after
    return _doubt_off_line(reads, order, chosen, -1 if reads is before else +1,
                           "表格首尾两端无法判断数值在标签之前还是之后", sides)


def _full(read: RowRead, n: int) -> bool:
    """The read holds a whole row: n values, or one TAB row of n cells (blank cells included)."""
    if len(read.values) == n:
        return True
    cells = [t for t in read.tokens if t.tabbed and t.kind in (VALUE, EMPTY)]
    return bool(read.values) and len(cells) == n and len({t.line for t in cells}) == 1


def _doubt_off_line(reads: dict[str, RowRead], order: list[str], chosen: dict[str, Anchor],
                    step: int, edge: str, sides: dict[str, str | None] | None = None) -> dict[str, RowRead]:
    """Rows read away from their label's line (values on the lines after it, step +1, or before it,
    step -1) are certain only when the table's edges agree with that side (`edge` says how they do
    not) and the neighbouring template row on that side was found in its place: otherwise labels
    and values are scrambled (reading-order text of a PDF) and the values could be another row's.
    Likewise when the numbers of values between the labels do not place the row's values on that
    side (`sides`, _label_sides): some labels above their values and others below them (三.二's
    label, its figures, then 三.三.1's label: read "before", 三.三.1 would get 三.二's figures)."""
    out = dict(reads)
    side = "之后" if step > 0 else "之前"
    for key, read in reads.items():
        if read.anchor is None or not read.values or any(t.line == read.anchor.line for t in read.values):
            continue
        i = order.index(key) if key in order else -1
        j = i + step
        why = edge
        if not why and i >= 0 and 0 <= j < len(order) and (
                order[j] not in chosen or (chosen[order[j]].pos < read.anchor.pos) != (step < 0)):
            why = "相邻一行的标签不在其应有位置"
        if not why and sides and sides.get(key) != ("after" if step > 0 else "before"):
            why = "各标签之间的数值个数表明，这些数值也可能属于相邻的一行"
        if why:
            out[key] = RowRead(key, read.anchor, read.tokens,
                               doubt=f"数值不在该行标签所在行，而在标签{side}；{why}，无法确定这些数值属于哪一行")
    return out


def _hand_on_full_lines(after: dict[str, RowRead], expected: dict[str, int], plain: Collection[str] = ()) -> None:
    """A row complete on its own label's line followed by one more full line of values, before a
    next row that has none: that line is the next row's, printed above its label (a label centred in
    a taller cell: "8.属于行政查询事项 0 … 0" / "0 … 0" / "1.本机关不掌握相关政府信息")."""
    keys = [k for k in expected if k in after or k in plain]
    for k, nxt in zip(keys, keys[1:]):
        if k in plain or nxt in plain:
            continue            # (a TAB row of values on its label's line, either way: passed over below)
        read, following = after[k], after[nxt]
        toks = read.tokens
        if read.anchor is None or following.values or (toks and toks[0].tabbed) or any(t.tabbed for t in toks):
            continue
        inline = [t for t in read.values if t.line == read.anchor.line]
        rest = [t for t in read.values if t.line != read.anchor.line]
        if len(inline) == expected[k] and len(rest) == expected[nxt] and len({t.line for t in rest}) == 1:
            after[k] = RowRead(k, read.anchor, [t for t in read.tokens if t.line == read.anchor.line])
            after[nxt] = RowRead(nxt, following.anchor, rest)


OVERLAP_DOUBT = "该行数值分布在几行上，各行数值的字符列位置相互重叠，无法确定各数值所属的列"


def by_column(read: RowRead, lines: list[SourceLine]) -> RowRead:
    """A row of column-laid text (pdftotext -layout) whose values stand on several lines (a wrapped
    label: 总计 printed beside the label's first line, the other values on its second) is read
    left to right by character column, not line by line. Values that share columns across lines
    (one value per line: reading-order text) keep their order; a mix of both cannot be ordered."""
    values = read.values
    toks = read.tokens
    if read.doubt or (toks and toks[0].tabbed) or any(t.tabbed for t in toks) or len({t.line for t in values}) < 2:
        return read
    spans = [(t.start, t.start + len(t.raw)) for t in values]
    overlapping = sum(1 for i, a in enumerate(spans) for b in spans[i + 1:] if a[0] < b[1] and b[0] < a[1])
    if overlapping == 0:
        return RowRead(read.key, read.anchor, sorted(read.tokens, key=lambda t: t.start))
    per_line = Counter(t.line for t in values)
    if all(count == 1 for count in per_line.values()):
        return read
    return RowRead(read.key, read.anchor, read.tokens, doubt=OVERLAP_DOUBT)


def _has_inline_values(reads: dict[str, RowRead]) -> bool:
    """Some row has a value on its label's own line."""
    for r in reads.values():
        values = r.values
        if values:
            line = r.anchor.line
            for t in values:
                if t.line == line:
                    return True
    return False


def _values_before(lines: list[SourceLine], folded: list[str], start: Pos, a: Anchor) -> list[Token]:
    """Value tokens on the lines between `start` and anchor `a`'s line (not on either of them)."""
    if a.line - start.line < 2 and not (start.line == 0 and start.col == 0):
        return []
    first = Pos(start.line + 1, 0) if start.col else start
    toks = collect_tokens(lines, folded, first, Pos(a.line, 0))
    return [t for t in toks if t.kind == VALUE]


def _values_precede_labels(after: dict[str, RowRead], before: dict[str, RowRead], expected: dict[str, int]) -> bool:
    fits_after = sum(1 for k, r in after.items() if len(r.values) == expected[k])
    fits_before = sum(1 for k, r in before.items() if len(r.values) == expected[k])
    return fits_before > fits_after


def padding(rows: list[RowRead], expected: dict[str, int]) -> tuple[int, int]:
    """Layout padding (leading, trailing empty cells) seen on the table's complete rows."""
    lead = trail = 0
    for r in rows:
        if len(r.values) != expected[r.key] or len(r.tokens) == len(r.values):
            # (a row of values only — tokens are VALUE or EMPTY — shows no padding)
            continue
        kinds = [t.kind for t in r.tokens]
        first = kinds.index(VALUE)
        last = len(kinds) - 1 - kinds[::-1].index(VALUE)
        lead = max(lead, kinds[:first].count(EMPTY))
        trail = max(trail, kinds[last + 1:].count(EMPTY))
    return lead, trail


def positional_slots(tokens: list[Token], expected: int, lead: int, trail: int) -> list[Token] | None:
    """The row's cells position by position, when the layout shows blank cells in place; else None."""
    toks = list(tokens)
    k = 0
    while toks and toks[0].kind == EMPTY and k < lead:
        toks.pop(0)
        k += 1
    k = 0
    while toks and toks[-1].kind == EMPTY and k < trail:
        toks.pop()
        k += 1
    # A row of a real grid (DOCX/HTML/ruled PDF) is one line that keeps the grid width: empty cells
    # before the values beyond the row's value count are the positions its label cell spans
    # ("一、…\t\t\t821\t35\t\t…"), whatever the table's complete rows showed (Shanghai 2019 has none).
    # Empty cells on the following line are that line's own label positions.
    if toks and all(t.tabbed for t in toks):
        own = [t for t in toks if t.line == toks[0].line]
        if len(own) >= expected and all(t.kind == EMPTY for t in toks[len(own):]):
            toks = own
            while len(toks) > expected and toks[0].kind == EMPTY:
                toks.pop(0)
    if len(toks) == expected and any(t.kind == EMPTY for t in toks) and all(t.tabbed for t in toks):
        return toks
    return None


_CELL_KIND = {"number": "number", "dash": "dash", "none": "none"}     # a value token's kind → the cell's


def cell_from_token(address: str, tok: Token, line: SourceLine, read: str) -> Cell:
    """The cell a token states; `read` says how the token was placed (engine/model.READ_HOW)."""
    if tok.kind == EMPTY:
        return new_cell(address, "blank", None, "", line.no, line.where, False, read)
    kind = _CELL_KIND[tok.value_kind]
    return new_cell(address, kind, DECIMALS[tok.text] if kind == "number" else None, tok.raw, line.no, line.where,
                    False, read)


def unknown_cell(address: str, kind: str, raw: str, line: SourceLine | None) -> Cell:
    if line is None:
        return new_cell(address, kind, None, raw, None, None, False, None)
    return new_cell(address, kind, None, raw, line.no, line.where, False, None)
