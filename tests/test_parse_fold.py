"""The parser's fast paths give what their plain forms give.

- fold() of a long text replaces each distinct folding character instead of translating character
  by character: the characters it leaves alone (_SAME) must all fold to themselves;
- AnchorSet tries at each position only the labels that can start with its character: the matches
  must be those of the plain alternation of all labels.
"""
from __future__ import annotations

import random
import re

from engine.parse import active, applications, review
from engine.parse.anchors import _first_chars
from engine.parse.normalize import _EXPLICIT, _OTHER, _TABLE, fold


def _plain_fold(text: str) -> str:
    out = text.translate(_TABLE)
    return out.replace("其它", "其他") if "其它" in out else out


def test_characters_left_alone_fold_to_themselves():
    kept = _OTHER.sub("", "".join(chr(c) for c in range(0x110000) if 0xD800 > c or c > 0xDFFF))
    assert len(kept) > 20000          # ASCII, the CJK Unified Ideographs, 、。《》
    assert [c for c in kept if _TABLE[ord(c)] != ord(c)] == []


def test_long_texts_fold_as_translated():
    rng = random.Random(7)
    pool = [*_EXPLICIT, "其它", "其", "它", "０", "Ａ", "①", "㈠", "ｶ", "\ufb01", "\u2126", *"年月日表一二三",
            *"0123456789 \t"]
    for _ in range(800):
        text = "".join(rng.choice(pool) if rng.random() < 0.7 else chr(rng.randrange(0x20, 0x30000))
                       for _ in range(rng.randrange(1, 300)))
        if 0xD800 <= min(map(ord, text)) and max(map(ord, text)) <= 0xDFFF:
            continue
        assert fold(text) == _plain_fold(text)
        assert len(fold(text)) == len(text)


def test_first_chars_of_label_patterns():
    assert _first_chars(r"(?:(?:3[ ]*[.、,]|\([ ]*3[ ]*\))[ ]*)?危[ ]*+及") == frozenset("3(危")
    assert _first_chars(r'"?[ ]*+三[ ]*+安') == frozenset('" 三')
    assert _first_chars(r"a?") is None              # may match empty
    assert _first_chars(r"(?=a)b") is None          # a look-ahead is not followed
    assert _first_chars(r"(?i)a") is None           # nor are flags
    assert _first_chars(r"\w+") is None             # nor categories


def _plain(aset) -> re.Pattern:
    """The alternation of all labels in the set's order behind the look-ahead on their first
    characters: how the set was searched before the per-character branches."""
    klass = "".join(re.escape(c) for c in sorted({c for *_, first in aset.specs for c in first}))
    alts = "|".join(f"(?P<p{i}>{pat})" for i, (_, _, pat, _) in enumerate(aset.specs))
    return re.compile(f"(?=[{klass}])(?:{alts})")


def test_anchor_sets_match_like_the_plain_alternation():
    sets = [*applications.ANCHORS.values(), *active.ANCHORS.values(), review._HEADER]
    rng = random.Random(11)
    for aset in sets:
        plain = _plain(aset)
        keys = [k for k, *_ in aset.specs]
        pieces = [*keys, "1.", "(2)", "（三）", "四、", "3 .", "( 4 )", "5、", "\t", "0", " "]
        for _ in range(1500):
            text = fold("".join(rng.choice(pieces)[:rng.randint(1, 12)] for _ in range(rng.randint(1, 8))))
            got = [(m.span(), aset.kinds[m.lastgroup]) for m in aset.rx.finditer(text)]
            want = [(m.span(), aset.specs[int(m.lastgroup[1:])][:2]) for m in plain.finditer(text)]
            assert got == want, text


def test_header_labels_match_like_the_plain_alternation():
    from engine.parse import app_header as H
    plain = re.compile("|".join(f"(?P<c{i}>{p})" for i, (_, p) in enumerate(H._SPECS)))
    rng = random.Random(17)
    pieces = ["法人", "或其他", "组织", "自然人", "商业", "企业", "科研", "机构", "社会公益", "法律服务", "其他",
              "总计", "小计", "合计", " ", "\t", "0", "其", "法"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces)[:rng.randint(1, 4)] for _ in range(rng.randint(1, 12)))
        got = [(m.span(), H._COLUMN[m.lastgroup]) for m in H._RX.finditer(text)]
        want = [(m.span(), H._SPECS[int(m.lastgroup[1:])][0]) for m in plain.finditer(text)]
        assert got == want, text


def test_anchor_sets_find_in_joined_lines_as_line_by_line():
    from engine.parse.anchors import Pos, Region, _line_bound
    sets = [*applications.ANCHORS.values(), *active.ANCHORS.values(), review._HEADER]
    assert all(s.line_bound for s in sets)
    assert not _line_bound(r"a\s") and not _line_bound(r"^a") and not _line_bound(r"[^x]")
    rng = random.Random(13)
    for aset in sets:
        pieces = [*(k for k, *_ in aset.specs), "1.", "(2)", "（三）", "四、", "\t", "0", " ", "其它"]
        for _ in range(300):
            lines = [fold("".join(rng.choice(pieces)[:rng.randint(1, 12)] for _ in range(rng.randint(0, 6))))
                     for _ in range(rng.randint(1, 8))]
            a = rng.randrange(len(lines))
            b = rng.randrange(a, len(lines) + 2)
            region = Region(Pos(a, rng.randrange(0, 30)), Pos(b, rng.randrange(0, 60)))
            assert aset.find(lines, region) == aset._find_by_line(lines, region), (lines, region)
