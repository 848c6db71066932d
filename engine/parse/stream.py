"""Reading-order text (`pdftotext` without -layout, text copied out of a PDF viewer): a table read
as one stream of labels and values, after the row reader (engine/parse/grid.py) has done its part.

In this text each cell stands on its own line and the order follows the PDF's drawing order: a
row's values may follow a label printed several rows earlier (the labels of wrapped rows come
later, together), a value may stand at the end of a label's line ("…重新出具已 0"). The row reader
leaves such rows unknown. This module places values only where the stream leaves no doubt, and
only into cells the row reader left unknown ("missing"):

1. A run of values between the label of row a and the label of row b (template order, b after a),
   with exactly (b − a) × n values, belongs to rows a … b−1 read row by row (the drawing order of
   the rows whose labels were found in place around it). Over several rows this is accepted only
   when every row adds up (requests table: 总计 = the six applicant columns) and reading the run
   column by column would not also add up with other values: identities confirm the order, they
   never supply a value. Likewise a run before the first row label (rows 0 … b−1) and a run after
   the template's last row (exactly n values).
2. What remains: the table's cells still unknown and the values of its region not yet placed (by
   the row reader or by 1.). When they are exactly as many and all the same ("0" everywhere: the
   common report with no requests), every cell gets that value whatever the order.
Anything else stays unknown with the row reader's diagnostic. A row placed here gets an info
diagnostic STREAM_ORDER and loses the row reader's diagnostics for it. A value placed here that
contradicts a cell the row reader read makes the whole stream reading of the table void.

Only regions that look like reading-order text are read this way (no TAB; most values alone on
their line), so grids, TAB text, Markdown, `pdftotext -layout` text and flattened pages keep exactly
what the row reader gives.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import VALUE, Token, tokens_of_piece
from engine.parse.grid import Anchor, Region, cell_from_token

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


def looks_like_reading_order(lines: list[SourceLine], folded: list[str], region: Region, events: list[Event]) -> bool:
    values = [e.token for e in events if e.kind == "value"]
    if len(values) < MIN_VALUES:
        return False
    if any("\t" in lines[i].text for i in range(region.start.line, min(region.end.line, len(lines) - 1) + 1)):
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
    placed: dict[str, Token] = {}
    if shape.adds_up:
        for rows, toks in _runs(shape, events):
            placed.update(zip((a for k in rows for a in dict(shape.rows)[k]), toks))
    if any(table.cells.get(a) is not None and table.cells[a].kind != "missing"
           and not _same(table.cells[a], t) for a, t in placed.items()):
        return                  # the stream contradicts the row reader: trust neither reading here
    placed = {a: t for a, t in placed.items() if table.cells.get(a) is None or table.cells[a].kind == "missing"}
    placed.update(_all_same(shape, table, addrs, events, placed, lines))
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


def _runs(shape: Shape, events: list[Event]) -> list[tuple[list[str], list[Token]]]:
    """Runs of values whose rows are certain (rule 1 of the module docstring)."""
    order = [k for k, _ in shape.rows]
    rank = {k: i for i, k in enumerate(order)}
    width = {k: len(row) for k, row in shape.rows}
    n = width[order[0]]
    if any(w != n for w in width.values()):
        return []
    out: list[tuple[list[str], list[Token]]] = []
    claimed: Counter = Counter()
    i = 0
    seen_row = False
    left: Event | None = None
    while i < len(events):
        if events[i].kind != "value":
            left = events[i]
            seen_row = seen_row or (left.kind == "row" and left.key in rank)
            i += 1
            continue
        j = i
        while j < len(events) and events[j].kind == "value":
            j += 1
        run = [e.token for e in events[i:j]]
        right = events[j] if j < len(events) else None
        rows = _rows_of_run(left, right, seen_row, len(run), n, order, rank)
        if rows and (len(rows) == 1 or _order_confirmed(run, len(rows), n)):
            out.append((rows, run))
            claimed.update(rows)
        i = j
    return [(rows, run) for rows, run in out if all(claimed[k] == 1 for k in rows)]


def _rows_of_run(left: Event | None, right: Event | None, seen_row: bool, count: int, n: int,
                 order: list[str], rank: dict[str, int]) -> list[str]:
    a = rank.get(left.key) if left is not None and left.kind == "row" else None
    b = rank.get(right.key) if right is not None and right.kind == "row" else None
    if a is not None and b is not None and b > a and count == (b - a) * n:
        return order[a:b]
    if a is None and not seen_row and b is not None and b > 0 and count == b * n:
        return order[:b]              # values before the first row label: the rows above it
    if a == len(order) - 1 and (b is None or b <= a) and count == n:
        return order[a:]              # the last row, ending the table (labels after it are out of place)
    return []


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
              lines: list[SourceLine]) -> dict[str, Token]:
    """Rule 2: the cells still unknown and the values not yet placed, as many and all the same."""
    unknown = [a for a in addrs if a not in placed and (table.cells.get(a) is None or table.cells[a].kind == "missing")]
    if shape.labelled:
        # a row whose label is nowhere in the region is not in the document (the 2019 table without
        # its 政府集中采购 row): it expects no value — were its values there after all, they would be
        # more than the cells and nothing is placed
        found = {e.key for e in events if e.kind == "row"}
        absent = {a for k, row in shape.rows if k not in found for a in row}
        unknown = [a for a in unknown if a not in absent]
    if not unknown:
        return {}
    taken = {id(t) for t in placed.values()}
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
    if len(left) != len(unknown) or len({(t.value_kind, t.value, t.unit) for t in left}) != 1:
        return {}
    left.sort(key=lambda t: (t.line, t.start))
    return dict(zip(unknown, left))


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
