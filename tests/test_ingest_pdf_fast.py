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


def test_ruling_lines_drawn_inside_nested_forms_are_placed_on_the_page():
    """Ruling lines inside a form XObject drawn by another form (page objects walked outside forms
    without a stack, forms with one): each line moved by every matrix on its way to the page."""
    from tests.test_ingest_pdf import minimal_pdf
    from engine.ingest.pdf_page import load_page, open_document

    line = b"0.5 w 10 10 m 150 10 l S 10 10 m 10 60 l S"
    inner = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 200] /Matrix [1 0 0 1 5 7] /Length %d >>\nstream\n"
             % len(line) + line + b"\nendstream")
    draw = b"q 1 0 0 1 0 40 cm /Fi Do Q"
    outer = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 200] /Resources << /XObject << /Fi 5 0 R >> >> "
             b"/Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
    content = b"20 190 m 120 190 l S /Fo Do"
    data = minimal_pdf(content, b"<< /XObject << /Fi 5 0 R /Fo 6 0 R >> >>", [inner, outer])
    view = load_page(open_document(data), 0)
    # the page's own line first, then the form's: (10, 10) → Fi's matrix (15, 17) → the cm in Fo
    # (15, 57) → Fo drawn as is; top = 200 − y
    assert [tuple(e) for e in view.edges] == [("h", 20.0, 10.0, 120.0, 10.0),
                                              ("h", 15.0, 143.0, 155.0, 143.0),
                                              ("v", 15.0, 93.0, 15.0, 143.0)]
