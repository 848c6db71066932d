"""Issue 16: PDF content limits checked on the raw objects before PDFium does the work
(engine/ingest/pdf_guard.py): form XObjects drawing each other through resource dictionaries kept
in compressed object streams (PDF 1.5+), form nesting, operators per page — each with a small
hand-built reproducer, and the ordinary file of the same shape still read."""
from __future__ import annotations

import zlib

import pytest

from engine.ingest import DEFAULT_LIMITS, IngestError, read_document
from engine.ingest.pdf_guard import MAX_FORM_NESTING, MAX_OPERATORS_PER_PAGE, check_forms, check_pdf
from tests.hostile_support import pdf_with_object_stream, pdf_with_stream, run_bounded


def _refusal(path, data: bytes) -> str:
    with pytest.raises(IngestError) as caught:
        check_pdf(path, data, DEFAULT_LIMITS)
    assert caught.value.status == "too_large"
    return caught.value.message


def test_forms_drawing_each_other_through_an_object_stream_are_too_large_before_pdfium(tmp_path):
    """30 levels, each form drawing the one below twice, every resource dictionary compressed in an
    object stream: the guard that read only top-level objects let it through, and PDFium took 24 s
    at 20 levels (doubling with each level)."""
    path = tmp_path / "objstm-forms.pdf"
    path.write_bytes(pdf_with_object_stream(30, draws=2))
    result = run_bounded(f"""
        import json
        from engine.ingest import IngestError, read_document
        try:
            read_document({str(path)!r}); status, message = "read", ""
        except IngestError as exc:
            status, message = exc.status, exc.message
        print(json.dumps({{"status": status, "message": message}}))
    """)
    assert result["status"] == "too_large" and "表单对象" in result["message"]


def test_an_object_stream_pdf_with_a_few_nested_forms_is_read(tmp_path):
    path = tmp_path / "objstm-ok.pdf"
    path.write_bytes(pdf_with_object_stream(6, draws=2))      # 2^6 uses: an ordinary file
    assert [line.text for line in read_document(path).lines] == ["nested"]


def test_forms_nested_deeper_than_pdfium_draws_are_too_large(tmp_path):
    message = _refusal(tmp_path / "deep.pdf", pdf_with_object_stream(MAX_FORM_NESTING + 5, draws=1))
    assert f"嵌套超过 {MAX_FORM_NESTING} 层" in message
    check_forms(tmp_path / "ok.pdf", pdf_with_object_stream(MAX_FORM_NESTING - 1, draws=1))


@pytest.mark.parametrize("flate", [False, True])
def test_a_page_with_too_many_operators_is_too_large_before_pdfium(tmp_path, flate):
    """2 × 200,000 path operators on one page (PDFium: ~8 s and ~250 MB; 1,000,000: 20 s, 600 MB)."""
    content = b"1 1 2 2 re f\n" * 200_000
    data = pdf_with_stream(content)
    if flate:
        data = data.replace(b"<< /Length " + str(len(content)).encode(), b"<< /Filter /FlateDecode /Length "
                            + str(len(zlib.compress(content))).encode()).replace(content, zlib.compress(content))
    message = _refusal(tmp_path / "ops.pdf", data)
    assert f"超过每页上限 {MAX_OPERATORS_PER_PAGE} 条" in message


def test_a_page_drawing_a_form_many_times_counts_the_form_operators(tmp_path):
    """A page drawing one 2,000-operator form 200 times: 400,000 operators though each stream is small."""
    heavy = pdf_with_object_stream(1, page_content=b"q /X Do Q\n" * 200, bottom=b"1 1 2 2 re f\n" * 1000)
    assert "超过每页上限" in _refusal(tmp_path / "drawn.pdf", heavy)
    light = pdf_with_object_stream(1, page_content=b"q /X Do Q\n" * 20, bottom=b"1 1 2 2 re f\n" * 1000)
    check_pdf(tmp_path / "light.pdf", light, DEFAULT_LIMITS)


def test_the_guard_stays_linear_on_objects_without_ends(tmp_path):
    """100,000 `obj` keywords with no `endobj` or `stream`: each object used to span the rest of
    the file (quadratic: minutes). Completion within the generous bound is the test."""
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"".join(f"{i} 0 obj << /Type /XObject /Subtype /Form >>\n".encode()
                                              for i in range(1, 100_001)))
    result = run_bounded(f"""
        import json
        from engine.ingest.pdf_guard import check_forms
        from pathlib import Path
        check_forms(Path({str(path)!r}), Path({str(path)!r}).read_bytes())
        print(json.dumps({{"done": True}}))
    """)
    assert result == {"done": True}


def test_the_fast_keyword_scans_find_what_their_regular_expressions_find():
    """The guard finds `N G obj`, `stream` and content operators by faster means than the regular
    expressions that define them (issue 14: the guard cost 3.7 ms of a page's 14): on pieces put
    together at random (number runs longer than 10 digits, blanks before `obj` beyond the window
    looked at, `endobj`, `endstream`, delimiters before operators), both give the same."""
    import random
    import re

    from engine.ingest import pdf_guard as g

    defining_stream = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
    pieces = [b"0", b"7", b"12", b"12345678901234", b"9999999999", b" ", b"\n", b"\r\n", b"\t", b"obj",
              b"endobj", b"objx", b"obj ", b"x", b"end", b"stream", b"stream\n", b"endstream\r\n", b"stream\r",
              b"(", b")", b"]", b">", b"}", b"q", b"Tj", b"'", b'"', b"*", b"abcd", b"/F1", b"Do",
              b" " * 60, b"1" * 60]
    rnd = random.Random(14)
    for _ in range(3000):
        data = b"".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 30)))
        assert g._object_keywords(data) == [(m.start(), m.end(), int(m.group(1))) for m in g._OBJ.finditer(data)]
        assert g._stream_keywords(data) == [m.span() for m in defining_stream.finditer(data)]
        assert g._count_operators(data) == len(g._OPERATOR.findall(data))


def test_the_operator_bound_is_never_below_the_count():
    """check_forms skips counting when a page's bound on its operators is within the limit: the
    bound must hold for the densest content (one-letter operators, one delimiter each)."""
    from engine.ingest import pdf_guard as g

    for chunk in (b"", b"q", b"q Q", b"q\nQ\nq", b" q Q q Q", b"q)Q]q>Q}q", b"'\"'", b"ab cd ef", b"1 0 0 1 0 0 cm"):
        assert g._operator_bound(chunk) >= g._count_operators(chunk) == len(g._OPERATOR.findall(chunk))
    assert g._operator_bound(b"q " * 1000 + b"q") == g._count_operators(b"q " * 1000 + b"q") == 1001
