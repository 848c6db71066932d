"""Parts, tables, rows and cells as facts.

Rows and cells are enumerated from the layout the table itself follows (its template and, for
`applications`, its （六） variant): a report that used the 2019 format is held to the 2019 rows, and
the template rule — not a cascade of missing-row findings — reports the wrong format.
Cells the layout expects but the parser did not produce are facts of kind "missing".
Cells of a malformed row (a parse diagnostic in SHAPE_CODES names them: too few / too many
values, digits run together beyond recovery) are `malformed`: their row is present, their values
are unknown, and no per-cell rule judges them — the diagnostic is the finding.
"""
from __future__ import annotations

import functools
import operator
from itertools import compress
from decimal import Decimal
from typing import Any, Iterable

from engine import template as T
from engine.model import Cell, Report, Table

ID = "structure"
FRESH_FACTS = True      # each fact a new dict (engine/facts: not copied)

# parse diagnostics meaning "the row is there but its values cannot be assigned to columns"
SHAPE_CODES = frozenset({"ROW_TOO_FEW_VALUES", "ROW_TOO_MANY_VALUES", "DIGITS_AMBIGUOUS", "ROW_UNPLACED"})

FACT_TYPES = {
    "part": {"part": "str", "present": "bool", "chars": "int", "line": "int", "heading": "py"},
    "table": {"name": "str", "present": "bool", "template": "str", "variant": "str",
              "line": "int", "part": "str", "n_missing": "int", "n_blank": "int", "n_dash": "int",
              "n_none": "int", "n_text": "int"},
    "row": {"table": "str", "row": "str", "present": "bool", "in_force": "bool",
            "malformed": "bool", "n_cells": "int", "n_missing": "int",
            "n_blank": "int", "n_dash": "int", "n_none": "int", "n_text": "int", "line": "int",
            "label": "py", "cells": "py", "blank_cells": "py", "dash_cells": "py", "none_cells": "py",
            "text_cells": "py", "missing_cells": "py", "part": "str"},
    "cell": {"addr": "str", "table": "str", "row": "str", "col": "str", "kind": "str", "v": "dec",
             "integral": "bool", "negative": "bool", "amount": "bool", "signed": "bool",
             "malformed": "bool", "line": "int", "raw": "py", "part": "str", "label": "py"},
}


def template_for_year(year: int | None) -> str | None:
    """The template in force for a reporting year (docs/template.md, Relation 11)."""
    if year is None:
        return None
    return "2021" if year >= 2021 else "2019"


def demanded(report: Report, table: Table) -> bool:
    """Whether the rows of this table's own layout are demanded: not when `active` follows a
    template that is not the one in force for the year — the template rule reports that, and
    neither the old format's rows (政府集中采购) nor the new one's are then asked for row by row."""
    in_force = template_for_year(report.metadata.year)
    return not (table.name == "active" and in_force is not None
                and table_template(report, table) != in_force)


def table_template(report: Report, table: Table) -> str:
    """The template whose layout the table follows (its own detection first)."""
    t = table.template or report.metadata.template
    return t if t in T.TEMPLATES else "2021"


def table_layout(report: Report, table: Table) -> list[tuple[str, str, list[str]]]:
    """[(row key, row label, [addresses…])] for the layout this table follows."""
    return [(key, label, list(addrs)) for key, label, addrs in _layout_of(report, table)]


def _layout_of(report: Report, table: Table) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """table_layout as shared tuples: the layout depends only on the table's name, template and
    variant, so it is built once per process for each of them (not once per report)."""
    template = table_template(report, table) if table.name in ("active", "applications") else None
    return _layout(table.name, template, table.variant if table.name == "applications" else None)


