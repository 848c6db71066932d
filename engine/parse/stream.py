"""Reading-order text (`pdftotext` without -layout, text copied out of a PDF viewer): a table read
as one stream of labels and values, after the row reader (engine/parse/grid.py) has done its part.

In this text each cell stands on its own line and the order follows the PDF's drawing order: a
row's values may follow a label printed several rows earlier (the labels of wrapped rows come
later, together), a value may stand at the end of a label's line ("…重新出具已 0"). The row reader
leaves such rows unknown. This module places values only where the stream leaves no doubt, and
only into cells the row reader left unknown ("missing"):

1. A run of values between the label of row a and the label of row b (template order, b after a),
   with exactly (b − a) × n values, belongs to rows a … b−1 read row by row (the drawing order of
   the rows whose labels were found in place around it). In a table with a row identity (requests
   table: 总计 = the six applicant columns) this is accepted only when every row adds up — one row
   too: the wrapped tails of the rows above (a 总计 printed below its row's other values) can stand
   under a label, exactly as many as its cells — and reading the run
   column by column would not also add up with other values, nor would any other block reading of
   it (stream_blocks.rows_only: some rows column by column): identities confirm the order, they
   never supply a value. Likewise a run before the first row label (rows 0 … b−1), a run after
   the template's last row (exactly n values), and in 表二 a run after the last row of a 第二十条
   item before the next item's header, or under an item's header before the label of its only row
   (the label printed after its figure) with the next item's header right after that label.
   A row whose own run (between its label and the next row's) is short stays unknown.
2. What remains: the table's cells still unknown and the values of its region not yet placed (by
   the row reader, by 1., or as a short row's own). When they are exactly as many and all the same
   ("0" everywhere: the common report with no requests), every cell gets that value whatever the
   order. A row whose label is nowhere in the region expects no value.
Anything else stays unknown with the row reader's diagnostic. A row placed here gets an info
diagnostic STREAM_ORDER and loses the row reader's diagnostics for it. A value placed here that
contradicts a cell the row reader read makes the whole stream reading of the table void.

Only regions that look like reading-order text are read this way (no TAB; most values alone on
their line), so grids, TAB text, Markdown, `pdftotext -layout` text and flattened pages keep exactly
what the row reader gives.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse import stream_blank, stream_blocks
from engine.parse.cells import VALUE, Token, tokens_of_piece
from engine.parse.grid import Anchor, Region, cell_from_token
from engine.parse.normalize import squeeze

ALONE_SHARE = 0.6          # share of a region's values alone on their line for reading-order text
MIN_VALUES = 3
# diagnostics of rows the stream fills (the row reader's reasons for leaving them unknown)
RESOLVED_CODES = frozenset({"ROW_TOO_FEW_VALUES", "ROW_TOO_MANY_VALUES", "ROW_UNPLACED", "ROW_MISSING",
                            "DIGITS_AMBIGUOUS", "TABLE_MISSING"})


@dataclass(frozen=True)
class Event:
    kind: str                  # "row" | "stop" | "value"
    key: str = ""              # the row key (row) / label key (stop)
    token: Token | None = None


@dataclass
class Shape:
    """The table as the stream needs it: rows in template order, each row's addresses."""
    name: str
    rows: list[tuple[str, list[str]]]          # (row key, addresses in column order)
    adds_up: bool = False                      # last column = sum of the others (row identity)
    labelled: bool = True                      # rows have labels (not the review table's one data row)
    # the table's sub-tables (表二's 第二十条 items): row key -> its item; the header label that opens
    # an item ("item") and the labels of an item's header (信息内容, its column labels)
    group: dict[str, str] = field(default_factory=dict)
    opens_group: str = ""
    heads: frozenset[str] = frozenset()
    labels: dict[str, str] = field(default_factory=dict)     # row key -> label (to tell it is in the text)
    groups: tuple[str, ...] = ()                              # group labels spanning rows (（三）不予公开 …)


