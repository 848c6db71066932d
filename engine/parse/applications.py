"""Table `applications` (part 三): rows anchored on the template's row labels, 7 columns each.

Columns: in template order, unless the table's header (engine/parse/app_header.py) shows another
order or an extra column (小计) AND the rows have the header's width: then each row's values are
placed by the header, the extra column's values are not kept (they have no template address), and
HEADER_COLUMNS says so. A header that cannot be read leaves the template order.

The variant is decided first: the numbered （六） rows "1.申请人无正当理由…" / "2.申请人逾期未按…"
seen ⇒ "split" (2021 template), else a "（六）其他处理" row with values ⇒ "single".
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse import digits, plain, review_layout, units, wrapped
from engine.parse.app_header import GROUP, header_columns, header_labels
from engine.parse.layout_columns import Layout, header_zone, label_spans, stacked_labels, widen_wrapped
from engine.parse.cells import EMPTY
from engine.parse.grid import (OVERLAP_DOUBT, Anchor, AnchorSet, Pos, Region, RowRead, cell_from_token, chain,
                               label_first_chars, padding, read_rows, row_label_pattern, stop_label_pattern,
                               unknown_cell)
from engine.parse.rows import place_row
from engine.parse.anchors import _PREFIX_SPLIT, HEAD_CHARS
from engine.parse.normalize import label_pattern, squeeze
from engine.template import APPLICANT_COLUMNS, APPLICATION_ROWS, application_addresses, outcome_leaf_rows

NCOL = len(APPLICANT_COLUMNS)
_TOKEN_LINE = attrgetter("line")
_ANCHOR_POS = attrgetter("line", "start")      # Anchor.pos
MIN_ROWS_FOR_TABLE = 3


def _anchor_sets() -> dict[str, AnchorSet]:
    groups = {r.group for v in APPLICATION_ROWS.values() for r in v if r.group}
    out = {}
    for variant, rows in APPLICATION_ROWS.items():
        row_specs = [(r.key, row_label_pattern(r.label), label_first_chars(r.label)) for r in rows]
        row_squeezed = {squeeze(r.label) for r in rows}
        stops = [(g, stop_label_pattern(g), label_first_chars(g)) for g in sorted(groups)
                 if squeeze(g) not in row_squeezed]
        out[variant] = AnchorSet(row_specs, stops)
    return out


ANCHORS = _anchor_sets()
_SPLIT_ONLY = [r.key for r in APPLICATION_ROWS["split"] if r.key.startswith("三.六.")][:2]


def _split_core() -> re.Pattern:
    """What every match of a split-only row label contains: its core's head (row_label_pattern
    without the optional numbering; no line break inside). Not in the region's lines ⇒ the split
    labels' scan cannot find those rows, and is not made (the 2019 table: one scan, not two)."""
    heads = []
    for r in APPLICATION_ROWS["split"]:
        if r.key in _SPLIT_ONLY:
            head = label_pattern(squeeze(_PREFIX_SPLIT.match(r.label).group("core"))[:HEAD_CHARS])
            assert row_label_pattern(r.label).endswith(head), r.label     # (every match ends with it)
            heads.append(head)
    return re.compile("|".join(heads))


_SPLIT_CORE = _split_core()


def detect_variant(lines: list[SourceLine], folded: list[str], region: Region
                   ) -> tuple[str | None, str, dict[str, list[Anchor]]]:
    """(variant or None, evidence, the anchors found per variant — reused by extract())."""
    found = {}
    last = min(region.end.line, len(folded) - 1)
    if _SPLIT_CORE.search("\n".join(folded[region.start.line:last + 1])) is not None:
        found["split"] = ANCHORS["split"].find(folded, region)
        keys = {a.key for a in found["split"]}
        if any(k in keys for k in _SPLIT_ONLY):
            return "split", "表三“（六）其他处理”分为 3 行", found
    found["single"] = ANCHORS["single"].find(folded, region)
    if any(a.key == "三.六" for a in found["single"]):
        return "single", "表三“（六）其他处理”为 1 行", found
    return None, "", found