@functools.lru_cache(maxsize=None)
def _layout(name: str, template: str | None,
            variant: str | None) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    if name == "active":
        return tuple((f"{it.key}.{row}", f"{it.label}“{row}”",
                      tuple(f"active.{it.key}.{row}.{col}" for col in it.columns))
                     for it in T.ACTIVE_ITEMS[template] for row in it.rows)
    if name == "applications":
        variant = variant or T.DEFAULT_APPLICATION_VARIANT[template]
        return tuple((r.key, r.label, tuple(f"applications.{r.key}.{c}" for c in T.APPLICANT_COLUMNS))
                     for r in T.application_rows(variant))
    if name == "review":
        return tuple((g, g, tuple(f"review.{g}.{c}" for c in T.REVIEW_COLUMNS))
                     for g in T.REVIEW_GROUPS)
    return ()


@functools.lru_cache(maxsize=None)
def layout_row_keys(name: str, template: str | None, variant: str | None) -> tuple[str, ...]:
    """The row keys of a layout (see _layout), in layout order."""
    return tuple(key for key, _, _ in _layout(name, template, variant))


def row_keys_of(report: Report, table: Table) -> tuple[str, ...]:
    """The row keys of the layout this table follows."""
    template = table_template(report, table) if table.name in ("active", "applications") else None
    return layout_row_keys(table.name, template,
                           table.variant if table.name == "applications" else None)


@functools.lru_cache(maxsize=4096)
def _address_info(addr: str) -> tuple[str, str, bool, bool]:
    """(table, column, amount, signed) of a cell address: fixed by the template."""
    table, _, col = split_address(addr)
    return table, col, T.is_amount(addr), T.is_signed(addr)


def split_address(addr: str) -> tuple[str, str, str]:
    """(table, row key, column) of an address; active rows are 'item1.规章'."""
    table, rest = addr.split(".", 1)
    row, col = rest.rsplit(".", 1)
    return table, row, col


# the engine-visible str/bool fields of a row / cell, in the order FactContext.keep's test takes them
CELL_KINDS = ("number", "blank", "dash", "none", "text", "missing")      # model.CellKind
ROW_KEYS = ("table", "row", "present", "in_force", "malformed", "part")
CELL_KEYS = ("addr", "table", "row", "col", "kind", "integral", "negative", "amount", "signed",
             "malformed", "part")


def extract(ctx) -> Iterable[dict[str, Any]]:
    report = ctx.report
    keep = getattr(ctx, "keep", None)
    keep_row = keep("row", ROW_KEYS) if keep is not None else None
    keep_cell = keep("cell", CELL_KEYS) if keep is not None else None
    if keep_cell is not None:      # a quick first test on what varies from cell to cell
        may = ctx.may_keep("cell", ("kind", "integral", "negative", "malformed"))
        of_kind = ctx.may_keep("cell", ("kind",))
        keep_cell = (keep_cell, may, {}, frozenset(k for k in CELL_KINDS if not of_kind(k)))
    # a part fact the engine cannot use (most: a present part, no condition asks about) is not made
    keep_part = keep("part", ("part", "present")) if keep is not None else None
    for pid in T.PART_IDS:
        if keep_part is None or keep_part(pid, _part_present(report, pid)):
            yield _part_fact(report, pid)
    malformed = _malformed(report)
    for name in T.TABLE_NAMES:
        table = report.tables.get(name) or Table(name=name, present=False)
        yield from _table_facts(report, table, keep_row, keep_cell, malformed)


def _malformed(report: Report) -> set[str]:
    """The addresses of the cells a shape diagnostic names (see SHAPE_CODES)."""
    return {a for d in report.diagnostics if d.code in SHAPE_CODES for a in d.cells}


def _part_present(report: Report, pid: str) -> bool:
    part = report.parts.get(pid)
    return bool(part and part.present)


def _part_fact(report: Report, pid: str) -> dict[str, Any]:
    part = report.parts.get(pid)
    present = bool(part and part.present)
    return {"type": "part", "part": pid, "present": present,
            "chars": len(part.text.strip()) if present else 0,
            "line": part.line_start if present else None,
            "heading": part.heading if present else None}