def stream_events(lines: list[SourceLine], folded: list[str], region: Region, anchors: list[Anchor]) -> list[Event]:
    """Labels and values of the region in reading order. A value is a whole word that is one value
    token (a number, maybe with its unit, a dash, 无): digits inside a word ("4.5.保护…", "-3-") are
    not values. Words inside an anchored label are the label's."""
    by_line: dict[int, list[Anchor]] = {}
    for a in anchors:
        by_line.setdefault(a.line, []).append(a)
    out: list[Event] = []
    last = min(region.end.line, len(folded) - 1)
    for li in range(region.start.line, last + 1):
        text = folded[li]
        lo = region.start.col if li == region.start.line else 0
        hi = region.end.col if li == region.end.line else len(text)
        marks = sorted(by_line.get(li, []), key=lambda a: a.start)
        pos = lo
        for a in [*marks, None]:
            stop = a.start if a is not None else hi
            out.extend(_values(lines[li].text, text, li, pos, min(stop, hi)))
            if a is None:
                break
            out.append(Event(a.kind, a.key))
            pos = max(pos, a.end)
    return out


def _values(raw: str, folded: str, li: int, a: int, b: int) -> list[Event]:
    out = []
    col = a
    for word in folded[a:b].split(" "):
        if word:
            toks = tokens_of_piece(word, raw[col:col + len(word)], li, col, False)
            if len(toks) == 1 and toks[0].kind == VALUE:
                out.append(Event("value", token=toks[0]))
        col += len(word) + 1
    return out


def tabbed(lines: list[SourceLine], region: Region) -> bool:
    """Some line of the region holds a TAB: a grid or TAB text, never reading-order text."""
    return any("\t" in lines[i].text for i in range(region.start.line, min(region.end.line, len(lines) - 1) + 1))


def looks_like_reading_order(lines: list[SourceLine], folded: list[str], region: Region, events: list[Event]) -> bool:
    values = [e.token for e in events if e.kind == "value"]
    if len(values) < MIN_VALUES:
        return False
    if tabbed(lines, region):
        return False
    per_line = Counter(t.line for t in values)
    alone = sum(1 for t in values if per_line[t.line] == 1)
    return alone >= ALONE_SHARE * len(values)


def complete(shape: Shape, table: Table, lines: list[SourceLine], folded: list[str], region: Region,
             anchors: list[Anchor], diagnostics: list[Diagnostic], may_find: bool = False) -> None:
    """Fill the cells of `table` the row reader left unknown where the stream is certain (module
    docstring); `diagnostics` (the report's) loses the resolved rows' diagnostics and gains
    STREAM_ORDER. Does nothing outside reading-order text. `may_find`: a table the row reader did
    not find (its header labels seen, `anchors`) is taken only when the stream gives every cell."""
    if not table.present and not may_find:
        return
    addrs = [a for _, row in shape.rows for a in row]
    if all(table.cells.get(a) is not None and table.cells[a].kind != "missing" for a in addrs):
        return
    events = stream_events(lines, folded, region, anchors)
    if not looks_like_reading_order(lines, folded, region, events):
        return
    _place(shape, table, lines, folded, region, anchors, diagnostics, events)
    if shape.labelled:           # rows whose blank cells vanished (engine/parse/stream_blank.py)
        stream_blank.complete(shape.name, shape.rows, shape.group, shape.opens_group,
                              [*shape.labels.values(), *shape.heads, *shape.groups], table, lines, folded,
                              region, anchors, diagnostics)


