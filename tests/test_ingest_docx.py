"""DOCX ingestion: merged cells resolved from the Word grid, document order, locations, and the
statuses for zip bombs, damaged packages and old .doc files."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from engine.ingest import IngestError, Limits, read_document
from ingest_support import DOCUMENTS, cells, row_with, table_lines
from real_support import real_file

TEMPLATE = "template-2021-blank.docx"


@pytest.fixture(scope="module")
def template():
    return read_document(real_file(TEMPLATE))


def test_horizontal_merges_appear_once_with_empty_spanned_positions(template):
    first = [ln for ln in template.lines if ln.table == 3][0]
    assert cells(first) == ["行政复议"] + [""] * 4 + ["行政诉讼"] + [""] * 9
    item5 = row_with(template, "第二十条第（五）项")
    assert cells(item5) == ["第二十条第（五）项", "", "", ""]


def test_vertical_merges_keep_their_text_in_the_first_row_only(template):
    apps = [ln for ln in template.lines if ln.table == 2]
    assert sum(cells(ln)[0] == "三、本年度办理结果" for ln in apps) == 1
    assert sum("（三）不予公开" in ln.text for ln in apps) == 1
    second = row_with(template, "2.其他法律行政法规禁止公开")
    assert cells(second)[:3] == ["", "", "2.其他法律行政法规禁止公开"]
    # the header cell spanning three rows and three columns
    assert cells(apps[1])[:4] == ["", "", "", "自然人"]


def test_every_row_keeps_the_grid_width_and_blank_cells_stay_blank(template):
    apps = [ln for ln in template.lines if ln.table == 2]
    assert len(apps) == 28 and all(len(cells(ln)) == 10 for ln in apps)
    review = [ln for ln in template.lines if ln.table == 3]
    assert cells(review[-1]) == [""] * 15         # the blank data row is there, blank


def test_paragraphs_and_tables_in_document_order(template):
    texts = [ln.text for ln in template.lines]
    assert texts[0] == "政府信息公开工作年度报告格式模板"
    assert texts.index("二、主动公开政府信息情况") < texts.index(row_with(template, "规章").text) \
        < texts.index("三、收到和处理政府信息公开申请情况")
    assert template.lines[0].where == "第1段" and template.lines[0].table is None
    line = row_with(template, "行政处罚")
    assert (line.where, line.table, line.row) == ("第1个表格第10行", 1, 10)
    assert line.page is None


def test_seed_000_keeps_its_blank_review_cells():
    doc = read_document(DOCUMENTS / "seed-000.docx")
    review = [ln for ln in doc.lines if ln.table == 3]
    assert cells(review[-1]) == [""] * 5 + ["0"] * 10
    assert cells(row_with(doc, "（六）其他处理")) == ["", "（六）其他处理", "", *["0"] * 7]


def test_seed_004_short_rows_stay_short():
    doc = read_document(DOCUMENTS / "seed-004.docx")
    short = row_with(doc, "（一）予以公开")
    assert cells(short) == ["三、本年度办理结果", "（一）予以公开", "", *["0"] * 6]    # no invented 7th cell
    full = row_with(doc, "8.属于行政查询事项")
    assert cells(full)[-7:] == ["0"] * 7 and len(cells(full)) == 10


def test_cell_paragraphs_and_grid_before(tmp_path):
    document = docx.Document()
    document.add_paragraph("标题")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "规章"
    table.cell(0, 1).paragraphs[0].text = ""
    table.cell(0, 1).add_paragraph("12")
    table.cell(0, 2).text = "本年\n新制作"
    row = table.rows[1]._tr
    row.remove(row.findall(qn("w:tc"))[0])        # the second row starts one column in
    trpr = row.get_or_add_trPr()
    trpr.append(trpr.makeelement(qn("w:gridBefore"), {qn("w:val"): "1"}))
    row.findall(qn("w:tc"))[0].find(qn("w:p")).append(_run("5"))
    document.add_paragraph("第一行\n第二行")
    path = tmp_path / "small.docx"
    document.save(path)
    doc = read_document(path)
    assert [ln.text for ln in doc.lines] == ["标题", "规章\t12\t本年新制作", "\t5\t", "第一行", "第二行"]
    assert [ln.where for ln in doc.lines] == ["第1段", "第1个表格第1行", "第1个表格第2行", "第2段", "第2段"]


def test_layout_tables_are_read_as_paragraphs_and_tables(tmp_path):
    document = docx.Document()
    box = document.add_table(rows=1, cols=1)            # a box around the title
    box.cell(0, 0).text = "某镇人民政府2024年政府信息公开工作年度报告"
    frame = document.add_table(rows=1, cols=2)          # a layout table holding the data table
    frame.cell(0, 0).text = "一、总体情况"
    inner = frame.cell(0, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "规章"
    inner.cell(0, 1).text = "3"
    path = tmp_path / "layout.docx"
    document.save(path)
    doc = read_document(path)
    assert [(ln.text, ln.table) for ln in doc.lines] == [
        ("某镇人民政府2024年政府信息公开工作年度报告", None), ("一、总体情况", None), ("规章\t3", 1)]


def _run(text):
    from docx.oxml import OxmlElement
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    r.append(t)
    return r


# ------------------------------------------------------------------------------------------
# Statuses
# ------------------------------------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_zip_bomb_by_ratio(tmp_path):
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (8 * 1024 * 1024)})
    path = tmp_path / "bomb.docx"
    path.write_bytes(bomb)
    assert len(bomb) < 100_000
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "too_large" and "压缩" in info.value.message


def test_zip_bomb_by_total_size(tmp_path):
    members = {f"word/media/part{i}.bin": bytes(range(256)) * 4096 for i in range(4)}   # 4 × 1 MB, ratio low
    path = tmp_path / "big.docx"
    path.write_bytes(_zip({"word/document.xml": b"<w:document/>", **members}))
    with pytest.raises(IngestError) as info:
        read_document(path, Limits(max_unzipped_bytes=3 * 1024 * 1024, max_zip_ratio=10_000))
    assert info.value.status == "too_large" and "解压后" in info.value.message


@pytest.mark.parametrize("case", ["truncated", "not_word", "bad_xml"])
def test_damaged_docx_is_broken(tmp_path, case):
    good = (DOCUMENTS / "seed-000.docx").read_bytes()
    data = {"truncated": good[: len(good) // 2],
            "not_word": _zip({"xl/workbook.xml": b"<workbook/>"}),
            "bad_xml": _zip({"[Content_Types].xml": b"<Types", "word/document.xml": b"<w:document"})}[case]
    path = tmp_path / "bad.docx"
    path.write_bytes(data)
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "broken"
    assert str(path) in info.value.message and "Word" in info.value.message


def test_old_word_doc_is_unsupported_with_a_clear_reason(tmp_path):
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "unsupported"
    assert ".doc" in info.value.message and ".docx" in info.value.message


def test_docx_time_cap():
    with pytest.raises(IngestError) as info:
        read_document(DOCUMENTS / "seed-002.docx", Limits(max_seconds=0))
    assert info.value.status == "timeout"


def test_docx_line_cap():
    with pytest.raises(IngestError) as info:
        read_document(DOCUMENTS / "seed-002.docx", Limits(max_lines=20))
    assert info.value.status == "too_large"


def test_table_rows_are_marked_with_their_table(template):
    assert {ln.table for ln in table_lines(template)} == {1, 2, 3}


def test_text_box_stored_twice_is_read_once(tmp_path):
    from lxml import etree
    document = docx.Document()
    paragraph = document.add_paragraph("正文")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = (f'<w:r xmlns:w="{w}" xmlns:mc="{mc}"><mc:AlternateContent>'
           f'<mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>框内文字</w:t></w:r></w:p>'
           f'</w:txbxContent></w:drawing></mc:Choice>'
           f'<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>框内文字</w:t></w:r></w:p></w:txbxContent>'
           f'</w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    paragraph._p.append(etree.fromstring(box))
    path = tmp_path / "box.docx"
    document.save(path)
    assert [ln.text for ln in read_document(path).lines] == ["正文框内文字"]
