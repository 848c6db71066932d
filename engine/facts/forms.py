"""The engine forms of facts, as generated straight-line code: the JSON text (or dict) durable-rules
is given for a fact, with every engine-visible field checked (FactError), and the test saying
whether a fact meets a fact filter's equalities (engine/facts/__init__.py: FactSet.engine_payload,
build_facts(sent=...)). Re-exported by engine.facts."""
from __future__ import annotations

import functools
import json
from typing import Any, Callable

from engine.code_cache import compiled
from engine.dialect import ENGINE_DEC_BOUND, MAX_ENGINE_INT, FactError, scaled

MAX_ENGINE_STR = 200
FormFn = Callable[[dict[str, Any], str], Any]


def engine_form(fact: dict[str, Any], visible: tuple[tuple[str, str, bool], ...],
                sid: str) -> dict[str, Any]:
    """A fact's engine JSON form. `visible`: (field, kind, sent) triples, in declaration order;
    every field is checked (an extractor bug raises FactError, the first bad field in declaration
    order), a field not `sent` is left out of the result."""
    return form_function(visible)(fact, sid)


def _bad_str(fact: dict[str, Any], name: str, value: Any) -> None:
    raise FactError(f"事实 {fact['type']}.{name} 不是短字符串：{value!r}")


def _bad_int(fact: dict[str, Any], name: str, value: Any) -> None:
    raise FactError(f"事实 {fact['type']}.{name} 不是引擎可用的整数：{value!r}")


def _dec(fact: dict[str, Any], name: str, value: Any) -> int | None:
    """The engine form of a "dec" field, or None when the number is beyond what the engine can
    hold (|value| ≥ 2^62 / SCALE ≈ 4.6 × 10^14, e.g. a 16-digit cell of a hostile report): the field
    is then left out of the engine's fact, so no engine comparison can fire on a saturated number,
    while the Python-computed fields (integral, negative, known …) still describe it. A report
    value is data, not an extractor bug: it must never make the whole report unauditable."""
    if not -ENGINE_DEC_BOUND < value < ENGINE_DEC_BOUND:
        return None
    # a report's figures are few distinct numbers (0, 1, 2 …): each is scaled once. Keyed by value
    # (Decimal("1.0") == Decimal("1") == 1 hash alike and scale alike); NaN never gets here (the
    # comparison above raises), a value scaled() refuses is never stored
    out = _SCALED.get(value)
    if out is None:
        if len(_SCALED) >= 65536:
            _SCALED.clear()
        out = _SCALED[value] = scaled(value)
    return out


_SCALED: dict[Any, int] = {}


def _neq_may_hold(a: Any, b: Any) -> bool:
    """Whether the engine may find two "dec" field values of a fact unequal ({"$neq": {a: {"$m":
    b}}}): not when one is absent (None: not sent, no comparison matches), nor when they are equal
    numbers (their engine forms are then the same integer, or both left out) — unless one of them
    has no engine form (too many decimals: sending the fact raises FactError, which must still
    happen). Anything else (unequal, or not numbers) may: the engine decides."""
    if a is None or b is None:
        return False
    if a != b:
        return True
    try:
        _dec(None, "", a)
        _dec(None, "", b)
    except Exception:        # the fact is kept, so that its check raises as before
        return True
    return False


# json.dumps(..., ensure_ascii=False) encodes strings with this function (the C one when available)
_enc = json.encoder.encode_basestring


def _check_lines(name: str, kind: str, n: str) -> list[str]:
    """Generated code: the check of field `name` (value in `v`)."""
    if kind == "str":
        return [f"        if v.__class__ is not str or len(v) > {MAX_ENGINE_STR} "
                f"or '\\n' in v: _bad_str(fact, {n}, v)"]
    if kind == "int":
        return [f"        if v.__class__ is not int or not {-MAX_ENGINE_INT} < v < "
                f"{MAX_ENGINE_INT}: _bad_int(fact, {n}, v)"]
    if kind == "dec":      # _dec gives None for a number beyond the engine's range: not sent
        return [f"        v = _dec(fact, {n}, v)", "    if v is not None:"]
    if kind == "bool":
        return []
    raise FactError(f"字段 {name} 的类型 {kind} 不能交给规则引擎")