def _table_facts(report: Report, table: Table, keep_row=None, keep_cell=None,
                 malformed: set[str] | None = None) -> Iterable[dict[str, Any]]:
    """The table's fact, then its rows', then its cells'. `keep_row` / `keep_cell` (see
    FactContext.keep): when given, a row or cell fact is built only if the test says the engine
    could use it (most cells: a whole number ≥ 0 no condition looks at); the table's counts are
    over every cell all the same."""
    part = T.PART_OF_TABLE[table.name]
    layout = _layout_of(report, table) if table.present else ()
    if malformed is None:
        malformed = _malformed(report)
    in_force = demanded(report, table) if layout else True
    if keep_row is not None and keep_cell is not None and layout:
        quick = _quick_table_facts(report, table, layout, part, in_force, keep_row, keep_cell, malformed)
        if quick is not None:
            yield from quick
            return
    row_facts, cell_facts = [], []
    counts = dict.fromkeys(_ROW_KINDS, 0)
    get = table.cells.get
    add = cell_facts.append
    tname = table.name
    skip = keep_cell[3] if keep_cell is not None else ()      # kinds no cell fact is wanted of
    for row_key, label, addresses in layout:
        cells = [get(a) for a in addresses]        # None: the parser did not produce it (missing)
        bad = present = False
        for a, c in zip(addresses, cells):
            if c is None:
                kind = "missing"
            else:
                a, kind = c.address, c.kind       # (the address it is filed under)
                if c.line is not None:
                    present = True
            if kind != "missing":
                present = True
            if kind in counts:
                counts[kind] += 1
            m = a in malformed if malformed else False
            if m:
                bad = True
            if keep_cell is None or (kind not in skip and _cell_wanted(keep_cell, a, c, kind, row_key, part, m)):
                add(_cell_fact(c or Cell(address=a, kind="missing"), row_key, label, part, m))
        if keep_row is None or keep_row(tname, row_key, bad or present, in_force, bad, part):
            row_facts.append(_row_fact(tname, row_key, label,
                                       [c or Cell(address=a, kind="missing") for a, c in zip(addresses, cells)],
                                       part, in_force, malformed))
    if table.present:
        # cells the parser produced outside the layout (another variant's rows) are still facts
        expected = _layout_addresses(layout)
        for addr in sorted(a for a in table.cells if a not in expected):
            _, row_key, _ = split_address(addr)
            c = table.cells[addr]
            if c.kind in counts:
                counts[c.kind] += 1
            m = addr in malformed
            if keep_cell is None or (c.kind not in skip and _cell_wanted(keep_cell, addr, c, c.kind, row_key, part, m)):
                cell_facts.append(_cell_fact(c, row_key, row_key, part, m))
    yield {"type": "table", "name": table.name, "present": table.present,
           "template": table_template(report, table) if table.present else None,
           "variant": table.variant, "line": table.line_start, "part": part,
           **{f"n_{k}": counts[k] for k in _ROW_KINDS}}
    yield from row_facts
    yield from cell_facts


class _LayoutPlan:
    """A layout's addresses flattened once: every address in layout order, the row (index into
    the layout) of each, and the set of them."""
    __slots__ = ("addresses", "row_of", "expected", "wanted_rows")

    def __init__(self, layout: tuple):
        self.addresses = tuple(a for _, _, addrs in layout for a in addrs)
        self.row_of = tuple(i for i, (_, _, addrs) in enumerate(layout) for _ in addrs)
        self.expected = _layout_addresses(layout)
        # (keep_row, in_force, table, part) -> indices of the rows wanted when every cell is present
        self.wanted_rows: dict[tuple, tuple[int, ...]] = {}


@functools.lru_cache(maxsize=64)
def _layout_plan(layout: tuple) -> _LayoutPlan:
    return _LayoutPlan(layout)


