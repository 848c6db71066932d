"""Figures too wide for their cell in a ruled PDF table: wrapped onto the next line inside the cell
("2262" printed as "226" over "2"), or, when the row breaks across a page, onto the next page.

Word, WPS and LibreOffice wrap a figure that does not fit its cell's width like any text. Read line
by line it is two numbers, and the row then has more values than columns. A figure is joined only
where the geometry leaves no other reading: every piece is digits, and each line but the last had
no room left for another digit within the cell's margins (a figure broken on purpose, "5" over "3"
in a cell wide enough for "53", stays two numbers).
"""
from __future__ import annotations

import re

from engine.ingest.pdf_text import lines as text_lines

# A cell's inner margin, at most (Word, WPS and LibreOffice put 0.19 cm = 5.4 pt on each side).
MAX_CELL_PADDING = 7.5
_FIGURE_PIECE = re.compile(r"[0-9][0-9.]*")
_FIGURE = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def fills_cell(chars: list[dict], cell) -> bool:
    """The cell holds a figure (digits) whose last line had no room left for another digit within
    the cell's margins: the figure may go on below (on the next page, when a row breaks there)."""
    found = text_lines(chars)
    if not found or not all(_FIGURE_PIECE.fullmatch(line["text"]) for line in found):
        return False
    last = found[-1]
    used = last["x1"] - last["x0"]
    return (cell[2] - cell[0]) - used - used / len(last["text"]) < 2 * MAX_CELL_PADDING


def wrapped_figure(chars: list[dict], cell) -> str | None:
    """One figure too wide for its cell, wrapped onto the next line(s) inside it ("2262" printed as
    "226" over "2"), or None. Certain only when every line is digits and no line but the last had
    room left for the next digit within the cell's margins: a figure the agency broke on purpose
    ("5" over "3" in a cell wide enough for "53") is left as it is (two numbers)."""
    found = text_lines(chars)
    if len(found) < 2 or not all(_FIGURE_PIECE.fullmatch(line["text"]) for line in found):
        return None
    joined = "".join(line["text"] for line in found)
    if not _FIGURE.fullmatch(joined):
        return None
    width = cell[2] - cell[0]
    for line, below in zip(found, found[1:]):
        used = line["x1"] - line["x0"]
        digit = used / len(line["text"])
        if width - used - digit >= 2 * MAX_CELL_PADDING:
            return None
        if below["top"] - line["bottom"] > below["bottom"] - below["top"]:
            return None          # an empty line between: two paragraphs, not a wrap
    return joined


def figures_go_on(previous: list[str | None], first: list[str | None], filled: frozenset[int]) -> bool:
    """Whether `first` is nothing but the rest of figures wrapped inside their cells across the page
    break ("261" at the foot of the page, "5" at the head of the next: 2615): no label, and every
    text of it is digits under a figure that filled its cell on the page before (fills_cell)."""
    if len(previous) != len(first):
        return False
    texts = [(i, b) for i, b in enumerate(first) if b]
    return bool(texts) and all(_FIGURE_PIECE.fullmatch(b) and i in filled and previous[i]
                               and _FIGURE_PIECE.fullmatch(previous[i]) for i, b in texts)


def merge_figures(previous: list[str | None], rest: list[str | None]) -> list[str | None]:
    return [a + b if b else a for a, b in zip(previous, rest)]


def figures_going_on(previous: list[str | None], first: list[str | None], filled: frozenset[int]
                     ) -> list[str | None] | None:
    """`previous` with the rest of its figures from `first` joined on when `first` is nothing but
    that rest (figures_go_on), else None."""
    return merge_figures(previous, first) if figures_go_on(previous, first, filled) else None
