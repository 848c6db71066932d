"""Label anchors of a table: positions, the regex of a template row label, and AnchorSet, all of a
table's labels searched in one pass (engine/parse/grid.py reads the rows between them).
"""
from __future__ import annotations

import re
import re._constants as _c
import re._parser as _parser
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

from engine.parse.normalize import label_pattern, squeeze
from engine.parse.regex_lead import Unsupported, leading_alternation, set_chars

_PREFIX_SPLIT = re.compile(r"^(?P<prefix>[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)?(?P<core>.*?)(?:（[^）]*）)?$")
HEAD_CHARS = 6           # characters of a label's core that identify the row
SHORT_CORE = 4           # cores shorter than this need their numbering to be recognised


# Pos and Region are values (never changed once made; equal and hashed by their fields)
# but not frozen dataclasses: a frozen dataclass's __init__ sets each field through
# object.__setattr__, three times the cost, and a report makes hundreds of them.
@dataclass(unsafe_hash=True)
class Pos:
    line: int      # 0-based index into Document.lines
    col: int

    def key(self) -> tuple[int, int]:
        return (self.line, self.col)


@dataclass(unsafe_hash=True)
class Region:
    start: Pos
    end: Pos       # exclusive


class Anchor(NamedTuple):
    """A label found: a NamedTuple (made by AnchorSet.find through tuple.__new__, a fifth of a
    dataclass's cost: a report's tables find about a hundred labels)."""
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
        lead = leading_alternation([pat for _, _, pat, _ in specs], "".join(sorted(firsts)))
        if lead is not None:        # every branch starts with a literal: the fastest search
            source, owners = lead
            self.kinds = {f"g{k}": specs[i][:2] for k, i in enumerate(owners)}
            self.rx = re.compile(source)
            self.line_bound = _line_bound(source)
            return
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
        self.line_bound = _line_bound(self.rx.pattern)

    def find(self, folded: list[str], region: Region) -> list[Anchor]:
        """The label matches in the region, line by line, in document order. A region of several
        lines is searched as ONE text, its lines joined by line breaks (one regex scan instead of
        one per line), when no label regex can match a line break nor anchor at a line's ends
        (_line_bound): then no match can cross from one line into the next and each line's
        matches are the ones searching it alone gives."""
        first = region.start.line
        last = min(region.end.line, len(folded) - 1)
        if not self.line_bound or last <= first:
            return self._find_by_line(folded, region)
        texts = folded[first:last + 1]
        # offsets[i]: where line first + i starts in the joined text
        offsets = list(accumulate(map(_plus_one, map(len, texts)), initial=0))
        pos = min(region.start.col, len(texts[0]))
        end = offsets[-2] + (region.end.col if last == region.end.line else len(texts[-1]))
        out = []
        append = out.append
        kinds = self.kinds
        i, at, nxt = 0, 0, offsets[1]         # the line of the last match, where it starts and ends
        for m in self.rx.finditer("\n".join(texts), pos, end):
            start, stop = m.span()
            if start >= nxt:                  # (matches come in order: most share a line or the next)
                i = bisect_right(offsets, start) - 1
                at, nxt = offsets[i], offsets[i + 1]
            key, kind = kinds[m.lastgroup]
            append(_new(Anchor, (key, kind, first + i, start - at, stop - at)))
        return out

    def _find_by_line(self, folded: list[str], region: Region) -> list[Anchor]:
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
                out.append(_new(Anchor, (key, kind, li, m.start(), m.end())))
        return out


_plus_one = (1).__add__
_new = tuple.__new__


def _line_bound(pattern: str) -> bool:
    """No match of `pattern` can contain a line break, and it has no anchor (^ $ \\A \\Z) whose
    meaning changes between a line searched alone and lines joined by line breaks; look-arounds
    that cannot match a line break see the same at a line's ends either way."""
    try:
        tree = _parser.parse(pattern)
    except re.error:
        return False
    return not tree.state.flags & ~re.UNICODE and _bound(list(tree))


def _bound(items: list) -> bool:
    for op, av in items:
        if op is _c.LITERAL:
            ok = av != 10
        elif op is _c.NOT_LITERAL:
            ok = av == 10
        elif op is _c.ANY:                 # (no DOTALL: flags are refused above)
            ok = True
        elif op is _c.IN:
            ok = all(_in_bound(o, a) for o, a in av)
        elif op is _c.SUBPATTERN:
            ok = not av[1] and not av[2] and _bound(list(av[3]))
        elif op is _c.ATOMIC_GROUP:
            ok = _bound(list(av))
        elif op is _c.BRANCH:
            ok = all(_bound(list(alt)) for alt in av[1])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            ok = _bound(list(av[2]))
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            ok = _bound(list(av[1]))
        else:                               # anchors, back-references, conditionals
            ok = False
        if not ok:
            return False
    return True


def _in_bound(op, av) -> bool:
    if op is _c.LITERAL:
        return av != 10
    if op is _c.RANGE:
        return not av[0] <= 10 <= av[1]
    if op is _c.CATEGORY:
        return av in (_c.CATEGORY_DIGIT, _c.CATEGORY_WORD)
    return False                            # a negated set, …


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
        try:
            return set(set_chars(av)), False
        except Unsupported:
            return None, True
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
