"""Identity instances (template Relations 1–4) as facts: the sums are done here, in Decimal.

Each request comes from one expanded instance of the `sum_identity` block:

    {"rule": "XXGK-R301", "inst": "row:一", "table": "applications",
     "axis": "row" | "column", "at": "<row key or column>",
     "left": [terms…], "right": [terms…], "params": {…}}

With axis "column" the terms are row keys of the table (a trailing ".*" means every leaf row under
that key in the layout the table follows; when there is none, the key itself: 三.六.* is 三.六.1–3
in the 2021 layout and the single 三.六 row in the 2019 one); with axis "row" they are columns.

The comparison is made with the precision of the stated values (Arelle): the right-hand side is
rounded to the fewest decimals among the stated left-hand values before it is compared.
An instance with any input unknown (blank, dash, 无, text, missing) is `known: false`: the rule is
not assessable there — never a pass, never a violation. A row the table's layout does not have
yields no fact at all.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

from engine.dialect import ENGINE_DEC_BOUND
from engine.facts.extractors.structure import row_keys_of
from engine.model import Report

ID = "sums"
FRESH_FACTS = True      # each fact a new dict (engine/facts: not copied)

FACT_TYPES = {
    "sum": {"rule": "str", "inst": "str", "table": "str", "present": "bool", "known": "bool",
            "stated": "dec", "computed": "dec", "line": "int", "part": "str",
            "cells": "py", "left_cells": "py", "right_cells": "py", "unknown": "py",
            "beyond": "bool", "beyond_cells": "py", "values": "py", "params": "py"},
}


def extract(ctx) -> Iterable[dict[str, Any]]:
    tables: dict[str, tuple] = {}      # this report's tables read once (see _table_values)
    for req in ctx.requests:
        fact = sum_fact(ctx.report, req, tables=tables)
        if fact is not None:
            yield fact


def layout_rows(report: Report, table_name: str) -> list[str]:
    return list(row_keys_of(report, report.tables[table_name]))


def resolve_terms(report: Report, table_name: str, axis: str, at: str,
                  terms: list[str], rows: list[str] | None = None) -> list[str] | None:
    """Addresses of the terms in the layout the table follows; None if `at` is not in it."""
    if rows is None:
        rows = layout_rows(report, table_name)
    if axis == "column":
        out: list[str] = []
        for term in terms:
            if term.endswith(".*"):
                base = term[:-2]
                leaves = [r for r in rows if r.startswith(base + ".")]
                out.extend(leaves or ([base] if base in rows else []))
            elif term in rows:
                out.append(term)
        return [f"{table_name}.{r}.{at}" for r in out]
    if at not in rows:
        return None
    return [f"{table_name}.{at}.{col}" for col in terms]


def sum_fact(report: Report, req: dict[str, Any],
             rows_of: dict[str, list[str]] | None = None,
             tables: dict[str, tuple] | None = None) -> dict[str, Any] | None:
    """The `sum` fact of one request (None when the layout has no such row). `rows_of` is
    accepted for compatibility and unused: the resolved terms are cached per layout. `tables`:
    where the report's tables are read once for all its requests (see _table_values)."""
    table = report.tables.get(req["table"])
    if table is None or not table.present:
        return {"type": "sum", "rule": req["rule"], "inst": req["inst"], "table": req["table"],
                "params": dict(req.get("params", {})), "part": req.get("part"),
                "present": False, "known": False, "cells": [], "left_cells": [],
                "right_cells": [], "unknown": [], "beyond": False, "beyond_cells": [], "values": {}}
    plan = _resolved(report, req, row_keys_of(report, table))
    if plan is None:
        return None
    left, right, addresses = plan
    info = tables.get(req["table"]) if tables is not None else None
    if info is None or info[0] is not table:
        info = _table_values(table)
        if tables is not None:
            tables[req["table"]] = info
    _, known, too_large, lines = info
    values = {a: known[a] for a in addresses if a in known}
    if len(values) == len(addresses) and not too_large:
        unknown, beyond = [], []
    else:
        # a value beyond the engine's range (a 16-digit cell) cannot be compared there: the
        # identity is not assessable (待人工核对) instead of a report the engines refuse
        beyond = [a for a in addresses if a in too_large]
        unknown = [a for a in addresses if a not in known or a in too_large]
    line = None                  # the first left-hand cell's line, else any cell's
    for a in left:
        line = lines.get(a)
        if line is not None:
            break
    else:
        for a in addresses:
            line = lines.get(a)
            if line is not None:
                break
    fact = {"type": "sum", "rule": req["rule"], "inst": req["inst"], "table": req["table"],
            "params": dict(req.get("params", {})), "part": req.get("part"),
            "present": True, "known": not unknown, "cells": list(addresses),
            "left_cells": list(left), "right_cells": list(right), "unknown": unknown,
            "values": values,
            # not assessable because a number is too large for the engine, not because a cell is
            # blank: the reason must say which (beyond_cells empty: only the sum is too large)
            "beyond": bool(beyond), "beyond_cells": beyond,
            "line": line}
    if not unknown:
        stated_values = [values[a] for a in left]
        stated = sum(stated_values, _ZERO)
        computed = sum([values[a] for a in right], _ZERO)
        fact["stated"] = stated
        fact["computed"] = at_precision_of(computed, stated_values)
        if not (-ENGINE_DEC_BOUND < stated < ENGINE_DEC_BOUND and -ENGINE_DEC_BOUND < computed < ENGINE_DEC_BOUND):
            fact.update(known=False, unknown=list(addresses), beyond=True)
            del fact["stated"], fact["computed"]
    return fact


