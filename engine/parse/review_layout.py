"""Table 四's data row placed under its header columns by character position (`pdftotext -layout`).

A 表四 whose agency left cells blank prints fewer than fifteen values; in column-laid text the row
can still be read when each value's column is certain from where it stands. pdftotext prints each
word at the character column of its x-position, so a value stands under its column's label — but
only roughly: a header label wrapped in its cell ("结果" / "维持", "结" / "果" / "维" / "持") is
printed over several lines, and a value may be a few characters off its label's position.

A value goes into a cell only when its column is certain; otherwise `place` says why and the row
stays unknown:
1. the header is the block of lines above the data row (an empty line or two may separate them, as
   pdftotext prints it); its fifteen column labels are found by their pieces stacked in the same
   character columns (`column_labels`), and read left to right they must be the template's
   (结果维持, 结果纠正, 其他结果, 尚未审结, 总计) three times, none overlapping the next;
2. the labels must stand at least MIN_GAP characters apart: packed closer, a value a character or
   two off its label (pdftotext's rounding) may stand under the neighbouring label, so position
   says nothing certain;
3. a value overlapping exactly one label's characters takes its column ("anchored"); a value
   overlapping none, or pushed by the text right before it, is "floating": it is placed only when
   the anchored values around it leave exactly as many free columns between them as floating values
   stand there (order then says which); the anchored columns must increase from left to right;
4. a column with no value is a blank cell; the caller checks the groups' identities on the result
   (总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结, a blank counting 0) and drops the placement when
   one fails.

Figures wider than their narrow cells wrap inside them: "127" printed "12" with "7" on the line
below, under it (`join_wrapped`). The row's values then stand on two adjacent lines; each piece of
the second line is joined to the one figure of the first line whose characters it overlaps — only
when every piece overlaps exactly one figure, no figure gets two pieces, and all are plain digits.
A join is a reconstruction: the caller keeps the row only when every group adds up.
"""
from __future__ import annotations

import re

from engine.model import SourceLine
from engine.parse.cells import EMPTY, Token
from engine.parse.normalize import squeeze
from engine.template import REVIEW_COLUMNS, REVIEW_GROUPS

MIN_GAP = 2             # characters between two neighbouring labels for position to be certain
MAX_HEADER_LINES = 8    # lines of the header above the data row
MAX_EMPTY_ABOVE = 2     # empty lines pdftotext leaves between the header and the data row
_WORD = re.compile(r"\S+")
_ORDER = tuple(c for _ in REVIEW_GROUPS for c in REVIEW_COLUMNS)
_PREFIXES = {c[:k] for c in REVIEW_COLUMNS for k in range(1, len(c) + 1)}

Label = tuple[str, int, int]     # (column name, start, end): a label's character span


def header_lines(lines: list[SourceLine], folded: list[str], row: int, floor: int) -> tuple[int, int] | None:
    """The lines of the header printed above the data row `row` (first, last), not across a page
    break; None when there is none."""
    last = row - 1
    while last > floor and row - last <= MAX_EMPTY_ABOVE and not folded[last].strip():
        last -= 1
    if last <= floor or not folded[last].strip():
        return None
    first = last
    while first - 1 > floor and last - first + 1 < MAX_HEADER_LINES and folded[first - 1].strip():
        first -= 1
    if any("\f" in lines[i].text or "\t" in lines[i].text for i in range(first, row + 1)):
        return None
    return first, last


def column_labels(folded: list[str], zone: tuple[int, int]) -> list[Label]:
    """Column labels of the header zone: a word that starts a column name, continued by the nearest
    word below it whose characters overlap it (lines with nothing there are skipped), as long as
    the pieces spell the start of the name; the span covers every piece. A word used as a
    continuation starts no label of its own."""
    words = {li: [(m.start(), m.end(), squeeze(m.group())) for m in _WORD.finditer(folded[li])]
             for li in range(zone[0], zone[1] + 1)}
    used: set[tuple[int, int]] = set()
    out: list[Label] = []
    for li in range(zone[0], zone[1] + 1):
        for s, e, text in words[li]:
            if (li, s) in used or text not in _PREFIXES:
                continue
            acc, lo, hi, lj, chain = text, s, e, li, [(li, s)]
            while acc not in REVIEW_COLUMNS:
                nxt = _below(words, lj, zone[1], lo, hi)
                if nxt is None or acc + nxt[3] not in _PREFIXES:
                    break
                lj, a, b, t = nxt
                acc, lo, hi = acc + t, min(lo, a), max(hi, b)
                chain.append((lj, a))
            if acc in REVIEW_COLUMNS:
                used.update(chain)
                out.append((acc, lo, hi))
    return sorted(out, key=lambda x: x[1])


