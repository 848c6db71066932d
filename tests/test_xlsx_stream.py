"""Issue 14 items 2 and 4: the streaming workbook writer (engine/render/xlsx_stream.py) behind
summary.xlsx — what openpyxl and pandas read back is exactly the rows written (text, numbers, links,
styles, frozen header, autofilter), awkward text survives, the 报告 sheet continues before Excel's
hyperlink limit, and nothing depends on when the workbook is written."""
from __future__ import annotations

import datetime as dt
import math
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from engine.render import tables, xlsx_stream
from engine.render.tables import write_tables
from engine.render.xlsx_stream import STYLE_BOLD, XlsxBook, column_letter
from triage_support import audited, document, finding, triage_reports

RUN_DATE = dt.date(2026, 11, 20)
STAMP = dt.datetime(2026, 11, 20)

AWKWARD = [
    "a & b < c > d \"q\" 'p'",
    "  前后有空格  ",
    "第一行\n第二行\r\n第三行\t制表",
    "=SUM(A1:A3)",
    "控制\x07字符\x1b与\x00",
    "全角　空格　",
    "😀 表情与 \u202e 双向控制",
    "_x0041_ 看似转义",
]


def read_rows(path, sheet):
    return [tuple(c.value for c in row) for row in load_workbook(path)[sheet].iter_rows()]


