"""Table `review` (part 四): one data row of 15 cells after the table's header labels.

The header (行政复议 / 行政诉讼 / 未经复议直接起诉 / 复议后起诉 / 结果维持 … 总计, in any layout) is
located by its labels; the data row is the tokens after the LAST header label. Its cells map in
template order (three groups × five columns). Blank cells, too few / too many values and digit runs
follow the policy of engine/parse/grid.py; runs are split with the group identities
(总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结).
"""
from __future__ import annotations

from decimal import Decimal
from operator import attrgetter

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse import digits, plain, review_layout, units
from engine.parse import wrapped as wrapped_figures
from engine.parse.rows import place_row
from engine.parse.cells import EMPTY, VALUE
from engine.parse.grid import (AnchorSet, Pos, Region, RowRead, cell_from_token, collect_tokens,
                               label_first_chars, stop_label_pattern)
from engine.template import REVIEW_COLUMNS, REVIEW_GROUPS, REVIEW_PARTS, review_addresses

NCELLS = len(REVIEW_GROUPS) * len(REVIEW_COLUMNS)
_ADDRESSES = tuple(review_addresses())      # (made once: each report's table takes a copy)
_PARTS = frozenset(REVIEW_PARTS)
_KEY = attrgetter("key")
_LINE = attrgetter("line")
STACKED_DOUBT = "数值分段排列，有的段落含几个数字，无法确定哪些数字属于同一个数"
MIN_ROW_VALUES = 5      # under a broken header, fewer values than one group's are not the data row
_HEADER = AnchorSet([], [(lbl, stop_label_pattern(lbl), label_first_chars(lbl)) for lbl in
                         (*REVIEW_GROUPS, "行政诉讼", *REVIEW_COLUMNS)])


def extract(lines: list[SourceLine], folded: list[str], region: Region, template: str | None
            ) -> tuple[Table, list[Diagnostic]]:
    table = Table(name="review", present=False, template=template)
    addrs = list(_ADDRESSES)
    header = _HEADER.find(folded, region)
    diags: list[Diagnostic] = []
    # the result columns identify the table: narrative also says 行政复议 / 行政诉讼 / 总计
    if len(_PARTS.intersection(map(_KEY, header))) < 2:
        tokens = _row_of_fifteen(lines, folded, region, header)
        if tokens is None:
            table.mark_missing(addrs)
            return table, [D.table_missing("review")]
        diags.append(D.review_by_order(lines[tokens[0].line], addrs))
    else:
        last = max(header, key=lambda a: (a.line, a.end))
        tokens = collect_tokens(lines, folded, Pos(last.line, last.end), region.end)
    table.present = True
    values = [t for t in tokens if t.kind == VALUE]
    if plain.ENABLED and len(values) == NCELLS and all(t.tabbed and not t.unit for t in values):
        # a grid row of the fifteen values (the common table): no figure wrapped, no position to
        # place by, no unit — the value policy places them in order, as below (tests/test_plain.py)
        plain.place_values(table.cells, addrs, values, lines)
    else:
        diags = _read_row(lines, folded, region, tokens, table, addrs, diags)
    nos = [*map(_LINE, header), *map(_LINE, tokens)]
    first, end = min(nos), max(nos)
    table.line_start, table.line_end = lines[first].no, lines[end].no
    return table, diags