def _below(words: dict[int, list[tuple[int, int, str]]], line: int, last: int, lo: int, hi: int
           ) -> tuple[int, int, int, str] | None:
    """The one word on the nearest line below `line` overlapping [lo, hi); None when that line has
    two, or no line below has one."""
    for lj in range(line + 1, last + 1):
        hits = [(a, b, t) for a, b, t in words[lj] if a < hi and lo < b]
        if len(hits) == 1:
            return (lj, *hits[0])
        if hits:
            return None
    return None


def join_wrapped(values: list[Token]) -> tuple[list[Token], list[str]] | None:
    """The row's figures with the pieces wrapped under them joined ("12" + "7" → "127"), and the
    joins as "12/7"; None when the values do not stand that way."""
    rows = sorted({t.line for t in values})
    if len(rows) != 2 or rows[1] != rows[0] + 1 or any(t.tabbed for t in values):
        return None
    top = [t for t in values if t.line == rows[0]]
    out = list(top)
    joins = []
    taken: set[int] = set()
    for piece in (t for t in values if t.line == rows[1]):
        s, e = piece.start, piece.start + len(piece.raw)
        over = [i for i, t in enumerate(top) if t.start < e and s < t.start + len(t.raw)]
        if len(over) != 1 or over[0] in taken or not (piece.raw.isdigit() and top[over[0]].raw.isdigit()):
            return None
        i = over[0]
        taken.add(i)
        out[i] = top[i]._replace(text=top[i].text + piece.text, raw=top[i].raw + piece.raw)
        joins.append(f"“{top[i].raw}”/“{piece.raw}”")
    return out, joins


def place(lines: list[SourceLine], folded: list[str], values: list[Token], floor: int
          ) -> tuple[list[Token] | None, str]:
    """The data row's fifteen cells (EMPTY tokens for blanks) from the values' positions, or
    (None, why not). `values`: the row's values, all on one untabbed line; `floor`: the line the
    header may not reach above (the part's heading)."""
    row = values[0].line
    if any(t.line != row or t.tabbed for t in values):
        return None, ""
    zone = header_lines(lines, folded, row, floor)
    if zone is None:
        return None, ""
    labels = column_labels(folded, zone)
    if tuple(name for name, _, _ in labels) != _ORDER:
        return None, ""
    if any(b[1] - a[2] < MIN_GAP for a, b in zip(labels, labels[1:])):
        return None, "表四表头各列在文本中相距过近，无法按字符位置确定各数值所属的列"
    cols = _columns(folded[row], values, labels)
    if cols is None:
        return None, "表四数据行的数值无法按表头各列的字符位置唯一对应"
    cells: list[Token] = [Token(EMPTY, "", "", row, values[0].start, tabbed=False)] * len(labels)
    for tok, c in zip(values, cols):
        cells[c] = tok
    return cells, ""


def _columns(text: str, values: list[Token], labels: list[Label]) -> list[int] | None:
    """Each value's column (rule 3 of the module docstring), or None."""
    cols: list[int | None] = []
    for tok in values:
        s, e = tok.start, tok.start + len(tok.raw)
        under = [i for i, (_, a, b) in enumerate(labels) if a < e and s < b]
        if len(under) > 1:
            return None
        cols.append(under[0] if under and not _pushed(text, s) else None)
    anchored = [c for c in cols if c is not None]
    if any(b <= a for a, b in zip(anchored, anchored[1:])):
        return None
    # floating values: between two anchored ones (or the row's ends), exactly as many as free columns
    out = list(cols)
    i = 0
    while i < len(out):
        if out[i] is not None:
            i += 1
            continue
        j = i
        while j < len(out) and out[j] is None:
            j += 1
        lo = out[i - 1] + 1 if i > 0 else 0
        hi = out[j] if j < len(out) else len(labels)
        if hi - lo != j - i:
            return None
        out[i:j] = range(lo, hi)
        i = j
    return out        # type: ignore[return-value]


def _pushed(text: str, start: int) -> bool:
    """Text stands right before the value, at most one space away (pdftotext's minimum gap): the
    value may have been pushed right by it."""
    if not text[:start].strip():
        return False
    return start < 2 or text[start - 1] != " " or text[start - 2] != " "
