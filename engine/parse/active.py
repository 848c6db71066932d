"""Table `active` (part 二): 第二十条 items, rows anchored on the template's row labels.

Template detection: the column labels decide (本年新制作数量 / 本年新公开数量 / 对外公开总数量 /
上一年项目数量 / 采购项目数量 ⇒ 2019; 本年制发件数 / 本年废止件数 / 现行有效件数 / 本年收费金额 ⇒ 2021).

Digit runs (flattened pages: "规章000行政规范性文件8855698"): this table has no identities, so a run is
split only when exactly one split exists (three digits for three cells: 0 / 0 / 0); a single-cell row
takes its run as the value, except a 万元 amount with more than four decimals, which is evidently
another number run into it ("24252.311082") and stays unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from engine.model import Cell, Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse import digits, plain, units
from engine.parse.rows import place_row
from engine.parse.grid import (HEAD_CHARS, AnchorSet, Pos, Region, RowRead, chain, label_first_chars, padding,
                               read_rows, stop_label_pattern)
from engine.parse.normalize import label_pattern, squeeze
from engine.template import ACTIVE_ITEMS, AMOUNT_COLUMNS, active_addresses

_MARKERS = {
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "采购项目数量", "采购总金额"),
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
}
_MARKER_RX = {t: re.compile("|".join(label_pattern(m) for m in ms)) for t, ms in _MARKERS.items()}
ITEM_HEADER = r"第[ ]*二[ ]*十[ ]*条[ ]*第?[ ]*\([ ]*[一二三四五六七八九十]+[ ]*\)[ ]*项"
ITEM_HEADER_RX = re.compile(ITEM_HEADER)
_SPACES = re.compile(r"\s+")
_MAX_AMOUNT_DECIMALS = 4


def detect_template(folded: list[str], region: Region) -> tuple[str | None, list[str]]:
    """('2019' | '2021' | None, the column labels seen)."""
    seen: dict[str, list[str]] = {"2019": [], "2021": []}
    # searched in the region's lines joined (a label never runs over a line break), not line by line
    text = region_text(folded, region)
    for t, rx in _MARKER_RX.items():
        for m in rx.finditer(text):
            label = _SPACES.sub("", m.group())
            if label not in seen[t]:
                seen[t].append(label)
    if not seen["2019"] and not seen["2021"]:
        return None, []
    t = "2019" if len(seen["2019"]) > len(seen["2021"]) else "2021"
    return t, seen[t]


# Row labels real reports write differently (the 2021 table's 行政规范性文件 is often just 规范性文件).
_ALIASES = {"行政规范性文件": ("规范性文件",)}
_ALIAS_FIRSTS = {k: "".join(a[0] for a in v) for k, v in _ALIASES.items()}


def _row_pattern(row: str) -> str:
    """The label, its aliases, and — for a long label — its first characters: a label wrapped in a
    narrow cell ("其他对外管理服务" / "事项") is found by its head; the whole label wins where it stands."""
    pats = [label_pattern(x) for x in (row, *_ALIASES.get(row, ()))]
    if len(squeeze(row)) > HEAD_CHARS:
        pats.append(label_pattern(squeeze(row)[:HEAD_CHARS]))
    return "|".join(pats)


def _anchor_set(template: str) -> AnchorSet:
    items = ACTIVE_ITEMS[template]
    rows = [(f"{it.key}.{row}", _row_pattern(row), label_first_chars(row) + _ALIAS_FIRSTS.get(row, ""))
            for it in items for row in it.rows]
    columns = {it.label_of(c) for t in ACTIVE_ITEMS.values() for it in t for c in it.columns}
    stops = [("item", ITEM_HEADER, "第"), ("信息内容", label_pattern("信息内容"), "信")]
    stops += [(c, stop_label_pattern(c), label_first_chars(c)) for c in sorted(columns)]
    return AnchorSet(rows, stops)


ANCHORS = {t: _anchor_set(t) for t in ACTIVE_ITEMS}


def table_start(folded: list[str], region: Region) -> Region | None:
    """The region from the first 第二十条 item header on (narrative before the table is skipped);
    None when the part has no item header at all."""
    for li in range(region.start.line, min(region.end.line, len(folded) - 1) + 1):
        text = folded[li]
        a = region.start.col if li == region.start.line else 0
        b = region.end.col if li == region.end.line else len(text)
        m = ITEM_HEADER_RX.search(text, a, b)
        if m:
            return Region(Pos(li, m.start()), region.end)
    return None


@dataclass(frozen=True)
class _Layout:
    """What extract needs of a template's items, worked out once per process."""
    order: list[str]                       # row keys "item.row" in the table's order
    width: dict[str, int]                  # row key -> its number of cells
    column_units: dict[str, str]           # column -> the unit its label names
    rows: list[tuple[str, tuple[str, ...], tuple[str | None, ...], bool]]   # key, columns, units, has an amount
    addresses: list[tuple[str, tuple[str, ...]]]    # key -> its cells' addresses, in the table's order


