"""Ruled tables from a page's edges: the lines-strategy geometry the PDF tests were written
against (pdfplumber's table finder with its default settings), implemented here on plain tuples so
reading a page needs neither pdfminer nor pdfplumber, and the cell search is not quadratic in
crossings.

The steps, all tolerances in points:
1. edges shorter than 1 are dropped; vertical edges within 3 of one another (by x) are snapped to
   their mean, horizontal ones likewise (by top);
2. collinear edges that overlap or lie within 3 of one another are joined; edges shorter than 3
   are dropped;
3. crossings: a vertical and a horizontal edge that meet within 3;
4. cells: for each crossing (in (x, top) order), the smallest rectangle to its lower right whose
   four corners are crossings joined by common edges;
5. tables: cells grouped by shared corners; a "table" of one cell is not a table.

One step of our own, before 3: a row whose top (or bottom) line was left on the other side of a
page break is closed (_close_open_ends). A browser printing a bordered HTML table draws the line
between two rows once, as the upper row's bottom border: when the page breaks there, the lower row
starts the next page with its column lines but no line above it, and pdfplumber's finder loses the
row (its figures were read as text, and the row charged to the agency as missing or malformed).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple
from itertools import groupby
from operator import itemgetter

from engine.ingest.pdf_text import cluster_ids

_X0 = itemgetter(1)       # Edge.x0
_TOP = itemgetter(2)      # Edge.top
SNAP = 3.0
JOIN = 3.0
CROSS = 3.0
MIN_LENGTH_BEFORE = 1.0
MIN_LENGTH_AFTER = 3.0
OPEN_END_COLUMNS = 3      # column lines ending together (a grid of two columns at least)
OPEN_END_HEIGHT = 6.0     # from their ends to the closed line: a row's height at least

Box = tuple[float, float, float, float]     # x0, top, x1, bottom


class Edge(NamedTuple):
    """A horizontal or vertical ruling segment (a tuple: cheap to make by the thousand)."""
    orientation: str       # "h" | "v"
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def length(self) -> float:
        return self.x1 - self.x0 if self.orientation == "h" else self.bottom - self.top

    @property
    def box(self) -> Box:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class Row:
    cells: list[Box | None]        # one entry per distinct cell left edge of the table
    bbox: Box


@dataclass
class RuledTable:
    cells: list[Box]
    # the texts of its cells and the characters placed in them (pdf_page.table_cells_text), kept
    # by the reader once read
    cell_texts: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def bbox(self) -> Box:
        c = self.cells
        return (min(b[0] for b in c), min(b[1] for b in c), max(b[2] for b in c), max(b[3] for b in c))

    @cached_property
    def rows(self) -> list[Row]:
        """Cells grouped by their top, each row laid over the table's distinct left edges."""
        xs = sorted({c[0] for c in self.cells})
        rows = []
        for _, group in groupby(sorted(self.cells, key=lambda c: (c[1], c[0])), key=lambda c: c[1]):
            by_x = {c[0]: c for c in group}
            present = list(by_x.values())
            bbox = (min(b[0] for b in present), min(b[1] for b in present),
                    max(b[2] for b in present), max(b[3] for b in present))
            rows.append(Row([by_x.get(x) for x in xs], bbox))
        return rows


def find_tables(edges: list[Edge]) -> list[RuledTable]:
    merged = [e for e in _merge([e for e in edges if _length(e) >= MIN_LENGTH_BEFORE]) if _length(e) >= MIN_LENGTH_AFTER]
    return [RuledTable(group) for group in _tables(_cells(_crossings(_close_open_ends(merged))))]


def _close_open_ends(edges: list[Edge]) -> list[Edge]:
    """`edges` with a horizontal line added where a row was left open by a page break: three or
    more column lines end together (top or bottom, within SNAP) where no horizontal line runs, and
    the nearest horizontal line that closes at least three of them (it reaches the last of them, and
    each of them within its extent crosses it) lies at least a row's height away. The added line
    runs from the first of them to the last. Anything less (a frame's two sides, a line partly
    closing the ends, a closed line too near to hold a row) is left as drawn."""
    verticals = [e for e in edges if e.orientation == "v"]
    if len(verticals) < OPEN_END_COLUMNS:
        return edges
    horizontals = [e for e in edges if e.orientation == "h"]
    added = [line for at_top in (True, False) for group in _ending_together(verticals, at_top)
             if (line := _closing_line(group, at_top, horizontals)) is not None]
    return edges + added if added else edges


