"""Which side of its label each row's values stand on in reading-order text (pdftotext without
-layout), as the numbers of values between the row labels tell it (used by grid.read_rows to doubt
rows read "before" or "after" their labels that the count does not confirm)."""
from __future__ import annotations

from engine.model import SourceLine
from engine.parse.cells import VALUE, tokens_of_piece


def label_sides(lines: list[SourceLine], folded: list[str], region, rows: list,
                expected: dict[str, int], order: list[str]) -> dict[str, str | None]:
    """Which side of its label each row's values stand on, as the numbers of values between the row
    labels tell it: in reading-order text each row's values stand right after its label ("after")
    or right before it ("before"), so the values between two labels are the first row's (after)
    and/or the second's (before). From the top, the values above the first label fix its side, each
    gap then fixes the next row's; from the bottom likewise. A row both chains place, differently,
    or neither places, is None (a lost value or a stray one breaks a chain from there on, and so does
    a label not followed by the template's next row: the values between may be a missing row's).
    Empty (no say) for text with TAB rows, where a row's blank cells are cells.
    `region`: the table's grid.Region; `rows`: the chosen row anchors (grid.Anchor) in text order
    (not imported here: grid imports this module)."""
    last = min(region.end.line, len(lines) - 1)
    if not rows or any("\t" in lines[i].text or "\t" in folded[i] for i in range(region.start.line, last + 1)):
        return {}           # TAB rows (browser copies, Markdown tables): blank cells are cells there
    bounds = [(region.start.line, region.start.col)] + [p for a in rows for p in ((a.line, a.start), (a.line, a.end))] \
        + [(region.end.line, region.end.col)]
    gaps = [_count_values(lines, folded, bounds[2 * i], bounds[2 * i + 1]) for i in range(len(rows) + 1)]
    width = [expected.get(a.key, 0) for a in rows]
    n = len(rows)
    rank = {k: i for i, k in enumerate(order)}
    linked = [rows[i].key in rank and rank.get(rows[i + 1].key) == rank[rows[i].key] + 1 for i in range(n - 1)]
    down: list[str | None] = [None] * n
    # a chain starts only at the template's own first (last) row: above a later row's label the
    # values of rows whose labels are elsewhere may stand
    side: str | None = None
    if rows[0].key == order[0]:
        side = "before" if gaps[0] == width[0] else "after" if gaps[0] == 0 else None
    for i in range(n):
        if i:
            owed = width[i - 1] if down[i - 1] == "after" else 0
            rest = gaps[i] - owed
            side = None if down[i - 1] is None or not linked[i - 1] else \
                "before" if rest == width[i] else "after" if rest == 0 else None
        down[i] = side
    up: list[str | None] = [None] * n
    side = None
    if rows[-1].key == order[-1]:
        side = "after" if gaps[n] == width[-1] else "before" if gaps[n] == 0 else None
    for i in range(n - 1, -1, -1):
        if i < n - 1:
            owed = width[i + 1] if up[i + 1] == "before" else 0
            rest = gaps[i + 1] - owed
            side = None if up[i + 1] is None or not linked[i] else \
                "after" if rest == width[i] else "before" if rest == 0 else None
        up[i] = side
    out: dict[str, str | None] = {}
    for a, d, u in zip(rows, down, up):
        out[a.key] = d if u is None else u if d is None else d if d == u else None
    return out


def _count_values(lines: list[SourceLine], folded: list[str], start: tuple[int, int], end: tuple[int, int]) -> int:
    """Words between two positions (line, column) that are each one value (a number, a dash, 无)."""
    count = 0
    for li in range(start[0], min(end[0], len(folded) - 1) + 1):
        f = folded[li]
        a = start[1] if li == start[0] else 0
        b = end[1] if li == end[0] else len(f)
        col = a
        for word in f[a:b].split(" "):
            if word:
                toks = tokens_of_piece(word, lines[li].text[col:col + len(word)], li, col, False)
                count += len(toks) == 1 and toks[0].kind == VALUE
            col += len(word) + 1
    return count
