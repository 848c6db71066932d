"""Regex shortcuts for the narrative extractors: necessary literals, and merged searches.

    literals = required_literals(regex)      # tuple of strings, or None
    if literals is not None and not any(s in text for s in literals): no match in text

Every match of the regex contains at least one of the strings (derived from the pattern's parse
tree: a run of literal characters every match must pass through, or one such run per branch of an
alternation). A substring test over a report's part is a fraction of the cost of scanning it with a
pattern like "(?:约|近)?\\d+件…" that may start anywhere; the scan itself, and so every match and
every result, is unchanged — the test only says where there is certainly nothing to find.

    one_regex(patterns)                      # one search finding text iff one of them does
"""
from __future__ import annotations

import re

from engine.regex_cache import derived, regex as cached_regex

try:                                   # Python ≥ 3.11
    from re import _constants as _c, _parser as _p
except ImportError:                    # pragma: no cover - older Pythons
    import sre_constants as _c         # type: ignore[no-redef]
    import sre_parse as _p             # type: ignore[no-redef]

MAX_ALTERNATIVES = 4       # more strings than this: testing them costs about what the scan does


def required_literals(regex: re.Pattern) -> tuple[str, ...] | None:
    """Strings one of which every match contains, or None when none can be derived (or the
    pattern ignores case, or matches the empty string at some point without any literal).
    Derived once per pattern and kept with the compiled patterns (engine/regex_cache.py)."""
    if not isinstance(regex.pattern, str):
        return _required_literals(regex)
    return derived("literals", regex.pattern, regex.flags, lambda: _required_literals(regex), __file__)


def _required_literals(regex: re.Pattern) -> tuple[str, ...] | None:
    if regex.flags & re.IGNORECASE:
        return None
    try:
        tree = _p.parse(regex.pattern, regex.flags & ~re.UNICODE)
    except Exception:                  # noqa: BLE001 - an internal API: no derivation, no shortcut
        return None
    found = _sequence(list(tree))
    if found is None or not found or len(found) > MAX_ALTERNATIVES or any(not s for s in found):
        return None
    return tuple(sorted(found))


def _sequence(items: list) -> frozenset[str] | None:
    """The best requirement of a sequence: each item (and each literal run) is necessary on its
    own, so the smallest set with the longest strings is kept."""
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            options.append(frozenset({"".join(run)}))
            run = []
        got = _item(op, av)
        if got is not None:
            options.append(got)
    if run:
        options.append(frozenset({"".join(run)}))
    if not options:
        return None
    options = [_fewest(o) for o in options]
    return min(options, key=lambda o: (len(o), -min(len(s) for s in o)))


def _fewest(strings: frozenset[str]) -> frozenset[str]:
    """The same requirement without the strings that contain another one ("信息处理费" holds
    "处理费": a text without "处理费" has neither)."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _item(op, av) -> frozenset[str] | None:
    if op is _c.SUBPATTERN:
        add_flags = av[1] if len(av) == 4 else 0
        return None if add_flags & re.IGNORECASE else _sequence(list(av[-1]))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = av
        return _sequence(list(body)) if low >= 1 else None
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            got = _sequence(list(branch))
            if got is None:
                return None
            out |= got
        return frozenset(out)
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    return None                         # classes, any, anchors, lookarounds, references: nothing


def one_regex(patterns: list[re.Pattern]) -> re.Pattern | None:
    """One alternation searching for any of `patterns` (found iff one of them is found), or None
    when they cannot be merged safely: different flags, or a group reference whose number or name
    would change meaning in the merged pattern."""
    if not patterns or len({p.flags for p in patterns}) > 1:
        return None
    if any(re.search(r"\\[1-9]|\(\?P=|\(\?\(", p.pattern) for p in patterns):
        return None
    try:
        return cached_regex("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:
        return None
