"""Facts — the layer between parse and rules: a Report (and optionally last year's Report) as a
flat list of type-discriminated dicts.

Public interface:
    build_facts(report, previous=None, requests=None) -> FactSet
    fact_types() -> {fact type: {field: kind}}          the declared schema, read by the compiler
    FactContext, FactSet, FactError
    engine/facts/verdict.py                             the contract of computed checks

Why flat facts: the rule engine (durable-rules, through engine/evaluate/durable.py) and the reference
evaluator (engine/evaluate/reference.py) both match conditions against single facts or pairs of
facts. Everything the engine is bad at — text matching, absence, sums, number normalisation — is
computed HERE, in Python, and reaches the engine as plain fact fields.

A fact is a dict with at least ``type``. Its fields are declared by the extractor that produces it
(``FACT_TYPES`` in the extractor module) with one of these kinds:

    "str"  short identifier string (engine-visible, ≤ 200 chars, no newlines)
    "int"  integer (engine-visible)
    "bool" boolean (engine-visible)
    "dec"  Decimal (engine-visible as an integer scaled by engine.dialect.SCALE: 1.5 万元 -> 15000)
    "py"   anything else (lists, long text, labels): kept on the Python side for messages and
           evidence, never sent to the engine

Fields whose value is None are left out of the engine JSON: a condition on them never matches
(durable-rules' own semantics, copied by the reference evaluator).

Extension point — a fact extractor is one small module in engine/facts/extractors/ listed in
engine/facts/extractors/registry.py:

    ID = "sums"                                   # stable id; blocks address requests to it
    FACT_TYPES = {"sum": {"rule": "str", ...}}    # the fact types it produces and their fields
    def extract(ctx: FactContext) -> Iterable[dict]
    CHECKS = (ComputedCheck(...), ...)            # optional: computed checks (engine/facts/verdict.py)
    FRESH_FACTS = True                            # optional: every fact yielded is a new dict held by
                                                  # nothing else (not copied by build_facts)

``ctx.report`` / ``ctx.previous`` are the Reports; ``ctx.requests`` are the requests the compiled
catalog addressed to this extractor (e.g. one per identity instance), so rule-specific aggregates
are computed only when a rule asks for them. An extractor that raises does not stop the report:
the rules that use its fact types get outcome "error".
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from engine.code_cache import compiled
from engine.dialect import ENGINE_DEC_BOUND, MAX_ENGINE_INT, SENTINEL_TYPE, FactError, scaled  # noqa: F401
from engine.facts.extractors.registry import EXTRACTORS
from engine.facts.forms import (MAX_ENGINE_STR, FormFn, _dec, _enc, _neq_may_hold,  # noqa: F401
                                _sent_test, engine_form, form_function, json_form_function, or_of)
from engine.model import Report

FIELD_KINDS = ("str", "int", "bool", "dec", "py")
ENGINE_KINDS = frozenset({"str", "int", "bool", "dec"})
MAX_ENGINE_FIELDS = 240        # durable-rules: 254 properties per message (sid, id included)


@dataclass
class FactContext:
    report: Report
    previous: Report | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    # fact type -> its sent alternatives (see _alternatives); None: every fact is wanted
    wanted: dict[str, tuple | None] | None = None

    def keep(self, fact_type: str, names: tuple[str, ...]) -> Callable[..., bool] | None:
        """For an extractor that can tell, before building a fact, whether the engine could use
        it: a function of the fact's values of `names` (positionally) saying whether to build it,
        or None when every fact of the type is to be built (no filter, or a filter on fields
        not in `names`). Skipping is only a saving: build_facts drops unwanted facts anyway."""
        if self.wanted is None:
            return None
        return _args_test(self.wanted.get(fact_type, ()), names)

    def may_keep(self, fact_type: str, names: tuple[str, ...]) -> Callable[..., bool] | None:
        """Like keep, from only some of the fields: the function says False when no fact with
        these values of `names` can be wanted whatever its other fields (a blank cell, a whole
        number ≥ 0 …), True when one may be. None: no filter."""
        if self.wanted is None:
            return None
        return _args_test(self.wanted.get(fact_type, ()), names, True)


@dataclass
class FactSet:
    """The facts of one report. ``facts[i]["id"] == str(i)``: decimal ids are collision-free in
    durable-rules' 32-bit hash (docs/durable-rules.md §1)."""
    facts: list[dict[str, Any]]
    failures: dict[str, str] = field(default_factory=dict)   # extractor id -> error text
    failed_types: frozenset[str] = frozenset()

    def by_id(self, fact_id: str) -> dict[str, Any]:
        return self.facts[int(fact_id)]

    def engine_facts(self, sid: str = "w",
                     used: dict[str, frozenset[str]] | None = None) -> list[dict[str, Any]]:
        """The engine-visible JSON form, with the always-firing sentinel fact last.

        `used` (fact type -> the fields some condition of the ruleset reads, from
        engine.rules.compile.fields_used): only those fields are sent. A condition can only test
        the fields it names, so leaving the others out changes no match, and it makes the payload
        (JSON encoding, the C engine's parsing) much smaller. Every engine-visible field is still
        checked as before, so an extractor bug raises FactError whether or not the field is sent."""
        forms = _forms(used)
        out = [forms[f["type"]](f, sid) for f in self.facts]
        out.append({"sid": sid, "id": str(len(self.facts)), "type": SENTINEL_TYPE})
        return out


    def engine_payload(self, sid: str = "w", used: dict[str, frozenset[str]] | None = None,
                       sent: dict[str, tuple] | None = None) -> str:
        """``json.dumps(self.engine_facts(sid, used), ensure_ascii=False)``, character for
        character, written directly (no intermediate dicts): what durable-rules is given. The
        same checks run in the same order and raise the same FactError.

        `sent` (fact type -> the equalities of each condition on it, from
        engine.rules.compile.fact_filters): a fact that meets none of its type's is checked but
        left out (its id is not reused): it cannot match any condition, so no activation changes,
        and a report's ~200 cell facts, most of which no condition can match, no longer cost the
        JSON and the engine's parsing and matching. The reference evaluator is given every fact."""
        forms = _forms(used, as_json=True, sent=sent)
        out = [text for text in [forms[f["type"]](f, sid) for f in self.facts] if text is not None]
        out.append(f'{{"sid": {_enc(sid)}, "id": {_enc(str(len(self.facts)))}, '
                   f'"type": {_enc(SENTINEL_TYPE)}}}')
        return "[" + ", ".join(out) + "]"