def test_rows_read_back_exactly_with_openpyxl_and_pandas(tmp_path):
    book = XlsxBook(STAMP)
    sheet = book.add_sheet("数据", (20, 10))
    sheet.write_row(("文本", "整数", "小数", "逻辑", "空"), STYLE_BOLD)
    sheet.autofilter = True
    rows = [(text, i, i + 0.25, i % 2 == 0, None) for i, text in enumerate(AWKWARD)]
    for row in rows:
        sheet.write_row(row)
    sheet.write_row(("大数", 2 ** 40, 1 / 3, False, ""))
    sheet.write_row(("非数", float("nan"), float("inf"), None, None))
    book.save(tmp_path / "t.xlsx")

    controls = {"\x07": "_x0007_", "\x1b": "_x001B_", "\x00": "_x0000_"}   # Excel's escapes, kept as such by openpyxl
    shown = [t.translate(str.maketrans(controls)) for t in AWKWARD]
    got = read_rows(tmp_path / "t.xlsx", "数据")
    assert got[0] == ("文本", "整数", "小数", "逻辑", "空")
    assert got[1:1 + len(rows)] == [(t, i, i + 0.25, i % 2 == 0, None) for i, t in enumerate(shown)]
    assert got[-2] == ("大数", 2 ** 40, 1 / 3, False, None)          # 16 significant digits, as openpyxl wrote them
    assert got[-1] == ("非数", None, None, None, None)

    frame = pd.read_excel(tmp_path / "t.xlsx", sheet_name="数据")
    assert list(frame.columns) == ["文本", "整数", "小数", "逻辑", "空"]
    assert list(frame["文本"][:len(rows)]) == shown
    assert list(frame["整数"][:len(rows)]) == list(range(len(rows)))
    assert frame["空"].isna().all()

    ws = load_workbook(tmp_path / "t.xlsx")["数据"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:E{len(rows) + 3}"
    assert all(c.font.bold for c in ws[1]) and not any(c.font.bold for c in ws[2])
    assert ws.column_dimensions["A"].width == 20 and ws.column_dimensions["B"].width == 10
    assert all(c.data_type == "s" for c in ws["A"])                # "=SUM(…)" is text, never a formula


def test_summary_workbook_matches_the_records(tmp_path):
    """The workbook write_tables makes, read with pandas, is the rows report_row and finding_rows give."""
    doc = document(triage_reports(), missing_agencies=[{"name": "戊镇人民政府", "kind": "乡镇", "url": None}])
    write_tables(doc, tmp_path, RUN_DATE)
    sheets = pd.read_excel(tmp_path / "summary.xlsx", sheet_name=None, dtype=object)
    assert list(sheets) == ["报告", "问题", "未报送单位"]

    def expected(rows):
        return [[None if v is None or v == "" else v for v in row.values()] for row in rows]

    def got(frame):
        return [[None if isinstance(v, float) and math.isnan(v) else v for v in row]
                for row in frame.itertuples(index=False, name=None)]

    categories = tables.scoring_categories(None, doc["reports"])
    assert list(sheets["报告"].columns) == list(tables.report_columns(categories))
    assert got(sheets["报告"]) == expected(tables.report_row(r, categories) for r in doc["reports"])
    assert list(sheets["问题"].columns) == list(tables.FINDING_COLUMNS)
    assert got(sheets["问题"]) == expected(tables.finding_rows(doc["reports"]))
    assert got(sheets["未报送单位"]) == [["戊镇人民政府", "乡镇", None]]

    ws = load_workbook(tmp_path / "summary.xlsx")["报告"]
    heads = [c.value for c in ws[1]]
    link = ws.cell(2, heads.index("意见书（网页）") + 1)
    assert link.hyperlink.target == link.value and link.font.u == "single"
    assert link.font.color.rgb.endswith("0563C1")


def test_report_sheet_continues_before_the_hyperlink_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_SHEET_LINKS", 5)      # two links a report: two reports per sheet
    reports = [audited(f"in/{i}.txt", f"{i}镇人民政府", 80, "合格", [finding("R-E", "error", f"问题{i}")], seq=i)
               for i in range(1, 6)]
    write_tables(document(reports), tmp_path, RUN_DATE)
    book = load_workbook(tmp_path / "summary.xlsx")
    assert book.sheetnames == ["报告", "问题", "报告（2）", "报告（3）"]
    units = [r[3] for name in ("报告", "报告（2）", "报告（3）") for r in read_rows(tmp_path / "summary.xlsx", name)[1:]]
    assert units == [f"{i}镇人民政府" for i in range(1, 6)]
    for name in ("报告", "报告（2）", "报告（3）"):
        links = [c.hyperlink.target for row in book[name].iter_rows() for c in row if c.hyperlink]
        assert 0 < len(links) <= 5 and book[name].freeze_panes == "A2"
    assert [c.hyperlink.target for c in book["报告（3）"][2] if c.hyperlink] == \
        ["letters/5镇人民政府-2024.html", "letters/5镇人民政府-2024.docx"]


def test_a_link_target_with_awkward_characters_round_trips(tmp_path):
    book = XlsxBook(STAMP)
    sheet = book.add_sheet("链接")
    target = 'letters/甲&乙 "镇"<1>.html'
    sheet.write_row(["意见书"], STYLE_BOLD)
    sheet.write_row([target], links={0: target.replace(" ", "%20")})
    book.save(tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx")["链接"]["A2"]
    assert cell.value == target and cell.hyperlink.target == target.replace(" ", "%20")


def test_the_bytes_depend_only_on_the_rows(tmp_path):
    """Fixed dates in the properties and on every zip member; the order in which sheets get their
    rows does not matter."""
    def make(path, reports_first):
        book = XlsxBook(STAMP)
        one, two = book.add_sheet("一", (10,)), book.add_sheet("二")
        order = [(one, ["甲", 1]), (two, ["乙", 2.5])]
        for sheet, row in (order if reports_first else order[::-1]):
            sheet.write_row(row, links={0: "letters/x.html"})
        book.save(path)

    make(tmp_path / "a.xlsx", True)
    make(tmp_path / "b.xlsx", False)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 20, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2026-11-20T00:00:00Z") == 2


def test_no_row_is_kept_in_memory_after_it_is_written():
    """What a sheet holds does not grow with its rows: counters, and temporary files."""
    book = XlsxBook(STAMP)
    sheet = book.add_sheet("表")
    sheet.write_row(["a", 1], links={0: "x.html"})
    before = dict(vars(sheet))
    for i in range(200):
        sheet.write_row([f"行{i}", i], links={0: f"letters/{i}.html"})
    after = vars(sheet)
    assert set(after) == set(before)
    assert all(after[k] is before[k] or isinstance(after[k], int) for k in after), \
        {k: type(v) for k, v in after.items() if v is not before[k]}
    book.close()


def test_a_wide_row_gets_its_column_letters(tmp_path):
    book = XlsxBook(STAMP)
    book.add_sheet("宽").write_row(list(range(300)))
    book.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["宽"]
    assert ws["KN1"].value == 299 and ws.max_column == 300
    with pytest.raises(ValueError):
        XlsxBook(STAMP).add_sheet("太宽").write_row([1] * (xlsx_stream.MAX_COLUMNS + 1))


@pytest.mark.parametrize("index,letters", [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA")])
def test_column_letters(index, letters):
    assert column_letter(index) == letters


def test_escape_text_keeps_xml_valid():
    assert xlsx_stream.escape_text("a<b>&\x01\r\ud800") == "a&lt;b&gt;&amp;_x0001_&#13;\ufffd"
