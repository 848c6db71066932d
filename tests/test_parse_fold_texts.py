"""parts.fold_texts finds page number lines and markdown rows in the whole folded text: the same
lines as trying every line on its own."""
from __future__ import annotations

import pytest

from engine.ingest.text import source_lines
from engine.model import SourceLine
from engine.parse.normalize import fold, is_page_number, markdown_row_as_tabs
from engine.parse.parts import fold_lines, fold_texts


def _line_by_line(texts: list[str]) -> list[str]:
    return [" " * len(fold(t)) if is_page_number(fold(t)) else markdown_row_as_tabs(fold(t)) for t in texts]


CASES = [
    [],
    [""],
    ["- 3 -"],
    ["| 规章 | 0 | 1 |"],
    ["- 3 -", "－ 4 －", "第 5 页", "3 / 6", "第3页 共6页", "正文 - 3 -", "12/2024年"],
    ["二、主动公开政府信息情况", "| 信息内容 | 本年制发件数 |", "|---|---|", "| 规章 | 0 |", "", "— 2 —", "| 规章 | 0 |"],
    ["abc|", " | a | b | ", "|a|", "|", "第 3 页", "", "  "],
    ["一行\n两行", "- 3 -", "| a | b |"],            # a line holding a line break of its own
    ["其", "它", "其它 - 3 -", "｜ a ｜ b ｜", "－３－"],
]


@pytest.mark.parametrize("texts", CASES)
def test_fold_texts_same_as_line_by_line(texts):
    lines = source_lines(texts)
    pure, folded = fold_texts(lines)
    assert pure == [fold(t) for t in texts]
    assert folded == _line_by_line(texts) == fold_lines(lines)
    assert [len(f) for f in folded] == [len(t) for t in texts]


HEADING_CASES = [
    ["标题", "本报告包括：一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况", "正文"],
    ["一、总体情况 今年…… 二、主动公开政府信息情况 表格…… 三、收到和处理政府信息公开申请情况 四、政府信息公开行政复议、行政诉讼情况"
     " 五、存在的主要问题及改进情况 六、其他需要报告的事项 无。" * 3],
    ["# 标题", "## 一、总体情况", "正文", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
     "x 四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"],
    ["二、主动公开政府信息情况 一、总体情况", "一、总体情况", ""],
]


@pytest.mark.parametrize("texts", HEADING_CASES)
def test_headings_searched_in_joined_lines_as_line_by_line(texts):
    from engine.parse import parts as P

    folded = fold_lines(source_lines(texts))
    joined, by_line = P._Joined(folded), P._Joined(folded)
    by_line.whole = None                       # the line-by-line search (lines holding a line break)
    assert P._line_start_candidates(folded, joined) == P._line_start_candidates(folded, by_line)
    for after in [a for a in [(-1, -1), (0, 0), (0, 3), (1, 0), (len(folded) - 1, 0)] if a[0] < len(folded)]:
        for pid in "一二三四五六":
            assert P._inline_candidate(pid, folded, joined, after) == P._inline_candidate(pid, folded, by_line, after)


def _random_lines(seed: int) -> list[str]:
    """Lines made of what the line-start patterns look at: blanks, markdown marks, 第, numerals,
    separators, digits, dashes, pipes and words."""
    import random

    rng = random.Random(seed)
    pieces = [" ", "  ", "\t", "#", "##", "**", "*", "第", "一", "二", "三", "四", "五", "六", "七", "、", ".", ",", ":",
              "部分", "总体情况", "主动公开", "复议", "其他需要报告", "3", "12", "/", "-", "—", "页", "共", "|", "正文",
              "（一）", "。", "其它", "", "１", "٣"]
    whole_lines = ["- 3 -", " — 12 —", "第 3 页", "第3页 共6页", "3 / 6", "| 规章 | 0 |", " |x| ", "一、总体情况",
                   "## 二、主动公开政府信息情况", "**三、收到和处理政府信息公开申请情况**", "第四部分 复议"]

    def line() -> str:
        if rng.random() < 0.4:          # a whole line of one of the kinds, with blanks or a word around it
            return rng.choice(["", " ", "  ", "\t", "正"]) + rng.choice(whole_lines) + rng.choice(["", " ", "。", "-"])
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))

    return [line() for _ in range(rng.randint(1, 40))]


@pytest.mark.parametrize("seed", range(300))
def test_line_patterns_tried_where_their_hint_is_find_every_match(seed):
    """The line-start, page-number and markdown-row patterns are matched only at the line breaks their
    hint finds: the same matches as searching the whole text for them."""
    import re

    from engine.parse import parts as P
    from engine.parse.normalize import MD_ROW_AFTER_BREAK, PAGE_NUMBER_AFTER_BREAK

    pure, folded = fold_texts(source_lines(_random_lines(seed)))
    whole = "\n".join(folded)
    # (_line_starts' match stops before the rest, which is the rest of the line)
    got = [(i, (m.start(), m.start() + 1 + len(line)), {**m.groupdict(), "rest": line[m.end() - m.start() - 1:]})
           for i, line, m in P._line_starts(folded, P._Joined(folded, whole))]
    by_line = P._Joined(folded)
    by_line.whole = None            # (the lines matched one by one)
    assert [(i, g) for i, _, g in got] == [(i, {**m.groupdict(), "rest": line[m.end() - 1:]})
                                          for i, line, m in P._line_starts(folded, by_line)]
    want = []
    for m in P._LINE_START_AFTER_BREAK.finditer("\n" + whole):
        want.append(("\n" + whole).count("\n", 0, m.start() + 1) - 1)
        want[-1] = (want[-1], m.span(), m.groupdict())
    assert got == want
    for rx, hint in ((PAGE_NUMBER_AFTER_BREAK, P._PAGE_NUMBER_HINT), (MD_ROW_AFTER_BREAK, P._MD_ROW_HINT)):
        by_line = [i for i, t in enumerate(pure) if rx.match("\n" + t)]
        assert list(P._lines_after_break(rx, "\n".join(pure), pure, hint)) == by_line
        assert by_line == [i for i, t in enumerate(pure) if re.match(rx.pattern.replace("\n", "^", 1), t)]


def test_a_printable_text_without_a_space_holds_no_white_space():
    """_line_start_candidates removes white space from a heading's rest only when it has a " " or
    is not printable: every other character \\s matches is not printable."""
    import re
    import sys

    spaces = re.findall(r"\s", "".join(map(chr, range(sys.maxunicode + 1))))
    assert " " in spaces and "\u3000" in spaces and "\t" in spaces
    assert all(c == " " or not c.isprintable() for c in spaces)