def _layout(template: str) -> _Layout:
    items = ACTIVE_ITEMS[template]
    rows = [(f"{it.key}.{row}", tuple(it.columns), tuple(units.column_unit(it.label_of(c)) for c in it.columns),
             bool(AMOUNT_COLUMNS.intersection(it.columns))) for it in items for row in it.rows]
    return _Layout(order=[key for key, *_ in rows], width={key: len(cols) for key, cols, *_ in rows},
                   column_units={c: u for it in items for c in it.columns if (u := units.column_unit(it.label_of(c)))},
                   rows=rows, addresses=[(key, tuple(f"active.{key}.{c}" for c in cols)) for key, cols, *_ in rows])


_LAYOUTS = {t: _layout(t) for t in ACTIVE_ITEMS}


def extract(lines: list[SourceLine], folded: list[str], region: Region, template: str,
            has_columns: bool = True) -> tuple[Table, list[Diagnostic]]:
    table = Table(name="active", present=False, template=template)
    # The table is there when its item headers (第二十条第（一）项) or its column labels are: row names
    # alone (行政许可, 行政处罚 …) also occur in narrative ("办理行政许可120件") and are no table.
    start = table_start(folded, region)
    if start is None and not has_columns:
        table.mark_missing(active_addresses(template))
        return table, [D.table_missing("active")]
    region = start or region
    aset = ANCHORS[template]
    anchors = aset.find(folded, region)
    layout = _LAYOUTS[template]
    chosen = chain(anchors, layout.order)
    diags: list[Diagnostic] = []
    if not chosen:
        table.mark_missing(active_addresses(template))
        return table, [D.table_missing("active")]
    table.present = True
    width = layout.width
    declared = units.declared_units(region_text(folded, region), layout.column_units)
    fast = None if declared else plain.plain_rows(lines, folded, anchors, chosen, region, width)
    if fast is not None:
        return table, _place_plain(table, layout, fast, chosen, lines)
    reads = read_rows(lines, folded, anchors, chosen, region, width)
    pads = _padding_by_width(reads, width)
    for key, columns, row_units, has_amount in layout.rows:
        addrs = [f"active.{key}.{c}" for c in columns]
        read = reads.get(key)
        if read is None:
            table.mark_missing(addrs)
            diags.append(D.row_missing("active", key, addrs))
            continue
        runs: dict[str, RowRead] = {}
        diags.extend(place_row("active", key, addrs, read, lines, table, *pads[width[key]], runs))
        if runs:
            diags.extend(_recover(key, read, addrs, lines, table))
        if has_amount:
            diags.extend(check_amounts(key, read, addrs, lines, table, columns))
        diags.extend(units.reconcile("active", key, addrs, list(row_units), read, lines, table,
                                     [declared.get(c) for c in columns]))
    nos = [a.line for a in chosen.values()] + [t.line for r in reads.values() for t in r.tokens]
    table.line_start, table.line_end = lines[min(nos)].no, lines[max(nos)].no
    return table, diags


def _place_plain(table: Table, layout: _Layout, fast: tuple[plain.PlainRows, int], chosen: dict,
                 lines: list[SourceLine]) -> list[Diagnostic]:
    """The table's cells when every row found is a plain grid row (engine/parse/plain.py) and the
    header declares no unit of its own: each row's values in order; a row not found is missing."""
    rows, last_line = fast
    diags = []
    cells = table.cells
    for key, addrs in layout.addresses:
        row = rows.get(key)
        if row is None:
            addrs = list(addrs)
            table.mark_missing(addrs)
            diags.append(D.row_missing("active", key, addrs))
            continue
        plain.place(cells, addrs, row, lines)
    nos = [a.line for a in chosen.values()]
    table.line_start, table.line_end = lines[min(nos)].no, lines[max(max(nos), last_line)].no
    return diags


