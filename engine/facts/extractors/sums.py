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

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from itertools import filterfalse
from typing import Any, Iterable

from engine.code_cache import compiled
from engine.dialect import ENGINE_DEC_BOUND
from engine.facts.forms import _neq_may_hold
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
    report = ctx.report
    tables: dict[str, tuple] = {}      # this report's tables, each looked at once (see _table_state)
    # with a fact filter (build_facts(sent=...)): a sum the engine cannot use (most of them: known,
    # and the stated total equals the computed one) is judged from its numbers, never described
    keep = getattr(ctx, "keep", None)
    wanted = keep("sum", WANTED_KEYS) if keep is not None else None
    requests = ctx.requests
    needed = _needed(report, requests, wanted) if wanted is not None and requests else None
    for k in sorted(needed) if needed is not None else range(len(requests)):    # (in request order)
        fact = sum_fact(report, requests[k], tables=tables, wanted=wanted)
        if fact is not None:
            yield fact


class _TableRead:
    """One report's table as the sums read it: the stated number (or None) of each address of the
    layout's address space (see _space), read once for all the requests on the table."""
    __slots__ = ("rows", "get", "space")

    def __init__(self, report: Report, name: str):
        table = report.tables.get(name)
        self.rows = self.get = self.space = None
        if table is not None and table.present:
            self.rows = row_keys_of(report, table)
            self.get = table.cells.get
            self.space = _space(name, self.rows)[0]

    def values(self) -> tuple[list[Decimal | None], list[int | None] | None, int | None] | None:
        """The values of the address space (Cell.known, inlined) and, when every number is whole
        and written without decimals (exponent 0: the usual table), the same as ints and the
        largest magnitude among them; or None when some number is beyond the engine's range
        (sum_fact then judges every request on the table)."""
        values = [c.value if c is not None and c.kind == "number" else None
                  for c in map(self.get, self.space)]
        whole = True
        distinct = set(values)      # (a report's cells are a few distinct numbers)
        for v in distinct:
            if v is not None:
                if not -ENGINE_DEC_BOUND < v < ENGINE_DEC_BOUND:
                    return None
                if whole and not v.same_quantum(_ONE):
                    whole = False
        if not whole:
            return values, None, None
        as_int = {v: int(v) for v in distinct if v is not None}
        big = max(map(abs, as_int.values()), default=0)
        as_int[None] = None
        return values, list(map(as_int.__getitem__, values)), big


def _needed(report: Report, requests: list[dict[str, Any]], wanted) -> set[int]:
    """The positions of the requests whose fact `wanted` may keep, or that sum_fact must judge
    (an absent table, a blank cell, a number too large …); every other request's sum is known and
    its fact is one the engine cannot use (the stated total equals the computed one). Decided
    with the layouts' batch (_Batch), computed the same way as sum_fact."""
    names = _table_names(requests)
    reads = [_TableRead(report, name) for name in names]
    key = (id(requests), id(wanted), tuple(id(r.rows) for r in reads))
    batch = _BATCHES.get(key)
    if batch is None or batch.requests is not requests or batch.wanted is not wanted \
            or any(a is not r.rows for a, r in zip(batch.rows, reads)):
        if len(_BATCHES) > 256:
            _BATCHES.clear()
        batch = _BATCHES[key] = _Batch(report, requests, wanted, names, [r.rows for r in reads])
    need: list[int] = []
    for read, (run, run_whole, run_small, terms, on_table) in zip(reads, batch.tables):
        got = read.values() if read.rows is not None else None
        if got is None:
            need.extend(on_table)       # an absent table, a number too large: sum_fact judges each
        elif got[1] is not None:
            # no sum of at most `terms` numbers can leave the engine's range: not tested
            (run_small if got[2] * terms < _WHOLE_BOUND else run_whole)(got[1], need)
        else:
            run(got[0], need)
    return set(need)


_NAMES: dict[int, tuple[list, tuple[str, ...]]] = {}


def _table_names(requests: list[dict[str, Any]]) -> tuple[str, ...]:
    """The tables the requests are on, in order of first request (once per requests list)."""
    hit = _NAMES.get(id(requests))
    if hit is None or hit[0] is not requests:
        if len(_NAMES) > 64:
            _NAMES.clear()
        hit = _NAMES[id(requests)] = (requests, tuple(dict.fromkeys(r["table"] for r in requests)))
    return hit[1]


