"""Table 四 in reading-order text (`pdftotext` without -layout): the data row read from the stream of
header labels and values, after the row reader and engine/parse/stream.py have done their part.

In this text each header piece and each value stands on its own line, in the PDF's drawing order:
the wrapped column labels come as their first lines then their second lines ("结果 / 结果 / 其他 /
尚未 / 维持 / 纠正 / 结果 / 审结"), a group's values may follow its own labels before the next group's
labels come, and pdftotext may put the table's right-most column (its label "总计" and its value, or
the value alone) after everything else on the page — after the next parts' text.

The row is read only where every value's column is certain:
1. the table's words are header pieces, group labels and values, each value alone on its line; any
   other text among them reads nothing. Its values are those after its first header word, plus the
   page's tail: when the page the table ends on closes (after the following parts' text) with a
   lone number, or "总计" and a lone number, those are the table's (pdftotext's displaced
   right-most column) — unless another page of the document closes with a lone number other than
   0 too (its pages are numbered that way);
2. drawn group by group (`by_blocks`): the header pieces, read in order, name the template's columns
   in their order — the four result columns of 行政复议 (their pieces spelling the four labels, each
   broken over two lines or not), its 总计, the same for 未经复议直接起诉, then 复议后起诉 — and the
   fifteen values, in stream order, each come after their own column's label, every group adding up
   (总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结);
3. drawn header first (`header_first`): every header piece (all fifteen labels' characters, however
   the wrapped pieces interleave) before a run of exactly fifteen values — the last one may follow a
   lone "总计" (the right-most column moved after the rest) — is a row of fifteen under a broken
   header and read in order, like the row reader's (REVIEW_BY_ORDER); when the fifteenth value is a
   lone number closing the page, only if every group adds up;
4. figures wider than their cells wrap inside them; pdftotext prints each cell as its own block,
   blocks apart by an empty line, so a figure's pieces stand on adjacent lines ("12" / "7" for
   127). Where 2 and 3 read nothing, they are tried again with such pieces joined, and then only
   a reading where every group adds up is kept;
5. any other count reads nothing. Fewer values mean blank or lost cells, which this text does not
   locate; even one short, the identities cannot say which cell is missing: a group's four values
   left always fit as its results with its 总计 missing, as well as any result missing.
A table read here gets an info diagnostic STREAM_ORDER; the row reader's diagnostics are replaced.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from itertools import product

from engine.model import Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import VALUE, Token, tokens_of_piece
from engine.parse.grid import Region, cell_from_token, unknown_cell
from engine.parse.normalize import squeeze
from engine.parse.wrapped import stacked_cells
from engine.template import REVIEW_COLUMNS, REVIEW_GROUPS, review_addresses

GROUP_WORDS = frozenset({*REVIEW_GROUPS, "行政诉讼"})
TOTAL = REVIEW_COLUMNS[-1]
RESULTS = REVIEW_COLUMNS[:-1]
RESULT_CHARS = sum(len(c) for c in RESULTS)
HEADER_CHARS = frozenset("".join(REVIEW_COLUMNS))
HEADER_CHAR_COUNT = Counter("".join(REVIEW_COLUMNS) * len(REVIEW_GROUPS))   # every column label, once per group
WIDTH = len(REVIEW_COLUMNS)
NCELLS = WIDTH * len(REVIEW_GROUPS)
UNITS = ("R", "T") * len(REVIEW_GROUPS)      # the header's column units in template order
# diagnostics of the row reader this reading replaces
_ADDRESSES = tuple(review_addresses())
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


Event = tuple[str, object]      # ("piece", its text) | ("group", "") | ("value", Token)


def stream(lines: list[SourceLine], folded: list[str], region: Region) -> tuple[list[Event], tuple[bool, Token] | None] | None:
    """The table's events from its first header word on, and the page's tail (rule 2 of the module
    docstring); None when other text stands among them or the text is not reading-order text."""
    events: list[Event] = []
    last = min(region.end.line, len(folded) - 1)
    if any("\t" in lines[i].text for i in range(region.start.line, last + 1)):
        return None                      # not reading-order text (decided before reading its words)
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
            if isinstance(kind, Token):
                if events:               # a figure in the text above the table is not the table's
                    events.append(("value", kind))
            elif kind == "text":
                if events:
                    return None          # other text among the table's labels and values
            else:
                events.append((kind, squeeze(word) if kind == "piece" else ""))
    rows = [e[1].line for e in events if e[0] == "value"]
    if not rows or len(set(rows)) != len(rows):
        return None                      # not reading-order text: each value alone on its line
    return events, _page_tail(lines, folded, region, rows[-1])


def by_blocks(events: list[Event], tail: tuple[bool, Token] | None) -> list[Token] | None:
    """Rule 3: the header's units in template order, fifteen values each after its own column's
    label, every group adding up."""
    units: list[str] = []
    values: list[tuple[Token, int]] = []
    acc = ""
    for kind, item in events:
        if kind == "group":
            if acc:
                return None              # a group label inside a column label: pieces interleaved
        elif kind == "value":
            if acc:
                return None
            values.append((item, len(units)))
        else:
            acc += item
            if acc == TOTAL:
                units.append("T")
                acc = ""
            elif len(acc) == RESULT_CHARS and _result_labels(acc):
                units.append("R")
                acc = ""
            elif len(acc) >= RESULT_CHARS:
                return None
    if acc:
        return None
    if tail:
        label, tok = tail
        if label:
            units.append("T")
        values.append((tok, len(units)))
    if tuple(units) != UNITS or len(values) != NCELLS:
        return None
    if any(seen <= _unit_of(c) for c, (_, seen) in enumerate(values)):
        return None               # a value before its column's label: the stream does not say whose
    toks = [t for t, _ in values]
    return toks if _groups_add_up(toks) else None


def header_first(events: list[Event], tail: tuple[bool, Token] | None, must_add_up: bool = False
                 ) -> list[Token] | None:
    """Rule 4: every header piece, then fifteen values in one run — the last one may come after a
    lone "总计" (the right-most column moved after the rest) or close the page. Read in order like
    a row of fifteen under a broken header; a figure found alone at the page's end only when every
    group adds up."""
    first = next(i for i, (kind, _) in enumerate(events) if kind == "value")
    head, rest = events[:first], events[first:]
    late = ""
    values = [item for kind, item in rest if kind == "value"]
    pieces = [i for i, (kind, _) in enumerate(rest) if kind != "value"]
    if pieces:
        # only a lone 总计 right before the last value
        if tail or pieces != list(range(len(rest) - 1 - len(pieces), len(rest) - 1)) \
                or any(rest[i][0] != "piece" for i in pieces):
            return None
        late = "".join(rest[i][1] for i in pieces)
        if late != TOTAL:
            return None
    if tail:
        label, tok = tail
        late = TOTAL if label else ""
        values.append(tok)
    chars = Counter("".join(item for kind, item in head if kind == "piece") + late)
    if chars != HEADER_CHAR_COUNT or len(values) != NCELLS:
        return None
    if (must_add_up or (tail and not tail[0])) and not _groups_add_up(values):
        return None
    return values


def _join_wrapped(events: list[Event]) -> list[Event] | None:
    """The events with each figure wrapped inside its cell joined: values on adjacent lines, with no
    empty line between (pdftotext separates its blocks, each cell one, by an empty line: "12" / "7"
    is one cell's "127"), all plain digits. None when no value is wrapped so, or a wrapped one is
    not plain digits."""
    out: list[Event] = []
    wrapped = False
    for kind, item in events:
        if kind == "value" and out and out[-1][0] == "value" and out[-1][1].line + 1 == item.line:
            prev = out[-1][1]
            if not (prev.raw.isdigit() and item.raw.isdigit()):
                return None
            out[-1] = ("value", prev._replace(text=prev.text + item.text, raw=prev.raw + item.raw))
            wrapped = True
        else:
            out.append((kind, item))
    return out if wrapped else None


def _groups_add_up(values: list[Token]) -> bool:
    cell = [t.value for t in values]
    for g in range(len(REVIEW_GROUPS)):
        group = cell[g * WIDTH:(g + 1) * WIDTH]
        if any(v is None for v in group) or sum(group[:-1], Decimal(0)) != group[-1]:
            return False
    return True


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
    """Another page of the document closes with a lone number (not 0) too: the pages are numbered
    that way, and the number closing the table's page is its page number."""
    for li in range(1, len(lines)):
        if "\f" in lines[li].text and li != skip:
            last = li - 1
            while last > 0 and not folded[last].strip():
                last -= 1
            closing = _lone_number(lines, folded, last)
            if closing is not None and closing.value != 0:
                return True      # 0 is no page number: a table's figure moved to its page's end
    return False


def _lone_number(lines: list[SourceLine], folded: list[str], li: int) -> Token | None:
    words = folded[li].split()
    if len(words) != 1:
        return None
    toks = tokens_of_piece(words[0], lines[li].text.strip(), li, folded[li].index(words[0]), False)
    if len(toks) != 1 or toks[0].kind != VALUE or toks[0].value_kind != "number":
        return None
    return toks[0]


def complete(table: Table, lines: list[SourceLine], folded: list[str], region: Region,
             diagnostics: list[Diagnostic]) -> None:
    """Fill table 四 from the stream when the row reader left every cell unknown (module docstring)."""
    cells = table.cells
    for a in _ADDRESSES:
        c = cells.get(a)
        if c is not None and c.kind != "missing":
            return               # (the row reader read the row: the first cell says so)
    addrs = list(_ADDRESSES)
    read = stream(lines, folded, region)
    if read is None:
        return
    events, tail = read
    joined = _join_wrapped(events)
    # values in paragraphs set apart by empty lines, some of several pieces ("23" / "4"): figures
    # wrapped in their cells; read unjoined they are a row of fifteen only by chance (ten figures
    # of 行政复议's blank group in fifteen pieces), so then it must add up too
    stacked = stacked_cells([item for kind, item in events if kind == "value"], lines) is not None
    values = by_blocks(events, tail) or header_first(events, tail, must_add_up=stacked)
    if values is None and joined is not None:
        # figures wrapped inside their cells: a reconstruction, kept only where every group adds up
        values = by_blocks(joined, tail) or header_first(joined, tail, must_add_up=True)
    if values is None:
        if not table.present:
            _unreadable(table, lines, events, tail, region, diagnostics, addrs)
        _to_check(diagnostics)
        return
    for a, tok in zip(addrs, values):
        table.cells[a] = cell_from_token(a, tok, lines[tok.line], "order")
    if not table.present:
        table.present = True
        table.line_start = lines[region.start.line].no
        table.line_end = max(lines[t.line].no for t in values)
    diagnostics[:] = [d for d in diagnostics if not (d.table == "review" and d.code in RESOLVED)]
    diagnostics.append(D.stream_order("review", ["data"], lines[values[0].line], addrs, False))


def _unreadable(table: Table, lines: list[SourceLine], events: list[Event], tail: tuple[bool, Token] | None,
                region: Region, diagnostics: list[Diagnostic], addrs: list[str]) -> None:
    """The table's header and values are in the text but no reading is certain: the table is there
    (not "missing"), its cells unknown, and the diagnostic says so instead of TABLE_MISSING."""
    labels = Counter("".join(item for kind, item in events if kind == "piece") + (TOTAL if tail and tail[0] else ""))
    values = [item for kind, item in events if kind == "value"] + ([tail[1]] if tail else [])
    if any(labels[c] < n for c, n in HEADER_CHAR_COUNT.items()) or len(values) < WIDTH:
        return                   # not the whole header, or too few values to be its row
    first = lines[values[0].line]
    raw = " ".join(t.raw for t in values)
    table.present = True
    table.line_start = lines[region.start.line].no
    table.line_end = max(lines[t.line].no for t in values)
    for a in addrs:
        table.cells[a] = unknown_cell(a, "missing", raw, first)
    diagnostics[:] = [d for d in diagnostics if not (d.table == "review" and d.code == "TABLE_MISSING")]
    diagnostics.append(D.row_unplaced(
        "review", "data", f"表头与 {len(values)} 个数值在文本中交错排列（阅读顺序文本），文本的先后顺序不能确定各数值所属的列",
        [t.raw for t in values], first, addrs))


def _to_check(diagnostics: list[Diagnostic]) -> None:
    """The row stays unknown: its diagnostic says a person must look, and where (待人工核对: it rests
    on what this text lets us read, never on the agency). With fewer values than cells the blank
    cells left no place in the text, and the values fit the groups' sums in more than one way."""
    for d in diagnostics:
        if d.table != "review" or d.code not in ("ROW_TOO_FEW_VALUES", "ROW_UNPLACED") or "待人工核对" in d.message:
            continue
        why = "（空白单元格在文本中没有留下位置，这些数值放在不同的列都可能符合各组合计关系）" \
            if d.code == "ROW_TOO_FEW_VALUES" else ""
        where = f"{d.where}附近" if d.where else "文中"
        message = d.message.rstrip("。")
        tail = "，该行数值按未知处理"
        message = message.replace(tail, why + tail) if tail in message else message + why
        d.message = f"{message}，待人工核对：请查看{where}的原表，逐列核对"
