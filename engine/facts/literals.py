"""Regex shortcuts for the narrative extractors: necessary literals, and merged searches.

    literals = required_literals(regex)      # tuple of strings, or None
    if literals is not None and not any(s in text for s in literals): no match in text

Every match of the regex contains at least one of the strings (derived from the pattern's parse
tree: a run of literal characters every match must pass through, or one such run per branch of an
alternation). A substring test over a report's part is a fraction of the cost of scanning it with a
pattern like "(?:约|近)?\\d+件…" that may start anywhere; the scan itself, and so every match and
every result, is unchanged — the test only says where there is certainly nothing to find.

    one_regex(patterns)                      # one search finding text iff one of them does

    starts = start_strings(regex)            # tuple of strings, or None
    starts = scan_starts(regex)              # the same, when trying only there pays
    finditer_at(regex, starts, text)         # regex.finditer(text)'s matches, tried only where
                                             # one of the strings occurs (found by str.find)

Every match of the regex begins with one of the start strings (derived from the pattern's parse
tree: its first consuming item, through groups, alternations and repeats, lookarounds and anchors
being zero-width). A search tries a match at every position the pattern's first character allows —
for an alternation like "(?:纳入|列入)…|(?:考核|考评)…" re has no first-character skip at all and
tries every position of a report's part; trying only where a start string occurs (str.find, a
fraction of the cost) finds the same matches in the same order: a match can only begin there.
"""
from __future__ import annotations

import re

from engine.regex_cache import derived, regex as cached_regex

try:                                   # Python ≥ 3.11
    from re import _compiler as _k, _constants as _c, _parser as _p
except ImportError:                    # pragma: no cover - older Pythons
    import sre_compile as _k           # type: ignore[no-redef]
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
    tree = _parsed(regex)
    if tree is None:
        return None
    found = _sequence(list(tree))
    if found is None or not found or len(found) > MAX_ALTERNATIVES or any(not s for s in found):
        return None
    return tuple(sorted(found))


def _parsed(regex: re.Pattern):
    """The pattern's parse tree, or None when it ignores case or re's internal parser fails on it
    (an internal API: then no derivation and no shortcut)."""
    if regex.flags & re.IGNORECASE:
        return None
    try:
        return _p.parse(regex.pattern, regex.flags & ~re.UNICODE)
    except Exception:                  # noqa: BLE001
        return None


def _union(branches, walk) -> frozenset[str] | None:
    """Every branch's strings by `walk`, or None when one branch has none (a match through it
    could not be looked for)."""
    out: set[str] = set()
    for branch in branches:
        got = walk(list(branch))
        if got is None:
            return None
        out |= got
    return frozenset(out)


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
        return _union(av[1], _sequence)
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


MAX_STARTS = 12            # more start strings than this: finding each costs about what the scan does


def scan_starts(regex: re.Pattern) -> tuple[str, ...] | None:
    """start_strings(regex) when looking for them is cheaper than re's own search: the pattern
    has no first character re skips to (it then tries every position) or a set of them (re tests
    every character against the set, ~50 instructions each, where str.find passes over it in one
    or two); None when it begins with a literal string (re's own search for it is as fast as
    str.find). Speed only: finditer_at finds the same matches whatever this says.
    Derived once per pattern and kept with the compiled patterns (engine/regex_cache.py)."""
    if not isinstance(regex.pattern, str):
        return None
    return derived("starts", regex.pattern, regex.flags, lambda: _scan_starts(regex), __file__)


def _scan_starts(regex: re.Pattern) -> tuple[str, ...] | None:
    starts = start_strings(regex)
    if starts is None:
        return None
    try:
        tree = _p.parse(regex.pattern, regex.flags & ~re.UNICODE)
        if _k._get_literal_prefix(tree, regex.flags)[0]:
            return None
    except Exception:                  # noqa: BLE001 - an internal API: look for the strings
        pass
    return starts


def start_strings(regex: re.Pattern) -> tuple[str, ...] | None:
    """Strings one of which every match of `regex` begins with, or None when none can be derived
    (or the pattern ignores case). Without a string that begins with another one of them (its
    places are among the other's)."""
    tree = _parsed(regex)
    if tree is None:
        return None
    found = _starts(list(tree))
    if not found or len(found) > MAX_STARTS or any(not s for s in found):
        return None
    return tuple(sorted(s for s in found if not any(t != s and s.startswith(t) for t in found)))


_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)


def _starts(items: list) -> frozenset[str] | None:
    """The strings one of which every match of a sequence begins with, or None (some match may
    begin otherwise, or be empty)."""
    for i, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue                    # consumes nothing: the match begins with what follows
        if op is _c.LITERAL:
            run = []
            for op2, av2 in items[i:]:
                if op2 is not _c.LITERAL:
                    break
                run.append(chr(av2))
            return frozenset({"".join(run)})
        if op is _c.SUBPATTERN:
            if len(av) == 4 and av[1] & re.IGNORECASE:
                return None
            return _starts(list(av[-1]))
        if op is _c.BRANCH:
            return _union(av[1], _starts)
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            low, _high, body = av
            got = _starts(list(body))
            if got is None:
                return None
            if low >= 1:
                return got
            rest = _starts(items[i + 1:])     # the repeat may be skipped
            return None if rest is None else got | rest
        if op is _c.IN:
            chars: set[str] = set()
            for op2, av2 in av:
                if op2 is not _c.LITERAL:
                    return None         # a range, a category, a negated set: too many to look for
                chars.add(chr(av2))
            return frozenset(chars)
        return None                     # any character, a reference, an atomic group …
    return None                         # the sequence may match the empty string


def places_of(text: str, s: str) -> list[int]:
    """Every index at which `s` occurs in `text` (overlapping occurrences included)."""
    out: list[int] = []
    find = text.find
    i = find(s)
    while i >= 0:
        out.append(i)
        i = find(s, i + 1)
    return out


def finditer_at(regex: re.Pattern, starts: tuple[str, ...], text: str, places: dict | None = None):
    """regex.finditer(text)'s matches, for `starts` = start_strings(regex): a match is tried only
    where one of the strings occurs, from the end of the previous match on (every match is
    non-empty: it begins with one). regex.match(text, p) is the search's own try at p (a
    lookbehind still sees the text before p). `places`: start string -> places_of(text, it),
    shared by the searches of one text (patterns often begin with the same words), filled here."""
    if places is None:
        places = {}
    if len(starts) == 1:
        at = places.get(starts[0])
        if at is None:
            at = places[starts[0]] = places_of(text, starts[0])
    else:
        at = []
        for s in starts:
            got = places.get(s)
            if got is None:
                got = places[s] = places_of(text, s)
            at += got
        at.sort()           # (no two strings begin at one place: none begins with another)
    match = regex.match
    pos = 0
    for i in at:
        if i >= pos:
            m = match(text, i)
            if m is not None:
                yield m
                pos = m.end()
