"""Pure-Python evaluator of the compiled ruleset: the same JSON conditions, the same engine facts,
durable-rules' semantics within the safe subset (engine/rules/compile.py):

* equality / $neq / $lt / $lte / $gt / $gte never match when the field is absent from the fact
  (fields whose value is None are not sent), $ex / $nex test presence;
* a right-hand side is a constant, {"$m": field} of the same fact, or {alias: field} of the first
  fact of a 2-fact clause (missing -> no match; the compiler guards such fields with $ex anyway);
* a 2-fact clause never binds the same fact twice (durable's default `dist`).

Conditions are compiled once per ruleset into Python closures (cached), facts are indexed by
their `type` discriminator. Used by the differential tests and as the batch runner's fallback
when a durable worker dies.
"""
from __future__ import annotations

import json
import operator
from typing import Any, Callable

from engine.dialect import SENTINEL_RULE, discriminator

_OPS = {"$eq": operator.eq, "$neq": operator.ne, "$lt": operator.lt, "$lte": operator.le,
        "$gt": operator.gt, "$gte": operator.ge}
_MISSING = object()

Pred = Callable[[dict, dict], bool]      # (fact, bound facts by alias) -> bool
_CACHE: dict[str, list] = {}


def run(ruleset: dict[str, Any], engine_facts: list[dict[str, Any]],
        key: str | None = None) -> list[tuple[str, dict[str, str]]]:
    """Activations [(rule name, {alias: fact id})] (sentinel excluded)."""
    compiled = _compiled(ruleset, key)
    by_type: dict[Any, list[dict]] = {}
    for f in engine_facts:
        by_type.setdefault(f.get("type"), []).append(f)
    out: list[tuple[str, dict[str, str]]] = []
    for name, conds in compiled:
        (a0, t0, p0) = conds[0]
        firsts = [f for f in by_type.get(t0, ()) if p0(f, {})]
        if len(conds) == 1:
            out.extend((name, {a0: f["id"]}) for f in firsts)
            continue
        (a1, t1, p1) = conds[1]
        seconds = by_type.get(t1, ())
        for f in firsts:
            bound = {a0: f}
            out.extend((name, {a0: f["id"], a1: g["id"]}) for g in seconds
                       if g is not f and p1(g, bound))
    return out


def _compiled(ruleset: dict[str, Any], key: str | None) -> list:
    key = key or json.dumps(ruleset, sort_keys=True, ensure_ascii=False)
    hit = _CACHE.get(key)
    if hit is None:
        hit = []
        for name, rule in ruleset.items():
            if name == SENTINEL_RULE:
                continue
            conds = []
            for c in rule["all"]:
                (alias, expr), = c.items()
                conds.append((alias, discriminator(expr), compile_expr(expr)))
            hit.append((name, conds))
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = hit
    return hit


def matches(expr: dict, fact: dict, bound: dict[str, dict]) -> bool:
    """One condition against one fact (uncompiled form; same semantics as compile_expr)."""
    return compile_expr(expr)(fact, bound)


def compile_expr(expr: dict) -> Pred:
    (key, value), = expr.items()
    if key == "$and":
        preds = [compile_expr(e) for e in value]
        return lambda f, b: all(p(f, b) for p in preds)
    if key == "$or":
        preds = [compile_expr(e) for e in value]
        return lambda f, b: any(p(f, b) for p in preds)
    if key == "$ex":
        fld = next(iter(value))
        return lambda f, b: fld in f
    if key == "$nex":
        fld = next(iter(value))
        return lambda f, b: fld not in f
    if key in _OPS:
        (fld, rv), = value.items()
        return _comparison(_OPS[key], fld, rv)
    return _comparison(operator.eq, key, value)


def _comparison(op, fld: str, rv: Any) -> Pred:
    if isinstance(rv, dict):
        (ref, other), = rv.items()
        if ref == "$m":
            def same(f, b):
                left, right = f.get(fld, _MISSING), f.get(other, _MISSING)
                return left is not _MISSING and right is not _MISSING and op(left, right)
            return same

        def joined(f, b):
            src = b.get(ref)
            left = f.get(fld, _MISSING)
            right = _MISSING if src is None else src.get(other, _MISSING)
            return left is not _MISSING and right is not _MISSING and op(left, right)
        return joined

    def const(f, b):
        left = f.get(fld, _MISSING)
        return left is not _MISSING and op(left, rv)
    return const
