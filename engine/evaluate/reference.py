"""Pure-Python evaluator of the compiled ruleset: the same JSON conditions, the same engine facts,
durable-rules' semantics within the safe subset (engine/rules/compile.py):

* equality / $neq / $lt / $lte / $gt / $gte never match when the field is absent from the fact
  (fields whose value is None are not sent), $ex / $nex test presence;
* a right-hand side is a constant, {"$m": field} of the same fact, or {alias: field} of the first
  fact of a 2-fact clause (missing -> no match);
* a 2-fact clause never binds the same fact twice (durable's default `dist`).

Used by the differential tests and as the batch runner's fallback when a durable worker dies.
"""
from __future__ import annotations

import operator
from typing import Any

_OPS = {"$eq": operator.eq, "$neq": operator.ne, "$lt": operator.lt, "$lte": operator.le,
        "$gt": operator.gt, "$gte": operator.ge}
_MISSING = object()


def run(ruleset: dict[str, Any], engine_facts: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    from engine.rules.compile import SENTINEL_RULE
    by_type: dict[Any, list[dict]] = {}
    for f in engine_facts:
        by_type.setdefault(f.get("type"), []).append(f)
    out: list[tuple[str, dict[str, str]]] = []
    for name, rule in ruleset.items():
        if name == SENTINEL_RULE:
            continue
        conds = [next(iter(c.items())) for c in rule["all"]]
        (a0, e0) = conds[0]
        firsts = [f for f in _candidates(by_type, e0) if matches(e0, f, {})]
        if len(conds) == 1:
            out.extend((name, {a0: f["id"]}) for f in firsts)
            continue
        (a1, e1) = conds[1]
        seconds = _candidates(by_type, e1)
        for f in firsts:
            bound = {a0: f}
            out.extend((name, {a0: f["id"], a1: g["id"]}) for g in seconds
                       if g is not f and matches(e1, g, bound))
    return out


def _candidates(by_type: dict, expr: dict) -> list[dict]:
    from engine.rules.compile import _discriminator
    return by_type.get(_discriminator(expr), [])


def matches(expr: dict, fact: dict, bound: dict[str, dict]) -> bool:
    (key, value), = expr.items()
    if key == "$and":
        return all(matches(e, fact, bound) for e in value)
    if key == "$or":
        return any(matches(e, fact, bound) for e in value)
    if key == "$ex":
        return next(iter(value)) in fact
    if key == "$nex":
        return next(iter(value)) not in fact
    if key in _OPS:
        (fld, rv), = value.items()
        return _compare(_OPS[key], fact, fld, rv, bound)
    return _compare(operator.eq, fact, key, value, bound)


def _compare(op, fact: dict, fld: str, rv: Any, bound: dict) -> bool:
    left = fact.get(fld, _MISSING)
    if left is _MISSING:
        return False
    right = _resolve(rv, fact, bound)
    if right is _MISSING:
        return False
    return bool(op(left, right))


def _resolve(rv: Any, fact: dict, bound: dict) -> Any:
    if isinstance(rv, dict):
        (ref, fld), = rv.items()
        src = fact if ref == "$m" else bound.get(ref)
        if src is None:
            return _MISSING
        return src.get(fld, _MISSING)
    return rv