def _place(shape: Shape, table: Table, lines: list[SourceLine], folded: list[str], region: Region,
           anchors: list[Anchor], diagnostics: list[Diagnostic], events: list[Event]) -> None:
    """Rules 1 and 2 of the module docstring."""
    addrs = [a for _, row in shape.rows for a in row]
    placed: dict[str, Token] = {}
    runs, short = _runs(shape, events)
    for rows, toks in runs:
        placed.update(zip((a for k in rows for a in dict(shape.rows)[k]), toks))
    if any(table.cells.get(a) is not None and table.cells[a].kind != "missing"
           and not _same(table.cells[a], t) for a, t in placed.items()):
        return                  # the stream contradicts the row reader: trust neither reading here
    placed = {a: t for a, t in placed.items() if table.cells.get(a) is None or table.cells[a].kind == "missing"}
    # the short rows' values may be theirs, or one may have strayed elsewhere in the stream: each
    # reading is a count on its own, and at most one of them can match
    placed.update(_all_same(shape, table, addrs, events, placed, {}, lines, folded, region)
                  or _all_same(shape, table, addrs, events, placed, short, lines, folded, region))
    # rows emitted column by column (engine/parse/stream_blocks.py)
    more, notes = stream_blocks.read(shape.name, shape.adds_up, _present_rows(shape, events, folded, region),
                                     table, events, placed, lines)
    placed.update(more)
    diagnostics.extend(notes)
    if not placed or (not table.present and len(placed) < len(addrs)):
        return
    if not table.present:
        table.present = True
        nos = [lines[t.line].no for t in placed.values()] + [lines[a.line].no for a in anchors]
        table.line_start, table.line_end = min(nos), max(nos)
    for a, t in placed.items():
        table.cells[a] = cell_from_token(a, t, lines[t.line], "order")
    filled = {k for k, row in shape.rows if all(a in placed or table.cells[a].kind != "missing" for a in row)
              and any(a in placed for a in row)}
    _resolve(shape, table, filled, placed, diagnostics, lines)


def _same(cell: Cell, tok: Token) -> bool:
    kind = {"number": "number", "dash": "dash", "none": "none"}[tok.value_kind]
    return cell.kind == kind and (kind != "number" or cell.value == tok.value)


def _runs(shape: Shape, events: list[Event]) -> tuple[list[tuple[list[str], list[Token]]], dict[str, list[Token]]]:
    """Runs of values whose rows are certain (rule 1 of the module docstring), and the rows whose
    run, between their own label and the next row's, is SHORT (fewer values than cells: a blank or
    lost cell — the row stays unknown, its values are its own and leave the pool of rule 2)."""
    order = [k for k, _ in shape.rows]
    rank = {k: i for i, k in enumerate(order)}
    width = [len(row) for _, row in shape.rows]
    out: list[tuple[list[str], list[Token]]] = []
    short: dict[str, list[Token]] = {}
    claimed: Counter = Counter()
    seen_row = False
    before_sided = _before_sided(shape, events)
    i = 0
    while i < len(events):
        if events[i].kind != "value":
            seen_row = seen_row or (events[i].kind == "row" and events[i].key in rank)
            i += 1
            continue
        j = i
        while j < len(events) and events[j].kind == "value":
            j += 1
        run = [e.token for e in events[i:j]]
        left = events[i - 1] if i else None
        right = events[j] if j < len(events) else None
        after = events[j + 1] if j + 1 < len(events) else None
        span = _span(shape, left, right, after, seen_row, rank)
        if span is not None and left is not None and left.kind == "row" and before_sided[i]:
            span = None          # values stand before their labels here: a run after row a is not a's
        if span is not None:
            a, b = span
            need = sum(width[a:b])
            # one row too must add up: values of rows above whose cells wrapped (a 总计 printed
            # below the row's other values) can stand, as many as its cells, under its label
            if len(run) == need and ((b - a == 1 and not shape.adds_up) or (
                    shape.adds_up and len(set(width[a:b])) == 1 and _order_confirmed(run, b - a, width[a])
                    and stream_blocks.rows_only(run, b - a, width[a]))):
                out.append((order[a:b], run))
                claimed.update(order[a:b])
            elif b - a == 1 and 0 < len(run) < need and left is not None and left.kind == "row":
                short[order[a]] = run
                claimed[order[a]] += 1
        i = j
    ok = [(rows, run) for rows, run in out if all(claimed[k] == 1 for k in rows)]
    return ok, {k: run for k, run in short.items() if claimed[k] == 1}


