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
    for req in ctx.requests:
        fact = sum_fact(ctx.report, req)
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
             rows_of: dict[str, list[str]] | None = None) -> dict[str, Any] | None:
    """The `sum` fact of one request (None when the layout has no such row). `rows_of` is
    accepted for compatibility and unused: the resolved terms are cached per layout."""
    table = report.tables.get(req["table"])
    base = {"type": "sum", "rule": req["rule"], "inst": req["inst"], "table": req["table"],
            "params": dict(req.get("params", {})), "part": req.get("part")}
    if table is None or not table.present:
        return {**base, "present": False, "known": False, "cells": [], "left_cells": [],
                "right_cells": [], "unknown": [], "beyond": False, "beyond_cells": [], "values": {}}
    left, right = _resolved(report, req, row_keys_of(report, table))
    if left is None or right is None or not left or not right:
        return None
    get = table.cells.get
    cells = {a: get(a) for a in left + right}       # None: a cell the parser did not produce (missing)
    # one pass over the cells: a value beyond the engine's range (a 16-digit cell) cannot be
    # compared there: the identity is not assessable (待人工核对) instead of a report the engines refuse
    beyond: list[str] = []
    unknown: list[str] = []
    values: dict[str, Decimal] = {}
    for a, c in cells.items():
        if c is not None and c.kind == "number" and c.value is not None:       # Cell.known, inlined
            v = values[a] = c.value
            if not -ENGINE_DEC_BOUND < v < ENGINE_DEC_BOUND:
                beyond.append(a)
                unknown.append(a)
        else:
            unknown.append(a)
    line = None                  # the first left-hand cell's line, else any cell's
    for a in left:
        c = cells[a]
        if c is not None and c.line is not None:
            line = c.line
            break
    else:
        for c in cells.values():
            if c is not None and c.line is not None:
                line = c.line
                break
    fact = {**base, "present": True, "known": not unknown, "cells": list(cells),
            "left_cells": list(left), "right_cells": list(right), "unknown": unknown,
            "values": values,
            # not assessable because a number is too large for the engine, not because a cell is
            # blank: the reason must say which (beyond_cells empty: only the sum is too large)
            "beyond": bool(beyond), "beyond_cells": beyond,
            "line": line}
    if not unknown:
        stated = sum((values[a] for a in left), Decimal(0))
        computed = sum((values[a] for a in right), Decimal(0))
        fact["stated"] = stated
        fact["computed"] = at_precision_of(computed, [values[a] for a in left])
        if not (-ENGINE_DEC_BOUND < stated < ENGINE_DEC_BOUND and -ENGINE_DEC_BOUND < computed < ENGINE_DEC_BOUND):
            fact.update(known=False, unknown=list(cells), beyond=True)
            del fact["stated"], fact["computed"]
    return fact


# (id(request), id(row keys)) -> (request, row keys, left, right): a request's terms resolve to the
# same addresses for every report whose table follows the same layout (row keys are the shared
# tuples of structure.layout_row_keys); the objects are kept so that their ids stay unique
_RESOLVED: dict[tuple[int, int], tuple] = {}


def _resolved(report: Report, req: dict[str, Any],
              rows: tuple[str, ...]) -> tuple[list[str] | None, list[str] | None]:
    """(left, right) addresses of a request in a layout (resolve_terms), computed once."""
    key = (id(req), id(rows))
    hit = _RESOLVED.get(key)
    if hit is None or hit[0] is not req or hit[1] is not rows \
            or hit[2] != (req["axis"], req["at"], req["left"], req["right"]):
        if len(_RESOLVED) > 4096:
            _RESOLVED.clear()
        left = resolve_terms(report, req["table"], req["axis"], req["at"], req["left"], list(rows))
        right = resolve_terms(report, req["table"], req["axis"], req["at"], req["right"], list(rows))
        hit = (req, rows, (req["axis"], req["at"], list(req["left"]), list(req["right"])),
               left, right)
        _RESOLVED[key] = hit
    return hit[3], hit[4]


def at_precision_of(value: Decimal, stated: list[Decimal]) -> Decimal:
    """`value` rounded to the fewest decimals among the stated values (integers: no decimals)."""
    places = min(max(0, -v.as_tuple().exponent) for v in stated) if stated else 0
    quantum = _QUANTA.get(places)
    if quantum is None:
        quantum = _QUANTA[places] = Decimal(1).scaleb(-places)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


_QUANTA: dict[int, Decimal] = {}      # places -> 1E-places (the same few every time)