def extract(lines: list[SourceLine], folded: list[str], region: Region, variant: str,
            template: str | None, found: dict[str, list[Anchor]] | None = None) -> tuple[Table, list[Diagnostic]]:
    order = _order(variant)
    anchors = (found or {}).get(variant)
    if anchors is None:
        anchors = ANCHORS[variant].find(folded, region)
    chosen = chain(anchors, order)
    table = Table(name="applications", present=False, template=template, variant=variant)
    diags: list[Diagnostic] = []
    if len(chosen) < MIN_ROWS_FOR_TABLE:
        table.mark_missing(application_addresses(variant))
        diags.append(D.table_missing("applications"))
        return table, diags
    table.present = True
    first = min(chosen.values(), key=_ANCHOR_POS)
    # the header's labels: its columns, and the columns' positions for a row short of values (_layout)
    found_labels = header_labels(folded, region, Pos(first.line, first.start))
    header = header_columns(folded, region, Pos(first.line, first.start), found_labels)
    columns = header.columns if header else APPLICANT_COLUMNS
    labels = _row_labels(variant)
    # the rows read straight into their cells (engine/parse/plain.py): all of them, or the TAB rows
    # whose values are exactly their label line's cells, the general reader reading the others
    inline: plain.PlainRows = {}
    short: dict[str, list[str]] = {}
    edges = (0, 0)
    if columns == APPLICANT_COLUMNS:
        fast = plain.plain_rows(lines, folded, anchors, chosen, region, _widths(variant), labels, partial=True)
        if fast.__class__ is plain.Partial:
            inline, short, edges = fast.rows, fast.short, (fast.lead, fast.trail)
        elif fast is not None:
            return table, _place_plain(table, order, fast, chosen, lines, _template_addresses(variant))
    reads = read_rows(lines, folded, anchors, chosen, region, {k: len(columns) for k in order}, labels,
                      inline.keys() | short.keys() if short else inline)
    if header and columns != APPLICANT_COLUMNS and not _rows_fit(reads, columns):
        # the rows contradict the header (its width, or 总计 adds up only in template order):
        # the header was misread, keep the template order
        columns, header = APPLICANT_COLUMNS, None
        reads = read_rows(lines, folded, anchors, chosen, region, {k: NCOL for k in order}, labels)
    by_header = columns != APPLICANT_COLUMNS
    if by_header:
        diags.append(D.header_columns("applications", list(columns), list(APPLICANT_COLUMNS),
                                      lines[header.line]))
    width = len(columns)
    if not by_header:
        reads = {k: _join_wrapped(k, r, lines, diags) for k, r in reads.items()}
    lead, trail = padding(list(reads.values()), {k: width for k in reads})
    lead, trail = max(lead, edges[0]), max(trail, edges[1])     # (the inline rows' padding)
    runs: dict[str, RowRead] = {}
    # the layout by character position, made when a short row could be placed by it (Layout.eligible:
    # untabbed, certain, anchored); a TAB table's short rows never are
    layout: Layout | None | bool = False
    placed: dict[str, list[Diagnostic]] = {}
    for key in order:
        row = inline.get(key)
        if row is not None:         # (exactly the row's values: place_row's cells in order)
            plain.place(table.cells, _addresses(key, columns), row, lines)
            continue
        addrs = list(_addresses(key, columns))
        values = short.get(key)
        if values is not None:      # (place_row's ROW_TOO_FEW_VALUES for a short row: plain.plain_rows)
            row_line = lines[chosen[key].line]
            for a in addrs:
                table.cells[a] = unknown_cell(a, "missing", " ".join(values), row_line)
            diags.append(D.too_few("applications", key, width, values, row_line, addrs))
            continue
        read = reads.get(key)
        if read is None:
            diags.append(_row_missing(table, key))
            continue
        if layout is False and not by_header and len(read.values) < width and _may_align(read):
            layout = _layout(lines, folded, region, first, reads, found_labels)
        if layout and len(read.values) < width and layout.eligible(read, lines):
            placed[key] = _place_aligned(key, addrs, read, layout, lines, table)
            placed[key] += units.reconcile("applications", key, addrs, [None] * width, read, lines, table)
            continue
        row_diags = place_row("applications", key, addrs, read, lines, table, lead, trail, runs)
        for t in read.values:
            if t.unit:          # (units.reconcile has nothing to do for a row that prints no unit)
                row_diags += units.reconcile("applications", key, addrs, [None] * width, read, lines, table)
                break
        if by_header:
            row_diags = _drop_extra_columns(key, addrs, table, row_diags, runs, lines)
        diags.extend(row_diags)
    if placed and not _sums_hold(table, variant, set(placed)):
        for key in placed:          # a value under the wrong column breaks a sum: none of them is kept
            addrs = [f"applications.{key}.{c}" for c in columns]
            placed[key] = place_row("applications", key, addrs, reads[key], lines, table, lead, trail, runs)
            placed[key] += units.reconcile("applications", key, addrs, [None] * width, reads[key], lines, table)
    for row_diags in placed.values():
        diags.extend(row_diags)
    if runs:
        diags.extend(recover_runs(runs, lines, table, variant))
    _set_span(table, anchors, chosen, reads, lines)
    return table, diags


