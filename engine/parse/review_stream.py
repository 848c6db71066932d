"""Table 四 in reading-order text (`pdftotext` without -layout): the data row read from the stream of
header labels and values, after the row reader and engine/parse/stream.py have done their part.

In this text each header piece and each value stands on its own line, in the PDF's drawing order:
the wrapped column labels come as their first lines then their second lines ("结果 / 结果 / 其他 /
尚未 / 维持 / 纠正 / 结果 / 审结"), a group's values may follow its own labels before the next group's
labels come, and pdftotext may put the table's right-most column (its label "总计" and its value, or
the value alone) after everything else on the page — after the next parts' text.

The row is read only where every value's column is certain:
1. the header, read from the stream (group labels aside), must name the template's columns in their
   order: the four result columns of 行政复议 (their pieces spelling the four labels, each broken
   over two lines or not), its 总计, the same for 未经复议直接起诉, then for 复议后起诉. A header that
   reads otherwise (pieces of two groups interleaved, text between the labels) reads nothing;
2. the values are those after the header's first label, plus the page's tail: when the page the
   table ends on closes (after the following parts' text) with a lone number, or "总计" and a lone
   number, those are the table's (pdftotext's displaced right-most column; a page number line is
   blanked before);
3. fifteen values are the fifteen cells in stream order, when each value comes after its column's
   label in the stream and every group adds up (总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结);
4. any other count reads nothing. Fewer values mean blank or lost cells, which this text does not
   locate; even one short, the identities cannot say which cell is missing: a group's four values
   left always fit as its results with its 总计 missing, as well as any result missing.
A table read here gets an info diagnostic STREAM_ORDER; the row reader's diagnostics are replaced.
"""
from __future__ import annotations

from decimal import Decimal
from itertools import product

from engine.model import Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import VALUE, Token, tokens_of_piece
from engine.parse.grid import Region, cell_from_token
from engine.parse.normalize import squeeze
from engine.template import REVIEW_COLUMNS, REVIEW_GROUPS, review_addresses

GROUP_WORDS = frozenset({*REVIEW_GROUPS, "行政诉讼"})
TOTAL = REVIEW_COLUMNS[-1]
RESULTS = REVIEW_COLUMNS[:-1]
RESULT_CHARS = sum(len(c) for c in RESULTS)
HEADER_CHARS = frozenset("".join(REVIEW_COLUMNS))
WIDTH = len(REVIEW_COLUMNS)
NCELLS = WIDTH * len(REVIEW_GROUPS)
UNITS = ("R", "T") * len(REVIEW_GROUPS)      # the header's column units in template order
# diagnostics of the row reader this reading replaces
RESOLVED = frozenset({"ROW_TOO_FEW_VALUES", "ROW_TOO_MANY_VALUES", "ROW_UNPLACED", "TABLE_MISSING",
                      "REVIEW_BY_ORDER", "DIGITS_AMBIGUOUS"})


def _result_labels(text: str) -> bool:
    """The four result labels, each whole or broken over two lines: all first pieces, then all
    second pieces ("结果结果其他尚未" + "维持纠正结果审结")."""
    for cuts in product(*(range(1, len(c) + 1) for c in RESULTS)):
        tops = "".join(c[:k] for c, k in zip(RESULTS, cuts))
        bottoms = "".join(c[k:] for c, k in zip(RESULTS, cuts))
        if tops + bottoms == text:
            return True
    return False


