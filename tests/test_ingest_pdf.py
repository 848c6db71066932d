"""PDF ingestion: real published PDFs (values read by hand from the pages), cross-page tables,
locations, and the statuses for broken, scanned and oversized files."""
from __future__ import annotations

import re
import zlib

import pytest

from engine.ingest import IngestError, Limits, read_document
from ingest_support import (DOCUMENTS, HONGZE, HUAIAN, cells, expected_cells, parse_or_skip, row_with,
                            table_lines, values_after)
from real_support import real_file

HUAIAN_PDF = "huaian-shizhengfu-2024.pdf"
HONGZE_PDF = "hongze-quzhengfu-2023.pdf"


@pytest.fixture(scope="module")
def huaian():
    return read_document(real_file(HUAIAN_PDF))


@pytest.fixture(scope="module")
def hongze():
    return read_document(real_file(HONGZE_PDF))


@pytest.mark.parametrize("name", ["huaian", "hongze"])
def test_every_table_row_of_the_real_pdfs_has_the_printed_values(name, request):
    doc = request.getfixturevalue(name)
    expected = {"huaian": HUAIAN, "hongze": HONGZE}[name]
    for label, values in expected["active"].items():
        line = row_with(doc, label)
        assert [c for c in values_after(line, label) if c] == list(values), line.text
    for label, values in expected["applications"].items():
        line = row_with(doc, label)
        assert cells(line)[-7:] == list(values), (label, line.text)
        assert all(c == "" for c in values_after(line, label)[:-7]), line.text   # only spanned label columns
    review = [ln for ln in table_lines(doc) if all(re.fullmatch(r"\d+", c) for c in cells(ln))]
    assert [cells(ln) for ln in review] == [list(expected["review"])]


def test_huaian_requests_table_split_over_pages_4_and_5_is_one_table(huaian):
    start = row_with(huaian, "一、本年新收")
    rows = [ln for ln in huaian.lines if ln.table == start.table]
    assert {ln.page for ln in rows} == {4, 5}
    assert [ln.row for ln in rows] == list(range(1, len(rows) + 1))
    assert sum("申请人情况" in ln.text for ln in rows) == 1          # the header is not repeated
    assert row_with(huaian, "四、结转下年度继续办理").table == start.table
    # the continuation keeps the ten grid positions of the first part
    assert all(len(cells(ln)) == 10 for ln in rows if ln.page == 5)


def test_hongze_single_other_row_in_a_2021_report(hongze):
    line = row_with(hongze, "（六）其他处理")
    assert cells(line) == ["", "（六）其他处理", "", "0", "0", "0", "0", "0", "0", "0"]
    assert not any("申请人无正当理由" in ln.text for ln in hongze.lines)


def test_hongze_header_cell_cut_by_the_page_break_is_not_lost(hongze):
    # page 3 starts inside the active table; pdfplumber finds no cell around 信息内容 there.
    # The continuation keeps the four positions of the table's first part (as the DOCX grid would).
    line = row_with(hongze, "行政处罚")
    previous = hongze.lines[line.no - 2]
    assert cells(previous) == ["信息内容", "本年处理决定数量", "", ""] and previous.page == 3
    assert previous.table == row_with(hongze, "规章").table


def test_locations_are_in_the_pdfs_own_terms(huaian):
    first = huaian.lines[0]
    assert (first.text, first.where, first.page, first.table) == ("淮安市人民政府", "第1页第1行", 1, None)
    line = row_with(huaian, "行政处罚")
    assert (line.page, line.table, line.row) == (4, 1, 8)
    assert line.where == "第4页（第1个表格第8行）"
    assert [ln.no for ln in huaian.lines] == list(range(1, len(huaian.lines) + 1))
    assert huaian.pages == 6 and huaian.format == "pdf"


def test_table_text_is_not_duplicated_and_page_numbers_are_dropped(huaian):
    assert sum("3985758" in ln.text for ln in huaian.lines) == 1
    assert sum("行政复议" in ln.text for ln in table_lines(huaian)) == 1
    assert not any(re.fullmatch(r"-\s*\d+\s*-", ln.text) for ln in huaian.lines)
    # paragraphs around the tables are still there, in reading order
    texts = [ln.text for ln in huaian.lines]
    assert texts.index("三、收到和处理政府信息公开申请情况") < texts.index(row_with(huaian, "一、本年新收").text)
    assert "六、其他需要报告的事项" in texts


def test_boxed_paragraphs_are_text_not_tables(huaian, hongze):
    # page 1 of both reports draws a box around the opening paragraph: not a table
    assert not any(ln.table for ln in huaian.lines if ln.page == 1)
    assert not any(ln.table for ln in hongze.lines if ln.page == 1)
    assert any(ln.text.startswith("本报告由淮安市人民政府办公室") for ln in huaian.lines)


@pytest.mark.parametrize("name,expected", [("huaian", HUAIAN), ("hongze", HONGZE)])
def test_parser_reads_every_cell_of_the_real_pdfs(name, expected):
    parse = parse_or_skip()
    report = parse(read_document(real_file({"huaian": "huaian-shizhengfu-2024.pdf",
                                         "hongze": "hongze-quzhengfu-2023.pdf"}[name])))
    wrong = {}
    for address, value in expected_cells(expected).items():
        cell = report.cell(address)
        if cell is None or cell.kind != "number" or cell.value != value:
            wrong[address] = (value, None if cell is None else (cell.kind, cell.value, cell.raw))
    assert not wrong
    assert report.metadata.template == "2021"
    if name == "hongze":
        assert report.tables["applications"].variant == "single"


# ------------------------------------------------------------------------------------------
# Statuses
# ------------------------------------------------------------------------------------------

