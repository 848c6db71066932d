"""Values placed under header columns by character position, in column-laid text (pdftotext -layout).

A row of such text with fewer values than the table has columns (the agency left cells blank) cannot
be read by order. pdftotext puts each word at the character column of the text printed above it, so
the values of one table column stand at overlapping character positions in every row of a page, under
the characters of their column's header label. Positions are counted in characters, as pdftotext
counts them — a CJK label takes one position per character, like the values under it (measuring in
display width, CJK = 2, would move the labels away from their values).

A value goes into a cell only when its column is certain; otherwise `place` says why and the row stays
unknown:
1. the header is the block of lines right above the first row (`header_zone`); every column label is
   found there exactly once, on lines without TAB, in column order, no two overlapping
   (`label_spans`); a label wrapped in a narrow cell spans its lines (`widen_wrapped`, or
   `stacked_labels` for a label broken anywhere: "自然" / "人");
2. the table's value columns — the spans of the values of all its rows that can be placed this way
   (lines without TAB, below the header, on the header's page: a page break starts other positions),
   merged where they overlap — each lie under exactly one label, and no label has two of them; a
   complete row (as many values as columns) puts its k-th value in the k-th column (`Layout.build`);
3. in a row, each value takes the column of its value column; two values in one column leave the row
   unknown. pdftotext keeps at least one space between two words of a line, so a value one space
   after the text before it may have been pushed right by that text: its column is certain only when
   no free column lies between it and the value before it (the first column for a row's first value);
4. the caller checks the table's identities on what was placed (a value in a neighbouring column
   breaks a column sum) and drops the placement when one fails.
A column with no value in a placed row is a blank cell (kind "blank", read "aligned").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.model import SourceLine
from engine.parse.cells import EMPTY, Token
from engine.parse.grid import RowRead
from engine.parse.normalize import label_pattern, squeeze

Span = tuple[int, int]


def label_spans(found: list[tuple[str, int, int, int, bool]], columns: tuple[str, ...]
                ) -> tuple[list[Span], int, int] | None:
    """The character span of each column's label, the first and the last line of the labels.

    `found`: (column, line, start, end, tabbed) of every header label seen. None unless each column
    is found exactly once, on an untabbed line, the spans in column order and apart."""
    by_column: dict[str, list[tuple[int, int, int, bool]]] = {}
    for column, line, start, end, tabbed in found:
        by_column.setdefault(column, []).append((line, start, end, tabbed))
    picked = []
    for c in columns:
        seen = by_column.get(c, [])
        if len(seen) != 1 or seen[0][3]:
            return None
        picked.append(seen[0])
    spans = [(s, e) for _, s, e, _ in picked]
    if any(b[0] < a[1] for a, b in zip(spans, spans[1:])):
        return None
    lines = [li for li, *_ in picked]
    return spans, min(lines), max(lines)


WRAP_LINES = 2      # a header label wrapped in a narrow cell continues on at most this many lines
MAX_HEADER_LINES = 8
_WORD = re.compile(r"\S+")


def header_zone(lines: list[SourceLine], first_row: int, floor: int) -> tuple[int, int] | None:
    """The header printed right above the table's first row: the lines up to the first empty one
    (pdftotext leaves an empty line between text blocks), at most MAX_HEADER_LINES; (first, last)."""
    top = first_row
    while top - 1 > floor and first_row - top < MAX_HEADER_LINES and lines[top - 1].text.strip():
        top -= 1
    return (top, first_row - 1) if top < first_row else None


def stacked_labels(folded: list[str], zone: tuple[int, int], names: tuple[str, ...]
                   ) -> list[tuple[str, int, int, int, bool]]:
    """Labels printed in narrow cells, broken over lines wherever the cell is full ("自然" / "人",
    "社会公" / "益组织"): a word continued by the one word under it whose characters overlap it,
    while the pieces spell the start of a label; (name, line, start, end, False) when they spell
    it all, the span covering every piece."""
    targets = {squeeze(n): n for n in names}
    prefixes = {t[:k] for t in targets for k in range(1, len(t) + 1)}
    words = {li: [(m.start(), m.end(), squeeze(m.group())) for m in _WORD.finditer(folded[li])]
             for li in range(zone[0], zone[1] + 1)}
    out = []
    for li in range(zone[0], zone[1] + 1):
        for s, e, text in words[li]:
            acc, lo, hi, lj = text, s, e, li
            while acc in prefixes and acc not in targets and lj < zone[1]:
                below = [(a, b, t) for a, b, t in words[lj + 1] if a < hi and lo < b and acc + t in prefixes]
                if len(below) != 1:
                    break
                a, b, t = below[0]
                acc, lo, hi, lj = acc + t, min(lo, a), max(hi, b), lj + 1
            if acc in targets:
                out.append((targets[acc], li, lo, hi, False))
    return out


def widen_wrapped(found: list[tuple[str, int, int, int, bool]], folded: list[str], end_line: int
                  ) -> list[tuple[str, int, int, int, bool]]:
    """Labels found by their first part only ("商业" of a cell printed "商业" / "企业"): the span
    grows over the rest of the label printed in the lines below, where it starts under the part
    found (its values may stand under either line)."""
    out = []
    for column, line, start, end, tabbed in found:
        seen = squeeze(folded[line][start:end])
        rest = squeeze(column)[len(seen):] if squeeze(column).startswith(seen) else ""
        if rest and not tabbed:
            rx = re.compile(label_pattern(rest))
            for li in range(line + 1, min(line + WRAP_LINES, end_line - 1) + 1):
                hits = [m for m in rx.finditer(folded[li]) if m.start() < end + 1 and start - 1 < m.end()]
                if len(hits) == 1:
                    start, end = min(start, hits[0].start()), max(end, hits[0].end())
                    break
        out.append((column, line, start, end, tabbed))
    return out


@dataclass(frozen=True)
class Layout:
    """Value columns (character spans) and the table column each one stands under."""
    spans: tuple[Span, ...]
    column_of: tuple[int, ...]      # table column index per value column
    first_line: int                 # the header's first and last label lines
    last_line: int
    width: int

    @staticmethod
    def build(labels: tuple[list[Span], int, int], reads: list[RowRead], lines: list[SourceLine],
              width: int) -> "Layout | None":
        spans, first_line, last_line = labels
        probe = Layout((), (), first_line, last_line, width)
        values = [t for r in reads if probe.eligible(r, lines) for t in r.values]
        if not values:
            return None
        merged: list[list[int]] = []
        for s, e in sorted((t.start, t.start + len(t.raw)) for t in values):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        column_of = []
        for s, e in merged:
            under = [i for i, (ls, le) in enumerate(spans) if ls < e and s < le]
            if len(under) != 1:
                return None
            column_of.append(under[0])
        if len(set(column_of)) != len(column_of):
            return None
        layout = Layout(tuple((s, e) for s, e in merged), tuple(column_of), first_line, last_line, width)
        for r in reads:
            if layout.eligible(r, lines) and len(r.values) == width:
                if [layout.column(t) for t in r.values] != list(range(width)):
                    return None
        return layout

    def eligible(self, read: RowRead, lines: list[SourceLine]) -> bool:
        """The row's values stand on untabbed lines below the header, on the header's page."""
        if read.doubt or read.anchor is None or any(t.tabbed for t in read.tokens):
            return False
        rows = [read.anchor.line, *(t.line for t in read.values)]
        if min(rows) <= self.last_line:
            return False
        return not any("\f" in lines[i].text for i in range(self.first_line + 1, max(rows) + 1))

    def column(self, tok: Token) -> int | None:
        s, e = tok.start, tok.start + len(tok.raw)
        for (a, b), c in zip(self.spans, self.column_of):
            if a <= s and e <= b:
                return c
        return None

    def place(self, read: RowRead, lines: list[SourceLine]) -> tuple[list[Token], str]:
        """The row's cells column by column (EMPTY tokens for blanks), or ([], why not)."""
        cells: list[Token | None] = [None] * self.width
        last_on_line: dict[int, int] = {}
        for tok in sorted(read.values, key=lambda t: (t.line, t.start)):
            c = self.column(tok)
            if c is None:
                return [], "该行数值不在表头各列的字符位置之下"
            if cells[c] is not None:
                return [], f"该行有两个数值在同一列（“{cells[c].raw}”与“{tok.raw}”）之下"
            if _pushed(lines[tok.line].text, tok.start):
                before = last_on_line.get(tok.line, -1)
                if any(cells[k] is None for k in range(before + 1, c)):
                    return [], f"数值“{tok.raw}”紧挨前面的文字，可能被挤到右边，无法确定其所属的列"
            cells[c] = tok
            last_on_line[tok.line] = c
        line = read.anchor.line if read.anchor else read.values[0].line
        start = read.anchor.end if read.anchor else 0
        return [t if t is not None else Token(EMPTY, "", "", line, start, tabbed=False) for t in cells], ""


def _pushed(text: str, start: int) -> bool:
    """Text stands right before the value, at most one space away (pdftotext's minimum gap)."""
    if not text[:start].strip():
        return False
    return start < 2 or text[start - 1] != " " or text[start - 2] != " "