def _unit_of(column: int) -> int:
    """Index in UNITS of the header unit naming cell `column` (0 … 14)."""
    return 2 * (column // WIDTH) + (1 if column % WIDTH == WIDTH - 1 else 0)


def stream(lines: list[SourceLine], folded: list[str], region: Region) -> tuple[list[str], list[tuple[Token, int]]] | None:
    """(the header's units in stream order, [(value, units seen before it)]), or None when the
    region does not read as rule 1 and 2 of the module docstring ask."""
    units: list[str] = []
    values: list[tuple[Token, int]] = []
    acc = ""
    started = False
    last = min(region.end.line, len(folded) - 1)
    for li in range(region.start.line, last + 1):
        text = folded[li]
        lo = region.start.col if li == region.start.line else 0
        hi = region.end.col if li == region.end.line else len(text)
        col = lo
        for word in text[lo:hi].split(" "):
            if not word:
                col += 1
                continue
            kind = _kind(word, lines[li].text[col:col + len(word)], li, col)
            col += len(word) + 1
            if kind == "group":
                if acc:
                    return None          # a group label inside a column label: pieces interleaved
                started = True
                continue
            if isinstance(kind, Token):
                if not started:
                    continue             # a figure in the text above the table
                if acc:
                    return None
                values.append((kind, len(units)))
                continue
            if kind == "piece":
                started = True
                acc += squeeze(word)
                if acc == TOTAL:
                    units.append("T")
                    acc = ""
                elif len(acc) >= RESULT_CHARS or TOTAL.startswith(acc):
                    if len(acc) == RESULT_CHARS and _result_labels(acc):
                        units.append("R")
                        acc = ""
                    elif not TOTAL.startswith(acc):
                        return None
                continue
            if started:
                return None              # other text among the table's labels and values
    if acc or not started or not values:
        return None
    rows = [t.line for t, _ in values]
    if len(set(rows)) != len(rows) or any("\t" in lines[i].text for i in range(region.start.line, last + 1)):
        return None                      # not reading-order text: each value alone on its line
    tail = _page_tail(lines, folded, region, rows[-1])
    if tail:
        label, tok = tail
        if label:
            units.append("T")
        values.append((tok, len(units)))
    return units, values


def _kind(word: str, raw: str, li: int, col: int) -> str | Token:
    w = squeeze(word)
    if w in GROUP_WORDS:
        return "group"
    if w and set(w) <= HEADER_CHARS:
        return "piece"
    toks = tokens_of_piece(word, raw, li, col, False)
    if len(toks) == 1 and toks[0].kind == VALUE:
        return toks[0]
    return "text"


def _page_tail(lines: list[SourceLine], folded: list[str], region: Region, last_value: int
               ) -> tuple[bool, Token] | None:
    """The page the table's last value is on, when it closes with a lone number (or "总计" then a
    lone number) after the following parts' text: (with the label, the number's token)."""
    end = region.end.line
    if end >= len(lines) or any("\f" in lines[li].text for li in range(last_value + 1, end + 1)):
        return None
    stop = end + 1
    while stop < len(lines) and "\f" not in lines[stop].text:
        stop += 1
    tail = [li for li in range(end + 1, stop) if folded[li].strip()]
    if not tail or _numbered_pages(lines, folded, stop):
        return None
    tok = _lone_number(lines, folded, tail[-1])
    if tok is None:
        return None
    before = [folded[li].strip() for li in tail[:-1]]
    label = bool(before) and squeeze(before[-1]) == TOTAL
    rest = before[:-1] if label else before
    if not rest:
        return None
    word = rest[-1].split()[-1]
    kind = _kind(word, word, 0, 0)
    if kind in ("piece", "group") or (isinstance(kind, Token) and kind.value_kind == "number"):
        return None          # the number must close the page's text, not a run of figures or labels
    return label, tok


def _numbered_pages(lines: list[SourceLine], folded: list[str], skip: int) -> bool:
    """Another page of the document closes with a lone number too: the pages are numbered that way,
    and the number closing the table's page is its page number."""
    for li in range(1, len(lines)):
        if "\f" in lines[li].text and li != skip:
            last = li - 1
            while last > 0 and not folded[last].strip():
                last -= 1
            if _lone_number(lines, folded, last):
                return True
    return False


def _lone_number(lines: list[SourceLine], folded: list[str], li: int) -> Token | None:
    words = folded[li].split()
    if len(words) != 1:
        return None
    toks = tokens_of_piece(words[0], lines[li].text.strip(), li, folded[li].index(words[0]), False)
    if len(toks) != 1 or toks[0].kind != VALUE or toks[0].value_kind != "number":
        return None
    return toks[0]


def placement(units: list[str], values: list[tuple[Token, int]]) -> bool:
    """The values are the fifteen cells in stream order (rule 3 of the module docstring)."""
    if tuple(units) != UNITS or len(values) != NCELLS:
        return False
    if any(seen <= _unit_of(c) for c, (_, seen) in enumerate(values)):
        return False              # a value before its column's label: the stream does not say whose
    cell = [t.value for t, _ in values]
    for g in range(len(REVIEW_GROUPS)):
        group = cell[g * WIDTH:(g + 1) * WIDTH]
        if any(v is None for v in group) or sum(group[:-1], Decimal(0)) != group[-1]:
            return False
    return True


def complete(table: Table, lines: list[SourceLine], folded: list[str], region: Region,
             diagnostics: list[Diagnostic]) -> None:
    """Fill table 四 from the stream when the row reader left every cell unknown (module docstring)."""
    addrs = review_addresses()
    if any(table.cells.get(a) is not None and table.cells[a].kind != "missing" for a in addrs):
        return
    read = stream(lines, folded, region)
    if read is None:
        return
    units, values = read
    if not placement(units, values):
        return
    for c, (tok, _) in enumerate(values):
        table.cells[addrs[c]] = cell_from_token(addrs[c], tok, lines[tok.line], "order")
    if not table.present:
        table.present = True
        table.line_start = lines[region.start.line].no
        table.line_end = max(lines[t.line].no for t, _ in values)
    diagnostics[:] = [d for d in diagnostics if not (d.table == "review" and d.code in RESOLVED)]
    diagnostics.append(D.stream_order("review", ["data"], lines[values[0][0].line], addrs, False))
