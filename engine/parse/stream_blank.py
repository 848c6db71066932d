"""Reading-order text whose blank cells vanished: rows read from the stream of labels and values
when the row each value belongs to is certain, after engine/parse/stream.py has done its part.

In reading-order text (`pdftotext` without -layout) a blank cell leaves no trace: a row of the
requests table with three figures prints three values, and where they stand among the row labels
is all that is left. In a well-behaved stream every row's values stand on the same side of its
label — all before it (the drawing order of many printed tables) or all after it — and a value on
the label's own line, after the label, is that row's (it is printed level with the label). This
module reads such a stream block by block (the requests table is one block; each 第二十条 item of
表二 is one, opened by its 第…项 header) and places values only where nothing is left to doubt:

1. The side is the block's edges: values right before the first row's label and none after the last
   row's mean "before"; the converse means "after"; both or neither, nothing is read (a block of one
   row needs no side: every value of the block is its row's).
2. Every row label of the table must stand in the text once, in template order, every row of a
   block labelled; a value standing anywhere else (before the header's words, after the text that
   ends the block, in an item without row labels) leaves the whole table alone.
3. A row's values are the ones on its side of its label up to the neighbouring label, plus the ones
   on its label's line after the label. A row whose segment holds text on a line of its own (a label
   wrapped onto a line of its own) is uncertain when it has values — the value may stand level with
   the wrapped label; a word that is neither numbering nor a piece of the table's labels (it could
   be a figure we cannot read) makes it uncertain in any case, and so do values both before its
   label and on its line. More values than columns in any segment: the side is not what the edges
   say, the table is left alone.
4. A certain row with no value: every cell is blank — unless some block's figures were taken by no
   row at all (they may be this row's, drawn elsewhere). With exactly as many values as columns: read in
   order. A block of one row whose values stand on both sides of its label is read only when the
   money column is told apart by a unit (采购总金额 "251000元" beside 采购项目数量 "6"); one with no
   value at all stays unknown (nothing in its block shows its figures were not drawn elsewhere).
   A row with fewer values than columns and more than none stays unknown here (the column of each
   value is not in the text) — but for the cells the table's sums pin, whichever way its figures are
   placed (engine/parse/stream_place.py; where no placement fits, the 总计 of engine/parse/stream_totals.py).
5. A row the row reader already read must be read the same way, else the whole table is left as
   the row reader gave it. Only cells still unknown ("missing") are filled; they are read "order",
   blank ones with CELL_BLANK (charged 待人工核对 like every blank of a text table), the rows with an
   info STREAM_ORDER diagnostic replacing the row reader's; a short row's diagnostic names its own
   figures (the row reader, reading the wrong side, may have named a neighbour's).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.model import Diagnostic, SourceLine, Table
from engine.parse import active as active_table
from engine.parse import diagnostics as D
from engine.parse import stream_place, stream_totals
from engine.parse import units
from engine.parse.cells import EMPTY, VALUE, Token, tokens_of_piece
from engine.parse.grid import Anchor, Region, RowRead, cell_from_token
from engine.parse.normalize import squeeze
from engine.template import ACTIVE_ITEMS

# numbering printed alone ("5.", "4.5." where a wrapped label put the next row's number on the line
# above, "(三)", "二、"): part of a label, never a figure
_NUMBERING = re.compile(r"(?:\d{1,2}[.、]|\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}、)+")
_MONEY_UNITS = frozenset({"元", "万元", "千元", "亿元"})
RESOLVED_CODES = frozenset({"ROW_TOO_FEW_VALUES", "ROW_TOO_MANY_VALUES", "ROW_UNPLACED", "ROW_MISSING",
                            "DIGITS_AMBIGUOUS"})


@dataclass(frozen=True)
class Item:
    kind: str                  # "row" | "stop" | "value" | "text"
    line: int
    start: int
    key: str = ""              # row key (row) / label key (stop)
    token: Token | None = None
    text: str = ""             # the folded word (text)


@dataclass(frozen=True)
class Spec:
    """What this module needs of a table: rows in template order with their addresses, the block
    each row belongs to, the stop that opens a block, the words that may stand in the table."""
    name: str
    rows: list[tuple[str, list[str]]]
    group: dict[str, str]
    opens_group: str
    vocabulary: str            # every label of the table squeezed and joined (row, group, column labels)
    money: frozenset[str] = frozenset()      # addresses of money columns (a unit tells them apart)


@dataclass
class Reading:
    rows: dict[str, list[Token]]               # row key -> its cells in column order (EMPTY = blank)
    uncertain: set[str]
    # rows whose values are certainly theirs but fewer than the columns (blank cells gone): unknown
    short: dict[str, list[Token]] = field(default_factory=dict)


def scan(lines: list[SourceLine], folded: list[str], region: Region, anchors: list[Anchor]) -> list[Item]:
    """Labels, values and other words of the region in reading order. A value is a whole word that
    is one value token; words inside an anchored label are the label's."""
    by_line: dict[int, list[Anchor]] = {}
    for a in anchors:
        by_line.setdefault(a.line, []).append(a)
    out: list[Item] = []
    last = min(region.end.line, len(folded) - 1)
    for li in range(region.start.line, last + 1):
        text = folded[li]
        lo = region.start.col if li == region.start.line else 0
        hi = region.end.col if li == region.end.line else len(text)
        pos = lo
        for a in [*sorted(by_line.get(li, []), key=lambda a: a.start), None]:
            stop = min(a.start if a is not None else hi, hi)
            out.extend(_words(lines[li].text, text, li, pos, stop))
            if a is None:
                break
            if a.start >= pos:
                out.append(Item(a.kind, li, a.start, key=a.key))
                pos = max(pos, a.end)
    return out


