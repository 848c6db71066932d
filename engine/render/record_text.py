"""A report record's JSON text, on one line, as the evaluation worker spools it: a line of
findings.jsonl and an entry of findings.json's `reports` (engine/render/json_out.py writes both).

    report_text(record)     the text, character for character json.dumps(record.to_json(),
                            ensure_ascii=False, default=_json_default)
    finding_text(finding)   one finding's text, the same way
    flat_view(obj, names)   model._flat_json's dict without copying the object's lists and dicts

The record's four lists are most of a report's text and of the worker's time writing it. Each item is
written from remembered fragments (a rule's constant fields, cell addresses) with a type check of
every value; any value of a type the fast path does not write itself sends that item to the general
C encoder, so the text never depends on which path wrote it (tests/test_record_text_items.py,
tests/test_record_json_view.py compare both with json.dumps).
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from json.encoder import c_make_encoder, encode_basestring
from operator import attrgetter
from typing import Any, Callable

from engine.model import (_DIAGNOSTIC_KEYS, _EVIDENCE_KEYS, _FINDING_KEYS, _NOT_ASSESSABLE_KEYS, _RULE_ERROR_KEYS,
                          AuditRecord, Diagnostic, Evidence, Finding, NotAssessable, finding_json)


def report_text(record: AuditRecord) -> str:
    """One report's JSON text, on one line: a line of findings.jsonl and an entry of findings.json's
    `reports`, as the evaluation worker spools it. Not indented, deliberately: json.dumps with
    indent runs the pure-Python encoder (~2.5× slower per record than the C one), and one form for
    both files means the main process never parses a record again to write either."""
    if record.engine is None or type(record) is not AuditRecord:
        return _encode_report(record.to_json(flat=flat_view))
    # the keys before the four lists by the C encoder; the lists (most of the text: findings,
    # not-assessable items, rule errors, diagnostics, in to_json's order) item by item, each
    # item's constant runs (keys, a rule's title) and cell addresses encoded once per process
    head = _encode_report(record.to_json(flat=flat_view, lists=False))
    return "".join((head[:-1], ', "findings": [', ", ".join(map(finding_text, record.findings)),
                    '], "not_assessable": [', ", ".join(map(_not_assessable_text, record.not_assessable)),
                    '], "rule_errors": [', ", ".join(_encode_report(flat_view(e, _RULE_ERROR_KEYS))
                                                     for e in record.rule_errors),
                    '], "diagnostics": [', ", ".join(map(_diagnostic_text, record.diagnostics)), "]}"))


# finding_text's fragments, one per distinct run of constant values (a catalog has a few dozen rules,
# each with one severity, category and title, a few points and bases)
_HEADS: dict[tuple, str] = {}
_MIDDLES: dict[tuple, str] = {}
_SHORT: dict[Any, str] = {}          # encoded parts, tables and the like (a few distinct values)
_FINDING_ORDER = ("rule_id", "severity", "category", "title", "message", "points", "basis", "remedy", "details",
                  "charge", "charge_reason", "id", "decision", "counted")
_EVIDENCE_ORDER = ("part", "table", "cells", "values", "line", "where", "excerpt", "previous_source",
                   "previous_cells", "previous_values", "previous_line", "previous_where", "previous_excerpt")
_NO_PREVIOUS = (', "previous_source": null, "previous_cells": [], "previous_values": {}, "previous_line": null,'
                ' "previous_where": null, "previous_excerpt": null}}')
_FAST_FINDINGS = _FINDING_ORDER == _FINDING_KEYS and _EVIDENCE_ORDER == _EVIDENCE_KEYS
# the other items' fields as _not_assessable_text and _diagnostic_text write them
_FAST_ITEMS = (_NOT_ASSESSABLE_KEYS == ("rule_id", "title", "reason", "cells", "charge", "charge_reason", "covered_by",
                                        "scored")
               and _DIAGNOSTIC_KEYS == ("code", "message", "line", "where", "severity", "table", "cells"))


def finding_text(f: Finding) -> str:
    """One finding's JSON text, as _encode_report(finding_json(f, flat_view)) writes it, character
    for character: the runs of values a rule always gives the same (its id, severity, category and
    title; its points and basis) encoded once per run, the rest value by value. Any value of a type
    this does not write itself (a str subclass, a Decimal, a nested list …) sends the finding to the
    general encoder."""
    d, ev = f.__dict__, f.evidence.__dict__
    text = _finding_text(d, ev) if _FAST_FINDINGS and type(f) is Finding and type(f.evidence) is Evidence else None
    return text if text is not None else _encode_report(finding_json(f, flat_view))


def _finding_text(d: dict[str, Any], ev: dict[str, Any]) -> str | None:
    key = (d["rule_id"], d["severity"], d["category"], d["title"])
    head = _HEADS.get(key)
    if head is None:
        if not all(type(v) is str for v in key) or len(_HEADS) > 4096:
            return None
        head = _HEADS[key] = ('{"rule_id": %s, "severity": %s, "category": %s, "title": %s, "message": '
                              % tuple(map(encode_basestring, key)))
    points, basis = d["points"], d["basis"]
    cls = points.__class__
    if cls is int:
        key = (int, points, basis)
    elif cls is float and points - points == 0:
        key = (float, float.__repr__(points), basis)      # not the float itself: -0.0 == 0.0
    else:
        return None
    middle = _MIDDLES.get(key)
    if middle is None:
        if type(basis) is not str or len(_MIDDLES) > 4096:
            return None
        middle = _MIDDLES[key] = f', "points": {key[1]}, "basis": {encode_basestring(basis)}, "remedy": '
    message, remedy, details, decision = d["message"], d["remedy"], d["details"], d["decision"]
    charge, reason, fid, counted = d["charge"], d["charge_reason"], d["id"], d["counted"]
    part, table, cells, values = ev["part"], ev["table"], ev["cells"], ev["values"]
    line, where, excerpt = ev["line"], ev["where"], ev["excerpt"]
    if type(message) is not str or type(remedy) is not str or type(charge) is not str or type(reason) is not str \
            or (fid is not None and type(fid) is not str) or (counted is not True and counted is not False) \
            or (line is not None and type(line) is not int) or (where is not None and type(where) is not str) \
            or (excerpt is not None and type(excerpt) is not str):
        return None
    part, table = _short(part), _short(table)
    if part is None or table is None:
        return None
    # containers by the C encoder itself (the same text in place or alone), the empty ones as constants
    encode = _encode_report
    if (ev["previous_source"] is None and not ev["previous_cells"] and not ev["previous_values"]
            and ev["previous_line"] is None and ev["previous_where"] is None and ev["previous_excerpt"] is None
            and type(ev["previous_cells"]) is list and type(ev["previous_values"]) is dict):
        tail = _NO_PREVIOUS
    else:      # cross-year evidence: the rest encoded as a whole
        tail = ", " + encode({k: ev[k] for k in _EVIDENCE_ORDER[7:]})[1:] + "}"
    return (f'{head}{encode_basestring(message)}{middle}{encode_basestring(remedy)}, "details": '
            f'{"{}" if details == {} and type(details) is dict else encode(details)}, "charge": '
            f'{encode_basestring(charge)}, "charge_reason": {encode_basestring(reason)}, "id": '
            f'{"null" if fid is None else encode_basestring(fid)}, "decision": '
            f'{"null" if decision is None else encode(decision)}, "counted": {"true" if counted else "false"}, '
            f'"evidence": {{"part": {part}, "table": {table}, "cells": '
            f'{_addresses(cells) or encode(cells)}, "values": '
            f'{"{}" if values == {} and type(values) is dict else encode(values)}, "line": '
            f'{"null" if line is None else int.__repr__(line)}, "where": '
            f'{"null" if where is None else encode_basestring(where)}, "excerpt": '
            f'{"null" if excerpt is None else encode_basestring(excerpt)}{tail}')


# cell addresses' JSON texts (a template has a few hundred addresses; findings, not-assessable items
# and diagnostics list them, one a few dozen at times)
_ADDRESSES: dict[str, str] = {}
_STR_TYPE = frozenset((str,))
_NA_HEADS: dict[tuple, str] = {}
_DIAGNOSTIC_HEADS: dict[str, str] = {}


def _address_texts(items: list) -> list[str] | None:
    """The JSON texts of a list's items when they are all str (cell addresses), each remembered."""
    if not _STR_TYPE.issuperset(map(type, items)):
        return None
    texts = [*map(_ADDRESSES.get, items)]
    if None in texts:
        if len(_ADDRESSES) > 8192:
            _ADDRESSES.clear()
        for i, text in enumerate(texts):
            if text is None:
                texts[i] = _ADDRESSES[items[i]] = encode_basestring(items[i])
    return texts


