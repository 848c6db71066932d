"""An alternation of label regexes rewritten so that every branch starts with a literal character.

Python's regex engine searches a pattern whose every top-level branch starts with a literal by
skipping to those characters; any other pattern is tried at every position of the text. A table's
labels (engine/parse/anchors.AnchorSet) are one alternation searched over every line of a region,
so its shape decides most of the search's cost.

    leading_alternation([regex source, ...], allowed) -> (regex source, [label index per group]) | None

The rewrite takes each label's parsed regex apart by the character a match starts with (its
"pieces": that character and the rest of the regex after it), in the order the engine tries
them — an optional prefix is tried with and then without, a greedy run of one character class
with and then without its first character, a possessive run only with it when it can — and
joins them per character: at a position holding that character the engine tries exactly the
labels' pieces it would have tried, in the same order, and matches the same text. Each piece ends
with an empty named group saying which label matched. What the rewrite does not follow (lazy
runs, anchors, back-references, flags, categories) gives None: the caller keeps its own regex.
"""
from __future__ import annotations

import re
import re._constants as _c
import re._parser as _parser

_CATEGORIES = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
               _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W"}


class Unsupported(Exception):
    pass


def leading_alternation(patterns: list[str], allowed: str) -> tuple[str, list[int]] | None:
    """The alternation of `patterns` (tried in this order) as branches that each start with a
    character of `allowed` (positions holding another character never match, as under a
    look-ahead on `allowed`), and for each named group g<k> the index of its pattern."""
    try:
        pieces = [(i, ch, rest) for i, p in enumerate(patterns) for ch, rest in _pieces(_items(p))]
        by_char: dict[str, list[str]] = {}
        owners: list[int] = []
        for i, ch, rest in pieces:
            if ch not in allowed:
                continue
            by_char.setdefault(ch, []).append(f"{_source(rest)}(?P<g{len(owners)}>)")
            owners.append(i)
    except (Unsupported, re.error, RecursionError):
        return None
    if not by_char:
        return None
    return "|".join(f"{re.escape(ch)}(?:{'|'.join(alts)})" for ch, alts in by_char.items()), owners


def _items(pattern: str) -> list:
    tree = _parser.parse(pattern)
    if tree.state.flags & ~re.UNICODE or tree.state.groups > 1:
        raise Unsupported(pattern)          # flags, or capturing groups of its own
    return list(tree)


def _pieces(items: list) -> list[tuple[str, list]]:
    """(first character, the items after it) for each way a match of `items` starts, in the order
    the regex engine tries them."""
    if not items:
        raise Unsupported("may match empty")
    (op, av), rest = items[0], items[1:]
    if op is _c.LITERAL:
        return [(chr(av), rest)]
    if op is _c.IN:
        return [(ch, rest) for ch in set_chars(av)]
    if op is _c.SUBPATTERN:
        group, add_flags, del_flags, sub = av
        if group is not None or add_flags or del_flags:
            raise Unsupported("group")
        return _pieces(list(sub) + rest)
    if op is _c.BRANCH:
        return [piece for alt in av[1] for piece in _pieces(list(alt) + rest)]
    if op in (_c.MAX_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, sub = av
        sub = list(sub)
        if (low, high) == (0, 1) and op is _c.MAX_REPEAT:          # X? Y = X Y | Y
            return _pieces(sub + rest) + _pieces(rest)
        if len(sub) != 1 or sub[0][0] not in (_c.LITERAL, _c.IN) or low > 1:
            raise Unsupported("repeat")
        chars = [chr(sub[0][1])] if sub[0][0] is _c.LITERAL else set_chars(sub[0][1])
        # one character of the run taken: the run goes on with at least low - 1 more
        more = [(op, (0, high if high is _c.MAXREPEAT else high - 1, sub))] if high != 1 else []
        taken = [(ch, more + rest) for ch in chars]
        if low == 1:
            return taken
        if op is _c.MAX_REPEAT:                                   # X* Y = X X* Y | Y
            return taken + _pieces(rest)
        # a possessive run takes a character of its class whenever there is one: Y starts after it
        return taken + [piece for piece in _pieces(rest) if piece[0] not in chars]
    raise Unsupported(str(op))


def set_chars(av: list) -> list[str]:
    """The characters of a parsed character set (literals and small ranges), in order; raises
    Unsupported for anything else (categories, negation, large ranges)."""
    out: list[str] = []
    for op, a in av:
        if op is _c.LITERAL:
            out.append(chr(a))
        elif op is _c.RANGE and a[1] - a[0] < 256:
            out.extend(chr(x) for x in range(a[0], a[1] + 1))
        else:
            raise Unsupported("character set")
    return list(dict.fromkeys(out))


def _source(items: list) -> str:
    """Regex source of parsed items (the subset label patterns use)."""
    return "".join(_item_source(op, av) for op, av in items)


def _item_source(op, av) -> str:
    if op is _c.LITERAL:
        return re.escape(chr(av))
    if op is _c.IN:
        return "[" + "".join(_set_source(o, a) for o, a in av) + "]"
    if op is _c.ANY:
        return "."
    if op is _c.SUBPATTERN:
        group, add_flags, del_flags, sub = av
        if group is not None or add_flags or del_flags:
            raise Unsupported("group")
        return f"(?:{_source(list(sub))})"
    if op is _c.BRANCH:
        return "(?:" + "|".join(_source(list(alt)) for alt in av[1]) + ")"
    if op is _c.ATOMIC_GROUP:
        return f"(?>{_source(list(av))})"
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, high, sub = av
        top = "" if high is _c.MAXREPEAT else str(high)
        quant = "{%d,%s}" % (low, top) if low != high else "{%d}" % low
        quant += {_c.MAX_REPEAT: "", _c.MIN_REPEAT: "?", _c.POSSESSIVE_REPEAT: "+"}[op]
        return f"(?:{_source(list(sub))}){quant}"
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        direction, sub = av
        head = {(_c.ASSERT, 1): "(?=", (_c.ASSERT, -1): "(?<=", (_c.ASSERT_NOT, 1): "(?!",
                (_c.ASSERT_NOT, -1): "(?<!"}[(op, direction)]
        return f"{head}{_source(list(sub))})"
    raise Unsupported(str(op))


def _set_source(op, av) -> str:
    if op is _c.LITERAL:
        return re.escape(chr(av))
    if op is _c.RANGE:
        return f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
    if op is _c.NEGATE:
        return "^"
    if op is _c.CATEGORY and av in _CATEGORIES:
        return _CATEGORIES[av]
    raise Unsupported("character set")