_KIND = operator.attrgetter("kind")
_ADDRESS = operator.attrgetter("address")
_VALUE = operator.attrgetter("value")


def _possible(seen: dict, may, flags: tuple) -> bool:
    """may(*flags), remembered in `seen` (see _cell_wanted)."""
    possible = seen.get(flags)
    if possible is None:
        possible = seen[flags] = may(*flags)
    return possible


def _places(items: list, item) -> list[int]:
    """The indices of `item` in `items` (list.index: no Python loop over the others)."""
    out: list[int] = []
    i = -1
    try:
        while True:
            i = items.index(item, i + 1)
            out.append(i)
    except ValueError:
        return out


def _quick_table_facts(report: Report, table: Table, layout: tuple, part: str, in_force: bool,
                       keep_row, keep_cell, malformed: set[str]) -> list[dict[str, Any]] | None:
    """_table_facts' facts for the usual table — no cell outside the layout — found with
    whole-table operations instead of a test per cell: the kinds counted once, the rows' test
    asked once per layout for the rows whose cells are all there, and a number cell's test once
    per distinct value; the rows and cells of malformed cells (a parse diagnostic names them)
    tested one by one, as the general path does. None for any other table (the general path
    then reads it)."""
    plan = _layout_plan(layout)
    get = table.cells.get
    cells = list(map(get, plan.addresses))
    whole = all(cells)              # every cell produced (a Cell is always true)
    kinds = list(map(_KIND, cells)) if whole else [c.kind if c is not None else "missing" for c in cells]
    # cells outside the layout: more cells than layout addresses found (a count, not the size of
    # the layout: a missing cell and one outside the layout leave the sizes equal)
    if len(table.cells) != (len(cells) if whole else len(cells) - cells.count(None)):
        return None
    bad: set[int] = set()           # positions of malformed cells (by the address each is filed under)
    if malformed:
        filed = list(map(_ADDRESS, cells)) if whole else \
            [c.address if c is not None else a for c, a in zip(cells, plan.addresses)]
        if not malformed.isdisjoint(filed):
            bad = set(compress(range(len(filed)), map(malformed.__contains__, filed)))
    tname = table.name
    present = set(kinds)            # (a kind no cell has is not counted)
    out: list[dict[str, Any]] = [
        {"type": "table", "name": tname, "present": table.present,
         "template": table_template(report, table) if table.present else None,
         "variant": table.variant, "line": table.line_start, "part": part,
         "n_missing": kinds.count("missing") if "missing" in present else 0,
         "n_blank": kinds.count("blank") if "blank" in present else 0,
         "n_dash": kinds.count("dash") if "dash" in present else 0,
         "n_none": kinds.count("none") if "none" in present else 0,
         "n_text": kinds.count("text") if "text" in present else 0}]     # (the _ROW_KINDS)
    key = (keep_row, in_force, tname, part)
    rows = plan.wanted_rows.get(key)
    if rows is None:
        if len(plan.wanted_rows) > 64:
            plan.wanted_rows.clear()
        rows = plan.wanted_rows[key] = tuple(
            i for i, (row_key, _, _) in enumerate(layout) if keep_row(tname, row_key, True, in_force, False, part))
    if "missing" in kinds or bad:
        # a row with a missing cell may be absent, one with a malformed cell is present and
        # malformed: their own tests (the others' is the one above)
        bad_rows = {plan.row_of[i] for i in bad}
        gaps = set(map(plan.row_of.__getitem__, _places(kinds, "missing"))) - bad_rows
        rows = sorted({i for i in rows if i not in gaps and i not in bad_rows} | {
            i for i in gaps if keep_row(tname, layout[i][0], _row_present(get, layout[i][2]), in_force, False, part)}
            | {i for i in bad_rows if keep_row(tname, layout[i][0], True, in_force, True, part)})
    for i in rows:
        row_key, label, addresses = layout[i]
        out.append(_row_fact(tname, row_key, label, [get(a) or Cell(address=a, kind="missing") for a in addresses],
                             part, in_force, malformed))
    test, may, seen, skip = keep_cell
    others = present - skip - {"number"}        # kinds other than numbers some cell fact may be of
    numbers = None
    if "number" in present and "number" not in skip:
        numbers = set()
        # every cell's value when all are there, unless a number without a value (None, the value
        # of the other kinds' cells) could be wanted: a value of a cell of another kind then only
        # ever matches a number cell holding it, which puts it among the numbers' values anyway
        values = set(map(_VALUE, cells)) if whole else None
        if values is None or (None in values and _possible(seen, may, ("number", None, None, False))):
            values = {c.value for c, k in zip(cells, kinds) if k == "number"}
        for v in values:
            integral = negative = None
            if v is not None:
                integral, negative = _integral_negative(v)
            flags = ("number", integral, negative, False)
            possible = seen.get(flags)
            if possible is None:
                possible = seen[flags] = may(*flags)
            if possible:
                numbers.add(v)
    if others and not numbers and not bad:
        # only cells of those kinds can make facts: found by list.index, in order
        for i in sorted(i for k in others for i in _places(kinds, k)):
            c, kind = cells[i], kinds[i]
            row_key, label, _ = layout[plan.row_of[i]]
            a = c.address if c is not None else plan.addresses[i]    # (the address it is filed under)
            if _cell_wanted(keep_cell, a, c, kind, row_key, part, False):
                out.append(_cell_fact(c or Cell(address=a, kind="missing"), row_key, label, part, False))
    elif (others or numbers or bad) and whole:
        # the cells that can make a fact, found by C loops: those of the other kinds, the numbers
        # holding one of `numbers`' values, the malformed ones; each then tested as below
        found = set(bad)
        for k in others:
            found.update(_places(kinds, k))
        if numbers:
            found.update(i for i in compress(range(len(cells)), map(numbers.__contains__, map(_VALUE, cells)))
                         if kinds[i] == "number")
        for i in sorted(found):
            c, kind = cells[i], kinds[i]
            m = i in bad if bad else False
            if (kind in others or (numbers and kind == "number" and c.value in numbers)) if not m \
                    else kind not in skip:
                row_key, label, _ = layout[plan.row_of[i]]
                if _cell_wanted(keep_cell, c.address, c, kind, row_key, part, m):
                    out.append(_cell_fact(c, row_key, label, part, m))
    elif others or numbers or bad:
        for i, (c, kind) in enumerate(zip(cells, kinds)):
            m = i in bad if bad else False
            if (kind in others or (numbers and kind == "number" and c.value in numbers)) if not m \
                    else kind not in skip:
                row_key, label, _ = layout[plan.row_of[i]]
                a = c.address if c is not None else plan.addresses[i]    # (the address it is filed under)
                if _cell_wanted(keep_cell, a, c, kind, row_key, part, m):
                    out.append(_cell_fact(c or Cell(address=a, kind="missing"), row_key, label, part, m))
    return out


