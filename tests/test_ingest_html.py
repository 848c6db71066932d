"""HTML ingestion: the Shanghai 2019 page (rowspan/colspan grids, blank 总计 cells), declared
charsets including GBK, and hostile spans."""
from __future__ import annotations

import time
from decimal import Decimal

import pytest

from engine.ingest import IngestError, Limits, read_document
from engine.template import APPLICANT_COLUMNS
from ingest_support import cells, parse_or_skip, row_with
from real_support import real_file

SHANGHAI = "shanghai-bangongting-2019.html"

# Read by hand from the page's table: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
# ("" = the cell is there and empty). The 总计 column of the outcome rows is blank in the source.
SHANGHAI_APPLICATIONS = {
    "一、本年新收": ("821", "35", "", "", "2", "1", "859"),
    "二、上年结转": ("18", "", "", "", "", "", "18"),
    "（一）予以公开": ("258", "12", "", "", "1", "1", ""),
    "（二）部分公开": ("3", "", "", "", "", "", ""),
    "1.属于国家秘密": ("14", "", "", "", "", "", ""),
    "5.属于三类内部事务信息": ("5", "", "", "", "", "", ""),
    "6.属于四类过程性信息": ("3", "1", "", "", "", "", ""),
    "8.属于行政查询事项": ("10", "2", "", "", "", "", ""),
    "1.本机关不掌握相关政府信息": ("252", "12", "", "", "1", "", ""),
    "2.没有现成信息需要另行制作": ("44", "3", "", "", "", "", ""),
    "3.补正后申请内容仍不明确": ("25", "", "", "", "", "", ""),
    "1.信访举报投诉类申请": ("148", "1", "", "", "", "", ""),
    "2.重复申请": ("5", "4", "", "", "", "", ""),
    "（六）其他处理": ("", "", "", "", "", "", ""),
    "（七）总计": ("767", "35", "", "", "2", "1", "805"),
    "四、结转下年度继续办理": ("72", "", "", "", "", "", "72"),
}
SHANGHAI_REVIEW = ("5", "", "", "2", "7", "8", "", "", "1", "9", "", "", "", "", "")


@pytest.fixture(scope="module")
def shanghai():
    return read_document(real_file(SHANGHAI))


def test_shanghai_requests_table_with_blank_cells(shanghai):
    for label, values in SHANGHAI_APPLICATIONS.items():
        line = row_with(shanghai, label)
        assert len(cells(line)) == 10, line.text
        assert tuple(cells(line)[-7:]) == values, label


def test_shanghai_review_and_2019_active_table(shanghai):
    review = [ln for ln in shanghai.lines if ln.table == 3]
    assert tuple(cells(review[-1])) == SHANGHAI_REVIEW
    # 2019 item1: the 本年新公开数量 cell spans two grid columns
    assert cells(row_with(shanghai, "规章")) == ["规章", "13", "13", "", "524"]
    assert cells(row_with(shanghai, "政府集中采购")) == ["政府集中采购", "6", "", "251000元", ""]
    assert cells(row_with(shanghai, "其他对外管理服务事项")) == ["其他对外管理服务事项", "0", "", "0", "0"]


def test_shanghai_text_blocks_and_locations(shanghai):
    first = shanghai.lines[0]
    assert (first.text, first.where) == ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "第1段")
    assert shanghai.lines[1].text == "发布日期：2020-01-31"
    line = row_with(shanghai, "（七）总计")
    assert (line.where, line.table, line.row) == ("第2个表格第25行", 2, 25)
    assert shanghai.lines[-1].text == "无。"
    assert shanghai.encoding == "utf-8" and shanghai.format == "html"


def test_parser_reads_shanghai_as_2019_with_blank_totals(shanghai):
    parse = parse_or_skip()
    report = parse(shanghai)
    assert report.metadata.template == "2019"
    assert report.tables["applications"].variant == "single"
    for label, values in SHANGHAI_APPLICATIONS.items():
        key = {"一、本年新收": "一", "二、上年结转": "二", "（一）予以公开": "三.一", "（二）部分公开": "三.二",
               "1.属于国家秘密": "三.三.1", "5.属于三类内部事务信息": "三.三.5", "6.属于四类过程性信息": "三.三.6",
               "8.属于行政查询事项": "三.三.8", "1.本机关不掌握相关政府信息": "三.四.1",
               "2.没有现成信息需要另行制作": "三.四.2", "3.补正后申请内容仍不明确": "三.四.3",
               "1.信访举报投诉类申请": "三.五.1", "2.重复申请": "三.五.2", "（六）其他处理": "三.六",
               "（七）总计": "三.七", "四、结转下年度继续办理": "四"}[label]
        for column, value in zip(APPLICANT_COLUMNS, values):
            cell = report.cell(f"applications.{key}.{column}")
            if value:
                assert (cell.kind, cell.value) == ("number", Decimal(value)), (key, column)
            else:
                assert cell.kind == "blank", (key, column, cell)
    assert report.cell("active.item1.规章.对外公开总数量").value == Decimal(524)


# ------------------------------------------------------------------------------------------
# Charsets
# ------------------------------------------------------------------------------------------

