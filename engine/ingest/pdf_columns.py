"""Columns of a table without ruling lines (engine/ingest/pdf_aligned.py): the words and lines it
is read from, value columns from the values, blank columns and titles from the column headers,
and whether a value stands in its column the way the column's other values do.

A column is an x-range. Values are centred, left- or right-aligned in their cells: either way the
values of one column overlap one another and those of two columns do not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.ingest.grid import join_wrapped

ALIGN_TOLERANCE = 1.0     # pt: values of one column share a left edge, a centre or a right edge

NUMBER = re.compile(r"^[-+]?\d[\d,，]*(?:\.\d+)?$")
_OTHER_VALUE = re.compile(r"^(?:[—–\-－/／]+|无)$")


@dataclass
class Segment:
    """Words of one visual line that stand together (gaps under VALUE_GAP em)."""
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def is_number(self) -> bool:
        return NUMBER.match(self.text) is not None

    @property
    def is_value(self) -> bool:
        return self.is_number or _OTHER_VALUE.match(self.text) is not None


@dataclass
class Line:
    """One visual line: its text as the text reader gives it, and its segments."""
    text: str
    top: float
    bottom: float
    x0: float
    x1: float
    segments: list[Segment]
    words: list[Segment] = field(default_factory=list)     # each word on its own (header columns)

    def values(self) -> list[Segment]:
        """The values of a value line (none if it is not one)."""
        first = next((i for i, s in enumerate(self.segments) if s.is_number), None)
        if first is None:
            return []
        rest = self.segments[first:]
        return rest if all(s.is_value for s in rest) else []


@dataclass
class Column:
    x0: float
    x1: float

    def overlaps(self, s: Segment) -> bool:
        return s.x0 < self.x1 and self.x0 < s.x1


def fits(columns: list[Column], values: list[Segment]) -> bool:
    """Every value under exactly one column, no two values under the same one; a value under no
    column only between the block's columns (a column blank in the rows above), never beside them
    (another table's columns)."""
    taken: set[int] = set()
    left, right = columns[0].x0, columns[-1].x1
    for v in values:
        under = [k for k, c in enumerate(columns) if c.overlaps(v)]
        if len(under) > 1 or (under and under[0] in taken):
            return False
        if not under and not (left < v.x0 and v.x1 < right):
            return False
        taken.update(under)
    return True


def add_columns(columns: list[Column], values: list[Segment]) -> None:
    for v in values:
        under = [c for c in columns if c.overlaps(v)]
        if under:
            under[0].x0, under[0].x1 = min(under[0].x0, v.x0), max(under[0].x1, v.x1)
        else:
            columns.append(Column(v.x0, v.x1))
    columns.sort(key=lambda c: c.x0)
    # a widened column may now touch its neighbour: merge (the block is then checked row by row)
    merged: list[Column] = []
    for c in columns:
        if merged and merged[-1].x1 > c.x0:
            merged[-1].x1 = max(merged[-1].x1, c.x1)
        else:
            merged.append(c)
    columns[:] = merged


def header_columns(header: list[Line], labels_end: float) -> list[Column]:
    """Leaf column headers above the values: header words right of the row labels, grouped by
    overlapping x (a header wrapped over lines is one column), narrowest first so the leaves are
    found first; a header spanning several leaves (申请人情况, 法人或其他组织) is left out."""
    pieces = sorted((w for line in header for w in line.words if w.x0 >= labels_end - 1.0),
                    key=lambda w: w.x1 - w.x0)
    columns: list[Column] = []
    for w in pieces:
        under = [c for c in columns if c.overlaps(w)]
        if len(under) == 1:
            under[0].x0, under[0].x1 = min(under[0].x0, w.x0), max(under[0].x1, w.x1)
        elif not under:
            columns.append(Column(w.x0, w.x1))
    columns.sort(key=lambda c: c.x0)
    return [c for i, c in enumerate(columns) if i == 0 or columns[i - 1].x1 <= c.x0]


def titles(header: list[Line], columns: list[Column], labels_end: float) -> list[str] | None:
    """Each column's header text, its pieces joined top to bottom, left to right (结果维 / 持 →
    结果维持); None unless every column has one. Words over two columns (a spanning header) are
    left to the text lines above."""
    titles: list[list[Segment]] = [[] for _ in columns]
    for line in header:
        for w in line.words:
            if w.x0 < labels_end - 1.0:
                continue
            under = [k for k, c in enumerate(columns) if c.overlaps(w)]
            if len(under) == 1:
                titles[under[0]].append(w)
    if not all(titles):
        return None
    return [join_wrapped([w.text for w in sorted(t, key=lambda w: (round(w.top), w.x0))]) for t in titles]


def with_headers(values: list[Column], headers: list[Column]) -> list[Column] | None:
    """The value columns, and a blank column for each header column over no value (a column
    blank in every row). None when there is no such header column, or when the headers disagree
    with the values (a header column that would sit inside a value column's neighbours)."""
    blank = [h for h in headers if not any(h.x0 < v.x1 and v.x0 < h.x1 for v in values)]
    if not blank:
        return None
    out = sorted([Column(v.x0, v.x1) for v in values] + [Column(h.x0, h.x1) for h in blank], key=lambda c: c.x0)
    if any(a.x1 > b.x0 for a, b in zip(out, out[1:])):
        return None
    return out


def anchors(rows: list, header: list[Line], columns: list[Column], labels_end: float
             ) -> list[list[tuple[int, float, float, float]]]:
    """Per column, where its values and header pieces stand: (row index or -1 for a header,
    left, centre, right)."""
    out: list[list[tuple[int, float, float, float]]] = [[] for _ in columns]
    pieces = [(i, v) for i, r in enumerate(rows) for v in r.values]
    pieces += [(-1, w) for line in header for w in line.words if w.x0 >= labels_end - 1.0]
    for i, s in pieces:
        under = [k for k, c in enumerate(columns) if c.overlaps(s)]
        if len(under) == 1:
            out[under[0]].append((i, s.x0, (s.x0 + s.x1) / 2, s.x1))
    return out


def aligned(v: Segment, row: int, anchors: list[tuple[int, float, float, float]]) -> bool:
    """A value stands in its column the way the column's other values or its header stand (same
    left edge, centre or right edge): figures typed into one wide cell, which merely happen to lie
    over the columns, do not. A column with nothing else in it cannot tell: accepted."""
    others = [a for a in anchors if a[0] != row]
    if not others:
        return True
    cx = (v.x0 + v.x1) / 2
    return any(abs(v.x0 - a[1]) <= ALIGN_TOLERANCE or abs(cx - a[2]) <= ALIGN_TOLERANCE
               or abs(v.x1 - a[3]) <= ALIGN_TOLERANCE for a in others)
