"""engine/facts/literals.py: the strings it derives are necessary — a text in which the pattern
matches always contains one of them — on hand-made cases and on every pattern of the shipped
signals file (figures and signal groups) over the seeds' narrative and random shuffles of it."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from engine.facts.extractors.text_figures import figure_set
from engine.facts.extractors.text_signals import signal_set
from engine.facts.literals import required_literals
from engine.facts.text_source import part_views
from engine.parse import parse_file

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@pytest.mark.parametrize("pattern,expected", [
    ("收费通知书?[^。]{0,8}", ("收费通知",)),
    ("(?:信息处理费|处理费)\\d+元", ("处理费",)),          # 处理费 is in 信息处理费: one string
    ("(?:甲乙|丙丁)x?", ("丙丁", "甲乙")),
    ("(?:甲乙|丙丁)戊己庚", ("戊己庚",)),                  # one string beats two
    ("甲?乙*", None), ("[甲乙]丙?", None), ("(?:甲|[乙丙])", None),
    ("(?i:abc)", None), ("(?:甲乙){2,3}", ("甲乙",)), ("(?:a|b|c|d|e)", None),   # too many
    ("(?=甲)乙", ("乙",)), ("", None),
])
def test_hand_cases(pattern, expected):
    assert required_literals(re.compile(pattern)) == expected


def test_ignorecase_gives_none():
    assert required_literals(re.compile("abc", re.IGNORECASE)) is None


def _patterns() -> list[re.Pattern]:
    out = [fp.regex for fp in figure_set("").patterns]
    sset = signal_set(None)
    for sig in sset.signals.values():
        for i in range(len(sig.groups)):
            rx, _ = sset._group_regex(sig, i, 2023)
            if rx is not None:
                out.append(rx)
    return out


def test_literals_are_necessary_on_the_shipped_patterns():
    texts = _texts(seed=7)
    derived = matched = 0
    for rx in _patterns():
        literals = required_literals(rx)
        if literals is None:
            continue
        derived += 1
        for t in texts:
            if rx.search(t):
                matched += 1
                assert any(s in t for s in literals), (rx.pattern, literals)
    assert derived >= 15 and matched > 50


def test_one_regex_finds_what_any_of_the_patterns_finds():
    from engine.facts.literals import one_regex
    cues = [re.compile(p) for p in ["未", "无(?![法论])", "(?<![\\d.])0(?:\\.0+)?元", "不存在"]]
    merged = one_regex(cues)
    assert merged is not None
    for text in ["未收取", "无法", "无收费", "10元", "0元", "共0.00元", "不存在", "收取", ""]:
        assert (merged.search(text) is not None) == any(c.search(text) for c in cues), text
    assert one_regex([re.compile("(a)\\1")]) is None                      # a back reference
    assert one_regex([re.compile("a"), re.compile("b", re.IGNORECASE)]) is None
    assert one_regex([]) is None


@pytest.mark.parametrize("pattern,expected", [
    ("收费通知书?[^。]{0,8}", ("收费通知",)),
    ("(?:信息处理费|处理费)\\d+元", ("信息处理费", "处理费")),
    ("(?:甲乙|甲)丙", ("甲",)),                             # 甲乙 begins with 甲: its places are among 甲's
    ("(?P<a>约|近)?(?<![\\d.])甲+", ("甲", "约", "近")),     # an optional first item, a lookbehind
    ("^(?=甲)乙", ("乙",)), ("[甲乙]丙", ("乙", "甲")),
    ("甲?乙*", None), ("[0-9]件", None), (".甲", None), ("(?i:abc)", None), ("", None),
    ("(?:a|b|c|d|e|f|g|h|i|j|k|l|m)x", None),               # too many to look for
])
def test_start_strings_hand_cases(pattern, expected):
    from engine.facts.literals import start_strings
    assert start_strings(re.compile(pattern)) == expected


def _texts(seed: int = 11) -> list[str]:
    """The seeds' part texts, and each three more times with its clauses shuffled."""
    texts = [v.masked for p in SEEDS for v in part_views(parse_file(p))]
    rng = random.Random(seed)
    for t in list(texts):                 # clauses shuffled: other neighbours for each phrase
        pieces = re.split("(?<=[，。；])", t)
        for _ in range(3):
            rng.shuffle(pieces)
            texts.append("".join(pieces))
    return texts


def test_finditer_at_finds_what_finditer_finds():
    """Every pattern of the shipped signals file (and hand-made ones with overlapping start
    strings, lookbehinds and matches ending where the next begins) over the seeds' narrative and
    shuffles of it: the same matches (spans and groups), in the same order."""
    from engine.facts.literals import finditer_at, places_of, scan_starts, start_strings
    texts = _texts() + ["甲乙甲乙丙甲丙", "1甲乙2甲乙甲", "约3件近4件约约5件", ""]
    hand = [re.compile(p) for p in ("(?:甲乙|甲)丙?", "(?<!\\d)甲乙", "(?:约|近)?\\d+件", "甲乙?甲?")]
    derived = found = 0
    shared: dict[str, dict] = {t: {} for t in texts}       # one text's places, across the patterns
    for rx in _patterns() + hand:
        starts = start_strings(rx)
        if starts is None:
            continue
        derived += 1
        for t in texts:
            want = [(m.span(), m.groups()) for m in rx.finditer(t)]
            assert [(m.span(), m.groups()) for m in finditer_at(rx, starts, t)] == want, (rx.pattern, t)
            assert [(m.span(), m.groups()) for m in finditer_at(rx, starts, t, shared[t])] == want
            found += len(want)
        assert scan_starts(rx) in (None, starts)
    assert derived >= 20 and found > 200
    assert all(places == {s: places_of(t, s) for s in places} for t, places in shared.items())