def _ending_together(verticals: list[Edge], at_top: bool) -> list[list[Edge]]:
    """The vertical edges grouped by where they end (top or bottom), chained within SNAP; groups
    of OPEN_END_COLUMNS or more."""
    end = _TOP if at_top else itemgetter(4)
    groups: list[list[Edge]] = []
    for e in sorted(verticals, key=end):
        if groups and end(e) - end(groups[-1][-1]) <= SNAP:
            groups[-1].append(e)
        else:
            groups.append([e])
    return [g for g in groups if len(g) >= OPEN_END_COLUMNS]


def _closing_line(group: list[Edge], at_top: bool, horizontals: list[Edge]) -> Edge | None:
    ends = [e.top if at_top else e.bottom for e in group]
    y = sum(ends) / len(ends)
    left, right = min(e.x0 for e in group), max(e.x0 for e in group)
    if any(abs(h.top - y) <= CROSS and h.x0 < right and h.x1 > left for h in horizontals):
        return None                         # closed there, wholly or in part: as drawn
    closing = [h for h in horizontals if _closes(h, group, right)]
    if not closing:
        return None
    nearest = min(closing, key=lambda h: abs(h.top - y))
    if abs(nearest.top - y) < OPEN_END_HEIGHT:
        return None
    return Edge("h", left, y, right, y)


def _closes(h: Edge, group: list[Edge], right: float) -> bool:
    """Whether `h` reaches the group's last column line and crosses every line of the group within
    its extent, three of them at least."""
    if abs(h.x1 - right) > CROSS:
        return False
    inside = [v for v in group if h.x0 - CROSS <= v.x0 <= h.x1 + CROSS]
    return len(inside) >= OPEN_END_COLUMNS and all(v.top - CROSS <= h.top <= v.bottom + CROSS for v in inside)


def _length(e: Edge) -> float:
    return e.x1 - e.x0 if e.orientation == "h" else e.bottom - e.top


def _snap(edges: list[Edge], vertical: bool) -> list[Edge]:
    """Edges within SNAP of one another (chained, by x for vertical, top for horizontal) moved to
    the cluster's mean position."""
    keys = [e.x0 for e in edges] if vertical else [e.top for e in edges]
    ids = cluster_ids(keys, SNAP)
    cluster = [ids[k] for k in keys]
    # edges (by their index) sorted by cluster, stably, and grouped: keys looked up, not recomputed
    ordered = sorted(range(len(edges)), key=cluster.__getitem__)
    out: list[Edge] = []
    for _, group in groupby(ordered, key=cluster.__getitem__):
        group = list(group)
        mean = sum(keys[i] for i in group) / len(group)
        for i in group:
            e = edges[i]
            d = mean - keys[i]
            if d == 0:
                out.append(e)      # already there (most edges): the same edge as moving it by 0
            else:
                out.append(Edge("v", e.x0 + d, e.top, e.x1 + d, e.bottom) if vertical
                           else Edge("h", e.x0, e.top + d, e.x1, e.bottom + d))
    return out


def _merge(edges: list[Edge]) -> list[Edge]:
    """Snap, then join collinear edges that overlap or nearly touch."""
    snapped = (_snap([e for e in edges if e.orientation == "v"], True)
               + _snap([e for e in edges if e.orientation == "h"], False))

    lines = [("h", e.top) if e.orientation == "h" else ("v", e.x0) for e in snapped]
    out: list[Edge] = []
    for (orientation, _), group in groupby(sorted(range(len(snapped)), key=lines.__getitem__),
                                           key=lines.__getitem__):
        horizontal = orientation == "h"
        ordered = sorted((snapped[i] for i in group), key=_X0 if horizontal else _TOP)
        joined = [ordered[0]]
        for e in ordered[1:]:
            last = joined[-1]
            if horizontal and e.x0 <= last.x1 + JOIN:
                if e.x1 > last.x1:
                    joined[-1] = Edge("h", last.x0, last.top, e.x1, last.bottom)
            elif not horizontal and e.top <= last.bottom + JOIN:
                if e.bottom > last.bottom:
                    joined[-1] = Edge("v", last.x0, last.top, last.x1, e.bottom)
            else:
                joined.append(e)
        out.extend(joined)
    return out


