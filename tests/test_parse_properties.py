"""Property tests: the way a report is encoded or laid out never changes a parsed value.

Re-encoding (GB18030, UTF-16 with/without BOM, UTF-8 with BOM), CRLF/CR line ends, full-width
digits, extra blank lines, extra spaces inside table labels and TAB rows rewritten as markdown table rows
are applied (alone and combined) to
the seeds; the parsed cells (kind and value), metadata and diagnostic codes must stay the same.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.ingest.text import read
from engine.parse import parse_document
from real_support import REAL, real_names

ROOT = Path(__file__).parent / "fixtures"
# pingtan-2022 (../shared/real) joins the seeds where it is present; CI=true requires it (conftest.py).
FILES = [*sorted((ROOT / "seeds").glob("*.txt")), *(REAL / n for n in real_names("pingtan-2022.txt"))]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le"]
NEWLINES = ["\n", "\r\n", "\r"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_CJK_PAIR = re.compile(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])")


def signature(report) -> dict:
    cells = {a: (c.kind, c.value) for t in report.tables.values() for a, c in t.cells.items()}
    m = report.metadata
    return {
        "cells": cells,
        "meta": (m.agency, m.year, m.template, m.body_kind, m.period_start, m.period_end),
        "parts": tuple(p.present for p in report.parts.values()),
        "diagnostics": sorted(d.code for d in report.diagnostics),
        "variant": report.tables["applications"].variant,
    }


def parse_text(text: str, encoding: str = "utf-8") -> dict:
    return signature(parse_document(read(Path("report.txt"), text.encode(encoding))))


@lru_cache(maxsize=None)
def original(i: int) -> tuple[str, dict]:
    text = FILES[i].read_text(encoding="utf-8")
    return text, parse_text(text)


def spaced_labels(text: str, picks: list[int]) -> str:
    """Insert a space between two CJK characters in some TAB-separated (table) lines."""
    lines = text.split("\n")
    table_lines = [k for k, ln in enumerate(lines) if "\t" in ln and _CJK_PAIR.search(ln)]
    for p in picks:
        if not table_lines:
            break
        k = table_lines[p % len(table_lines)]
        gaps = [m.start() for m in _CJK_PAIR.finditer(lines[k])]
        if gaps:
            pos = gaps[p % len(gaps)]
            lines[k] = lines[k][:pos] + " " + lines[k][pos:]
    return "\n".join(lines)


def markdown_tables(text: str) -> str:
    """Every TAB row written as a markdown table row: "| 规章 | 0 | 0 | 0 |"."""
    return "\n".join("| " + ln.replace("\t", " | ") + " |" if "\t" in ln else ln for ln in text.split("\n"))


def extra_blank_lines(text: str, picks: list[int]) -> str:
    lines = text.split("\n")
    for p in sorted(set(picks), reverse=True):
        lines.insert(p % (len(lines) + 1), "")
    return "\n".join(lines)


variants = st.fixed_dictionaries({
    "file": st.integers(0, len(FILES) - 1),
    "encoding": st.sampled_from(ENCODINGS),
    "newline": st.sampled_from(NEWLINES),
    "full_width": st.booleans(),
    "blank_lines": st.lists(st.integers(0, 10_000), max_size=8),
    "spaces": st.lists(st.integers(0, 10_000), max_size=12),
    "markdown": st.booleans(),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variants)
def test_layout_and_encoding_never_change_a_parsed_value(v):
    text, expected = original(v["file"])
    if v["spaces"]:
        text = spaced_labels(text, v["spaces"])
    if v["markdown"]:
        text = markdown_tables(text)
    if v["blank_lines"]:
        text = extra_blank_lines(text, v["blank_lines"])
    if v["full_width"]:
        text = text.translate(FULL_WIDTH)
    text = text.replace("\n", v["newline"])
    assert parse_text(text, v["encoding"]) == expected


def test_each_transformation_alone_on_every_file():
    for i in range(len(FILES)):
        text, expected = original(i)
        assert parse_text(text, "gb18030") == expected
        assert parse_text(text, "utf-16") == expected
        assert parse_text(text.replace("\n", "\r\n"), "utf-8-sig") == expected
        assert parse_text(text.translate(FULL_WIDTH)) == expected
        assert parse_text(text.replace("\n", "\n\n")) == expected
        assert parse_text(spaced_labels(text, list(range(0, 400, 7)))) == expected
        assert parse_text(markdown_tables(text)) == expected


def test_full_width_digits_keep_their_raw_text():
    text, _ = original(0)
    report = parse_document(read(Path("r.txt"), text.translate(FULL_WIDTH).encode("utf-8")))
    cell = report.cell("review.复议后起诉.总计")
    assert cell.value == 0 and cell.raw == "０"


FRAGMENTS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项",
             "第二十条第（一）项", "规章", "行政许可", "本年制发件数", "（一）予以公开", "1.属于国家秘密",
             "（六）其他处理", "3.其他", "（七）总计", "四、结转下年度继续办理", "结果维持", "尚未审结", "总计",
             "0", "12", "713000074", "3.5", "—", "无", "-", "|", "\t", "\n", " ", "　", "２０２４年", "信息公开"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=120))
def test_any_jumble_of_report_fragments_parses_or_is_not_a_report(pieces):
    from engine.parse import NotAReportError

    text = "".join(pieces)
    if not text.strip():
        return
    try:
        report = parse_document(read(Path("fuzz.txt"), text.encode("utf-8")))
    except NotAReportError:
        return
    for table in report.tables.values():
        for cell in table.cells.values():
            assert (cell.kind == "number") == (cell.value is not None)
            if cell.line is not None:
                assert 1 <= cell.line <= len(report.lines)
