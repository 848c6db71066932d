"""The probe decodes a text once and splits off only its head: the same text and the same first
lines as the text reader (engine/ingest/text.py) gives."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from engine.ingest import IngestError
from engine.ingest.text import decode_text, split_lines
from engine.run.probe import NOTICE_LINES, HEAD_SIZES, _line_count, _utf8_text, head_lines

TEXTS = ["", "a", "a\n", "a\r\nb", "a\r\nb\r\n", "a\rb\r", "\n\n", "x\n" * 5, "x\n" * 6 + "y", "一\r\n\r\n二\n"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("size", [1, 2, 5, 6, 7, 40])
def test_head_lines_are_split_lines_first_lines(text, size):
    whole = split_lines(text)
    head, more = head_lines(text, size)
    assert head == whole[:size]
    assert more is (len(whole) > size)
    assert _line_count(text) == len(whole)


def test_the_first_head_is_within_the_notice_lines():
    assert HEAD_SIZES[0] <= NOTICE_LINES      # (the probe splits off NOTICE_LINES lines first)


@pytest.mark.parametrize("data", [
    "报告\n".encode(), codecs.BOM_UTF8 + "报告\n".encode(), codecs.BOM_UTF8 * 2 + "报告".encode(),
    codecs.BOM_UTF8 + b"\x01" * 10 + b"ab", b"\x01\x02\x03abc", "报告".encode("gbk"),
    codecs.BOM_UTF16_LE + "报告".encode("utf-16-le"),
])
def test_utf8_text_is_the_readers_text(data):
    try:
        text, encoding = decode_text(Path("x.txt"), data)
        want = text.lstrip("\ufeff") if encoding in ("utf-8", "utf-8-sig") else None
    except IngestError:
        want = None
    assert _utf8_text(data) == want


@pytest.mark.parametrize("path", ["a/b.txt", "a/b.MD", "b.markdown", "a.b/c", "a/.txt", "a.", "x.tar.gz", "/r/报告.Txt",
                                  "a/b.txt/", "..", "a/b"])
def test_suffix_is_paths(path):
    from engine.run.probe import _suffix

    assert _suffix(path) == Path(path).suffix.lower()