def _before_sided(shape: Shape, events: list[Event]) -> list[bool]:
    """For each event, whether its block (the table, or its 第二十条 item) shows values standing
    before their labels: values before its first row label and none after its last. There a run
    after row a's label is the next row's (or rows'), never a's — the blank cells of a short row
    are gone from the text, so counting cannot tell (engine/parse/stream_blank.py reads such blocks)."""
    cuts = [i for i, e in enumerate(events) if shape.opens_group and e.kind == "stop" and e.key == shape.opens_group]
    order = [k for k, _ in shape.rows]
    out = [False] * len(events)
    for a, b in zip([0, *cuts], [*cuts, len(events)]):
        rows = [i for i in range(a, b) if events[i].kind == "row"]
        keys = [events[i].key for i in rows]
        group = shape.group.get(keys[0], "") if keys else ""
        # only where the block's labels all stand once, in template order: the edges are its first
        # and last rows (a label out of place makes "before the first label" mean something else)
        if len(rows) > 1 and keys == [k for k in order if shape.group.get(k, "") == group]:
            lead = any(events[i].kind == "value" for i in range(a, rows[0]))
            trail = any(events[i].kind == "value" for i in range(rows[-1] + 1, b))
            out[a:b] = [lead and not trail] * (b - a)
    return out


def _span(shape: Shape, left: Event | None, right: Event | None, after: Event | None, seen_row: bool,
          rank: dict[str, int]) -> tuple[int, int] | None:
    """The rows [a, b) a run between `left` and `right` can only belong to, or None."""
    last = len(rank) - 1
    a = rank.get(left.key) if left is not None and left.kind == "row" else None
    b = rank.get(right.key) if right is not None and right.kind == "row" else None
    if a is not None:
        if b is not None and b > a:
            return a, b                          # between the labels of rows a and b
        if a == last and (b is None or b <= a):
            return a, a + 1                      # after the table's last row (labels after it are out of place)
        if right is not None and right.kind == "stop" and right.key == shape.opens_group and shape.group \
                and (a == last or shape.group[shape.rows[a + 1][0]] != shape.group[shape.rows[a][0]]):
            return a, a + 1                      # the last row of an item, before the next item's header
        return None
    if b is not None and not seen_row:
        return 0, b                              # before the first row label: the rows above it
    if b is not None and shape.group and left is not None and left.kind == "stop" and left.key in shape.heads:
        # under an item's header, before the label of the item's only row, the item ending there
        item = shape.group[shape.rows[b][0]]
        only = [k for k, _ in shape.rows if shape.group[k] == item] == [shape.rows[b][0]]
        ends = after is None or (after.kind == "stop" and after.key == shape.opens_group) or (
            after.kind == "row" and after.key in rank and rank[after.key] == b + 1
            and shape.group[after.key] != item)
        if only and ends:
            return b, b + 1
    return None


def _order_confirmed(run: list[Token], k: int, n: int) -> bool:
    """Row by row, every row adds up; column by column, the run would not also add up differently."""
    vals = [t.value for t in run]
    if any(v is None for v in vals):
        return False
    by_row = [vals[r * n:(r + 1) * n] for r in range(k)]
    by_col = [[vals[c * k + r] for c in range(n)] for r in range(k)]

    def adds(rows: list[list[Decimal]]) -> bool:
        return all(sum(r[:-1]) == r[-1] for r in rows)

    return adds(by_row) and (by_col == by_row or not adds(by_col))