GBK_BODY = ("<p>朱镕基同志的讲话（镕为GBK字符，不在GB2312中）。</p>"
            "<table><tr><td>规章</td><td>3</td></tr></table>")


@pytest.mark.parametrize("declaration", [
    '<meta charset="gb2312">',
    '<meta http-equiv="Content-Type" content="text/html; charset=GBK">',
    '<meta charset="GB18030">',
])
def test_declared_chinese_charsets(tmp_path, declaration):
    page = f"<html><head>{declaration}<title>t</title></head><body>{GBK_BODY}</body></html>"
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode("gb18030"))
    doc = read_document(path)
    assert doc.lines[0].text == "朱镕基同志的讲话（镕为GBK字符，不在GB2312中）。"
    assert doc.lines[1].text == "规章\t3"
    assert doc.encoding == "gb18030"


def test_undeclared_gbk_page_is_detected(tmp_path):
    text = ("本年度报告根据《中华人民共和国政府信息公开条例》的要求编制，全文包括总体情况、主动公开政府信息情况、"
            "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况。") * 3
    path = tmp_path / "page.html"
    path.write_bytes(f"<html><body><p>{text}</p></body></html>".encode("gbk"))
    doc = read_document(path)
    assert doc.lines[0].text == text


def test_wrong_declaration_falls_back_to_the_content(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes('<html><head><meta charset="gbk"></head><body><p>政府信息公开工作年度报告，统计期限自2024年1月1日至12月31日。</p></body></html>'.encode("utf-8"))
    doc = read_document(path)
    assert doc.lines[0].text == "政府信息公开工作年度报告，统计期限自2024年1月1日至12月31日。"
    assert any(n.code == "HTML_CHARSET_MISMATCH" for n in doc.notes)


# ------------------------------------------------------------------------------------------
# Grids
# ------------------------------------------------------------------------------------------

def _read(tmp_path, body: str, limits: Limits = Limits()):
    path = tmp_path / "t.html"
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    return read_document(path, limits)


def test_rowspan_and_colspan_make_a_grid(tmp_path):
    doc = _read(tmp_path, """<table>
        <tr><td rowspan="2" colspan="2">法人或<br>其他组织</td><td>c</td></tr>
        <tr><td>d</td></tr>
        <tr><td>e</td><td></td><td>f</td></tr>
        <tr><td>g</td></tr>
        </table>""")
    assert [ln.text for ln in doc.lines] == ["法人或其他组织\t\tc", "\t\td", "e\t\tf", "g"]
    assert [ln.where for ln in doc.lines] == [f"第1个表格第{i}行" for i in range(1, 5)]


def test_layout_tables_are_read_as_blocks_and_scripts_are_skipped(tmp_path):
    # government sites wrap the whole article in a layout table; a one-cell table is a box
    doc = _read(tmp_path, """<script>var x = "不要";</script><style>p{}</style>
        <table width="100%"><tr><td class="nav">首页</td></tr><tr><td>
          <div>一、总体情况<br>正文</div>
          <table border="1"><tr><td>规章</td><td>1</td></tr><tr><td>行政规范性文件</td><td></td></tr></table>
          <p>二、结尾</p>
        </td></tr></table>
        <table><tr><td><p>方框里的话</p></td></tr></table>""")
    assert [ln.text for ln in doc.lines] == ["首页", "一、总体情况", "正文", "规章\t1", "行政规范性文件\t",
                                             "二、结尾", "方框里的话"]
    assert [ln.table for ln in doc.lines] == [None, None, None, 1, 1, None, None]


def test_hostile_spans_are_capped(tmp_path):
    start = time.monotonic()
    doc = _read(tmp_path, '<table><tr><td colspan="99999999">x</td></tr>'
                          '<tr><td rowspan="99999999">y</td></tr><tr><td>z</td></tr></table>')
    assert time.monotonic() - start < 10
    assert cells(doc.lines[0])[0] == "x" and len(cells(doc.lines[0])) == 1000
    assert [cells(ln)[:2] for ln in doc.lines[1:]] == [["y"], ["", "z"]]


def test_too_many_cells_is_too_large(tmp_path):
    rows = "".join('<tr><td colspan="1000">x</td></tr>' for _ in range(500))
    with pytest.raises(IngestError) as info:
        _read(tmp_path, f"<table>{rows}</table>")
    assert info.value.status == "too_large"


def test_html_time_cap(tmp_path):
    with pytest.raises(IngestError) as info:
        read_document(real_file(SHANGHAI), Limits(max_seconds=0))
    assert info.value.status == "timeout"


def test_deep_nesting_is_read_or_refused_never_silently_emptied(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 300 + "深处的正文" + "</div>" * 300 + "<p>结尾</p></body></html>",
                    encoding="utf-8")
    assert [ln.text for ln in read_document(path).lines] == ["深处的正文", "结尾"]
    path.write_text("<html><body>" + "<div>" * 20000 + "深" + "</div>" * 20000 + "</body></html>", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        read_document(path)
    assert info.value.status == "broken" and "嵌套" in info.value.message
