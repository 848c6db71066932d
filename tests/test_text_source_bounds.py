"""TextView's sentence and clause boundaries (searched for around each position) are those of the
list of every boundary of the text, for every position of texts with and without boundaries."""
from __future__ import annotations

import random
import re
from bisect import bisect_left

from engine.facts.text_source import _CLAUSE_BREAK, _SENTENCE_END, TextView


def _ends(text: str, chars: str) -> list[int]:
    return [m.start() for m in re.finditer("[" + re.escape(chars) + "]", text)]


def _around(bounds: list[int], start: int, end: int, length: int) -> tuple[int, int]:
    i = bisect_left(bounds, start)
    s = bounds[i - 1] + 1 if i > 0 else 0
    j = bisect_left(bounds, end)
    return s, (bounds[j] if j < len(bounds) else length)


def _texts():
    yield ""
    yield "没有任何标点的一段话"
    yield "。开头就是句号，然后；再来：一句\n换行！结尾？"
    rng = random.Random(5)
    alphabet = "申请件收到办结，。；：！？,;:!?\n 0123456789"
    for _ in range(60):
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))


def test_boundaries_match_the_list_of_every_boundary():
    for text in _texts():
        view = TextView(part="一", text=text, line_of=[None] * len(text))
        sentence_ends, clause_ends = _ends(text, _SENTENCE_END + "\n"), _ends(text, _CLAUSE_BREAK)
        n = len(text)
        for start in range(-1, n + 2):
            for end in range(start, min(n + 2, start + 12)):
                s, e = _around(sentence_ends, start, end, n)
                if e < n and text[e] in _SENTENCE_END:
                    e += 1
                assert view.sentence_span(start, end) == (s, e), (text, start, end)
            assert view.clause_start(start) == _around(clause_ends, start, start, n)[0], (text, start)
            i = bisect_left(clause_ends, start)
            assert view.clause_end(start) == (clause_ends[i] if i < len(clause_ends) else n), (text, start)
