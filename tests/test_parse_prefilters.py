"""The parse's cheap tests in front of its regexes give the answers the regexes alone give."""
from __future__ import annotations

import random

from engine.parse import _NOTICE_TITLE, _SPACE_RUN, notice_title
from engine.parse import parts as P
from engine.parse.metadata import _HEADER_DATE, _INLINE_DATE, _iso, _publication_date
from engine.parse.normalize import fold
from engine.ingest.text import source_lines

_PIECES = ["关于", "做好", "的", "通知", "通 知", "通报", "函", "意见", "工作方案", "实施方案", "报告", "。", " ", "\t",
           "\u3000", "\u00a0", "2024", "年度", "政府信息公开", "（一）", "有关事项", "知", "案", "见"]


def _line(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))


def _notice_title_reference(texts: list[str]) -> str | None:
    seen = 0
    for t in texts[:40]:
        if not t.strip():
            continue
        if "关" in t and "的" in t:
            head = _SPACE_RUN.sub("", t)
            if _NOTICE_TITLE.search(head):
                return head
        seen += 1
        if seen == 8:
            break
    return None


def test_notice_title_as_the_regex_alone_says():
    rng = random.Random(14)
    fixed = ["关于做好2024年度政府信息公开工作年度报告的通知", "关于做好年度报告的通 知  ", "关于做好年度报告的通知。",
             "关于印发某某的实施方案\u3000", "关于某某的意见\t", "关于某某有关事项的函", "本报告根据《关于某某的通知》编制。"]
    for t in fixed:
        assert notice_title([t]) == _notice_title_reference([t]), t
    for _ in range(3000):
        texts = [_line(rng) for _ in range(rng.randint(1, 12))]
        assert notice_title(texts) == _notice_title_reference(texts), texts


def test_squeezed_head_reads_as_the_whole_rest_squeezed():
    rng = random.Random(3)
    chars = ["一", "、", "总", "体", "情", "况", " ", "\t", "\u3000", "0", "1", "(", ")", "其他", "需要", "报告"]
    for n in [*range(0, 90), 120, 300, 1000]:
        for _ in range(20):
            rest = "".join(rng.choice(chars) for _ in range(n))
            whole = P._SPACES.sub("", rest)
            head = P._squeezed_head(rest)
            # what _line_start_candidates reads of it: the keyword window and the length test
            assert head[:P._KEYWORD_WINDOW + 6] == whole[:P._KEYWORD_WINDOW + 6]
            assert (len(head) > P._SHORT_HEADING) == (len(whole) > P._SHORT_HEADING)
            for pid, rx in P._KEYWORD_RX.items():
                a, b = rx.search(head, 0, P._KEYWORD_WINDOW + 6), rx.search(whole, 0, P._KEYWORD_WINDOW + 6)
                assert (a and a.span()) == (b and b.span())


def _publication_date_reference(texts: list[str]) -> str | None:
    folded = [fold(t) for t in texts]
    lines = source_lines(texts)
    for i, ln in enumerate(lines[:15]):
        if "日" in ln.text or "时间" in ln.text:
            m = _HEADER_DATE.match(folded[i])
            if m:
                return _iso(m.group("y"), m.group("m"), m.group("d"))
    for i, ln in enumerate(lines[:60]):
        if "发布" in ln.text:
            m = _INLINE_DATE.search(folded[i])
            if m:
                return _iso(m.group("y"), m.group("m"), m.group("d"))
    return "tail"


def test_publication_date_found_in_the_lines_that_hold_its_words():
    rng = random.Random(7)
    pieces = ["发布", "发布时间：2023-02-20", "发布日期: 2021年3月4日", "发布时间", "：", "2022-13-01", "正文", "日",
              "\u3000", " ", "发", "布", "其它"]
    for _ in range(800):
        texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 5))) for _ in range(rng.randint(1, 70))]
        texts += ["", "", "", "", "", "", "", "", "末行"]          # no signature date: the tail answers None
        want = _publication_date_reference(texts)
        got = _publication_date(source_lines(texts), [fold(t) for t in texts])
        assert got == (None if want == "tail" else want), texts