_FORMS_CACHE: dict[Any, tuple[Any, dict[str, FormFn]]] = {}


def _forms(used: dict[str, frozenset[str]] | None, as_json: bool = False,
           sent: dict[str, tuple] | None = None) -> dict[str, FormFn]:
    """fact type -> the function giving its engine form (a dict, or its JSON text), for the
    fields `used` (all when None); with `sent` (JSON only), None for a fact no condition can match."""
    key = (None if used is None else id(used), as_json, None if sent is None else id(sent))
    hit = _FORMS_CACHE.get(key)
    if hit is None or hit[0] is not used or hit[1] is not sent:
        visible = engine_fields()
        forms = {}
        for t, fields in visible.items():
            triples = tuple((n, k, used is None or n in used.get(t, ())) for n, k in fields)
            if not as_json:
                forms[t] = form_function(triples)
            else:
                forms[t] = json_form_function(triples, None if sent is None else _alternatives(sent.get(t, ()), fields))
        if len(_FORMS_CACHE) > 64:
            _FORMS_CACHE.clear()
        _FORMS_CACHE[key] = hit = (used, sent, forms)   # `used`, `sent` kept alive: their ids stay unique
    return hit[2]


def _alternatives(conditions: tuple, fields: tuple[tuple[str, str], ...]) -> tuple | None:
    """The equalities of each condition on a fact type that this module can test as the engine
    would: str constants on "str" fields, bool constants on "bool" fields, and a "dec" field
    unequal to another "dec" field of the fact ((field, ("$neq", other)): see _neq_may_hold) (any
    other equality is dropped from its condition: the engine alone decides it). None: some condition keeps no
    equality, every fact of the type is sent; (): no condition names the type, none is sent."""
    kinds = dict(fields)
    out = []
    for equalities in conditions:
        kept = tuple((n, c) for n, c in equalities
                     if (kinds.get(n) == "str" and c.__class__ is str) or (kinds.get(n) == "bool" and c.__class__ is bool)
                     or (c.__class__ is tuple and len(c) == 2 and c[0] == "$neq"
                         and kinds.get(n) == "dec" and kinds.get(c[1]) == "dec"))
        if not kept:
            return None
        out.append(kept)
    return tuple(out)