def _crossings(edges: list[Edge]) -> dict[tuple[float, float], tuple[list[Edge], list[Edge]]]:
    """Points where a vertical and a horizontal edge meet (within CROSS): point -> (verticals,
    horizontals)."""
    verticals = sorted((e for e in edges if e.orientation == "v"), key=lambda e: (e.x0, e.top))
    horizontals = sorted((e for e in edges if e.orientation == "h"), key=lambda e: (e.top, e.x0))
    out: dict[tuple[float, float], tuple[list[Edge], list[Edge]]] = {}
    for v in verticals:
        for h in horizontals:
            if v.top <= h.top + CROSS and v.bottom >= h.top - CROSS and h.x0 - CROSS <= v.x0 <= h.x1 + CROSS:
                found = out.setdefault((v.x0, h.top), ([], []))
                found[0].append(v)
                found[1].append(h)
    return out


def _cells(crossings) -> list[Box]:
    """For each crossing, in (x, top) order, the smallest rectangle to its lower right whose four
    corners are crossings joined by common edges."""
    # an edge stands for its box (two edges with one box are one): Edge tuples of one orientation
    # are equal exactly when their boxes are
    vertical = {p: frozenset(vs) for p, (vs, _) in crossings.items()}
    horizontal = {p: frozenset(hs) for p, (_, hs) in crossings.items()}
    points = sorted(crossings)
    # the crossings on each edge, ascending: those below p sharing a vertical edge with it are the
    # ones after p on p's vertical edges (they have p's x), those to its right likewise
    on_vertical: dict[Edge, list] = {}
    on_horizontal: dict[Edge, list] = {}
    for p in points:
        for e in vertical[p]:
            on_vertical.setdefault(e, []).append(p)
        for e in horizontal[p]:
            on_horizontal.setdefault(e, []).append(p)
    cells = []
    for p in points:
        below = _after(p, vertical[p], on_vertical)
        right = _after(p, horizontal[p], on_horizontal)
        cell = _smallest(p, below, right, crossings, vertical, horizontal)
        if cell is not None:
            cells.append(cell)
    return cells


def _after(p, edges: frozenset, on_edge: dict) -> list:
    """The crossings after p (ascending, each once) on any of `edges`."""
    if len(edges) == 1:
        for e in edges:
            points = on_edge[e]
            return points[bisect.bisect_right(points, p):]
    found = set()
    for e in edges:
        points = on_edge[e]
        found.update(points[bisect.bisect_right(points, p):])
    return sorted(found)


def _smallest(p, below, right, crossings, vertical, horizontal) -> Box | None:
    for b in below:
        for r in right:
            corner = (r[0], b[1])
            if (corner in crossings and not vertical[corner].isdisjoint(vertical[r])
                    and not horizontal[corner].isdisjoint(horizontal[b])):
                return (p[0], p[1], corner[0], corner[1])
    return None


def _tables(cells: list[Box]) -> list[list[Box]]:
    """Cells grouped into tables by shared corners, tables in (top, x0) order; single cells dropped."""
    # a table is a connected group of cells (linked by shared corners), its cells in the order
    # given; which table a cell joins does not depend on the order they are looked at
    corners = [((x0, top), (x0, bottom), (x1, top), (x1, bottom)) for x0, top, x1, bottom in cells]
    at_corner: dict[tuple[float, float], list[int]] = {}
    for i, four in enumerate(corners):
        for corner in four:
            if corner in at_corner:
                at_corner[corner].append(i)
            else:
                at_corner[corner] = [i]
    table_of = [-1] * len(cells)
    tables: list[list[Box]] = []
    for seed in range(len(cells)):
        if table_of[seed] >= 0:
            continue
        table_of[seed] = len(tables)
        members, stack = [], [seed]
        while stack:
            i = stack.pop()
            members.append(i)
            for corner in corners[i]:
                for j in at_corner[corner]:
                    if table_of[j] < 0:
                        table_of[j] = len(tables)
                        stack.append(j)
        tables.append([cells[i] for i in sorted(members)])
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]
