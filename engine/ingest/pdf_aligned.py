"""Tables without ruling lines (a PDF printed from WPS/Word without borders, or from a web page):
rows and columns from the words' positions.

A page's words outside its ruled tables come as visual lines (engine/ingest/pdf_text.py). Here:
- a *value* is a number (or a dash, 无) standing alone: at least VALUE_GAP em clear of the words
  beside it; a *value line* has one or more values and nothing but values right of its first one;
- a *block* is a run of value lines whose values fall under the same columns: a column is the
  union of the values' x-ranges that overlap one another (values are centred, left- or right-
  aligned in their cell: either way the values of one column overlap and those of two columns do
  not). A value line whose values would straddle two columns, or put two values in one column,
  starts a new block; so does a paragraph (a line wider than PARAGRAPH_SHARE of the page);
- each value line is a row; the words left of the block's first column on lines without values
  are the row labels that wrapped (a label wraps above and below its values when the cell is
  centred vertically): each such fragment joins the row whose values are nearest to it, and is
  left out (the row then read as text) when two rows are about as near;
- a row's label fragments are grouped by x (a category cell beside an item cell) into label cells;
  its value cells are the block's columns, left to right, "" where the row has no value.

Never a wrong number: a row is emitted as an aligned table row only when every value sits under
exactly one column and its label fragments are unambiguous; otherwise its words are kept as a text
line (the parser reads it by order or leaves the cells unknown) and the document gets a note.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from engine.ingest.grid import join_wrapped
from engine.ingest import pdf_columns as C
from engine.ingest.pdf_columns import Column, Line, Segment
from engine.template import PART_TITLES

VALUE_GAP = 0.45          # em: a value stands at least this far from the words beside it
PARAGRAPH_SHARE = 0.6     # a line wider than this share of the page is running text
BLOCK_GAP_LINES = 15.0    # value lines further apart than this many line heights are two tables
AMBIGUOUS = 0.2           # a label fragment this close (in line heights) to equidistant is ambiguous
MAX_HEADER_LINES = 8      # column headers: at most this many lines above the first row
HEADER_GAP_LINES = 6.0    # ... each at most this many line heights below the one above it

@dataclass
class Row:
    top: float
    line: Line
    values: list[Segment]
    fragments: list[Segment] = field(default_factory=list)
    fragment_lines: list[Line] = field(default_factory=list)    # label lines without values joined to it
    ambiguous: bool = False
    index: int = -2                    # position among the block's value rows (-2: a row without values)


@dataclass
class Block:
    """An aligned table found on one page: its columns and its lines in order, each either a row
    (cells) or text."""
    top: float
    columns: list[Column]
    entries: list[tuple[str, object]]     # ("row", list[str]) | ("text", Line)
    uncertain: list[str] = field(default_factory=list)    # why rows were read as text
    header: list[Line] = field(default_factory=list)       # the header lines its columns came from


def aligned_line(line: dict, words: list[dict], text: str) -> Line:
    """A visual line of the text reader (pdf_text.word_lines) with its segments."""
    return Line(text, line["top"], line["bottom"], line["x0"], line["x1"], segments_of(words),
                [Segment(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]) for w in words])


def segments_of(words: list[dict]) -> list[Segment]:
    """Words closer than VALUE_GAP em joined; two numbers are never one (the figures of two narrow
    columns can stand closer than that: "1 859" is 1 and 859)."""
    out: list[Segment] = []
    for w in sorted(words, key=lambda w: w["x0"]):
        em = max(w["bottom"] - w["top"], 1.0)
        both_numbers = bool(out) and out[-1].is_number and C.NUMBER.match(w["text"]) is not None
        if out and w["x0"] - out[-1].x1 < VALUE_GAP * em and not both_numbers:
            s = out[-1]
            s.text += " " + w["text"]
            s.x1, s.top, s.bottom = max(s.x1, w["x1"]), min(s.top, w["top"]), max(s.bottom, w["bottom"])
        else:
            out.append(Segment(w["text"], w["x0"], w["x1"], w["top"], w["bottom"]))
    return out


def find_blocks(lines: list[Line], page_width: float, carry: list[Line] | None = None, footer: float = 1e9
                ) -> tuple[list[tuple[int, int, Block]], list[Line]]:
    """The aligned tables among a page's lines: (first line index, last line index, block); a
    block starts at its column headers (the lines just above its first value line) and ends after
    its last rows (rows without values included). `carry`: the column headers the previous page
    ended with (a table continued, or a header printed just before the page break), used by a
    table that starts the page without headers of its own; lines below `footer` (running
    footers) are never carried. Returns the blocks and the headers to carry to the next page."""
    found = []
    floor = 0
    height = _line_height(lines)
    for number, (start, end) in enumerate(_spans(lines, page_width, carry or [])):
        top = start - len(_header_above(lines, start, floor, page_width, height))
        left = min(v.x0 for ln in lines[start:end + 1] for v in ln.values())
        last = end
        while last + 1 < len(lines) and last - end < MAX_HEADER_LINES and _near(lines, last, last + 1, height) \
                and not lines[last + 1].values() and not _paragraph(lines[last + 1], page_width) \
                and all(s.x1 <= left for s in lines[last + 1].segments):
            last += 1       # rows after the last figures, every cell blank (or wrapped labels)
        carried = carry if number == 0 and top == start and not any(
            _paragraph(ln, page_width) for ln in lines[:start]) else None
        block = _block(lines[top:start], lines[start:last + 1], carried or [])
        if block is not None:
            found.append((top, last, block))
            floor = last + 1
    return found, _carry_out([ln for ln in lines if ln.top < footer], found, page_width, height)


def _near(lines: list[Line], above: int, below: int, height: float) -> bool:
    return lines[below].top - lines[above].bottom <= HEADER_GAP_LINES * height


def _paragraph(line: Line, page_width: float) -> bool:
    """Running text or a part heading (四、政府信息公开行政复议、行政诉讼情况): no table line."""
    return line.x1 - line.x0 > PARAGRAPH_SHARE * page_width or _PART_HEADING.match(line.text) is not None


# the template's part headings, numbered or not: they end a table, they are never one of its rows
_PART_HEADING = re.compile(r"^\s*(?:[一二三四五六]\s*[、.．]\s*)?(?:%s)" % "|".join(
    re.escape(title[:6]) for title in PART_TITLES.values()))


def _carry_out(lines: list[Line], found, page_width: float, height: float) -> list[Line]:
    """The headers a table on the next page may continue under: those of the table that ends
    this page, or the header-like lines the page ends with (a header printed before the break)."""
    end = found[-1][1] if found else -1
    tail = lines[end + 1:]
    if found and not tail:
        return found[-1][2].header
    kept: list[Line] = []
    for k in range(len(lines) - 1, end, -1):
        line = lines[k]
        if line.values() or _paragraph(line, page_width) or len(kept) >= MAX_HEADER_LINES:
            break
        if kept and not _near(lines, k, k + 1, height):
            break
        kept.insert(0, line)
    return kept


def _spans(lines: list[Line], page_width: float, carry: list[Line]) -> list[tuple[int, int]]:
    """Index ranges of runs of compatible value lines (with the label lines between them). A run
    starts with the columns its headers show (those above it, or `carry` at the top of the page),
    so a column blank in its first rows is known from the start."""
    spans = []
    columns: list[Column] = []
    start = last = None
    height = _line_height(lines)
    for i, line in enumerate(lines):
        values = line.values()
        if not values:
            # a paragraph ends the table; so do column headers below its rows (the next table's)
            if start is not None and (_paragraph(line, page_width) or _is_header(line, columns)):
                spans.append((start, last))
                start, columns = None, []
            continue
        fits = start is not None and _continues(lines, last, i, height) and C.fits(columns, values)
        if not fits:
            if start is not None:
                spans.append((start, last))
            start = i
            floor = spans[-1][1] + 1 if spans else 0
            header = _header_above(lines, i, floor, page_width, height)
            if not header and not spans and not any(_paragraph(ln, page_width) for ln in lines[:i]):
                header = carry
            columns = _start_columns(line, header)
        else:
            C.add_columns(columns, values)
        last = i
    if start is not None:
        spans.append((start, last))
    return spans


def _continues(lines: list[Line], last: int, i: int, height: float) -> bool:
    """Value line i continues the run whose last value line is `last`: near it, or reached through
    label lines each near the one above (rows left blank in tall cells: 3.… 4.… （六）其他处理)."""
    if lines[i].top - lines[last].bottom <= BLOCK_GAP_LINES * height:
        return True
    return all(_near(lines, k, k + 1, height) for k in range(last, i))


def _header_above(lines: list[Line], start: int, floor: int, page_width: float, height: float) -> list[Line]:
    """The lines just above a table's first value line that may be its column headers."""
    top = start
    while top - 1 >= floor and start - top < MAX_HEADER_LINES and _near(lines, top - 1, top, height) \
            and not lines[top - 1].values() and not _paragraph(lines[top - 1], page_width):
        top -= 1
    return lines[top:start]


