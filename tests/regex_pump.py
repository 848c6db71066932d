"""Pumped-line check of the patterns run on report text (issue 16; used by test_hostile_ingest and
benchmarks). For every module-level compiled pattern of the readers, parser and evaluators, lines
are built by repeating each character the pattern names (literals, a member of each class) and
each pair of them, then searched, matched and scanned with finditer. A pattern that backtracks
super-linearly (nested or adjacent overlapping quantifiers, an unanchored leading run) turns a
20,000-character line into minutes; a linear one takes milliseconds."""
from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import re._parser as sre_parse
from re._constants import CATEGORY, IN, LITERAL, NOT_LITERAL, RANGE

PACKAGES = ("engine.ingest", "engine.parse", "engine.facts", "engine.facts.extractors", "engine.evaluate")
# Patterns that never see report text (template labels, rule ids, file names) are not pumped.
EXEMPT = {"engine.parse.grid._PREFIX_SPLIT", "engine.parse.units._LABEL_UNIT"}
MAX_PAIR_CHARS = 10


def patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}

    def add(value, where):
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            found.setdefault(where, value)
        elif isinstance(value, dict):
            for k, v in value.items():
                add(v, f"{where}[{k}]")

    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        mods = [mod] + [importlib.import_module(f"{pkg}.{m.name}") for m in pkgutil.iter_modules(mod.__path__)]
        for m in mods:
            for name, value in vars(m).items():
                where = f"{m.__name__}.{name}"
                if where not in EXEMPT:
                    add(value, where)
    return found


def alphabet(pattern: re.Pattern) -> list[str]:
    chars: set[str] = set()

    def walk(tree):
        for op, av in tree:
            if op is LITERAL:
                chars.add(chr(av))
            elif op is NOT_LITERAL:
                chars.add("x")
            elif op is IN:
                for o2, a2 in av:
                    if o2 is LITERAL:
                        chars.add(chr(a2))
                    elif o2 is RANGE:
                        chars.add(chr(a2[0]))
                    elif o2 is CATEGORY:
                        chars.update(" 1a")
            elif op is CATEGORY:
                chars.update(" 1a")
            else:
                for x in (av if isinstance(av, (list, tuple)) else [av]):
                    if isinstance(x, sre_parse.SubPattern):
                        walk(x)
                    elif isinstance(x, (list, tuple)):
                        for y in x:
                            if isinstance(y, sre_parse.SubPattern):
                                walk(y)

    walk(sre_parse.parse(pattern.pattern, pattern.flags))
    chars.update(" \t1")
    return sorted(chars)


def pumped_lines(pattern: re.Pattern, size: int):
    chars = alphabet(pattern)
    pumps = chars + ["".join(p) for p in itertools.combinations(chars[:MAX_PAIR_CHARS], 2)]
    for pump in pumps:
        yield pump * (size // len(pump)) + "\x00"


def pump_all(size: int) -> dict[str, int]:
    n_lines = 0
    found = patterns()
    for where, pattern in found.items():
        for line in pumped_lines(pattern, size):
            pattern.search(line)
            pattern.match(line)
            for _ in itertools.islice(pattern.finditer(line), 2000):
                pass
            n_lines += 1
    return {"patterns": len(found), "lines": n_lines}