def _row_present(get, addresses: tuple[str, ...]) -> bool:
    """Whether a row (no cell of it malformed) is present: some cell of it produced, or on a line."""
    for a in addresses:
        c = get(a)
        if c is not None and (c.kind != "missing" or c.line is not None):
            return True
    return False


def _cell_wanted(keep_cell, addr: str, cell: Cell | None, kind: str, row_key: str, part: str,
                 malformed: bool) -> bool:
    """`keep_cell` = (FactContext.keep's test on CELL_KEYS, may_keep's test on the flags, memo of
    the latter) on the values _cell_fact would give the cell's fact. Those
    values are fixed by the address and the row (table, column, amount, signed, part), the kind,
    the malformed flag and the number's two flags: the test's answer is remembered for each."""
    test, may, seen, _ = keep_cell
    integral = negative = None
    if kind == "number" and cell.value is not None:
        integral, negative = _integral_negative(cell.value)
    flags = (kind, integral, negative, malformed)
    possible = seen.get(flags)
    if possible is None:
        possible = seen[flags] = may(*flags)
    if not possible:
        return False
    key = (test, addr, row_key, part, flags)
    hit = _WANTED.get(key)
    if hit is None:
        if len(_WANTED) >= 65536:
            _WANTED.clear()
        table, col, amount, signed = _address_info(addr)
        hit = _WANTED[key] = test(addr, table, row_key, col, kind, integral, negative, amount,
                                  signed, malformed, part)
    return hit