def _start_columns(line: Line, header: list[Line]) -> list[Column]:
    """A run's columns from its first value line and its headers (blank columns included)."""
    columns: list[Column] = []
    values = line.values()
    C.add_columns(columns, values)
    labels_end = max((s.x1 for s in line.segments if s.x1 <= values[0].x0), default=0.0)
    return C.with_headers(columns, C.header_columns(header, labels_end)) or columns


def _line_height(lines: list[Line]) -> float:
    heights = [ln.bottom - ln.top for ln in lines]
    return statistics.median(heights) if heights else 10.0


def _is_header(line: Line, columns: list[Column]) -> bool:
    """A line without values with words starting over the value columns: a table's column
    headers (a row label running on to the right of the label column is not one)."""
    return bool(columns) and not line.values() and any(
        s.x0 >= columns[0].x0 - 1.0 and s.x0 < columns[-1].x1 for s in line.segments)


def _block(header: list[Line], lines: list[Line], carried: list[Line]) -> Block | None:
    """The aligned table of a span of lines (from its first value line to its last row), with the
    lines just above it that may hold its column headers, or else the headers carried over from
    the previous page."""
    own_header = header
    header = header or carried
    value_columns: list[Column] = []
    rows: list[Row] = []
    for line in lines:
        values = line.values()
        if values:
            C.add_columns(value_columns, values)
            rows.append(Row(line.top, line, values))
    if not rows or (len(rows) < 2 and len(value_columns) < 2):
        return None       # one lone figure: text reading is as good
    left = value_columns[0].x0
    labels_end = max((s.x1 for r in rows for s in r.line.segments if s.x1 <= left), default=0.0)
    columns = C.with_headers(value_columns, C.header_columns(header, labels_end)) or value_columns
    titles = C.titles(header, columns, labels_end)
    if len(rows) < 2 and not titles:
        return None       # one row whose columns nothing confirms: read as text, by order
    left = min(left, columns[0].x0)
    height = _line_height(lines)
    for row in rows:
        row.fragments = [s for s in row.line.segments if s.x1 <= left]
        # words between the label and the values that reach into a value column: not certain
        row.ambiguous = any(s.x1 > left and not s.is_value for s in row.line.segments)
    # lines of label text only (a header or a note across the value columns stays text)
    labels = [ln for ln in lines if not ln.values() and not any(s.x1 > left for s in ln.segments)]
    own_rows: list[Row] = []
    for ln in labels:          # top to bottom: a blank row found counts as a row for the lines below it
        own = _own_row(ln, sorted(rows + own_rows, key=_centre))
        if own is not None:
            own_rows.append(own)
    own = {id(r.line) for r in own_rows}
    targets = sorted(rows + own_rows, key=_centre)
    for line in labels:
        if id(line) not in own:
            _attach(line, targets, height)
    block = Block((own_header or lines)[0].top, columns, [], header=header)
    for i, r in enumerate(rows):
        r.index = i
    anchors = C.anchors(rows, header, columns, labels_end)
    cells = {id(r.line): _cells(r, columns, anchors) for r in rows + own_rows}
    joined = {id(ln) for r in rows + own_rows if cells[id(r.line)] is not None for ln in r.fragment_lines}
    for line in own_header:
        block.entries.append(("text", line))
    if titles and own_header:
        # the column headers as one row, each wrapped header joined (结果维 / 持 → 结果维持)
        block.entries.append(("row", titles))
    for line in lines:
        if id(line) in cells:
            if cells[id(line)] is None:
                block.entries.append(("text", line))
                block.uncertain.append(line.text)
            else:
                block.entries.append(("row", cells[id(line)]))
        elif id(line) not in joined:
            block.entries.append(("text", line))
    return block