def _place_plain(table: Table, order: list[str], fast: tuple[plain.PlainRows, int], chosen: dict[str, Anchor],
                 lines: list[SourceLine], addresses: dict[str, tuple[str, ...]]) -> list[Diagnostic]:
    """The table's cells when every row found is a plain grid row (engine/parse/plain.py): each row's
    values in template order; a row not found is missing, as the general way says."""
    rows, last_line = fast
    diags = []
    cells = table.cells
    for key in order:
        row = rows.get(key)
        if row is None:
            diags.append(_row_missing(table, key))
            continue
        plain.place(cells, addresses[key], row, lines)
    nos = [a.line for a in chosen.values()]
    table.line_start, table.line_end = lines[min(nos)].no, lines[max(max(nos), last_line)].no
    return diags


def _row_missing(table: Table, key: str) -> Diagnostic:
    """A template row not found in the table: its cells marked missing (at their template addresses,
    whatever the header's column order) and the diagnostic that says so."""
    canonical = [f"applications.{key}.{c}" for c in APPLICANT_COLUMNS]
    table.mark_missing(canonical)
    return D.row_missing("applications", key, canonical)


@lru_cache(maxsize=None)
def _template_addresses(variant: str) -> dict[str, tuple[str, ...]]:
    """Each row's cell addresses in template column order (made once per variant; read only)."""
    return {r.key: _addresses(r.key, APPLICANT_COLUMNS) for r in APPLICATION_ROWS[variant]}


@lru_cache(maxsize=None)
def _order(variant: str) -> list[str]:
    """The variant's row keys in template order (made once per variant; read only)."""
    return [r.key for r in APPLICATION_ROWS[variant]]


@lru_cache(maxsize=None)
def _widths(variant: str) -> dict[str, int]:
    """Values per row: the template's seven columns for every row (made once per variant; read only)."""
    return {r.key: NCOL for r in APPLICATION_ROWS[variant]}


@lru_cache(maxsize=None)
def _row_labels(variant: str) -> dict[str, str]:
    """Each row's full label, its group labels included (read_rows: a wrapped label's pieces are no
    row end). Made once per variant; read only."""
    return {r.key: ("三、本年度办理结果" if r.key.startswith("三.") else "") + (r.group or "") + r.label
            for r in APPLICATION_ROWS[variant]}