def _all_same(shape: Shape, table: Table, addrs: list[str], events: list[Event], placed: dict[str, Token],
              short: dict[str, list[Token]], lines: list[SourceLine], folded: list[str], region: Region
              ) -> dict[str, Token]:
    """Rule 2: the cells still unknown and the values not yet placed, as many and all the same.
    Rows with a short run of their own keep it and stay unknown; the values of the whole pool
    (theirs included) must then all be the same."""
    rows = dict(shape.rows)
    out_rows = {a for k in short for a in rows[k]}
    unknown = [a for a in addrs if a not in placed and a not in out_rows
               and (table.cells.get(a) is None or table.cells[a].kind == "missing")]
    if not unknown:
        return {}
    if shape.labelled:
        # a row whose label is nowhere in the region is not in the document (the 2019 table without
        # its 政府集中采购 row): it expects no value — were its values there after all, they would be
        # more than the cells and nothing is placed
        text = _region_text(folded, region)
        found = {e.key for e in events if e.kind == "row"}
        absent = {a for k, row in shape.rows if k not in found and not _label_in(shape.labels.get(k, ""), text)
                  for a in row}
        unknown = [a for a in unknown if a not in absent]
    taken = {id(t) for t in placed.values()} | {id(t) for run in short.values() for t in run}
    free = [e.token for e in events if e.kind == "value" and id(e.token) not in taken]
    # the values the row reader placed leave the pool: each by its line and text
    pool: dict[tuple[int, str], list[Token]] = {}
    for t in free:
        pool.setdefault((lines[t.line].no, t.raw), []).append(t)
    for a in addrs:
        cell = table.cells.get(a)
        if cell is None or cell.kind == "missing" or a in placed:
            continue
        if cell.kind == "blank":
            return {}            # a blank cell: the stream cannot say where it sits
        match = pool.get((cell.line, cell.raw))
        if not match:
            return {}            # a value the row reader took is not in the stream: do not count
        match.pop(0)
    left = [t for ts in pool.values() for t in ts]
    kinds = {(t.value_kind, t.value, t.unit) for t in [*left, *(t for run in short.values() for t in run)]}
    if len(left) != len(unknown) or len(kinds) != 1:
        return {}
    left.sort(key=lambda t: (t.line, t.start))
    return dict(zip(unknown, left))


def _present_rows(shape: Shape, events: list[Event], folded: list[str], region: Region
                  ) -> list[tuple[str, list[str]]]:
    """The rows whose label is in the region (anchored, or its head in the text): a row absent from
    the document expects no value."""
    found = {e.key for e in events if e.kind == "row"}
    text = _region_text(folded, region)
    return [(k, row) for k, row in shape.rows if k in found or _label_in(shape.labels.get(k, ""), text)]


def _region_text(folded: list[str], region: Region) -> str:
    last = min(region.end.line, len(folded) - 1)
    parts = []
    for li in range(region.start.line, last + 1):
        lo = region.start.col if li == region.start.line else 0
        hi = region.end.col if li == region.end.line else len(folded[li])
        parts.append(folded[li][lo:hi])
    return squeeze("".join(parts))


def _label_in(label: str, text: str) -> bool:
    """The head of a row label (numbering left out) is in the text, even where the row reader did not
    anchor the label (broken over lines: "其他对外管理服务" / "事项")."""
    core = squeeze(label)
    for sep in ("、", ".", "）", ")"):
        head, mark, rest = core.partition(sep)
        if mark and len(head) <= 3 and rest:
            core = rest
            break
    return len(core) >= 2 and core[:6] in text


def _resolve(shape: Shape, table: Table, filled: set[str], placed: dict[str, Token],
             diagnostics: list[Diagnostic], lines: list[SourceLine]) -> None:
    """The resolved rows lose the row reader's diagnostics; the table says how they were read."""
    rows = dict(shape.rows)
    done = {a for k in filled for a in rows[k]}
    missing = [a for a in table.cells if table.cells[a].kind == "missing"]
    keep = []
    for d in diagnostics:
        if d.table == shape.name and d.code in RESOLVED_CODES:
            if d.code == "TABLE_MISSING" and table.present:
                continue
            if d.cells and set(d.cells) <= done:
                continue
        keep.append(d)
    diagnostics[:] = keep
    if filled:
        first = min((t for t in placed.values()), key=lambda t: (t.line, t.start))
        diagnostics.append(D.stream_order(shape.name, [k for k, _ in shape.rows if k in filled],
                                          lines[first.line], [a for a in placed], bool(missing)))