_LEVELS = (re.compile(r"^\s*[一二三四五六七八九十]+\s*、"), re.compile(r"^\s*[（(]\s*[一二三四五六七八九十]+\s*[)）]"),
           re.compile(r"^\s*\d+\s*[.、．]"), re.compile(r"^\s*[（(]\s*\d+\s*[)）]"))


def _level(text: str) -> int | None:
    """The numbering level a row label starts with: 一、 / （一） / 1. / （1）; None if unnumbered."""
    return next((k for k, pattern in enumerate(_LEVELS) if pattern.match(text)), None)


def _own_row(line: Line, rows: list[Row]) -> Row | None:
    """A numbered label line without values is a row of its own (every cell blank) when the
    nearest row's label already has a number of the same level (1.属于国家秘密 beside
    2.其他法律…), or no row is near it. Otherwise it is a wrapped part of that row's label (the
    first line of a label whose figures stand lower, a category cell such as （三）不予公开)."""
    level = _level(line.text)
    if level is None:
        return None
    cy = (line.top + line.bottom) / 2
    d, k = min((abs(cy - _centre(r)), k) for k, r in enumerate(rows))
    row = rows[k]
    if d <= _reach(rows, k, cy) and not any(_level(s.text) == level for s in row.fragments):
        return None
    own = Row(line.top, line, [])
    own.fragments = list(line.segments)
    return own