def _words(raw: str, folded: str, li: int, a: int, b: int) -> list[Item]:
    out = []
    col = a
    for word in folded[a:b].split(" "):
        if word:
            toks = tokens_of_piece(word, raw[col:col + len(word)], li, col, False)
            if len(toks) == 1 and toks[0].kind == VALUE:
                out.append(Item("value", li, col, token=toks[0]))
            else:
                out.append(Item("text", li, col, text=word))
        col += len(word) + 1
    return out


def read(spec: Spec, items: list[Item]) -> Reading | None:
    """The rows the stream makes certain (module docstring), or None when the table is left alone."""
    rank = {k: n for n, (k, _) in enumerate(spec.rows)}
    keys = [it.key for it in items if it.kind == "row"]
    if any(k not in rank for k in keys) or len(set(keys)) != len(keys) \
            or keys != sorted(keys, key=rank.__getitem__):
        return None              # a label twice or out of order: which label is the row's is not certain
    marked = {it.line for it in items if it.kind in ("row", "stop")}
    out = Reading({}, set())
    loose = False
    for a, b in _blocks(spec, items):
        before = len(out.rows) + len(out.short) + len(out.uncertain)
        if not _read_block(spec, items, a, b, marked, out):
            return None
        if before == len(out.rows) + len(out.short) + len(out.uncertain) \
                and any(items[i].kind == "value" for i in range(a, b)):
            loose = True         # a block whose figures no row took: whose they are is open
    if loose:
        # a row with no figure in its segment is blank only when every figure of the table has a
        # row: drawn column by column, a row's figures can stand in another item's block (规章's
        # 本年废止件数 and 现行有效件数 printed after the header of 第（六）项)
        out.rows = {k: toks for k, toks in out.rows.items() if any(t.kind != EMPTY for t in toks)}
    return out


