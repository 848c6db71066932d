"""Reading-order text where pdftotext emits a group of rows column by column (engine/parse/stream.py
calls this after its own rules, for the requests table only).

In a PDF printed from a document, a group of rows under one merged label cell (（三）不予公开 1…8,
the first rows of （四）…) is often drawn column by column: pdftotext then emits, for each of the
seven columns, one text block holding that column's cells of the k rows (k lines, no blank line
between them), the blocks one after the other, and the rows' labels later, all together. Rows drawn
cell by cell give one block per cell (a blank line between values). So the stream of values of the
whole table is a sequence of BLOCKS, each covering consecutive rows in template order:

- a row read cell by cell: 7 values, starting and ending at a paragraph break (a blank line or a
  label between two values);
- k ≥ 2 rows read column by column: 7 × k values, the k values of each column between paragraph
  breaks (each column one block of pdftotext, or its cells one by one).

The labels tell nothing here (they come later, in a batch), so the reading is accepted only when
the table's own structure confirms it: the values of the region are exactly as many as the cells of
the rows present (7 per row), every row adds up (总计 = the six applicant columns), every column adds
up (（七）总计 = the outcomes 三.一 … 三.六; 一 + 二 = 三.七 + 四), and every cell already read (by the
row reader or stream.py's rules) is the value at its place. Every sequence of blocks that satisfies
all of this is a reading; a row is placed only when every reading gives it the same values. Where
two readings differ, the row stays unknown (STREAM_AMBIGUOUS, beside the row reader's diagnostic).
Identities confirm a reading the layout proposes; they never supply a value.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from engine.model import Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import Token

# Distinct partial readings kept per row boundary before the stream is called too ambiguous to read:
# real tables have one or two (zeros make many block sequences give the same values).
MAX_READINGS = 64


@dataclass(frozen=True)
class Reading:
    """The values of rows [0, a) as one sequence of blocks reads them."""
    tokens: tuple[Token, ...]          # in row order, each row's cells in column order
    by_column: frozenset[str]          # the rows read column by column in every sequence giving these values


def read(name: str, adds_up: bool, rows: list[tuple[str, list[str]]], table: Table, events: list,
         placed: dict[str, Token], lines: list[SourceLine]) -> tuple[dict[str, Token], list[Diagnostic]]:
    """Cells of `rows` (the rows present, template order) the block reading is certain of, and the
    diagnostics of rows it finds ambiguous. `adds_up`: the columns are in template order, 总计 last
    (not a header with another order: HEADER_COLUMNS). `events`: the region's labels and values in reading
    order (stream.Event); `placed`: what stream.py's rules placed (their tokens must stand where a
    reading puts them)."""
    values, breaks = paragraphs(events)
    width = {len(addrs) for _, addrs in rows}
    if name != "applications" or not adds_up or len(width) != 1 or not rows:
        return {}, []
    w = width.pop()
    keys = [k for k, _ in rows]
    if not _has_identities(keys) or len(values) != w * len(rows):
        return {}, []
    unknown = {a for _, addrs in rows for a in addrs if _is_unknown(table, a) and a not in placed}
    if not unknown:
        return {}, []
    known = _known(rows, table, placed)
    if known is None:
        return {}, []
    readings = _readings(rows, w, values, breaks, known, lines)
    readings = [r for r in readings if _columns_add_up(keys, w, r.tokens)]
    if not readings:
        return {}, []
    out: dict[str, Token] = {}
    certain, doubtful = [], []
    for i, (key, addrs) in enumerate(rows):
        todo = [a for a in addrs if a in unknown]
        if not todo:
            continue
        cut = slice(i * w, (i + 1) * w)
        if len({tuple(_sig(t) for t in r.tokens[cut]) for r in readings}) == 1:
            out.update((a, t) for a, t in zip(addrs, readings[0].tokens[cut]) if a in unknown)
            certain.append(key)
        else:
            doubtful.append((key, todo))
    notes = []
    by_column = [k for k in certain if all(k in r.by_column for r in readings)]
    if by_column:
        first = min((out[a] for k, addrs in rows if k in by_column for a in addrs if a in out),
                    key=lambda t: (t.line, t.start))
        notes.append(D.stream_columns(name, by_column, lines[first.line],
                                      [a for k, addrs in rows if k in by_column for a in addrs if a in out]))
    if doubtful:
        notes.append(D.stream_ambiguous(name, [k for k, _ in doubtful], len(readings),
                                        [a for _, todo in doubtful for a in todo]))
    return out, notes


def paragraphs(events: list) -> tuple[list[Token], set[int]]:
    """The values in reading order, and the positions where a paragraph starts: after a label, or
    after a line break with a blank line (or any text) between two values (0 and the end included)."""
    values: list[Token] = []
    breaks = {0}
    cut = False
    for e in events:
        if e.kind != "value":
            cut = True
            continue
        t = e.token
        if values and (cut or t.line - values[-1].line > 1):
            breaks.add(len(values))
        values.append(t)
        cut = False
    breaks.add(len(values))
    return values, breaks


def rows_only(run: list[Token], k: int, w: int) -> bool:
    """A run of k × w values between two labels (stream.py rule 1) read row by row is the only
    block reading of it whose rows add up: another (some rows column by column) that adds up too
    means the labels around the run do not tell its order. Blank lines inside the run bound the
    blocks as in `read`; a run without any is one block of pdftotext and may be cut anywhere."""
    breaks = {0, len(run)} | {i for i in range(1, len(run)) if run[i].line - run[i - 1].line > 1}
    if len(breaks) == 2:
        breaks = set(range(len(run) + 1))
    rows = [(str(i), [""] * w) for i in range(k)]
    readings = _readings(rows, w, run, breaks, {}, [])
    by_rows = tuple(_sig(t) for t in run)
    return bool(readings) and all(tuple(_sig(t) for t in r.tokens) == by_rows for r in readings)


def _is_unknown(table: Table, addr: str) -> bool:
    cell = table.cells.get(addr)
    return cell is None or cell.kind == "missing"


def _known(rows: list[tuple[str, list[str]]], table: Table, placed: dict[str, Token]
           ) -> dict[int, tuple[str, object]] | None:
    """Cell position -> what must stand there: ("token", the token stream.py placed) or ("cell",
    the row reader's cell). None when a cell is blank (the stream cannot say where a blank sits)."""
    out: dict[int, tuple[str, object]] = {}
    pos = 0
    for _, addrs in rows:
        for a in addrs:
            if a in placed:
                out[pos] = ("token", placed[a])
            elif not _is_unknown(table, a):
                cell = table.cells[a]
                if cell.kind == "blank":
                    return None
                out[pos] = ("cell", cell)
            pos += 1
    return out


def _fits(tok: Token, want: tuple[str, object], lines: list[SourceLine]) -> bool:
    kind, what = want
    if kind == "token":
        return tok is what
    cell = what
    if cell.line is not None and lines[tok.line].no != cell.line:
        return False
    if tok.value_kind == "number":
        return cell.kind == "number" and cell.value == tok.value
    return cell.kind == {"dash": "dash", "none": "none"}.get(tok.value_kind)


def _sig(tok: Token) -> tuple:
    return (tok.value_kind, tok.value, tok.unit)


def _readings(rows: list[tuple[str, list[str]]], w: int, values: list[Token], breaks: set[int],
              known: dict[int, tuple[str, object]], lines: list[SourceLine]) -> list[Reading]:
    """Every sequence of blocks over the whole stream whose rows add up and whose cells agree with
    the cells already read; readings giving the same values are kept once."""
    n = len(rows)
    keys = [k for k, _ in rows]
    front: list[dict[tuple, Reading]] = [{} for _ in range(n + 1)]
    front[0][()] = Reading((), frozenset())
    for a in range(n):
        if not front[a]:
            continue
        for b in range(a + 1, n + 1):
            cells = _block(a, b, w, values, breaks)
            if cells is None:
                continue
            if not all(_adds_up(cells[r * w:(r + 1) * w]) for r in range(b - a)):
                continue
            if any(not _fits(t, known[a * w + j], lines) for j, t in enumerate(cells) if a * w + j in known):
                continue
            cols = frozenset(keys[a:b] if b - a > 1 else ())
            sig = tuple(_sig(t) for t in cells)
            for prefix, reading in front[a].items():
                nxt = prefix + sig
                seen = front[b].get(nxt)
                if seen is not None:        # the same values another way: columns only where both say so
                    front[b][nxt] = Reading(seen.tokens, seen.by_column & (reading.by_column | cols))
                    continue
                if len(front[b]) >= MAX_READINGS:
                    return []
                front[b][nxt] = Reading(reading.tokens + tuple(cells), reading.by_column | cols)
    return list(front[n].values())


def _block(a: int, b: int, w: int, values: list[Token], breaks: set[int]) -> list[Token] | None:
    """The cells of rows [a, b) in row order if the stream can hold them as one block, else None:
    one row between paragraph breaks, or k rows column by column, each column between breaks."""
    k = b - a
    start = a * w
    if k == 1:
        if start in breaks and start + w in breaks:
            return values[start:start + w]
        return None
    if not all(start + c * k in breaks for c in range(w + 1)):
        return None
    return [values[start + c * k + r] for r in range(k) for c in range(w)]


def _adds_up(row: list[Token]) -> bool:
    vals = [t.value for t in row]
    if any(v is None for v in vals):
        return False
    return sum(vals[:-1], Decimal(0)) == vals[-1]


def _has_identities(keys: list[str]) -> bool:
    return {"一", "二", "三.七", "四"} <= set(keys) and any(_is_outcome(k) for k in keys)


def _is_outcome(key: str) -> bool:
    return key.startswith("三.") and key != "三.七"


def _columns_add_up(keys: list[str], w: int, tokens: tuple[Token, ...]) -> bool:
    """Every column: 三.七 = the outcome rows; 一 + 二 = 三.七 + 四."""
    at = {k: i for i, k in enumerate(keys)}
    for c in range(w):
        def v(key: str) -> Decimal:
            return tokens[at[key] * w + c].value
        outcomes = sum((v(k) for k in keys if _is_outcome(k)), Decimal(0))
        if outcomes != v("三.七") or v("一") + v("二") != v("三.七") + v("四"):
            return False
    return True