def minimal_pdf(content: bytes, resources: bytes = b"<< >>", extra_objects: list[bytes] = (), size: int = 200) -> bytes:
    """A small, valid PDF (correct xref offsets) with one page and the given content stream."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents" % (size, size) + b" 4 0 R /Resources " + resources + b" >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               *extra_objects]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def image_only_pdf() -> bytes:
    """What a scanner produces: a page that is one picture, no text layer."""
    pixels = zlib.compress(bytes([0x80]) * (16 * 16))
    image = (b"<< /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels) + pixels + b"\nendstream")
    return minimal_pdf(b"q 200 0 0 200 0 0 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>", [image])


def text_pdf() -> bytes:
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    return minimal_pdf(b"BT /F1 12 Tf 20 100 Td (Annual report 2024) Tj ET", b"<< /Font << /F1 5 0 R >> >>", [font])


def test_hand_made_pdf_with_text_is_read(tmp_path):
    path = tmp_path / "ok.pdf"
    path.write_bytes(text_pdf())
    doc = read_document(path)
    assert [ln.text for ln in doc.lines] == ["Annual report 2024"]


def test_pdf_without_text_layer_is_scanned(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_only_pdf())
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "scanned"
    assert "没有文字层" in info.value.message and "OCR" in info.value.message


@pytest.mark.parametrize("damage", ["truncated", "garbage", "no_pages"])
def test_corrupt_pdf_is_broken(tmp_path, damage):
    data = real_file(HUAIAN_PDF).read_bytes()
    content = {"truncated": data[:4000],
               "garbage": b"%PDF-1.7\n" + bytes(range(256)) * 40,
               "no_pages": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"}[damage]
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "broken"
    assert str(path) in info.value.message


def test_pdf_page_cap(tmp_path):
    with pytest.raises(IngestError) as info:
        read_document(real_file(HUAIAN_PDF), Limits(max_pages=5))
    assert info.value.status == "too_large" and "6 页" in info.value.message


def test_pdf_time_cap():
    with pytest.raises(IngestError) as info:
        read_document(real_file(HUAIAN_PDF), Limits(max_seconds=0))
    assert info.value.status == "timeout"


def test_oversized_pdf(tmp_path):
    with pytest.raises(IngestError) as info:
        read_document(real_file(HUAIAN_PDF), Limits(max_bytes=100_000))
    assert info.value.status == "too_large"


def test_pdf_renamed_txt_is_still_read_as_pdf(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(text_pdf())
    assert read_document(path).format == "pdf"


def test_row_broken_across_a_page_break_is_joined():
    # LibreOffice let the （六）2 row of seed 002 break across pages 2 and 3: the label's end and the
    # 总计 cell are on page 3. The two halves are one row.
    doc = read_document(DOCUMENTS / "seed-002.pdf")
    line = row_with(doc, "2.申请人逾期未按收费通知要求缴纳费用")
    assert cells(line) == ["", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                           *["0"] * 7]
    following = doc.lines[line.no]
    assert cells(following)[2] == "3.其他" and following.page == 3 and following.row == line.row + 1


def test_huge_ruled_grid_is_read_as_text(tmp_path):
    # 60 × 60 ruling lines = 3481 cells: beyond any report table, so no per-cell work is done
    ops = [b"BT /F1 8 Tf 20 5 Td (Annual report 2024) Tj ET"]
    for i in range(60):
        at = 10 + i * 9
        ops.append(b"10 %d m 541 %d l S %d 10 m %d 541 l S" % (at, at, at, at))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    data = minimal_pdf(b"\n".join(ops), b"<< /Font << /F1 5 0 R >> >>", [font], size=600)
    from engine.ingest.pdf_page import find_tables, load_page, open_document
    pdf = open_document(data)
    page = load_page(pdf, 0)
    assert max(len(t.cells) for t in find_tables(page)) > 3000      # the grid is there to be found
    page.close()
    pdf.close()
    path = tmp_path / "grid.pdf"
    path.write_bytes(data)
    doc = read_document(path)
    assert [ln.text for ln in doc.lines] == ["Annual report 2024"] and not table_lines(doc)


def test_encrypted_pdf_is_broken_with_the_reason():
    with pytest.raises(IngestError) as info:
        read_document(DOCUMENTS / "encrypted.pdf")
    assert info.value.status == "broken" and "已加密" in info.value.message


def _cid_pdf(hex_codes: bytes, plain: bytes = b"") -> bytes:
    """A page whose text uses a CID font without a ToUnicode map (glyph numbers, no characters)."""
    font = b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [6 0 R] >>"
    descendant = (b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo << /Registry (Adobe) "
                  b"/Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
    helvetica = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    content = b"BT /F1 12 Tf 20 100 Td <" + hex_codes + b"> Tj ET"
    if plain:
        content += b" BT /F2 12 Tf 20 150 Td (" + plain + b") Tj ET"
    return minimal_pdf(content, b"<< /Font << /F1 5 0 R /F2 7 0 R >> >>", [font, descendant, helvetica])


def test_pdf_whose_text_cannot_be_decoded_is_unreadable(tmp_path):
    path = tmp_path / "nomap.pdf"
    path.write_bytes(_cid_pdf(b"0041004200430044"))
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "unreadable" and "无法解码" in info.value.message


def test_a_few_undecodable_glyphs_are_noted(tmp_path):
    path = tmp_path / "partly.pdf"
    path.write_bytes(_cid_pdf(b"0041", plain=b"Annual report 2024"))
    doc = read_document(path)
    assert "Annual report 2024" in [ln.text for ln in doc.lines]
    assert [n.code for n in doc.notes] == ["PDF_UNMAPPED_GLYPHS"]