def _read_row(lines: list[SourceLine], folded: list[str], region: Region, tokens: list, table: Table,
              addrs: list[str], diags: list[Diagnostic]) -> list[Diagnostic]:
    """The data row's cells the general way: figures wrapped in their cells, placed by position
    or by the value policy, units, digit runs."""
    read = RowRead("data", None, tokens)
    wrapped = review_layout.join_wrapped(read.values)
    stacked = wrapped_figures.stacked_cells(read.values, lines) if wrapped is None else None
    if stacked is not None:
        # reading-order text whose cells are paragraphs, some of several figure pieces: joined only
        # when they read as wrapped figures (and every group adds up, below); never one by one
        wrapped = wrapped_figures.join_stacked(stacked)
        if wrapped is None:
            read = RowRead("data", None, tokens, doubt=STACKED_DOUBT)
    if wrapped is not None:
        read = RowRead("data", None, wrapped[0])
    runs: dict[str, RowRead] = {}
    placed, why = _place_by_position(lines, folded, region, read, table, addrs)
    if placed is not None:
        # placed under the header's columns, not by order
        diags = [d for d in diags if d.code != "REVIEW_BY_ORDER"] + placed
    else:
        row_diags = place_row("review", "data", addrs, read, lines, table, 0, 0, runs)
        if why:     # the header's columns were found: say why position could not place the row
            row_diags = [D.row_unplaced("review", "data", why, [t.raw for t in read.values],
                                        lines[read.values[0].line], addrs)
                         if d.code == "ROW_TOO_FEW_VALUES" else d for d in row_diags]
        diags += row_diags
    if wrapped is not None and not _confirm_wrapped(wrapped[1], read, lines, table, addrs, diags):
        runs = {}
    diags += units.reconcile("review", "data", addrs, [None] * len(addrs), read, lines, table)
    if runs:
        diags.extend(_recover(read, lines, table, addrs))
    return diags


def header_anchors(folded: list[str], region: Region) -> list:
    """The table's header labels in the region (行政复议, 行政诉讼, the groups and result columns)."""
    return _HEADER.find(folded, region)


def _row_of_fifteen(lines: list[SourceLine], folded: list[str], region: Region, header: list) -> list | None:
    """Under a broken header (行政复议 / 行政诉讼 seen, no column labels): the first row of values
    after it (one TAB row with its empty cells, or values with no empty cell between them). Its
    cells are placed by the value policy: only a row of exactly fifteen cells is read (by order, or
    by TAB position for a grid row with blank cells); another count leaves them unknown."""
    groups = [a for a in header if a.key in ("行政复议", "行政诉讼", *REVIEW_GROUPS)]
    if not groups:
        return None
    last = max(groups, key=lambda a: (a.line, a.end))
    tokens = collect_tokens(lines, folded, Pos(last.line, last.end), region.end)
    values = [t for t in tokens if t.kind == VALUE]
    if len(values) < MIN_ROW_VALUES:
        return None
    # one grid row (TAB cells, empty ones included) keeps its positions: blank cells stay in place
    row = [t for t in tokens if t.line == values[0].line]
    if all(t.tabbed for t in row) and len({t.line for t in values}) == 1:
        return row
    if any(t.kind == EMPTY for t in tokens if (values[0].line, values[0].start) < (t.line, t.start)
           < (values[-1].line, values[-1].start)):
        return None
    return values


def _place_by_position(lines: list[SourceLine], folded: list[str], region: Region, read: RowRead, table: Table,
                       addrs: list[str]) -> tuple[list[Diagnostic] | None, str]:
    """A short data row of column-laid text placed under the header's columns by character position
    (engine/parse/review_layout.py): (the row's diagnostics, "") when placed; (None, why not) when
    the header's columns were found but position does not place every value with certainty (the
    value policy then decides), (None, "") when position does not apply."""
    values = read.values
    if not 0 < len(values) < NCELLS or any(t.tabbed for t in values):
        return None, ""
    cells, why = review_layout.place(lines, folded, values, region.start.line)
    if cells is not None and not _groups_add_up(cells):
        cells, why = None, "按字符位置对应后，各组“总计”等于前四项之和的关系不成立或无法核对，可能有数值对错了列"
    if cells is None:
        return None, why
    blanks = []
    for a, t in zip(addrs, cells):
        table.cells[a] = cell_from_token(a, t, lines[t.line], "aligned")
        if t.kind == EMPTY:
            blanks.append(a)
    cols = [".".join(a.split(".")[1:]) for a in blanks]
    return ([D.cell_blank("review", "data", cols, lines[values[0].line], blanks)] if blanks else []), ""