@functools.lru_cache(maxsize=1)
def engine_fields() -> dict[str, tuple[tuple[str, str], ...]]:
    """fact type -> its engine-visible (field, kind) pairs."""
    return {t: tuple((n, k) for n, k in fields.items() if k in ENGINE_KINDS and n != "type")
            for t, fields in fact_types().items()}


@functools.lru_cache(maxsize=1)
def fact_types() -> dict[str, dict[str, str]]:
    """Every declared fact type -> {field: kind}, over all registered extractors."""
    out: dict[str, dict[str, str]] = {"__eval__": {}}
    for ex in EXTRACTORS:
        for name, fields in ex.FACT_TYPES.items():
            reserved = {"id", "sid", "type"} & set(fields)
            if reserved:   # the engine owns these names (fact numbering, partition)
                raise FactError(f"extractor {ex.ID}: fact {name} declares reserved field(s) {reserved}")
            if len(fields) > MAX_ENGINE_FIELDS:
                raise FactError(f"extractor {ex.ID}: fact {name} declares too many fields")
            unknown = {k for k in fields.values() if k not in FIELD_KINDS}
            if unknown:   # a misspelt kind would silently keep the field away from the engine
                raise FactError(f"extractor {ex.ID}: fact {name} declares unknown kind(s) {unknown}")
            out[name] = {"type": "str", **fields}
    return out


def build_facts(report: Report, previous: Report | None = None,
                requests: dict[str, list[dict[str, Any]]] | None = None,
                sent: dict[str, tuple] | None = None) -> FactSet:
    """Run every registered extractor; number the facts 0..N-1.

    `sent` (engine.rules.compile.fact_filters of the catalog, as given to FactSet.engine_payload):
    only the facts engine_payload(sent=...) would send are kept, in the same order (numbered
    0..N-1 among themselves), and extractors that can tell beforehand (FactContext.keep) do not
    build the others at all: a report's ~200 cell facts, of which no condition can match most.
    The activations are then the same up to fact numbering (order kept), so the findings are the
    same. The facts left out are not checked (FactError) since they are never made; the reference
    evaluator is given every fact (sent=None), which the differential tests compare with."""
    requests = requests or {}
    facts: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    failed_types: set[str] = set()
    wanted = _wanted(sent) if sent is not None else None
    tests = _dict_tests(sent) if sent is not None else None
    for ex in EXTRACTORS:
        ctx = FactContext(report=report, previous=previous, requests=requests.get(ex.ID, []),
                          wanted=wanted)
        try:
            produced = _checked(ex, ex.extract(ctx))
        except Exception as exc:   # an extractor bug must not kill the report: its rules error out
            failures[ex.ID] = f"{type(exc).__name__}: {exc}"
            failed_types.update(ex.FACT_TYPES)
            continue
        if tests is None:
            facts.extend(produced)
        else:
            for f in produced:
                test = tests.get(f["type"], _NEVER)
                if test is None or (test is not _NEVER and test(f.get)):
                    facts.append(f)
    for i, f in enumerate(facts):
        f["id"] = str(i)
    return FactSet(facts=facts, failures=failures, failed_types=frozenset(failed_types))


