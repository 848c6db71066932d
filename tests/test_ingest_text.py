"""Text ingest (engine/ingest/text.py): encodings detected, line ends, binary/empty/undecodable input."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from engine.ingest import IngestError, read_document
from engine.ingest.text import printable_share, read, split_lines

SAMPLE = "南岭镇人民政府 2024 年度信息公开年报\n\n一、总体情况\n规章\t０\t0\t0\n其它需要报告的事项：无\n"


def test_utf8_plain():
    doc = read(Path("a.txt"), SAMPLE.encode("utf-8"))
    assert doc.encoding == "utf-8"
    assert [ln.text for ln in doc.lines] == SAMPLE.split("\n")[:-1]
    assert doc.lines[3].no == 4 and doc.lines[3].where == "第4行"
    assert doc.format == "txt"


@pytest.mark.parametrize("data,expected_encoding", [
    (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
    (SAMPLE.encode("utf-16"), "utf-16"),              # with BOM
    (SAMPLE.encode("gb18030"), None),
    (SAMPLE.encode("gbk"), None),
    (SAMPLE.encode("utf-16-le"), None),                # without BOM
    (SAMPLE.encode("utf-16-be"), None),
], ids=["utf-8-bom", "utf-16-bom", "gb18030", "gbk", "utf-16-le", "utf-16-be"])
def test_encodings_are_detected(data, expected_encoding):
    doc = read(Path("a.txt"), data)
    assert "\n".join(ln.text for ln in doc.lines) + "\n" == SAMPLE
    assert not doc.lines[0].text.startswith("\ufeff")
    if expected_encoding:
        assert doc.encoding == expected_encoding


def test_line_ends_crlf_and_cr_keep_physical_line_numbers():
    crlf = SAMPLE.replace("\n", "\r\n").encode("utf-8")
    cr = SAMPLE.replace("\n", "\r").encode("utf-8")
    for data in (crlf, cr):
        doc = read(Path("a.txt"), data)
        assert [ln.text for ln in doc.lines] == SAMPLE.split("\n")[:-1]
        assert doc.lines[-1].no == 5


def test_split_lines_keeps_blank_lines():
    assert split_lines("a\n\n\nb") == ["a", "", "", "b"]
    assert split_lines("a\r\n\r\nb\r\n") == ["a", "", "b"]


def test_markdown_format():
    assert read(Path("r.md"), b"# x\n").format == "md"


def test_binary_content_is_refused():
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(IngestError) as exc:
        read(Path("x.txt"), data)
    assert exc.value.status == "binary"
    assert "二进制" in exc.value.message


def test_broken_utf16_is_unreadable():
    with pytest.raises(IngestError) as exc:
        read(Path("x.txt"), codecs.BOM_UTF16_LE + b"A")
    assert exc.value.status == "unreadable"


def test_only_white_space_after_decoding_is_empty():
    with pytest.raises(IngestError) as exc:
        read(Path("x.txt"), " \n\t\n".encode("utf-16"))
    assert exc.value.status == "empty"


def test_read_document_dispatches_text_files(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes(SAMPLE.encode("gb18030"))
    doc = read_document(p)
    assert doc.lines[0].text == "南岭镇人民政府 2024 年度信息公开年报"
    assert len(doc.sha256) == 64


def test_read_document_missing_and_empty(tmp_path):
    with pytest.raises(IngestError) as exc:
        read_document(tmp_path / "nope.txt")
    assert exc.value.status == "unreadable"
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    with pytest.raises(IngestError) as exc:
        read_document(empty)
    assert exc.value.status == "empty"


@pytest.mark.parametrize("text, share", [
    ("", 1.0),
    ("报告\t正文\r\n\f\v", 1.0),                  # white-space controls are text
    ("ab\x00d", 0.75),
    ("\x1b\x7f\x85\x9f\ufffd" + "文" * 5, 0.5),     # C0, DEL, C1 and the replacement character
    ("\xa0\xa0", 1.0),                            # no-break space is text
])
def test_printable_share_counts_non_text_characters(text, share):
    assert printable_share(text) == share


def test_printable_share_looks_at_the_first_20000_characters_only():
    assert printable_share("文" * 20000 + "\x00" * 5000) == 1.0
