"""The PDF reader's shortcuts give what the general code gives (issue 14 item 3: a page read and
parsed in ≤ 10 ms): a cell text without blanks is kept as clean_cell would leave it, a one-character
cell reads as pdfplumber's word grouping reads it."""
from __future__ import annotations

import random

from engine.ingest.grid import clean_cell
from engine.ingest.pdf import _clean
from engine.ingest.pdf_text import text, words


def test_a_cell_text_is_cleaned_as_clean_cell_cleans_it():
    rnd = random.Random(14)
    alphabet = list("12a结果 \t\n\r\u3000\u00a0\x1c\x85\u2028ﬁ") + [""]
    assert _clean(None) == clean_cell(None) == ""
    for _ in range(5000):
        sample = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 6)))
        assert _clean(sample) == clean_cell(sample), repr(sample)


def test_a_one_character_cell_reads_as_its_word():
    for t in ("7", "结", " ", "\u3000", "ﬁ", "(cid:12)"):
        char = {"text": t, "x0": 10.0, "x1": 16.0, "top": 100.0, "bottom": 112.0}
        assert text([char]) == " ".join(w["text"] for w in words([dict(char)]))