def _checked(ex: Any, produced: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the produced facts, each of a type the extractor declares with only declared
    fields (the field kinds are checked when the facts are sent: form_function). An extractor
    declaring FRESH_FACTS = True yields a new dict for every fact, held by nothing else: its facts
    are taken as they are (a report's two hundred cell facts need no copy)."""
    allowed = _allowed(ex.ID, ex.FACT_TYPES)
    fresh = getattr(ex, "FRESH_FACTS", False) is True
    out = []
    for f in produced:
        keys = allowed.get(f.get("type"))
        if keys is None:
            raise FactError(f"提取器 {ex.ID} 产生了未声明的事实类型 {f.get('type')!r}")
        if not f.keys() <= keys:
            raise FactError(f"提取器 {ex.ID} 的事实 {f['type']} 含未声明字段 {sorted(set(f) - keys)}")
        out.append(f if fresh else dict(f))
    return out


_ALLOWED: dict[str, tuple[Any, dict[str, frozenset[str]]]] = {}


def _allowed(ex_id: str, declared: dict[str, dict[str, str]]) -> dict[str, frozenset[str]]:
    """fact type -> the keys its facts may have, per extractor (computed again if its
    FACT_TYPES object is replaced)."""
    hit = _ALLOWED.get(ex_id)
    if hit is None or hit[0] is not declared:
        hit = _ALLOWED[ex_id] = (declared, {name: frozenset(fields).union(("type",))
                                            for name, fields in declared.items()})
    return hit[1]


_NEVER = object()       # a fact type no condition names: never sent
_WANTED: dict[int, tuple[Any, dict[str, tuple | None], dict[str, Any]]] = {}


def _wanted_entry(sent: dict[str, tuple]) -> tuple[Any, dict[str, tuple | None], dict[str, Any]]:
    """(sent, fact type -> alternatives, fact type -> test of a fact's `get` / None: all / _NEVER),
    computed once per fact_filters object (kept alive so that its id stays unique)."""
    hit = _WANTED.get(id(sent))
    if hit is None or hit[0] is not sent:
        if len(_WANTED) > 64:
            _WANTED.clear()
        visible = engine_fields()
        alts = {t: _alternatives(sent[t], visible[t]) if t in sent else ()
                for t in visible}
        tests = {t: (None if a is None else _NEVER if not a else _dict_test(a))
                 for t, a in alts.items()}
        hit = _WANTED[id(sent)] = (sent, alts, tests)
    return hit


def _wanted(sent: dict[str, tuple]) -> dict[str, tuple | None]:
    return _wanted_entry(sent)[1]


def _dict_tests(sent: dict[str, tuple]) -> dict[str, Any]:
    return _wanted_entry(sent)[2]


@functools.lru_cache(maxsize=256)
def _dict_test(alternatives: tuple) -> Callable[[Callable[[str], Any]], bool]:
    """The test engine_payload(sent=...) makes (_sent_test) as a function of a fact's `get`."""
    reads, test = _sent_test(alternatives)
    code = ["def test(get):", *reads, f"    return bool({test})"]
    namespace: dict[str, Any] = {"_neq_may_hold": _neq_may_hold}
    exec(compiled("\n".join(code), "<sent test>"), namespace)
    return namespace["test"]


@functools.lru_cache(maxsize=256)
def _args_test(alternatives: tuple | None, names: tuple[str, ...],
               partial: bool = False) -> Callable[..., bool] | None:
    """The same test as _dict_test, as a function of the values of `names` (None standing for an
    absent field); None when some equality is on a field not in `names`, or every fact is sent.
    `partial`: an equality on a field not in `names` is taken as met (the function then says
    whether the test MAY pass)."""
    if alternatives is None:
        return None
    arg = {n: f"a{i}" for i, n in enumerate(names)}
    tests = []
    for equalities in alternatives:
        parts = []
        first = None            # (variable, str constant) of the first equality, when it is one
        for name, const in equalities:
            other = const[1] if const.__class__ is tuple else name
            if name not in arg or other not in arg:
                if partial:
                    continue
                return None
            v = arg[name]
            if const.__class__ is tuple:                         # ("$neq", other field)
                parts.append(f"_neq_may_hold({v}, {arg[other]})")
            elif const is True:
                parts.append(v)
            elif const is False:
                parts.append(f"({v} is not None and not {v})")
            else:
                parts.append(f"{v} == {const!r}")
            if len(parts) == 1 and const.__class__ is str and name == equalities[0][0]:
                first = (v, const)
        tests.append((first, parts))
    code = [f"def test({', '.join(arg.values())}):", f"    return bool({or_of(tests)})"]
    namespace: dict[str, Any] = {"_neq_may_hold": _neq_may_hold}
    exec(compiled("\n".join(code), "<keep test>"), namespace)
    return namespace["test"]