def _confirm_wrapped(joins: list[str], read: RowRead, lines: list[SourceLine], table: Table, addrs: list[str],
                     diags: list[Diagnostic]) -> bool:
    """Figures joined across their cell's wrap stand only when the row was placed and every group
    adds up (a join is a reconstruction); else the row is unknown. Says what was joined."""
    cells = [table.cells[a] for a in addrs]
    line = lines[read.values[0].line]
    if any(c.kind == "missing" for c in cells):
        return False             # not placed: the row reader's diagnostics say why
    if all(_adds_up(cells[g * len(REVIEW_COLUMNS):(g + 1) * len(REVIEW_COLUMNS)])
                      for g in range(len(REVIEW_GROUPS))):
        diags.append(D.figures_wrapped(joins, line, addrs))
        return True
    raw = " ".join(t.raw for t in read.values)
    for a in addrs:
        table.cells[a] = Cell(a, "missing", None, raw, line.no, line.where)
    diags[:] = [d for d in diags if not (d.table == "review" and d.code in ("CELL_BLANK", "ROW_TOO_FEW_VALUES",
                                                                              "ROW_TOO_MANY_VALUES", "ROW_UNPLACED"))]
    diags.append(D.row_unplaced("review", "data", "数值在单元格内折行，接起后各组“总计”不等于前四项之和，无法确认",
                                [t.raw for t in read.values], line, addrs))
    return False


def _adds_up(group: list[Cell]) -> bool:
    """总计 = the four results, blanks counting 0, every cell a number or blank."""
    if any(c.kind not in ("number", "blank") for c in group):
        return False
    vals = [c.value if c.kind == "number" else Decimal(0) for c in group]
    return sum(vals[:-1], Decimal(0)) == vals[-1]


def _groups_add_up(cells: list) -> bool:
    """Each group: 总计 = the four results, a blank counting 0; a group whose 总计 or every result is
    blank is not checked (the agency's blank is its own finding)."""
    width = len(REVIEW_COLUMNS)
    for g in range(len(REVIEW_GROUPS)):
        group = cells[g * width:(g + 1) * width]
        if any(t.kind != EMPTY and t.value is None for t in group):
            return False          # a dash or 无 beside figures: not an identity to check by position
        parts, total = group[:-1], group[-1]
        if total.kind == EMPTY or all(t.kind == EMPTY for t in parts):
            continue
        if sum((t.value for t in parts if t.kind != EMPTY), Decimal(0)) != total.value:
            return False
    return True


def _recover(read: RowRead, lines: list[SourceLine], table: Table, addrs: list[str]) -> list[Diagnostic]:
    run_text = " ".join(t.raw for t in read.values)
    line = lines[read.values[0].line]
    width = len(REVIEW_COLUMNS)

    def row_ok(_k: str, c: tuple[Decimal, ...]) -> bool:
        return all(sum(c[g * width:g * width + width - 1]) == c[g * width + width - 1]
                   for g in range(len(REVIEW_GROUPS)))

    try:
        cands = {"data": digits.splits([t.text for t in read.values], NCELLS)}
    except digits.TooMany:
        return [D.digits_ambiguous("review", "data", run_text, NCELLS, line, addrs, "可能的拆分方式过多")]
    fixed, why = digits.choose_rows(cands, row_ok, None)
    if "data" not in fixed:
        return [D.digits_ambiguous("review", "data", run_text, NCELLS, line, addrs, why.get("data", ""))]
    for a, v in zip(addrs, fixed["data"]):
        table.cells[a] = Cell(a, "number", v, run_text, line.no, line.where, recovered=True, read="digits")
    return [D.digits_recovered("review", "data", run_text, [str(v) for v in fixed["data"]], line, addrs,
                               why["data"].replace("本行合计关系", "各组“总计”等于前四项之和的关系"))]