# (test, address, row, part, (kind, integral, negative, malformed)) -> keep: the tests are the
# cached functions of engine/facts (FactContext.keep), alive as long as their filter
_WANTED: dict[tuple, bool] = {}


@functools.lru_cache(maxsize=64)
def _layout_addresses(layout: tuple) -> frozenset[str]:
    return frozenset(a for _, _, addrs in layout for a in addrs)


_ROW_KINDS = ("missing", "blank", "dash", "none", "text")


def _row_fact(table: str, row_key: str, label: str, cells: list[Cell], part: str,
              in_force: bool = True, malformed: frozenset | set = frozenset()) -> dict[str, Any]:
    # one pass over the cells: addresses by kind (malformed cells left out), in cell order
    by_kind: dict[str, list[str]] = {k: [] for k in _ROW_KINDS}
    lines = []
    bad = present = False
    for c in cells:
        if c.address in malformed:
            bad = True
        elif c.kind in by_kind:
            by_kind[c.kind].append(c.address)
        if c.line is not None:
            lines.append(c.line)
        if c.kind != "missing" or c.line is not None:
            present = True
    return {"type": "row", "table": table, "row": row_key, "label": label, "part": part,
            "present": bad or present,
            "in_force": in_force, "malformed": bad,
            "n_cells": len(cells),
            "n_missing": len(by_kind["missing"]), "n_blank": len(by_kind["blank"]),
            "n_dash": len(by_kind["dash"]), "n_none": len(by_kind["none"]),
            "n_text": len(by_kind["text"]),
            "line": min(lines) if lines else None, "cells": [c.address for c in cells],
            "blank_cells": by_kind["blank"], "dash_cells": by_kind["dash"],
            "none_cells": by_kind["none"], "text_cells": by_kind["text"],
            "missing_cells": by_kind["missing"]}


def _cell_fact(cell: Cell, row_key: str, label: str, part: str,
               malformed: bool = False) -> dict[str, Any]:
    table, col, amount, signed = _address_info(cell.address)
    value: Decimal | None = cell.value if cell.kind == "number" else None     # Cell.known, inlined
    integral = negative = None
    if value is not None:
        integral, negative = _integral_negative(value)
    return {"type": "cell", "addr": cell.address, "table": table, "row": row_key, "col": col,
            "kind": cell.kind, "v": value,
            "integral": integral,
            "negative": negative,
            "amount": amount, "signed": signed,
            "malformed": malformed, "line": cell.line, "raw": cell.raw, "part": part, "label": label}


_FLAGS: dict[Decimal, tuple[bool, bool]] = {}


def _integral_negative(value: Decimal) -> tuple[bool, bool]:
    """(whole number, below zero) of a cell's value: a report's figures are few distinct numbers,
    each judged once (keyed by value: Decimal("1.0") and Decimal("1") are alike here)."""
    try:
        hit = _FLAGS.get(value)
    except TypeError:          # a signalling NaN cannot be hashed: judged as before (it raises)
        return value == value.to_integral_value(), value < 0
    if hit is None:
        if len(_FLAGS) >= 65536:
            _FLAGS.clear()
        hit = _FLAGS[value] = (value == value.to_integral_value(), value < 0)
    return hit