def _addresses(items: Any) -> str | None:
    """The JSON text of a list of str (cell addresses); None for anything else (a tuple, another
    item type: the general encoder's then)."""
    if type(items) is not list:
        return None
    if not items:
        return "[]"
    texts = _address_texts(items)
    return None if texts is None else "[" + ", ".join(texts) + "]"


def _not_assessable_text(n: NotAssessable) -> str:
    """A not-assessable item's JSON text, as the general encoder writes it."""
    d = n.__dict__ if type(n) is NotAssessable and _FAST_ITEMS else None
    text = None
    if d is not None:
        rule_id, title, reason, charge = d["rule_id"], d["title"], d["reason"], d["charge"]
        covered, scored = d["covered_by"], d["scored"]
        cells = _addresses(d["cells"])
        if (cells is not None and type(rule_id) is str and type(title) is str and type(d["charge_reason"]) is str
                and (reason is None or type(reason) is str) and (charge is None or type(charge) is str)
                and (covered is None or type(covered) is str) and (scored is True or scored is False)):
            head = _NA_HEADS.get((rule_id, title))
            if head is None:
                if len(_NA_HEADS) > 4096:
                    _NA_HEADS.clear()
                head = _NA_HEADS[(rule_id, title)] = (f'{{"rule_id": {encode_basestring(rule_id)}, "title": '
                                                      f'{encode_basestring(title)}, "reason": ')
            text = (f'{head}{"null" if reason is None else encode_basestring(reason)}, "cells": {cells}, '
                    f'"charge": {"null" if charge is None else encode_basestring(charge)}, "charge_reason": '
                    f'{encode_basestring(d["charge_reason"])}, "covered_by": '
                    f'{"null" if covered is None else encode_basestring(covered)}, "scored": '
                    f'{"true" if scored else "false"}}}')
    return text if text is not None else _encode_report(flat_view(n, _NOT_ASSESSABLE_KEYS))