def _attach(line: Line, rows: list[Row], height: float) -> None:
    """A label line without values joins the row (or the row of its own) nearest to it, by
    centre, if it is near enough; when two rows are about as near, both are left uncertain."""
    cy = (line.top + line.bottom) / 2
    centres = sorted((abs(cy - _centre(r)), k) for k, r in enumerate(rows))
    d, k = centres[0]
    row = rows[k]
    if d > _reach(rows, k, cy):
        return       # a header line or a paragraph beside the table: stays text
    if len(centres) > 1 and centres[1][0] - d < AMBIGUOUS * height:
        row.ambiguous = rows[centres[1][1]].ambiguous = True
    row.fragments.extend(line.segments)
    row.fragment_lines.append(line)


def _centre(row: Row) -> float:
    if not row.values:
        return (row.line.top + row.line.bottom) / 2
    return statistics.fmean(v.cy for v in row.values)


def _reach(rows: list[Row], k: int, cy: float) -> float:
    """How far from its values a row's wrapped label may stand, on the side of `cy`: half the
    distance to the next row on that side; at the table's edge, half the distance to the row on
    the other side."""
    c = _centre(rows[k])
    neighbours = [abs(_centre(rows[j]) - c) for j in (k - 1, k + 1) if 0 <= j < len(rows)]
    side = k - 1 if cy < c else k + 1
    if 0 <= side < len(rows):
        return abs(_centre(rows[side]) - c) / 2
    return min(neighbours) / 2 if neighbours else (rows[k].line.bottom - rows[k].line.top)


def _cells(row: Row, columns: list[Column], anchors) -> list[str] | None:
    """Label cells then one cell per column; None when the row is not certain."""
    if row.ambiguous:
        return None
    placed: dict[int, str] = {}
    for v in row.values:
        under = [k for k, c in enumerate(columns) if c.overlaps(v)]
        if len(under) != 1 or under[0] in placed:
            return None
        if not C.aligned(v, row.index, anchors[under[0]]):
            return None
        placed[under[0]] = v.text
    labels = _label_cells(row.fragments)
    return labels + [placed.get(k, "") for k in range(len(columns))]


def _label_cells(fragments: list[Segment]) -> list[str]:
    """Label fragments grouped by x (overlapping ranges: one cell), left to right, each cell's
    pieces top to bottom."""
    groups: list[list[Segment]] = []
    for s in sorted(fragments, key=lambda s: s.x0):
        if groups and s.x0 < max(g.x1 for g in groups[-1]):
            groups[-1].append(s)
        else:
            groups.append([s])
    return [join_wrapped([s.text for s in sorted(g, key=lambda s: s.top)]) for g in groups]