class _Batch:
    """The known-sum decisions of a list of requests (the catalog's, whose requests are never
    changed) in given layouts, as straight-line code, one function per table: for each request,
    the sums of its left and right values (`_Z + v1 + v2 …`: builtins.sum's own order of
    additions), the engine's range, at_precision_of (its fast path inlined) and the filter.
    `wanted`, with every field but stated/computed fixed by the request, is A or (B and
    N(stated, computed)) where N is _neq_may_hold (the only test the filter makes on "dec"
    fields, symmetric): A = wanted(…, None, None), A or B = wanted(…, 1, 2). So a request is
    always needed (A), needed when N holds, or never when its sum is known. A None value (blank
    cell) raises TypeError in the additions: the request is then needed (sum_fact judges it).

    Each table has a second function for a table whose numbers are all whole and written without
    decimals (exponent 0), given them as ints: the sums are then exact ints equal to the Decimal
    sums (far below the context's 28 digits), the stated total rounded to no decimals is the sum
    itself, N(stated, computed) is stated != computed, and the range test is the same on the
    bound rounded up (_BI: a whole number is below a bound iff below its ceiling)."""

    def __init__(self, report: Report, requests: list, wanted, names: tuple[str, ...], rows: list):
        self.requests, self.wanted, self.rows = requests, wanted, rows
        table_of = {name: j for j, name in enumerate(names)}
        blocks: dict[int, list[str]] = {j: [] for j in range(len(names))}
        whole: dict[int, list[str]] = {j: [] for j in range(len(names))}
        small: dict[int, list[str]] = {j: [] for j in range(len(names))}
        terms = dict.fromkeys(range(len(names)), 1)     # the most terms of a side, per table
        on_table: dict[int, list[int]] = {j: [] for j in range(len(names))}
        for k, req in enumerate(requests):
            j = table_of[req["table"]]
            if rows[j] is None:
                on_table[j].append(k)
                continue
            plan = _resolved(report, req, rows[j])
            if plan is None:
                continue            # the layout has no such row: no fact
            on_table[j].append(k)
            fixed = (req["rule"], req["inst"], req["table"], req.get("part"), True, True, False)
            if wanted(*fixed, None, None):
                blocks[j].append(f"    add({k})")
                whole[j].append(f"    add({k})")
                small[j].append(f"    add({k})")
                continue
            may_be = wanted(*fixed, _ONE, _TWO)
            blocks[j].extend(_request_code(k, "T", plan[3], plan[4], may_be))
            whole[j].extend(_whole_request_code(k, "T", plan[3], plan[4], may_be))
            small[j].extend(_whole_request_code(k, "T", plan[3], plan[4], may_be, ranged=False))
            terms[j] = max(terms[j], len(plan[3]), len(plan[4]))
        namespace: dict[str, Any] = {"_Z": _ZERO, "_B": ENGINE_DEC_BOUND, "_BI": _WHOLE_BOUND,
                                     "_ONE": _ONE, "_at": at_precision_of, "_neq": _neq_may_hold}
        self.tables = []
        for j in range(len(names)):
            code = ["def run(T, need):", "    add = need.append", *(blocks[j] or ["    pass"]),
                    "def run_whole(T, need):", "    add = need.append", *(whole[j] or ["    pass"]),
                    "def run_small(T, need):", "    add = need.append", *(small[j] or ["    pass"])]
            exec(compiled("\n".join(code), "<sum batch>"), namespace)
            self.tables.append((namespace["run"], namespace["run_whole"], namespace["run_small"],
                                terms[j], tuple(on_table[j])))


def _request_code(k: int, t: str, left: tuple[int, ...], right: tuple[int, ...], may_be: bool) -> list[str]:
    """_Batch's lines for one request on table `t` (indices into its values). `may_be`: whether its
    fact can be wanted when known (then exactly when _neq_may_hold(stated, computed))."""
    stated = " + ".join(["_Z"] + [f"{t}[{i}]" for i in left])
    total = " + ".join(["_Z"] + [f"{t}[{i}]" for i in right])
    if len(left) == 1:
        v = f"{t}[{left[0]}]"
        computed = (f"c = s2 if {v}.same_quantum(_ONE) and s2.same_quantum(_ONE) and s2.adjusted() < 28 "
                    f"else _at(s2, [{v}])")
    else:
        computed = f"c = _at(s2, [{', '.join(f'{t}[{i}]' for i in left)}])"
    lines = ["    try:",
             f"        s1 = {stated}",
             f"        s2 = {total}",
             "    except TypeError:",
             f"        add({k})",
             "    else:",
             "        if not (-_B < s1 < _B and -_B < s2 < _B):",
             f"            add({k})",
             "        else:",
             f"            {computed}"]
    if may_be:
        lines.append("            if s1 != c or (not (s1.same_quantum(_ONE) and c.same_quantum(_ONE)) "
                     f"and _neq(s1, c)): add({k})")
    return lines