def _diagnostic_text(g: Diagnostic) -> str:
    """A diagnostic's JSON text, as the general encoder writes it."""
    d = g.__dict__ if type(g) is Diagnostic and _FAST_ITEMS else None
    text = None
    if d is not None:
        code, message, line, where, severity = d["code"], d["message"], d["line"], d["where"], d["severity"]
        table, cells = _short(d["table"]), _addresses(d["cells"])
        if (cells is not None and table is not None and type(code) is str and type(message) is str
                and type(severity) is str and (line is None or type(line) is int)
                and (where is None or type(where) is str)):
            head = _DIAGNOSTIC_HEADS.get(code)
            if head is None:
                if len(_DIAGNOSTIC_HEADS) > 4096:
                    _DIAGNOSTIC_HEADS.clear()
                head = _DIAGNOSTIC_HEADS[code] = f'{{"code": {encode_basestring(code)}, "message": '
            text = (f'{head}{encode_basestring(message)}, "line": {"null" if line is None else int.__repr__(line)}, '
                    f'"where": {"null" if where is None else encode_basestring(where)}, "severity": '
                    f'{encode_basestring(severity)}, "table": {table}, "cells": {cells}}}')
    return text if text is not None else _encode_report(flat_view(g, _DIAGNOSTIC_KEYS))


def _short(value: Any) -> str | None:
    """The JSON text of None or a str from a small set of values (parts, tables), remembered."""
    text = _SHORT.get(value)
    if text is None:
        if value is not None and type(value) is not str:
            return None
        if len(_SHORT) > 1024:
            _SHORT.clear()
        text = _SHORT[value] = "null" if value is None else encode_basestring(value)
    return text


def _encode_report(value: Any) -> str:
    """json.dumps(value, ensure_ascii=False, default=_json_default), character for character: the
    same C encoder, built once (json.dumps builds a JSONEncoder and its C encoder on every call)."""
    encoder = _REPORT_ENCODER[0]
    if encoder is None:
        if c_make_encoder is None:           # an interpreter without the C encoder
            return json.dumps(value, ensure_ascii=False, default=_json_default)
        # the arguments JSONEncoder.iterencode passes for these options (indent None, separators
        # ", " and ": ", sort_keys and skipkeys off, NaN allowed); no cycle check (a record is a tree)
        encoder = _REPORT_ENCODER[0] = c_make_encoder(None, _json_default, encode_basestring, None,
                                                      ": ", ", ", False, False, True)
    return "".join(encoder(value, 0))


_REPORT_ENCODER: list[Any] = [None]


_GETTERS: dict[tuple[str, ...], Callable[[Any], tuple]] = {}


def flat_view(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """model._flat_json's dict (same keys, same order) whose list and dict values are the object's
    own, not copies: for report_text, which encodes it at once and keeps nothing. One C call reads
    every field (attrgetter of several names answers a tuple; the model's name tuples are fixed)."""
    get = _GETTERS.get(names)
    if get is None:
        get = _GETTERS[names] = attrgetter(*names) if len(names) > 1 else (lambda o: (getattr(o, names[0]),))
    return dict(zip(names, get(obj)))



def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