@lru_cache(maxsize=None)
def _addresses(key: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """A row's cell addresses under `columns` (template rows × a few column orders: made once)."""
    return tuple(f"applications.{key}.{c}" for c in columns)


def _layout(lines: list[SourceLine], folded: list[str], region: Region, first: Anchor,
            reads: dict[str, RowRead], found_labels: list) -> Layout | None:
    """Columns by character position (engine/parse/layout_columns.py), when a row is short of values."""
    if all(len(r.values) >= NCOL for r in reads.values()):
        return None
    zone = header_zone(lines, first.line, region.start.line)
    if zone is None:
        return None
    found = [(x.column, x.line, x.col, x.end, x.cell is not None)
             for x in found_labels if x.line >= zone[0]]
    spans = label_spans(widen_wrapped(found, folded, first.line), APPLICANT_COLUMNS) \
        or label_spans(stacked_labels(folded, zone, (*APPLICANT_COLUMNS, GROUP)), APPLICANT_COLUMNS)
    return None if spans is None else Layout.build(spans, list(reads.values()), lines, NCOL)


def _may_align(read: RowRead) -> bool:
    """What Layout.eligible asks of a row before any layout: certain, anchored, no TAB token."""
    if read.doubt or read.anchor is None:
        return False
    for t in read.tokens:
        if t.tabbed:
            return False
    return True


def _place_aligned(key: str, addrs: list[str], read: RowRead, layout: Layout, lines: list[SourceLine],
                   table: Table) -> list[Diagnostic]:
    """A short row of column-laid text placed under the header's columns (blank where nothing stands)."""
    toks, why = layout.place(read, lines)
    row_line = lines[read.anchor.line]
    if why:
        raw = " ".join(t.raw for t in read.values)
        for a in addrs:
            table.cells[a] = unknown_cell(a, "missing", raw, row_line)
        return [D.row_unplaced("applications", key, why, [t.raw for t in read.values], row_line, addrs)]
    blanks = []
    for a, t, col in zip(addrs, toks, APPLICANT_COLUMNS):
        table.cells[a] = cell_from_token(a, t, lines[t.line], "aligned")
        if t.kind == EMPTY:
            blanks.append((a, col))
    return [D.cell_blank("applications", key, [c for _, c in blanks], row_line, [a for a, _ in blanks])]


def _join_wrapped(key: str, read: RowRead, lines: list[SourceLine], diags: list[Diagnostic]) -> RowRead:
    """A row whose figures wrapped inside their narrow PDF cells (engine/parse/wrapped.py): the
    pieces under the figures (-layout text) or the paragraphs of several pieces (reading order)
    joined, kept only when that gives the row's seven figures and 总计 is the sum of the six."""
    if read.doubt == OVERLAP_DOUBT:
        joined = review_layout.join_wrapped(read.values)
    elif not read.doubt and len(read.values) > NCOL:
        stacked = wrapped.stacked_cells(read.values, lines)
        joined = wrapped.join_stacked(stacked) if stacked is not None else None
    else:
        return read
    if joined is None or len(joined[0]) != NCOL or not wrapped.adds_up(joined[0]):
        return read
    addrs = [f"applications.{key}.{c}" for c in APPLICANT_COLUMNS]
    diags.append(D.figures_wrapped_row("applications", key, joined[1], lines[joined[0][0].line], addrs))
    return RowRead(key, read.anchor, joined[0])


def _sums_hold(table: Table, variant: str, aligned: set[str]) -> bool:
    """The table's identities, wherever a row placed by position takes part and every figure is read.
    A blank summand counts 0; a sum whose total or every summand is blank is not checked (the agency
    left that level out: Shanghai 2019 gives 总计 only on the rows 一、二、（七）、四)."""
    def val(key: str, col: str, total: bool = False) -> Decimal | None:
        c = table.cells.get(f"applications.{key}.{col}")
        if c is None or (total and c.kind == "blank"):
            return None
        return Decimal(0) if c.kind == "blank" else c.value if c.kind == "number" else None

    def holds(left: list[Decimal | None], right: list[Decimal | None]) -> bool:
        return None in left or None in right or sum(left) == sum(right)

    def summands(pairs: list[tuple[str, str]]) -> list[Decimal | None]:
        cells = [table.cells.get(f"applications.{k}.{c}") for k, c in pairs]
        if all(c is not None and c.kind == "blank" for c in cells):
            return [None]
        return [val(k, c) for k, c in pairs]

    for key in aligned:
        if not holds(summands([(key, c) for c in APPLICANT_COLUMNS[:-1]]), [val(key, "总计", True)]):
            return False
    leaves = outcome_leaf_rows(variant)
    for c in APPLICANT_COLUMNS:
        total = val("三.七", c, True)
        if not holds(summands([(k, c) for k in leaves]), [total]):
            return False
        if not holds([val("一", c), val("二", c)], [total, val("四", c)]):
            return False
    return True


def _rows_fit(reads: dict[str, RowRead], columns: tuple[str, ...]) -> bool:
    """Whether the rows agree with the header's columns at least as well as with the template's:
    as many rows of the header's width, and (same width) 总计 = the six columns as often."""
    counts = [len(r.values) for r in reads.values()]
    width = len(columns)
    if width != NCOL:
        return counts.count(width) > 0 and counts.count(width) >= counts.count(NCOL)
    return _rows_adding_up(reads, columns) >= _rows_adding_up(reads, APPLICANT_COLUMNS)


def _rows_adding_up(reads: dict[str, RowRead], columns: tuple[str, ...]) -> int:
    """Complete rows whose 总计 equals the sum of the six applicant columns, read in `columns` order."""
    n = 0
    for r in reads.values():
        vals = [t.value for t in r.values]
        if len(vals) != len(columns) or any(v is None for v in vals):
            continue
        row = dict(zip(columns, vals))
        n += sum(row[c] for c in APPLICANT_COLUMNS[:-1]) == row["总计"]
    return n


def _drop_extra_columns(key: str, addrs: list[str], table: Table, row_diags: list[Diagnostic],
                        runs: dict[str, RowRead], lines: list[SourceLine]) -> list[Diagnostic]:
    """Cells of columns the template does not have (小计) leave the table; their addresses leave the
    diagnostics. A digit run is not split against a non-template header: the identities assume the
    template's columns."""
    canonical = [a for a in addrs if a.rsplit(".", 1)[-1] in APPLICANT_COLUMNS]
    for a in addrs:
        if a not in canonical:
            table.cells.pop(a, None)
    out = []
    for d in row_diags:
        had = bool(d.cells)
        d.cells = [a for a in d.cells if a in canonical]
        if had and not d.cells and d.code == "CELL_BLANK":
            continue          # only the extra column is blank: no template cell concerned
        out.append(d)
    read = runs.pop(key, None)
    if read is not None:
        line = lines[read.values[0].line]
        run_text = " ".join(t.raw for t in read.values)
        out.append(D.digits_ambiguous("applications", key, run_text, len(addrs), line, canonical,
                                      "表头的列与模板不同，不按模板的合计关系拆分"))
    return out


def recover_runs(runs: dict[str, RowRead], lines: list[SourceLine], table: Table, variant: str) -> list[Diagnostic]:
    candidates: dict[str, list[tuple[Decimal, ...]]] = {}
    too_many: set[str] = set()
    for key, read in runs.items():
        try:
            candidates[key] = digits.splits([t.text for t in read.values], NCOL)
        except digits.TooMany:
            too_many.add(key)
    leaves = outcome_leaf_rows(variant)

    def row_ok(_key: str, c: tuple[Decimal, ...]) -> bool:
        return sum(c[:-1]) == c[-1]

    def known(key: str, trial: dict[str, tuple[Decimal, ...]]) -> list[Decimal] | None:
        if key in trial:
            return list(trial[key])
        if key in runs:
            return None
        vals = [table.cells.get(f"applications.{key}.{c}") for c in APPLICANT_COLUMNS]
        if all(v is not None and v.known for v in vals):
            return [v.value for v in vals]
        return None

    def table_ok(trial: dict[str, tuple[Decimal, ...]]) -> bool:
        total = known("三.七", trial)
        leaf_vals = [known(k, trial) for k in leaves]
        if total is not None and all(v is not None for v in leaf_vals):
            for c in range(NCOL):
                if sum(v[c] for v in leaf_vals) != total[c]:
                    return False
        one, two, four = known("一", trial), known("二", trial), known("四", trial)
        if total is not None and one is not None and two is not None and four is not None:
            for c in range(NCOL):
                if one[c] + two[c] != total[c] + four[c]:
                    return False
        return True

    fixed, why = digits.choose_rows(candidates, row_ok, table_ok)
    diags = []
    for key, read in runs.items():
        addrs = [f"applications.{key}.{c}" for c in APPLICANT_COLUMNS]
        run_text = " ".join(t.raw for t in read.values)
        line = lines[read.values[0].line]
        if key in fixed:
            for a, v in zip(addrs, fixed[key]):
                table.cells[a] = Cell(a, "number", v, run_text, line.no, line.where, recovered=True, read="digits")
            diags.append(D.digits_recovered("applications", key, run_text, [str(v) for v in fixed[key]],
                                            line, addrs, why[key]))
        else:
            reason = why.get(key, "可能的拆分方式过多")
            diags.append(D.digits_ambiguous("applications", key, run_text, NCOL, line, addrs, reason))
    return diags


def _set_span(table: Table, anchors, chosen, reads, lines: list[SourceLine]) -> None:
    nos = [a.line for a in chosen.values()]
    for r in reads.values():
        nos.extend(map(_TOKEN_LINE, r.tokens))
    if nos:
        table.line_start, table.line_end = lines[min(nos)].no, lines[max(nos)].no
