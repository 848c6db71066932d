"""Label anchors of a table: positions, the regex of a template row label, and AnchorSet, all of a
table's labels searched in one pass (engine/parse/grid.py reads the rows between them).
"""
from __future__ import annotations

import re
import re._constants as _c
import re._parser as _parser
from dataclasses import dataclass

from engine.parse.normalize import label_pattern, squeeze

_PREFIX_SPLIT = re.compile(r"^(?P<prefix>[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)?(?P<core>.*?)(?:（[^）]*）)?$")
HEAD_CHARS = 6           # characters of a label's core that identify the row
SHORT_CORE = 4           # cores shorter than this need their numbering to be recognised


@dataclass(frozen=True)
class Pos:
    line: int      # 0-based index into Document.lines
    col: int

    def key(self) -> tuple[int, int]:
        return (self.line, self.col)


@dataclass(frozen=True)
class Region:
    start: Pos
    end: Pos       # exclusive


@dataclass(frozen=True)
class Anchor:
    key: str
    kind: str      # "row" | "stop"
    line: int
    start: int
    end: int

    @property
    def pos(self) -> tuple[int, int]:
        return (self.line, self.start)


def prefix_pattern(prefix: str) -> str:
    p = squeeze(prefix)
    if p.endswith("、"):
        return rf"{re.escape(p[:-1])}[ ]*[、.,]"
    if p.startswith("("):
        inner = re.escape(p[1:-1])
        return rf"\([ ]*{inner}[ ]*\)"
    num = re.escape(p.rstrip("."))
    return rf"(?:{num}[ ]*[.、,]|\([ ]*{num}[ ]*\))"


def row_label_pattern(label: str) -> str:
    """Regex source for a row label: its numbering (optional when the core is distinctive) + core head."""
    m = _PREFIX_SPLIT.match(label)
    prefix, core = (m.group("prefix") or ""), m.group("core")
    core_sq = squeeze(core)
    head = label_pattern(core_sq[:HEAD_CHARS])
    if not prefix:
        return head
    pfx = prefix_pattern(prefix)
    if len(core_sq) < SHORT_CORE:
        return rf"{pfx}[ ]*{head}"
    return rf"(?:{pfx}[ ]*)?{head}"


def stop_label_pattern(label: str) -> str:
    return label_pattern(label)


def label_first_chars(label: str) -> str:
    """Characters a match of row_label_pattern(label) / stop_label_pattern(label) can start with."""
    m = _PREFIX_SPLIT.match(label)
    prefix, core = (m.group("prefix") or ""), squeeze(m.group("core"))
    out = {squeeze(label)[:1], core[:1]}
    if prefix:
        p = squeeze(prefix)
        out.add(p[:1])
        if p[:1].isdigit():
            out.add("(")
    return "".join(sorted(c for c in out if c))


class AnchorSet:
    """All labels of one table compiled into one alternation (searched once per region line).

    Each spec is (key, regex source, first characters). A look-ahead on the union of first
    characters lets the regex engine skip most positions without trying every label; at a position
    that passes it, only the labels whose regex can start with that position's character are tried
    (one branch per character, each holding those labels in their order): the regex engine tries
    the alternatives of a branch one after the other, and a label that cannot start there costs as
    much to fail as one that matches. The first characters of each label's regex come from the
    parsed regex itself (_first_chars); a label whose regex it cannot follow is tried everywhere.
    """

    def __init__(self, rows: list[tuple[str, str, str]], stops: list[tuple[str, str, str]]):
        self.kinds: dict[str, tuple[str, str]] = {}
        specs = [(k, "row", p, f) for k, p, f in rows] + [(k, "stop", p, f) for k, p, f in stops]
        # longer patterns first: at one position the most specific label wins
        specs.sort(key=lambda s: -len(s[2]))
        self.specs = specs          # (key, kind, regex source, first characters), in the order tried
        firsts: set[str] = set()
        starts: list[frozenset[str] | None] = []
        for key, kind, pat, first in specs:
            firsts.update(first)
            starts.append(_first_chars(pat))
        klass = "".join(re.escape(c) for c in sorted(firsts))
        branches = []
        for c in sorted(firsts):
            alts = []
            for i, ((key, kind, pat, _), can) in enumerate(zip(specs, starts)):
                if can is None or c in can:
                    name = f"a{i}_{len(branches)}"
                    self.kinds[name] = (key, kind)
                    alts.append(f"(?P<{name}>{pat})")
            if alts:
                branches.append(f"(?={re.escape(c)})(?:{'|'.join(alts)})")
        rest = [i for i, can in enumerate(starts) if can is None]
        if rest:         # a position whose character no branch names: the labels tried everywhere
            alts = []
            for i in rest:
                name = f"a{i}_{len(branches)}"
                self.kinds[name] = specs[i][:2]
                alts.append(f"(?P<{name}>{specs[i][2]})")
            branches.append(f"(?:{'|'.join(alts)})")
        self.rx = re.compile(f"(?=[{klass}])(?:{'|'.join(branches)})") if branches else re.compile(r"(?!)")

    def find(self, folded: list[str], region: Region) -> list[Anchor]:
        out = []
        kinds = self.kinds
        finditer = self.rx.finditer
        last = min(region.end.line, len(folded) - 1)
        for li in range(region.start.line, last + 1):
            text = folded[li]
            a = region.start.col if li == region.start.line else 0
            b = region.end.col if li == region.end.line else len(text)
            if a >= b:
                continue
            for m in finditer(text, a, b):
                key, kind = kinds[m.lastgroup]
                out.append(Anchor(key, kind, li, m.start(), m.end()))
        return out


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with, read from the parsed regex; None when a
    match could be empty or the regex uses what this does not follow (flags, look-arounds,
    categories, negated sets, back-references): such a label is tried at every position."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return None
    if tree.state.flags & ~re.UNICODE:        # (re.UNICODE is the default of a str pattern)
        return None
    chars, nullable = _firsts_seq(list(tree))
    return None if chars is None or nullable else frozenset(chars)



def _firsts_seq(items: list) -> tuple[set[str] | None, bool]:
    out: set[str] = set()
    for op, av in items:
        got, nullable = _firsts_op(op, av)
        if got is None:
            return None, True
        out |= got
        if not nullable:
            return out, False
    return out, True


def _firsts_op(op, av) -> tuple[set[str] | None, bool]:
    if op is _c.LITERAL:
        return {chr(av)}, False
    if op is _c.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is _c.LITERAL:
                chars.add(chr(a))
            elif o is _c.RANGE and a[1] - a[0] < 256:
                chars.update(chr(x) for x in range(a[0], a[1] + 1))
            else:
                return None, True
        return chars, False
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            return None, True
        return _firsts_seq(list(sub))
    if op is _c.ATOMIC_GROUP:
        return _firsts_seq(list(av))
    if op is _c.BRANCH:
        chars = set()
        nullable = False
        for alt in av[1]:
            got, n = _firsts_seq(list(alt))
            if got is None:
                return None, True
            chars |= got
            nullable = nullable or n
        return chars, nullable
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        got, n = _firsts_seq(list(sub))
        if got is None:
            return None, True
        return got, n or low == 0
    return None, True
