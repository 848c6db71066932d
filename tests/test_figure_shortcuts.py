"""Shortcuts of the narrative figures held to the plain readings they replace: an ASCII-digit
number read directly (parse_number's general reading gives the same Decimal), and the patterns
tried in a part (FigureSet.candidates / plan: those whose required strings the part holds) are
every pattern the plain loop over all patterns would have tried, in the same order."""
from __future__ import annotations

import itertools
import unicodedata
from decimal import Decimal

from engine.facts.narrative import default_figures, parse_number


def _general(text: str):
    import re
    t = unicodedata.normalize("NFKC", text).replace(",", "")
    return Decimal(t) if re.fullmatch(r"\d+(?:\.\d+)?", t) else "not plain"


def test_ascii_digits_read_as_the_general_reading_does():
    for text in ["0", "7", "00", "0042", "1098", "123456789012345678901234567890", "3050"]:
        assert parse_number(text) == _general(text)
        assert str(parse_number(text)) == str(_general(text))       # the same exponent too
    assert parse_number("１０９８") == Decimal(1098) and parse_number("1,098") == Decimal(1098)
    assert parse_number("三") == Decimal(3) and parse_number("") is None


def test_candidates_are_the_patterns_the_plain_loop_tries():
    fs = default_figures()
    literals = sorted(fs.literals())
    assert literals
    for n in range(len(literals) + 1):
        for held in itertools.combinations(literals, n):
            held = frozenset(held)
            plain = tuple(fp for fp in fs.patterns if fp.literals is None or not held.isdisjoint(fp.literals))
            assert fs.candidates(held) == plain
            lits, memo = fs.plan()
            assert lits == fs.literals() and fs._candidates_in(memo, held) == plain