def _table_values(table) -> tuple:
    """(table, address -> stated number, the addresses of numbers beyond the engine's range,
    address -> line) of a table's cells: one pass, shared by the report's ~40 requests, each of
    which then only looks its addresses up (Cell.known, inlined)."""
    known: dict[str, Decimal] = {}
    too_large: set[str] = set()
    lines: dict[str, int] = {}
    for a, c in table.cells.items():
        if c is None:
            continue
        if c.kind == "number" and c.value is not None:
            v = known[a] = c.value
            if not -ENGINE_DEC_BOUND < v < ENGINE_DEC_BOUND:
                too_large.add(a)
        if c.line is not None:
            lines[a] = c.line
    return table, known, too_large, lines


_ZERO = Decimal(0)

# (id(request), id(row keys)) -> (request, row keys, terms, plan): a request's terms resolve to the
# same addresses for every report whose table follows the same layout (row keys are the shared
# tuples of structure.layout_row_keys); the objects are kept so that their ids stay unique
_RESOLVED: dict[tuple[int, int], tuple] = {}


def _resolved(report: Report, req: dict[str, Any], rows: tuple[str, ...]) -> tuple | None:
    """The request's plan in a layout, computed once: (left, right, the distinct addresses of
    left + right in order), or None when a side does not resolve (resolve_terms) or is empty."""
    key = (id(req), id(rows))
    hit = _RESOLVED.get(key)
    if hit is None or hit[0] is not req or hit[1] is not rows \
            or hit[2] != (req["axis"], req["at"], req["left"], req["right"]):
        if len(_RESOLVED) > 4096:
            _RESOLVED.clear()
        left = resolve_terms(report, req["table"], req["axis"], req["at"], req["left"], list(rows))
        right = resolve_terms(report, req["table"], req["axis"], req["at"], req["right"], list(rows))
        plan = None
        if left and right:
            plan = (tuple(left), tuple(right), tuple(dict.fromkeys(left + right)))
        hit = (req, rows, (req["axis"], req["at"], list(req["left"]), list(req["right"])), plan)
        _RESOLVED[key] = hit
    return hit[3]


def at_precision_of(value: Decimal, stated: list[Decimal]) -> Decimal:
    """`value` rounded to the fewest decimals among the stated values (integers: no decimals)."""
    if len(stated) == 1:             # the usual case: one stated total
        places = _places(stated[0])
    else:
        places = min(_places(v) for v in stated) if stated else 0
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-places)
    return value.quantize(quantum, ROUND_HALF_UP)      # (positional: a keyword costs 3× here)


def _places(v: Decimal) -> int:
    """The decimals a stated value is written with (0 for a whole number written without)."""
    if v.same_quantum(_ONE):        # exponent 0, the usual case: as_tuple() costs ten times more
        return 0
    return max(0, -v.as_tuple().exponent)


_ONE = Decimal(1)
_QUANTA: dict[int, Decimal] = {}      # places -> 1E-places (the same few every time)
