"""The row reader's shortcuts give what the general code gives (engine/parse/grid.py).

chain(): anchors already in template order take a shortcut; collect_tokens(): a TAB cell holding a
known value word as it stands is made at once. Both must agree with the general reading.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model import SourceLine
from engine.parse.cells import EMPTY, VALUE
from engine.parse.grid import Anchor, Pos, RowRead, chain, collect_tokens
from engine.parse.parts import fold_lines


def _chain_by_search(anchors: list[Anchor], order: list[str]) -> dict[str, Anchor]:
    """The longest run in template order, by the quadratic search alone (chain() before its shortcut)."""
    rank = {k: i for i, k in enumerate(order)}
    rows = [a for a in anchors if a.kind == "row" and a.key in rank]
    n = len(rows)
    if not n:
        return {}
    ranks = [rank[a.key] for a in rows]
    best, prev = [1] * n, [-1] * n
    for i in range(1, n):
        bi, pi = 1, -1
        for j in range(i):
            if ranks[j] < ranks[i] and best[j] >= bi:
                bi, pi = best[j] + 1, j
        best[i], prev[i] = bi, pi
    i = max(range(n), key=lambda k: (best[k], -k))
    out = {}
    while i >= 0:
        out[rows[i].key] = rows[i]
        i = prev[i]
    return out


ORDER = [f"r{i}" for i in range(12)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 13), st.booleans()), max_size=30))
def test_chain_is_the_longest_run_in_template_order(picks):
    # keys r12/r13 are not template rows; stop anchors are never chained
    anchors = [Anchor(f"r{k}", "stop" if stop else "row", i, 0, 2) for i, (k, stop) in enumerate(picks)]
    got, want = chain(anchors, ORDER), _chain_by_search(anchors, ORDER)
    assert list(got.items()) == list(want.items())


def test_chain_of_a_clean_table_keeps_every_row_from_the_last_back():
    anchors = [Anchor(k, "row", i, 0, 2) for i, k in enumerate(ORDER[:5])]
    got = chain(anchors, ORDER)
    assert list(got) == ["r4", "r3", "r2", "r1", "r0"]
    assert list(got.items()) == list(_chain_by_search(anchors, ORDER).items())


def _lines(*texts: str) -> tuple[list[SourceLine], list[str]]:
    lines = [SourceLine(i + 1, t, f"第{i + 1}行") for i, t in enumerate(texts)]
    return lines, fold_lines(lines)


def test_tab_cells_as_they_stand_and_with_spaces_around():
    lines, folded = _lines("行政许可\t12\t 7 \t\t—\t无", "行政处罚\t1\t2\t3\t4\t5")
    toks = collect_tokens(lines, folded, Pos(0, 4), Pos(1, 0))
    assert [(t.kind, t.text, t.raw, t.start, t.value_kind) for t in toks] == [
        (VALUE, "12", "12", 5, "number"),
        (VALUE, "7", "7", 9, "number"),
        (EMPTY, "", "", 12, ""),
        (VALUE, "—", "—", 13, "dash"),
        (VALUE, "无", "无", 15, "none"),
    ]


def test_a_folded_cell_keeps_its_printed_text_as_raw():
    lines, folded = _lines("行政许可\t１２\t3")      # full-width digits fold to 12
    toks = collect_tokens(lines, folded, Pos(0, 4), Pos(0, len(folded[0])))
    assert [(t.text, t.raw) for t in toks] == [("12", "１２"), ("3", "3")]


def test_a_text_cell_after_values_ends_the_row():
    lines, folded = _lines("行政许可\t5\t见附件\t6")
    toks = collect_tokens(lines, folded, Pos(0, 4), Pos(0, len(folded[0])))
    assert [t.text for t in toks] == ["5"]


def test_row_read_values_and_equality():
    lines, folded = _lines("行政许可\t5\t\t6")
    toks = collect_tokens(lines, folded, Pos(0, 4), Pos(0, len(folded[0])))
    read = RowRead("k", None, toks)
    assert [t.text for t in read.values] == ["5", "6"]
    assert read.values is read.values                # computed once
    assert read == RowRead("k", None, list(toks))
    assert read != RowRead("k", None, list(toks), doubt="why")
    assert RowRead("k", None).tokens == [] and RowRead("k", None).values == []
    assert "doubt=''" in repr(RowRead("k", None))


def test_positions_and_anchors_are_values():
    a, b = Anchor("k", "row", 3, 4, 9), Anchor("k", "row", 3, 4, 9)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1 and a.pos == (3, 4)
    assert a != Anchor("k", "stop", 3, 4, 9)
    assert Pos(1, 2) == Pos(1, 2) and hash(Pos(1, 2)) == hash(Pos(1, 2)) and Pos(1, 2).key() == (1, 2)


def test_has_inline_values_looks_at_values_on_the_label_line_only():
    from engine.parse.grid import _has_inline_values

    lines, folded = _lines("行政许可", "5\t6", "行政处罚\t7")
    below = RowRead("a", Anchor("a", "row", 0, 0, 4), collect_tokens(lines, folded, Pos(0, 4), Pos(2, 0)))
    assert [t.text for t in below.values] == ["5", "6"]
    assert not _has_inline_values({"a": below})
    inline = RowRead("b", Anchor("b", "row", 2, 0, 4), collect_tokens(lines, folded, Pos(2, 4), Pos(2, 6)))
    assert _has_inline_values({"a": below, "b": inline})


def test_find_over_joined_lines_gives_each_line_its_own_matches():
    from engine.parse.grid import AnchorSet, Region

    aset = AnchorSet([("a", "行政许可", "行"), ("b", "行政处罚", "行")], [("s", "总计", "总")])
    lines, folded = _lines("行政许可\t1\t行政处罚\t2", "", "说明", "总计\t3\t行政许可", "行政处罚", "x总计")
    region = Region(Pos(0, 2), Pos(5, 3))
    joined = aset.find(folded, region)
    assert aset.line_bound
    assert joined == aset._find_by_line(folded, region)
    assert [(a.key, a.line, a.start, a.end) for a in joined] == [
        ("b", 0, 7, 11), ("s", 3, 0, 2), ("a", 3, 5, 9), ("b", 4, 0, 4), ("s", 5, 1, 3)]
