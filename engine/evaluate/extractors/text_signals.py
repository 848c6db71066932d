"""Text-signal facts: one `signal` fact per (rule, signal) requested by the catalog.

Signals are declared in the rules directory's signals.yaml (engine/evaluate/signals.py evaluates
them in Python: phrase/pattern matching, negation, year placeholders); the engine only sees the
outcome as fields: `known` (False when the signal cannot be decided — its parts are missing, or the
reporting year a pattern needs is unknown), `present`, `negative_only`.

Request (from blocks such as `signal_present`): {"rule": RULE_ID, "signal": NAME, "file": PATH}.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from engine.evaluate.signals import DEFAULT_SIGNALS_FILE, SignalSet, SignalValue, load_signals

ID = "text_signals"

FACT_TYPES = {
    "signal": {"rule": "str", "name": "str", "known": "bool", "present": "bool",
               "negative_only": "bool", "hits": "int", "line": "int", "part": "str",
               "title": "py", "missing": "py", "reason": "py", "phrase": "py", "excerpt": "py",
               "where": "py", "parts": "py", "polarity": "py"},
}

_CACHE: dict[tuple[str, float], SignalSet] = {}


def signal_set(path: str | Path | None) -> SignalSet:
    """The signal set of a file, loaded once per process (and again if the file changed)."""
    p = Path(path) if path else DEFAULT_SIGNALS_FILE
    key = (str(p), p.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = load_signals(p)
    return _CACHE[key]


def extract(ctx) -> Iterable[dict[str, Any]]:
    by_file: dict[str, list[dict]] = {}
    seen: set[tuple] = set()
    for req in ctx.requests:
        key = (req["rule"], req["signal"], req.get("file") or "")
        if key in seen:
            continue    # the same request from two clauses of one rule: one fact
        seen.add(key)
        by_file.setdefault(req.get("file") or "", []).append(req)
    for file, reqs in by_file.items():
        sset = signal_set(file or None)
        names = sorted({r["signal"] for r in reqs})
        values = sset.evaluate(ctx.report, names)
        for req in reqs:
            yield signal_fact(req["rule"], sset, values[req["signal"]], ctx.report)


def signal_fact(rule: str, sset: SignalSet, value: SignalValue, report) -> dict[str, Any]:
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
    return {"type": "signal", "rule": rule, "name": value.id, "known": value.present is not None,
            "present": value.present, "negative_only": value.negative_only, "hits": len(value.hits),
            "line": line, "part": part_id, "title": sig.title, "missing": list(value.missing),
            "reason": value.reason, "phrase": hit.phrase if hit else None, "excerpt": excerpt,
            "where": where, "parts": list(sig.parts), "polarity": hit.polarity if hit else None}