def region_text(folded: list[str], region: Region) -> str:
    """The region's folded text (lines joined by newlines)."""
    last = min(region.end.line, len(folded) - 1)
    parts = []
    for li in range(region.start.line, last + 1):
        text = folded[li]
        a = region.start.col if li == region.start.line else 0
        b = region.end.col if li == region.end.line else len(text)
        parts.append(text[a:b])
    return "\n".join(parts)


def _recover(key: str, read: RowRead, addrs: list[str], lines: list[SourceLine], table: Table) -> list[Diagnostic]:
    run_text = " ".join(t.raw for t in read.values)
    line = lines[read.values[0].line]
    try:
        cands = digits.splits([t.text for t in read.values], len(addrs))
    except digits.TooMany:
        cands = [(), ()]
    if len(cands) == 1 and (read.anchor is None or any(t.line != read.anchor.line for t in read.values)):
        # a number on a line of its own (reading-order text: one cell per line) is one cell, not
        # a row run together ("103" above its label is not 1 / 0 / 3)
        return [D.digits_ambiguous("active", key, run_text, len(addrs), line, addrs,
                                   "数值不在该行标签所在行，不能当作连在一起的一行数字拆分")]
    if len(cands) == 1 and len(read.values) > 1:
        # values set apart by spaces but fewer than the row's cells: with no identity to confirm a
        # split, values lost from the row ("10 5" for three cells) cannot be told from values run
        # together — only a row printed as ONE run is split
        return [D.digits_ambiguous("active", key, run_text, len(addrs), line, addrs,
                                   "数值之间有空格却少于栏目数，可能是丢失了数值，本表没有可用于校验的合计关系")]
    if len(cands) == 1:
        for a, v in zip(addrs, cands[0]):
            table.cells[a] = Cell(a, "number", v, run_text, line.no, line.where, recovered=True, read="digits")
        return [D.digits_recovered("active", key, run_text, [str(v) for v in cands[0]], line, addrs,
                                   "只有一种拆分方式")]
    why = "本表没有可用于校验的合计关系，可能的拆分方式不止一种" if cands else "没有任何拆分方式能得到所需个数的数值"
    return [D.digits_ambiguous("active", key, run_text, len(addrs), line, addrs, why)]


def check_amounts(key: str, read: RowRead, addrs: list[str], lines: list[SourceLine], table: Table,
                   columns: tuple[str, ...]) -> list[Diagnostic]:
    out = []
    for a, col in zip(addrs, columns):
        cell = table.cells.get(a)
        if col not in AMOUNT_COLUMNS or cell is None or not cell.known or "." not in cell.raw:
            continue
        decimals = len(cell.raw.rsplit(".", 1)[1])
        tok = next((t for t in read.values if t.raw == cell.raw), None)
        if decimals > _MAX_AMOUNT_DECIMALS and tok is not None and not tok.tabbed:
            line = lines[tok.line]
            table.cells[a] = Cell(a, "missing", None, cell.raw, line.no, line.where)
            out.append(D.digits_ambiguous("active", key, cell.raw, len(addrs), line, [a],
                                          f"金额有 {decimals} 位小数，显然连着其他数字，无法确定金额本身"))
    return out


def _padding_by_width(reads: dict[str, RowRead], width: dict[str, int]) -> dict[int, tuple[int, int]]:
    """Layout padding per row width, learned from the complete rows of that width: in a grid the
    two-column 收费 row ends with an empty cell under the header's empty fourth column, which is no
    padding of the three-column rows ("行政处罚⇥118⇥169⇥": its last cell blank). A width without a
    complete row takes what the whole table's complete rows show."""
    table = padding(list(reads.values()), width)
    out = {}
    for n in set(width.values()):
        rows = [r for k, r in reads.items() if width[k] == n]
        out[n] = padding(rows, width) if any(len(r.values) == n for r in rows) else table
    return out
