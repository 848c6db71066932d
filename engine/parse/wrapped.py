"""Figures wrapped inside narrow table cells, in text copied out of a PDF (issue 11).

A PDF whose table cells are too narrow for their figures (LibreOffice's portrait A4 with 4- and
5-digit 表三 figures in 1.15 cm columns) breaks a figure inside its cell: "2262" is printed "226"
over "2". Text copied out of it shows the pieces:

- `pdftotext -layout`: the row's figures on one line, the rest of each wrapped figure on the next
  line under it (character columns overlap): engine/parse/review_layout.join_wrapped;
- reading order (`pdftotext` without -layout): each cell a paragraph, cells set apart by an empty
  line, a wrapped figure's pieces on consecutive lines of one paragraph ("226" / "2", empty line,
  "237" / "4" …): `join_stacked` below.

A join is a reconstruction, so it stands only where the text leaves one reading: every piece is
digits, the pieces above a break filled their cell (all as wide as each other, no unbroken figure
of the row wider), and the caller confirms the row's identity with the joined figures (表三 总计 =
the six applicant columns, 表四 each group's 总计 = its four results); otherwise the row is unknown.
Pieces that stand in such paragraphs but cannot be joined that way leave the row unknown too: read
one by one they would be a row of wrong figures (2262 read as 226 and 2).
"""
from __future__ import annotations

from decimal import Decimal

from engine.model import SourceLine
from engine.parse.cells import Token

MIN_FILLED = 2      # a cell one digit wide is not a table cell: pieces that short are not a wrap


def stacked_cells(values: list[Token], lines: list[SourceLine]) -> list[list[Token]] | None:
    """The values grouped into the paragraphs they stand in (one value per line, consecutive lines
    one paragraph, paragraphs set apart by empty lines only), when at least one paragraph holds
    more than one value and at least two paragraphs are set apart; else None (not this layout)."""
    if len(values) < 2 or any(v.tabbed for v in values) or len({v.line for v in values}) != len(values):
        return None
    cells: list[list[Token]] = [[values[0]]]
    apart = False
    for prev, tok in zip(values, values[1:]):
        if tok.line == prev.line + 1:
            cells[-1].append(tok)
            continue
        if tok.line < prev.line or any(lines[i].text.strip() for i in range(prev.line + 1, tok.line)):
            return None          # text between the values, or out of order: not one row's paragraphs
        apart = True
        cells.append([tok])
    if not apart or all(len(c) == 1 for c in cells):
        return None
    return cells


def join_stacked(cells: list[list[Token]]) -> tuple[list[Token], list[str]] | None:
    """Each paragraph's pieces joined into one figure ("226" + "2" → "2262") and the joins as
    "226/2", when the paragraphs read as figures wrapped in cells of one width; else None."""
    if any(not t.raw.isdigit() for c in cells for t in c):
        return None
    filled = {len(t.raw) for c in cells if len(c) > 1 for t in c[:-1]}
    if len(filled) != 1:
        return None
    width = filled.pop()
    if width < MIN_FILLED or any(len(c[-1].raw) > width for c in cells):
        return None
    out, joins = [], []
    for c in cells:
        if len(c) == 1:
            out.append(c[0])
            continue
        top = c[0]
        out.append(top._replace(text="".join(t.text for t in c), raw="".join(t.raw for t in c)))
        joins.append("“" + "”/“".join(t.raw for t in c) + "”")
    return out, joins


def adds_up(values: list[Token]) -> bool:
    """The last figure is the sum of the others (every token a number)."""
    figures = [t.value for t in values]
    if any(f is None for f in figures):
        return False
    return sum(figures[:-1], Decimal(0)) == figures[-1]