def _whole_request_code(k: int, t: str, left: tuple[int, ...], right: tuple[int, ...],
                        may_be: bool, ranged: bool = True) -> list[str]:
    """_request_code's decision on a table given as ints (see _Batch). `ranged` False: for a table
    whose numbers are so small that no sum can leave the engine's range (not tested). A blank
    cell (None) raises TypeError in an addition (a single term is added to 0 for that)."""
    stated = " + ".join(([] if len(left) > 1 else ["0"]) + [f"{t}[{i}]" for i in left])
    total = " + ".join(([] if len(right) > 1 else ["0"]) + [f"{t}[{i}]" for i in right])
    lines = ["    try:",
             f"        s1 = {stated}",
             f"        s2 = {total}",
             "    except TypeError:",
             f"        add({k})"]
    if ranged:
        lines += ["    else:",
                  "        if not (-_BI < s1 < _BI and -_BI < s2 < _BI):",
                  f"            add({k})"]
        if may_be:
            lines.append(f"        elif s1 != s2: add({k})")
    elif may_be:
        lines += ["    else:",
                  f"        if s1 != s2: add({k})"]
    return lines


# (id(requests), id(wanted), ids of the tables' row keys) -> _Batch (which keeps them alive)
_BATCHES: dict[tuple, _Batch] = {}


# the engine-visible fields of a sum fact FactContext.keep's test takes, in this order
WANTED_KEYS = ("rule", "inst", "table", "part", "present", "known", "beyond", "stated", "computed")


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
             tables: dict[str, tuple] | None = None, wanted=None) -> dict[str, Any] | None:
    """The `sum` fact of one request (None when the layout has no such row). `rows_of` is
    accepted for compatibility and unused: the resolved terms are cached per layout. `tables`:
    where the report's tables are looked at once for all its requests (see _table_state).
    `wanted` (FactContext.keep's test on WANTED_KEYS): None too when it says the engine cannot
    use the fact (then only its numbers are computed)."""
    name = req["table"]
    state = tables.get(name) if tables is not None else None
    if state is None:
        state = _table_state(report, name)
        if tables is not None:
            tables[name] = state
    table, rows, get = state
    if rows is None:
        return {"type": "sum", "rule": req["rule"], "inst": req["inst"], "table": name,
                "params": dict(req.get("params", {})), "part": req.get("part"),
                "present": False, "known": False, "cells": [], "left_cells": [],
                "right_cells": [], "unknown": [], "beyond": False, "beyond_cells": [], "values": {}}
    plan = _resolved(report, req, rows)
    if plan is None:
        return None
    left, right, addresses = plan[:3]
    # the stated numbers of the cells (Cell.known, inlined), and those beyond the engine's range
    values: dict[str, Decimal] = {}
    too_large = None
    for a in addresses:
        c = get(a)
        if c is not None and c.kind == "number":
            v = c.value
            if v is not None:
                values[a] = v
                if not -ENGINE_DEC_BOUND < v < ENGINE_DEC_BOUND:
                    too_large = [a] if too_large is None else too_large + [a]
    stated = computed = None
    if len(values) == len(addresses) and too_large is None:
        unknown, beyond = [], []
        stated_values = [values[a] for a in left]
        stated = sum(stated_values, _ZERO)
        total = sum([values[a] for a in right], _ZERO)
        computed = at_precision_of(total, stated_values)
        if not (-ENGINE_DEC_BOUND < stated < ENGINE_DEC_BOUND and -ENGINE_DEC_BOUND < total < ENGINE_DEC_BOUND):
            # only the sum is too large for the engine: not assessable, no cell named (beyond_cells)
            unknown, stated, computed = list(addresses), None, None
    else:
        # a value beyond the engine's range (a 16-digit cell) cannot be compared there: the
        # identity is not assessable (待人工核对) instead of a report the engines refuse
        beyond = too_large or []
        unknown = [a for a in addresses if a not in values or a in beyond] if beyond else \
            list(filterfalse(values.__contains__, addresses))
    known = stated is not None
    # a number too large: a cell (beyond_cells), or only the sum of cells all stated
    too_big = not known and (bool(beyond) or len(values) == len(addresses))
    if wanted is not None and not wanted(req["rule"], req["inst"], name, req.get("part"), True,
                                         known, too_big, stated, computed):
        return None
    line = None                  # the first left-hand cell's line, else any cell's
    for a in left:
        c = get(a)
        if c is not None and c.line is not None:
            line = c.line
            break
    else:
        for a in addresses:
            c = get(a)
            if c is not None and c.line is not None:
                line = c.line
                break
    fact = {"type": "sum", "rule": req["rule"], "inst": req["inst"], "table": name,
            "params": dict(req.get("params", {})), "part": req.get("part"),
            "present": True, "known": known, "cells": list(addresses),
            "left_cells": list(left), "right_cells": list(right), "unknown": unknown,
            "values": values,
            # not assessable because a number is too large for the engine, not because a cell is
            # blank: the reason must say which (beyond_cells empty: only the sum is too large)
            "beyond": too_big, "beyond_cells": beyond,
            "line": line}
    if known:
        fact["stated"] = stated
        fact["computed"] = computed
    return fact