@functools.lru_cache(maxsize=256)
def json_form_function(visible: tuple[tuple[str, str, bool], ...], alternatives: tuple | None = None) -> FormFn:
    """Like form_function, but the function returns the JSON text json.dumps(ensure_ascii=False)
    would give for that dict (default separators; ints and scaled decimals by int.__repr__,
    strings by json's own encode_basestring, bools as true/false).

    `alternatives` (see _alternatives): the fact is sent only when it has every equality of at
    least one of them, tested on the values as the engine would see them (a bool field's value
    by its truth, an absent field never equal); otherwise its fields are only checked and the
    function returns None."""
    code = ["def form(fact, sid):",
            "    get = fact.get"]
    if alternatives is not None:
        reads, test = _sent_test(alternatives)
        code.extend(reads)
        code.append(f"    if not ({test}):")
        for name, kind, _sent in visible:
            if kind != "bool":
                code.append(f"        v = get({name!r})")
                code.append("        if v is not None:")
                code.extend("    " + line for line in _check_lines(name, kind, repr(name)))
                code.append("            pass")
        code.append("        return None")
    code.append("    parts = ['{\"sid\": ', _enc(sid), ', \"id\": ', _enc(fact['id']), "
                "', \"type\": ', _enc(fact['type'])]")
    for name, kind, sent in visible:
        if kind == "bool" and not sent:
            continue
        n = repr(name)
        key = repr(", " + _enc(name) + ": ")
        code.append(f"    v = get({n})")
        code.append("    if v is not None:")
        code.extend(_check_lines(name, kind, n))
        if not sent:
            code.append("        pass")
        elif kind == "bool":
            code.append(f"        parts.append({repr(', ' + _enc(name) + ': true')} if v else "
                        f"{repr(', ' + _enc(name) + ': false')})")
        elif kind == "str":
            code.append(f"        parts.append({key}); parts.append(_enc(v))")
        else:
            code.append(f"        parts.append({key}); parts.append(_int_repr(v))")
    code.append("    parts.append('}')")
    code.append("    return ''.join(parts)")
    return _compiled_form(code, visible)


def _sent_test(alternatives: tuple) -> tuple[list[str], str]:
    """Generated code: (lines reading each field the test needs once, from `get`; the expression
    saying whether the fact has every equality of some alternative)."""
    if not alternatives:
        return [], "False"
    names: dict[str, str] = {}
    for equalities in alternatives:
        for name, const in equalities:
            names.setdefault(name, f"_f{len(names)}")
            if const.__class__ is tuple:
                names.setdefault(const[1], f"_f{len(names)}")
    tests = []
    for equalities in alternatives:
        parts = []
        for name, const in equalities:
            v = names[name]
            if const.__class__ is tuple:                         # ("$neq", other field)
                parts.append(f"_neq_may_hold({v}, {names[const[1]]})")
            elif const is True:
                parts.append(v)                                  # bool(v) is True: v not None
            elif const is False:
                parts.append(f"({v} is not None and not {v})")
            else:
                parts.append(f"{v} == {const!r}")
        first = equalities[0] if equalities else None
        tests.append(((names[first[0]], first[1]) if first is not None and first[1].__class__ is str else None,
                      parts))
    return [f"    {v} = get({name!r})" for name, v in names.items()], or_of(tests)


def or_of(tests: list[tuple[tuple[str, str] | None, list[str]]]) -> str:
    """Generated code: the expression true when one of the alternatives holds, each alternative
    given as (its first test when it is `variable == str constant`: (variable, constant), else
    None; all its tests, that one first). When at least three alternatives all begin with an
    equality of the same variable (the rule id of a fact type's conditions), they are grouped
    by its constant into a chain of conditional expressions: the variable is compared once with
    each constant instead of once per alternative, and the other tests are those of its group
    (the same truth value: a value equals at most one of the constants, and an alternative of
    another constant fails at its first test)."""
    firsts = {t[0][0] if t[0] is not None else None for t in tests}
    if len(tests) < 3 or len(firsts) != 1 or None in firsts:
        return " or ".join("(" + (" and ".join(parts) or "True") + ")" for _, parts in tests) or "False"
    groups: dict[str, list[str]] = {}
    for (_, const), parts in tests:
        groups.setdefault(const, []).append("(" + (" and ".join(parts[1:]) or "True") + ")")
    var = firsts.pop()
    expr = "False"
    for const, rests in reversed(groups.items()):
        expr = f"(({' or '.join(rests)}) if {var} == {const!r} else {expr})"
    return expr


def _compiled_form(code: list[str], visible: tuple) -> FormFn:
    namespace: dict[str, Any] = {"_bad_str": _bad_str, "_bad_int": _bad_int, "_dec": _dec,
                                 "_enc": _enc, "_int_repr": int.__repr__, "_neq_may_hold": _neq_may_hold}
    exec(compiled("\n".join(code), f"<engine form {len(visible)} fields>"), namespace)
    return namespace["form"]


@functools.lru_cache(maxsize=256)
def form_function(visible: tuple[tuple[str, str, bool], ...]) -> FormFn:
    """The engine form of one fact type (a dict), as straight-line code (built once per type and field
    selection): this runs for every fact of every report, and a generic loop over the fields
    with a branch per kind cost more than the rest of fact building. Field names are declared
    identifiers (FACT_TYPES), inserted with repr(). A `bool` field that is not sent needs no
    check (any value converts)."""
    code = ["def form(fact, sid):",
            "    get = fact.get",
            "    out = {'sid': sid, 'id': fact['id'], 'type': fact['type']}"]
    for name, kind, sent in visible:
        if kind == "bool" and not sent:
            continue
        n = repr(name)
        code.append(f"    v = get({n})")
        code.append("    if v is not None:")
        code.extend(_check_lines(name, kind, n))
        if kind == "bool":
            code.append("        v = bool(v)")
        code.append(f"        out[{n}] = v" if sent else "        pass")
    code.append("    return out")
    return _compiled_form(code, visible)