def _blocks(spec: Spec, items: list[Item]) -> list[tuple[int, int]]:
    """Index ranges [a, b) of the blocks: the whole stream, or cut at each stop opening an item."""
    cuts = [i for i, it in enumerate(items) if spec.opens_group and it.kind == "stop" and it.key == spec.opens_group]
    bounds = [0, *cuts, len(items)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _read_block(spec: Spec, items: list[Item], a: int, b: int, marked: set[int], out: Reading) -> bool:
    """Read one block into `out`; False when the table must be left alone."""
    width = dict(spec.rows)
    rows = [i for i in range(a, b) if items[i].kind == "row"]
    if not rows:
        # figures in an item without any row label are not certainly anyone's
        return not any(items[i].kind == "value" for i in range(a, b))
    keys = [items[i].key for i in rows]
    group = spec.group.get(keys[0], "")
    if keys != [k for k, _ in spec.rows if spec.group.get(k, "") == group]:
        return False             # a row not labelled in the text: its neighbours' segments are not certain
    lead, stray = _lead(items, a, rows[0])
    trail, end = _trail(items, rows[-1], b, spec.vocabulary)
    if stray or any(items[i].kind == "value" for i in range(end, b)):
        return False             # a value before the header's words or after the text that ends the table
    lead_vals = [i for i in lead if items[i].kind == "value"]
    trail_vals = [i for i in trail if items[i].kind == "value"]
    if len(rows) == 1:
        return _single_row(spec, items, rows[0], lead_vals, trail_vals, trail, marked, out)
    if lead_vals and not trail_vals:
        side = -1
    elif trail_vals and not lead_vals:
        side = +1
    else:
        return True              # the edges do not show the side: nothing certain in this block
    for n, i in enumerate(rows):
        key = items[i].key
        if side < 0:
            seg = lead if n == 0 else list(range(rows[n - 1] + 1, i))
            prev = rows[n - 1] if n else None
        else:
            seg = trail if n + 1 == len(rows) else list(range(i + 1, rows[n + 1]))
            prev = None
        vals, clean = _segment(spec, items, seg, i, side, prev, marked)
        if len(vals) > len(width[key]):
            return False         # more values than columns: the side is not what the edges say
        if not clean:
            out.uncertain.add(key)
        elif not vals:
            out.rows[key] = [_blank(items[i])] * len(width[key])
        elif len(vals) == len(width[key]):
            out.rows[key] = vals
        else:
            out.short[key] = vals
    return True


def _blank(at: Item) -> Token:
    return Token(EMPTY, "", "", at.line, at.start, tabbed=False)


def _lead(items: list[Item], a: int, first: int) -> tuple[list[int], bool]:
    """Values right before the block's first row label (stops may stand among them), and whether any
    other value stands before it in the block (before the header's words: stray)."""
    lead: list[int] = []
    i = first - 1
    while i >= a and items[i].kind in ("value", "stop"):
        if items[i].kind == "value":
            lead.append(i)
        i -= 1
    stray = any(items[j].kind == "value" for j in range(a, i + 1))
    return lead[::-1], stray


def _trail(items: list[Item], last: int, b: int, vocabulary: str) -> tuple[list[int], int]:
    """The items after the block's last row label, off its line (those on it are its inline values
    and label words), up to the first word that is not label text (the table's end) or the block's
    end; and the index where they end."""
    out = []
    i = last + 1
    while i < b:
        it = items[i]
        if it.line != items[last].line:
            if it.kind == "row" or (it.kind == "text" and not _label_word(it.text, vocabulary)):
                break
            out.append(i)
        i += 1
    return out, i


def _line_after(items: list[Item], i: int) -> list[int]:
    """The items on label i's line after it, up to the next label on the line."""
    out = []
    for j in range(i + 1, len(items)):
        if items[j].line != items[i].line or items[j].kind in ("row", "stop"):
            break
        out.append(j)
    return out


def _inline(items: list[Item], i: int) -> list[int]:
    """Values on row label i's line after it: printed level with the label, the row's own."""
    return [j for j in _line_after(items, i) if items[j].kind == "value"]


def _segment(spec: Spec, items: list[Item], seg: list[int], i: int, side: int, prev: int | None,
             marked: set[int]) -> tuple[list[Token], bool]:
    """The values of row label i — those of its segment (on the block's side of the label, `prev`
    the previous row label when the side is before) and those on its own line after it — and
    whether they are certain (module docstring, rule 3)."""
    zone = _line_after(items, i)
    if prev is not None:         # on the previous row label's line, after it: that row's
        seg = [j for j in seg if not (items[j].line == items[prev].line and j > prev)]
    look = sorted(set(seg) | set(zone))
    vals = [j for j in look if items[j].kind == "value"]
    doubt = False
    if side < 0 and any(j in zone for j in vals) and any(j not in zone for j in vals):
        doubt = True             # values before the label and on its line: not one side
    if side > 0 and seg and seg[-1] + 1 < len(items):
        nxt = items[seg[-1] + 1]
        if nxt.kind == "row" and any(items[j].line == nxt.line for j in vals):
            doubt = True         # on the next label's line, before it: level with that row
    texts = [items[j] for j in look if items[j].kind == "text"]
    if any(not _label_word(t.text, spec.vocabulary) for t in texts):
        doubt = True             # a word we cannot read might be a figure
    if vals and any(t.line not in marked for t in texts):
        doubt = True             # a label wrapped onto a line of its own: a value may stand level with it
    return [items[j].token for j in vals], not doubt


def _label_word(word: str, vocabulary: str) -> bool:
    """Numbering alone ("5.", "4.5.", "(三)"), or a piece of the table's labels (two characters or
    more, no digit): never a figure."""
    w = squeeze(word)
    if _NUMBERING.fullmatch(w):
        return True
    return len(w) >= 2 and not any(ch.isdigit() for ch in w) and w in vocabulary


def _single_row(spec: Spec, items: list[Item], i: int, lead: list[int], trail: list[int], trail_items: list[int],
                marked: set[int], out: Reading) -> bool:
    """A block of one row: every value of the block is its row's (more than its columns: the stream
    is not read row by row, False). A row with no value at all stays unknown: nothing in the block
    shows that its figures were not drawn elsewhere."""
    key = items[i].key
    addrs = dict(spec.rows)[key]
    inline = _inline(items, i)
    if any(items[j].kind == "text" and items[j].line not in marked for j in trail_items):
        return True               # words after the row's label off its line: the end of the block is not certain
    if any(items[j].kind == "text" and not _label_word(items[j].text, spec.vocabulary) for j in _line_after(items, i)):
        return True               # a word we cannot read beside the label might be a figure
    vals = sorted(set(lead) | set(inline) | set(trail))
    if len(vals) > len(addrs):
        return False
    if not vals:
        return True
    toks = [items[j].token for j in vals]
    if len(vals) == len(addrs) and sum(1 for s in (lead, inline, trail) if s) == 1:
        out.rows[key] = toks
        return True
    # values on both sides of the label, or fewer than the columns: only a unit tells the money
    # column apart, and only in a row of one money column and one other
    money = [n for n, a in enumerate(addrs) if a in spec.money]
    if len(addrs) != 2 or len(money) != 1:
        return True
    priced = [t for t in toks if t.unit in _MONEY_UNITS]
    plain = [t for t in toks if not t.unit and t.value_kind == "number" and t.value == t.value.to_integral_value()]
    if len(priced) != 1 or len(plain) != len(toks) - 1:
        return True
    cells = [_blank(items[i])] * 2
    cells[money[0]] = priced[0]
    if plain:
        cells[1 - money[0]] = plain[0]
    out.rows[key] = cells
    return True


# words of the requests table's header (besides its column names) that stand before its first row
HEADER_WORDS = ("申请人情况", "法人或其他组织", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")


def complete(name: str, rows: list[tuple[str, list[str]]], group: dict[str, str], opens_group: str,
             words: list[str], table: Table, lines: list[SourceLine], folded: list[str], region: Region,
             anchors: list[Anchor], diagnostics: list[Diagnostic]) -> None:
    """Fill the cells of `table` still unknown where the stream leaves no doubt (module docstring).
    `words`: the labels the table's text may show besides the anchored ones (row, group, column labels)."""
    if not table.present or all(table.cells.get(a) is not None and table.cells[a].kind != "missing"
                                for _, row in rows for a in row):
        return
    stops = [a.key for a in anchors if a.kind == "stop"]
    columns = [a.rsplit(".", 1)[1] for _, row in rows for a in row]
    vocabulary = "|".join(squeeze(w) for w in (*words, *stops, *columns, *HEADER_WORDS))
    money = frozenset(a for _, row in rows for a in row if "金额" in a.rsplit(".", 1)[1])
    spec = Spec(name, rows, group, opens_group, vocabulary, money)
    reading = read(spec, scan(lines, folded, region, anchors))
    if reading is None:
        return
    placed = apply(spec, table, reading, lines, diagnostics)
    if name == "applications":
        pinned = stream_place.place(name, rows, reading.short, table, lines, diagnostics, RESOLVED_CODES)
        if pinned is None:
            pinned = stream_totals.totals(name, rows, reading.short, table, lines, diagnostics, RESOLVED_CODES)
        placed |= pinned
    if name == "active" and placed:
        diagnostics.extend(_active_units(table, placed, reading, lines, folded, region))


def _active_units(table: Table, placed: set[str], reading: Reading, lines: list[SourceLine], folded: list[str],
                  region: Region) -> list[Diagnostic]:
    """Units of the 表二 rows placed here, as the row reader treats them (engine/parse/units.py):
    251000元 in the 万元 column is 25.1; an amount run together with other digits is unknown."""
    items = ACTIVE_ITEMS.get(table.template or "", ())
    declared = units.declared_units(active_table.region_text(folded, region), {
        c: u for it in items for c in it.columns if (u := units.column_unit(it.label_of(c)))})
    out: list[Diagnostic] = []
    for it in items:
        for r in it.rows:
            key = f"{it.key}.{r}"
            addrs = [f"active.{key}.{c}" for c in it.columns]
            if key not in reading.rows or not placed.intersection(addrs):
                continue
            read = RowRead(key, None, [t for t in reading.rows[key] if t.kind != EMPTY])
            out += active_table.check_amounts(key, read, addrs, lines, table, it.columns)
            out += units.reconcile("active", key, addrs, [units.column_unit(it.label_of(c)) for c in it.columns],
                                   read, lines, table, [declared.get(c) for c in it.columns])
    return out


def apply(spec: Spec, table: Table, reading: Reading, lines: list[SourceLine],
          diagnostics: list[Diagnostic]) -> set[str]:
    """Fill the cells still unknown from `reading`; a contradiction with a cell already read leaves
    the table as it is. The addresses filled."""
    width = dict(spec.rows)
    placed: dict[str, Token] = {}
    for key, toks in reading.rows.items():
        for addr, tok in zip(width[key], toks):
            cell = table.cells.get(addr)
            if cell is not None and cell.kind != "missing":
                if not _agrees(cell, tok):
                    return set()
                continue
            placed[addr] = tok
    _name_short_rows(spec, table, reading, lines, diagnostics)
    if not placed:
        return set()
    for addr, tok in placed.items():
        table.cells[addr] = cell_from_token(addr, tok, lines[tok.line], "order")
    filled = [k for k, row in spec.rows if any(a in placed for a in row)
              and all(table.cells[a].kind != "missing" for a in row)]
    done = {a for k in filled for a in width[k]}
    diagnostics[:] = [d for d in diagnostics if not (d.table == spec.name and d.code in RESOLVED_CODES
                                                     and d.cells and set(d.cells) <= done)]
    for key, row in spec.rows:
        cells = [a for a in row if a in placed and placed[a].kind == EMPTY]
        if cells:
            tok = placed[cells[0]]
            diagnostics.append(D.cell_blank(spec.name, _row_id(spec, key), [a.rsplit(".", 1)[1] for a in cells],
                                            lines[tok.line], cells))
    if filled:
        first = min(placed.values(), key=lambda t: (t.line, t.start))
        missing = any(c.kind == "missing" for c in table.cells.values())
        diagnostics.append(D.stream_order(spec.name, [_row_id(spec, k) for k in filled], lines[first.line],
                                          sorted(placed), missing))
    return set(placed)


def _name_short_rows(spec: Spec, table: Table, reading: Reading, lines: list[SourceLine],
                     diagnostics: list[Diagnostic]) -> None:
    """A row whose values are certainly its own but fewer than its columns stays unknown; its
    diagnostic names those values (the row reader, reading the wrong side, may have named a
    neighbour's)."""
    width = dict(spec.rows)
    for key, toks in reading.short.items():
        addrs = width[key]
        if any(table.cells.get(a) is not None and table.cells[a].kind != "missing" for a in addrs):
            continue
        row = set(addrs)
        diagnostics[:] = [d for d in diagnostics if not (d.table == spec.name and d.code in RESOLVED_CODES
                                                         and row.intersection(d.cells))]
        line = lines[toks[0].line]
        diagnostics.append(D.make(
            "ROW_TOO_FEW_VALUES",
            f"{D.row_title(spec.name, key)}应有 {len(addrs)} 个数值，文本中只有 {len(toks)} 个（{'、'.join(t.raw for t in toks)}），"
            f"空白单元格在文本中已消失，无法确定各数值所属的列，按未知处理，待人工核对："
            f"请查看{line.where or '文中'}附近该行的原表，逐列核对", line, spec.name, addrs))


def _row_id(spec: Spec, key: str) -> str:
    return key


def _agrees(cell, tok: Token) -> bool:
    if tok.kind == EMPTY:
        return cell.kind == "blank"
    kind = {"number": "number", "dash": "dash", "none": "none"}[tok.value_kind]
    if tok.unit:                 # the row reader converted the unit (251000元 → 25.1 万元): as printed
        return cell.raw == tok.raw
    return cell.kind == kind and (kind != "number" or cell.value == tok.value)

