"""engine/ingest/text.source_lines builds the same SourceLine objects as the constructor."""
from __future__ import annotations

import pickle

from engine.ingest.text import source_lines
from engine.model import SourceLine


def test_source_lines_are_the_constructors_lines():
    texts = ["标题", "", "一、总体情况\t0\t1", " 末行 "]
    got = source_lines(texts)
    want = [SourceLine(no=i, text=t, where=f"第{i}行") for i, t in enumerate(texts, start=1)]
    assert got == want
    assert repr(got) == repr(want)
    assert [hash(x) for x in got] == [hash(x) for x in want]
    assert [x._asdict() for x in got] == [x._asdict() for x in want]
    assert pickle.dumps(got) == pickle.dumps(want)
    assert pickle.loads(pickle.dumps(got)) == want
    assert all(type(x) is SourceLine for x in got)
    assert [(x.page, x.table, x.row, x.spanned) for x in got] == [(None, None, None, ())] * len(texts)
    assert source_lines([]) == []


def test_source_lines_fill_every_field_of_source_line():
    """source_lines gives each line no, text, where and then SourceLine's defaults for the other fields
    (a field added to SourceLine is filled with its default, as the constructor fills it)."""
    from engine.ingest import text as T

    assert SourceLine._fields[:3] == ("no", "text", "where")
    assert T._DEFAULTS == tuple(SourceLine._field_defaults[f] for f in SourceLine._fields[3:])
    assert len(SourceLine._fields) == 3 + len(T._DEFAULTS)


def test_source_lines_of_a_long_text_past_the_cached_line_numbers():
    from engine.ingest import text as T

    texts = [f"第{i}段" for i in range(T._WHERE_CACHED + 3)]
    got = source_lines(texts)
    assert [x.where for x in got[-5:]] == [f"第{i}行" for i in range(len(texts) - 4, len(texts) + 1)]
    assert got == [SourceLine(no=i, text=t, where=f"第{i}行") for i, t in enumerate(texts, start=1)]


def test_utf8_is_text_says_what_printable_share_says():
    """The byte-level test agrees with the regex over the decoded text, character by character."""
    from engine.ingest.text import _NOT_TEXT, printable_share, utf8_is_text

    base = "一、总体情况\t（一）主动公开 0 1\r\n年度报告·°±×\u00a0\u3000，：“”\n"
    for code in [*range(0, 0x250), 0x2028, 0x3000, 0xFEFF, 0xFF0C, 0xFFFC, 0xFFFD, 0xFFFF, 0x1F600]:
        text = base + chr(code) + base
        data = text.encode("utf-8", "surrogatepass")
        want = _NOT_TEXT.search(text) is None
        assert utf8_is_text(data) is want, hex(code)
        assert (printable_share(text) == 1.0) is want, hex(code)
    assert utf8_is_text(b"") and utf8_is_text("末尾\u00bf".encode())
    assert not utf8_is_text("末尾\u0085".encode())
