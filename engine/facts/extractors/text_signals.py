"""Text-signal facts: one `signal` verdict fact (engine/facts/verdict.py) per (rule, signal)
requested by the catalog, for the computed check `signal_present`.

Signals are declared in the rules directory's signals.yaml (engine/facts/signals.py evaluates
them in Python: phrase/pattern matching, negation, year placeholders); the engine only sees the
outcome as fields: `known` (False when the signal cannot be decided — its parts are missing, or the
reporting year a pattern needs is unknown), `present` (= `holds`), `negative_only`.

Request: {"rule": RULE_ID, "signal": NAME, "file": PATH}.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from engine.evidence import location
from engine.facts.signal_catalog import catalog_signals
from engine.facts.signals import DEFAULT_SIGNALS_FILE, SignalBrief, SignalSet, SignalValue, load_signals
from engine.facts.verdict import VERDICT_FIELDS, ComputedCheck

ID = "text_signals"
FRESH_FACTS = True      # each fact a new dict (engine/facts: not copied)

FACT_TYPES = {
    "signal": {**VERDICT_FIELDS, "name": "str", "present": "bool", "negative_only": "bool",
               "hits": "int", "title": "py", "missing": "py", "reason": "py", "phrase": "py",
               "parts": "py", "polarity": "py"},
}


def _request(options: dict[str, Any], ctx) -> dict[str, Any]:
    path, sset = catalog_signals(ctx)
    name = options["signal"]
    if name not in sset.signals:
        raise ctx.error(f"未知的信号“{name}”（{path.name} 中定义的有：{'、'.join(sset.ids)}）", "signal")
    return {"signal": name, "file": str(path)}


CHECKS = (
    ComputedCheck(
        id="signal_present", extractor=ID, fact_type="signal",
        summary="叙述中有规定的表述（文本信号，定义见 rules/signals.yaml）",
        options={"type": "object", "additionalProperties": False, "required": ["signal"],
                 "properties": {"signal": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                                           "description": "rules/signals.yaml 中定义的信号 id"}}},
        message_fields={
            "title": "信号的中文名称",
            "missing": "未找到相应表述的方面（分组信号，如五个方面中缺少的）",
            "part": "查找的部分（未找到时为第一个）",
            "parts": "查找的各部分",
            "excerpt": "该部分的原文（未找到时）",
            "reason": "无法判断的原因（不可评估时）",
            "year": "报告年度",
            "prev_year": "上一年度",
        },
        request=_request,
        reason="{reason}"),
)

_CACHE: dict[tuple[str, float], SignalSet] = {}


_DEFAULT_PATH = str(DEFAULT_SIGNALS_FILE)
_NAMES: dict[str | Path, str] = {}       # a request's file -> str(Path(file)), made once


def signal_set(path: str | Path | None) -> SignalSet:
    """The signal set of a file, loaded once per process (and again if the file changed)."""
    # (asked once or twice per report: a string and os.stat, not a Path, for the default file)
    name = (_NAMES.get(path) or _NAMES.setdefault(path, str(Path(path)))) if path else _DEFAULT_PATH
    key = (name, os.stat(name).st_mtime)
    if key not in _CACHE:
        _CACHE[key] = load_signals(name)
    return _CACHE[key]


# id(owner) -> (owner, file -> SignalSet): the set a catalog's requests name, found (signal_set's
# os.stat) once per catalog, i.e. once per run, instead of once per report; the owner (the
# catalog's request list, or one request) is kept so that its id is not reused
_BY_OWNER: dict[int, tuple[Any, dict[str, SignalSet]]] = {}


def catalog_signal_set(owner: Any, file: str) -> SignalSet:
    """signal_set(file or None), asked once per `owner` and file."""
    hit = _BY_OWNER.get(id(owner))
    if hit is None or hit[0] is not owner:
        if len(_BY_OWNER) > 256:
            _BY_OWNER.clear()
        hit = _BY_OWNER[id(owner)] = (owner, {})
    sset = hit[1].get(file)
    if sset is None:
        sset = hit[1][file] = signal_set(file or None)
    return sset


def extract(ctx) -> Iterable[dict[str, Any]]:
    by_file: dict[str, list[dict]] = {}
    seen: set[tuple] = set()
    for req in ctx.requests:
        key = (req["rule"], req["signal"], req.get("file") or "")
        if key in seen:
            continue    # the same request from two clauses of one rule: one fact
        seen.add(key)
        by_file.setdefault(req.get("file") or "", []).append(req)
    # with a fact filter (build_facts(sent=...)): whether each signal is present is decided first,
    # cheaply (SignalSet.decide), and a signal is evaluated in full (hits, excerpts) only when the
    # engine can use one of its facts — e.g. a signal that is absent; a present one fails no rule
    keep = getattr(ctx, "keep", None)
    wanted = keep("signal", ("rule", "name", "known", "holds", "present")) if keep is not None else None
    for file, reqs in by_file.items():
        sset = catalog_signal_set(ctx.requests, file)
        names = sorted({r["signal"] for r in reqs})
        if wanted is not None:
            decided = sset.decide(ctx.report, names)
            reqs = [r for r in reqs if _wanted(wanted, r, decided[r["signal"]])]
            names = sorted({r["signal"] for r in reqs})
        # (the hits after the first are counted, not described: see SignalSet.brief)
        values = sset.brief(ctx.report, names) if names else {}     # (no names: every signal)
        for req in reqs:
            yield signal_fact(req["rule"], sset, values[req["signal"]], ctx.report)


def _wanted(test, req: dict[str, Any], present: bool | None) -> bool:
    """The filter's test on the fields signal_fact gives a signal's fact (known, holds, present
    all follow SignalValue.present)."""
    return test(req["rule"], req["signal"], present is not None, present, present)


def signal_fact(rule: str, sset: SignalSet, value: SignalValue | SignalBrief, report) -> dict[str, Any]:
    sig = sset.signals[value.id]
    hit = value.first
    part_id = hit.part if hit else next((p for p in sig.parts if report.parts.get(p) is not None
                                         and report.parts[p].present), sig.parts[0])
    part = report.parts.get(part_id)
    if hit is not None:
        line, excerpt, where = hit.line, hit.excerpt, hit.where
    else:
        # absent: point at the part itself and quote what it does say (e.g. only "无")
        line = part.line_start if part is not None else None
        body = (part.text or "").strip() if part is not None and part.present else ""
        excerpt = (body[:120] + ("…" if len(body) > 120 else "")) if body else None
        where = None
    year = report.metadata.year if report.metadata else None
    return {"type": "signal", "rule": rule, "name": value.id, "known": value.present is not None,
            "holds": value.present, "present": value.present,
            "negative_only": value.negative_only, "hits": value.n_hits,
            "line": line, "part": part_id, "title": sig.title, "missing": list(value.missing),
            "reason": value.reason, "phrase": hit.phrase if hit else None, "excerpt": excerpt,
            "where": where if where is not None else location(report, line),
            "parts": list(sig.parts), "polarity": hit.polarity if hit else None,
            "message_values": {
                "missing": "、".join(value.missing or []) or "（无）",
                "parts": "、".join(f"第{p}部分" for p in sig.parts or []),
                "excerpt": excerpt or "（该部分无正文）",
                "reason": value.reason or "无法判断",
                "year": str(year) if year else "（未知）",
                "prev_year": str(year - 1) if year else "上一"}}