def _table_state(report: Report, name: str) -> tuple:
    """(table, the row keys of its layout or None when the table is absent, its cells' get)."""
    table = report.tables.get(name)
    if table is None or not table.present:
        return table, None, None
    return table, row_keys_of(report, table), table.cells.get


_ZERO = Decimal(0)

# (id(request), id(row keys)) -> (request, row keys, the request's terms, plan): a request's terms
# resolve to the same addresses for every report whose table follows the same layout (row keys are
# the shared tuples of structure.layout_row_keys); the objects are kept so that their ids stay unique
_RESOLVED: dict[tuple[int, int], tuple] = {}


def _resolved(report: Report, req: dict[str, Any], rows: tuple[str, ...]) -> tuple | None:
    """The request's plan in a layout, computed once: (left, right, the distinct addresses of
    left + right in order, and the positions in the layout's address space (_space) of left and
    of right), or None when a side does not resolve (resolve_terms) or is empty."""
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
            addresses, index = _space(req["table"], rows)
            for a in left + right:
                if a not in index:
                    index[a] = len(addresses)
                    addresses.append(a)
            plan = (tuple(left), tuple(right), tuple(dict.fromkeys(left + right)),
                    tuple(index[a] for a in left), tuple(index[a] for a in right))
        hit = (req, rows, (req["axis"], req["at"], list(req["left"]), list(req["right"])), plan)
        _RESOLVED[key] = hit
    return hit[3]


# (table, id(row keys)) -> (row keys, addresses, address -> position): the addresses the requests
# on a table of that layout read, numbered in the order their plans were made (it only grows)
_SPACES: dict[tuple[str, int], tuple] = {}


def _space(name: str, rows: tuple[str, ...]) -> tuple[list[str], dict[str, int]]:
    key = (name, id(rows))
    hit = _SPACES.get(key)
    if hit is None or hit[0] is not rows:
        hit = _SPACES[key] = (rows, [], {})
    return hit[1], hit[2]


def at_precision_of(value: Decimal, stated: list[Decimal]) -> Decimal:
    """`value` rounded to the fewest decimals among the stated values (integers: no decimals)."""
    if len(stated) == 1:             # the usual case: one stated total
        places = _places(stated[0])
        if places == 0 and value.same_quantum(_ONE) and value.adjusted() < 28:
            return value             # a whole number within the context's precision: quantize keeps it
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
_TWO = Decimal(2)
# a whole number x is within the engine's range (-B < x < B) iff -_WHOLE_BOUND < x < _WHOLE_BOUND
_WHOLE_BOUND = int(ENGINE_DEC_BOUND.to_integral_value(rounding=ROUND_CEILING))
_QUANTA: dict[int, Decimal] = {}      # places -> 1E-places (the same few every time)
