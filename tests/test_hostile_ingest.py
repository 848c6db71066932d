"""Hostile input at the reader and parser level (issue 16): one small reproducer per class, each
file made at test time. Work that used to hang or grow super-linearly runs in a child process with
a generous timeout (tests/hostile_support.py): completion is asserted, never a speed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from engine.ingest import IngestError, read_document
from tests.hostile_support import (ADVERSARIAL_LINES, DOCUMENTS, ROOT, docx_with_compression, html_page, run_bounded,
                                   seed_lines, seed_path, with_line)


# ------------------------------------------------------------------------------------------
# Special files: only regular files are read
# ------------------------------------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(IngestError) as err:
        read_document(fifo)        # opening a FIFO for reading would block forever without O_NONBLOCK
    assert err.value.status == "unsupported"
    assert "命名管道" in err.value.message


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_link_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    with pytest.raises(IngestError) as err:
        read_document(link)
    assert err.value.status == "unsupported"
    assert "设备" in err.value.message


def test_a_link_to_a_regular_file_is_read(tmp_path):
    link = tmp_path / "report.txt"
    link.symlink_to(seed_path(0))
    assert read_document(link).lines


# ------------------------------------------------------------------------------------------
# Regexes on report text: adversarial lines finish
# ------------------------------------------------------------------------------------------



def test_adversarial_lines_through_the_parser_finish(tmp_path):
    """Each line inside a real report (so that every table and part scan sees it)."""
    lines = seed_lines(0)
    paths = {}
    for name, line in ADVERSARIAL_LINES.items():
        for at in (10, 40, len(lines) - 3):        # narrative, a table, part 五/六
            p = tmp_path / f"{name}-{at}.txt"
            p.write_text(with_line(lines, at, line), encoding="utf-8")
            paths[p.name] = str(p)
    result = run_bounded(f"""
        import json
        from engine.ingest import read_document
        from engine.parse import NotAReportError, parse_document
        out = {{}}
        for name, path in {paths!r}.items():
            try:
                parse_document(read_document(path)); out[name] = "ok"
            except NotAReportError:
                out[name] = "not_a_report"
        print(json.dumps(out))
    """)
    assert set(result) == set(paths)


def test_adversarial_text_through_the_cross_year_scans_finishes():
    result = run_bounded(f"""
        import json
        from engine.facts.crossyear import masked_chars, split_problems
        from tests.hostile_support import ADVERSARIAL_LINES
        lines = list(ADVERSARIAL_LINES.values())
        n = 0
        for line in lines:
            split_problems("存在的主要问题:" + line); masked_chars(line + "年"); n += 1
        print(json.dumps({{"n": n}}))
    """)
    assert result["n"] == len(ADVERSARIAL_LINES)


def test_every_pattern_of_the_readers_and_parser_is_linear_on_pumped_lines():
    """Every module-level compiled pattern of engine.parse / engine.facts / engine.evaluate / engine.ingest, searched
    over lines pumping each character its pattern names (and pairs of them): 10,000 characters per
    line. A pattern with nested or adjacent overlapping quantifiers, or an unanchored leading run,
    takes minutes here."""
    result = run_bounded("""
        import json
        from tests.regex_pump import pump_all
        print(json.dumps(pump_all(10_000)))
    """)
    assert result["patterns"] > 50 and result["lines"] > 1000


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------

NOT_TEXT_CHARSETS = ("uu", "hex", "base64", "zlib", "rot13", "bz2", "quopri", "undefined", "idna",
                     "punycode", "unicode_escape", "x-unknown-charset")


@pytest.mark.parametrize("charset", NOT_TEXT_CHARSETS)
def test_a_non_text_charset_declaration_falls_back_to_detection(tmp_path, charset):
    page = tmp_path / "report.html"
    page.write_bytes(html_page("<p>政府信息公开工作年度报告</p><p>一、总体情况</p>",
                               head=f'<meta charset="{charset}">'))
    doc = read_document(page)
    assert any("总体情况" in line.text for line in doc.lines)


def test_a_big_plain_html_table_is_read(tmp_path):
    """12,000 rows: html.table_grid used to scan to the section end for every cell (quadratic)."""
    rows = "".join(f"<tr><td>第{i}行</td><td>{i}</td><td>0</td></tr>" for i in range(12_000))
    page = tmp_path / "big.html"
    page.write_bytes(html_page(f"<p>报告</p><table>{rows}</table>"))
    result = run_bounded(f"""
        import json
        from engine.ingest import read_document
        doc = read_document({str(page)!r})
        print(json.dumps({{"rows": sum(1 for l in doc.lines if l.table)}}))
    """)
    assert result["rows"] == 12_000


@pytest.mark.parametrize("span", ['rowspan="0" colspan="1000"', 'rowspan="65534" colspan="1000"'])
def test_a_span_bomb_is_too_large_before_expansion(tmp_path, span):
    rows = "".join(f'<tr><td {span}>x</td><td>1</td></tr>' for _ in range(2_000))
    page = tmp_path / "bomb.html"
    page.write_bytes(html_page(f"<table>{rows}</table>"))
    result = run_bounded(f"""
        import json, resource
        from engine.ingest import IngestError, read_document
        try:
            read_document({str(page)!r}); status = "read"
        except IngestError as exc:
            status = exc.status
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({{"status": status, "peak_mb": peak_mb}}))
    """)
    assert result["status"] == "too_large"
    # 2,000 × 2,000 × 1,000 positions would be gigabytes if expanded before the check
    assert result["peak_mb"] < 600


def test_table_grid_counts_positions_before_expanding():
    import lxml.html

    from engine.ingest.html import GridTooLarge, table_grid
    table = lxml.html.fromstring('<table>' + '<tr><td rowspan="0" colspan="1000">x</td></tr>' * 50
                                 + '</table>')
    with pytest.raises(GridTooLarge):
        table_grid(table, max_cells=10_000)
    assert len(table_grid(table, max_cells=10**9)) == 50


# ------------------------------------------------------------------------------------------
# DOCX
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", [99, 97, 1])    # AES marker, unknown ids, "shrunk"
def test_a_docx_with_an_unsupported_compression_is_unsupported(tmp_path, method):
    path = tmp_path / "report.docx"
    path.write_bytes(docx_with_compression(DOCUMENTS / "seed-000.docx", method))
    with pytest.raises(IngestError) as err:
        read_document(path)
    assert err.value.status == "unsupported"
    assert "压缩方式" in err.value.message


# ------------------------------------------------------------------------------------------
# Numbers
# ------------------------------------------------------------------------------------------

def test_a_25_digit_amount_in_yi_yuan_converts_exactly():
    from engine.parse.units import convert
    assert convert(Decimal("1234567890123456789012345"), "亿元", "万元") == \
        Decimal("12345678901234567890123450000")
    assert convert(Decimal("1234567890123456789012345.5"), "元", "万元") == \
        Decimal("123456789012345678901.23455")


def test_a_report_with_a_25_digit_amount_in_yi_yuan_parses(tmp_path):
    lines = seed_lines(0)
    i = next(i for i, line in enumerate(lines) if line.startswith("行政事业性收费"))
    path = tmp_path / "r.txt"
    path.write_text(with_line(lines, i, "行政事业性收费\t1234567890123456789012345亿元"), encoding="utf-8")
    from engine.parse import parse_document
    parse_document(read_document(path))


def _parse_cli(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", "parse", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


def test_parse_prints_a_report_with_a_5000_digit_cell(tmp_path):
    lines = seed_lines(0)
    i = next(i for i, line in enumerate(lines) if line.startswith("规章"))
    path = tmp_path / "r.txt"
    path.write_text(with_line(lines, i, "规章\t" + "9" * 5000 + "\t0\t0"), encoding="utf-8")
    done = _parse_cli(path)
    assert done.returncode == 0, done.stderr
    model = json.loads(done.stdout)
    cell = model["tables"]["active"]["cells"]["active.item1.规章.本年制发件数"]
    assert cell["kind"] != "number" and cell["value"] is None     # no figure has 5,000 digits


def test_a_sixteen_digit_cell_is_left_out_of_the_engine_fact_not_a_broken_report():
    from engine.facts import ENGINE_DEC_BOUND, _dec, engine_form, json_form_function
    big = Decimal("1234567890123456")
    assert big > ENGINE_DEC_BOUND
    assert _dec({"type": "cell"}, "v", big) is None
    fact = {"type": "cell", "id": "0", "v": big, "addr": "x"}
    visible = (("addr", "str", True), ("v", "dec", True))
    assert engine_form(fact, visible, "w") == {"sid": "w", "id": "0", "type": "cell", "addr": "x"}
    assert json.loads(json_form_function(visible)(fact, "w")) == engine_form(fact, visible, "w")
    assert engine_form({**fact, "v": Decimal(5)}, visible, "w")["v"] == 50_000
    assert engine_form({**fact, "v": -big}, visible, "w") == engine_form(fact, visible, "w")


def test_a_sum_with_a_sixteen_digit_cell_is_not_assessable():
    from engine.facts.extractors.sums import sum_fact
    from tests.text_support import report_from_parts
    cells = {f"review.行政复议.{c}": 0 for c in ("结果维持", "结果纠正", "其他结果", "尚未审结")}
    report = report_from_parts({"一": "总体情况"}, cells={**cells, "review.行政复议.总计": "1234567890123456"})
    fact = sum_fact(report, {"rule": "R", "inst": "row:行政复议", "table": "review", "axis": "row",
                             "at": "行政复议", "left": ["总计"],
                             "right": ["结果维持", "结果纠正", "其他结果", "尚未审结"]})
    assert fact["known"] is False and "review.行政复议.总计" in fact["unknown"]


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_a_sixteen_digit_cell_gets_a_reason_that_says_too_large_not_blank(tmp_path, engine):
    """The sums a 16-digit cell enters are not assessable with a reason naming the value as too large
    for the engine (not "未填有效数值", which blames a blank cell), charged to manual review (our
    limit, never scored), and every other result of the report stands."""
    from engine.evaluate import evaluate
    from engine.parse import parse_document
    from engine.rules import load_catalog
    lines = seed_lines(0)
    i = next(i for i, line in enumerate(lines) if line.startswith("一、本年新收政府信息公开申请数量"))
    cells = lines[i].split("\t")
    cells[2] = "1234567890123456"           # 自然人
    path = tmp_path / "r.txt"
    path.write_text(with_line(lines, i, "\t".join(cells)), encoding="utf-8")
    results = evaluate(parse_document(read_document(path)), load_catalog(ROOT / "rules"), engine=engine)
    huge = [r for r in results if r.outcome == "not_assessable" and "applications.一.自然人" in r.cells]
    assert {r.rule_id for r in huge} >= {"XXGK-R301", "XXGK-R303"}
    for r in huge:
        assert "数值过大" in r.reason and "超出本程序能够计算的范围" in r.reason and "未填" not in r.reason
        assert r.charge == "manual" and "数值过大" in r.charge_reason
    assert not any(r.outcome == "error" for r in results)


def test_a_sum_too_large_for_the_engine_is_manual_with_an_accurate_reason(tmp_path):
    """Two 15-digit cells, each within the engine's range, whose sum is not: the row's identity is
    not assessable because the SUM is too large (no cell to blame), charged to manual review."""
    from engine.evaluate import evaluate
    from engine.parse import parse_document
    from engine.rules import load_catalog
    lines = seed_lines(0)
    i = next(i for i, line in enumerate(lines) if line.startswith("一、本年新收政府信息公开申请数量"))
    cells = lines[i].split("\t")
    cells[2] = cells[3] = "300000000000000"          # 自然人, 商业企业: 3 × 10^14 each
    path = tmp_path / "r.txt"
    path.write_text(with_line(lines, i, "\t".join(cells)), encoding="utf-8")
    results = evaluate(parse_document(read_document(path)), load_catalog(ROOT / "rules"))
    row = next(r for r in results if r.rule_id == "XXGK-R301" and r.outcome == "not_assessable")
    assert "各项之和数值过大" in row.reason and "未填" not in row.reason
    assert row.charge == "manual" and "数值过大" in row.charge_reason


# ------------------------------------------------------------------------------------------
# PDF
# ------------------------------------------------------------------------------------------

def test_a_flate_bomb_pdf_is_too_large_before_pdfium_inflates_it(tmp_path):
    from tests.hostile_support import pdf_with_stream
    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf_with_stream(inflated_zero_bytes=600 << 20))      # ~600 KB on disk
    result = run_bounded(f"""
        import json, resource
        from engine.ingest import IngestError, read_document
        try:
            read_document({str(path)!r}); status = "read"
        except IngestError as exc:
            status = exc.status
        print(json.dumps({{"status": status,
                          "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
    """)
    assert result["status"] == "too_large" and result["peak_mb"] < 400


def test_an_ordinary_flate_stream_is_read(tmp_path):
    import zlib

    from engine.ingest.pdf_guard import check_pdf
    from engine.ingest import DEFAULT_LIMITS
    from tests.hostile_support import pdf_with_stream
    data = pdf_with_stream(b"BT /F1 12 Tf 72 720 Td (hello) Tj ET")
    check_pdf(tmp_path / "x.pdf", data, DEFAULT_LIMITS)
    flate = data.replace(b"<< /Length", b"<< /Filter /FlateDecode /Length").replace(
        b"BT /F1 12 Tf 72 720 Td (hello) Tj ET", zlib.compress(b"BT ET " * 100_000))
    check_pdf(tmp_path / "y.pdf", flate, DEFAULT_LIMITS)          # 600 KB inflated: no bomb


def test_form_xobjects_drawing_each_other_are_too_large_before_pdfium(tmp_path):
    """Each form draws the one below twice, 30 levels: 2^30 parses in PDFium (minutes, gigabytes)."""
    from tests.hostile_support import pdf_with_nested_forms
    path = tmp_path / "forms.pdf"
    path.write_bytes(pdf_with_nested_forms(30))
    result = run_bounded(f"""
        import json
        from engine.ingest import IngestError, read_document
        try:
            read_document({str(path)!r}); status = "read"
        except IngestError as exc:
            status = exc.status
        print(json.dumps({{"status": status}}))
    """)
    assert result["status"] == "too_large"


def test_a_few_nested_forms_are_read(tmp_path):
    from engine.ingest.pdf_guard import check_forms
    from tests.hostile_support import pdf_with_nested_forms
    check_forms(tmp_path / "ok.pdf", pdf_with_nested_forms(6))      # 2^6 uses: an ordinary file
