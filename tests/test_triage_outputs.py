"""Issue 17 items 3–4 and issue 14 item 4 (the overview and the workbook an office triages from):
the main-problems column and the 待人工核对 count, the not-audited inputs with their reasons and file
names, the workbook's links, filters, frozen headers, deductions per category, Chinese values,
bounded quotes, the CSV with the same content, and the split before Excel's row limit."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace

import lxml.html
import pytest
from hypothesis import given, strategies as st
from openpyxl import load_workbook

from engine.render import dashboard, tables
from engine.render.dashboard import render_dashboard, write_dashboard
from engine.render.tables import write_tables
from engine.render.triage import main_problems
from engine.web.views import report_view
from triage_support import audited, document, finding, triage_reports

RUN_DATE = dt.date(2026, 11, 20)


def ranking(html: str) -> list[dict[str, str]]:
    tree = lxml.html.fromstring(html)
    heads = [th.text_content().strip() for th in tree.xpath('//table[@id="ranking"]/thead/tr/th')]
    return [dict(zip(heads, (td.text_content().strip() for td in tr.xpath("td"))))
            for tr in tree.xpath('//table[@id="ranking"]/tbody/tr')]


# --- main problems: one definition -------------------------------------------------------------

def test_main_problems_are_the_most_serious_counted_findings_each_once():
    jia = triage_reports()[0]
    # errors first (the manual error and the dismissed one are not the agency's), then warnings
    assert main_problems(jia.findings) == ["表三总计不等于各列之和", "表述不规范"]
    assert main_problems(jia.summary().findings) == main_problems(jia.findings)
    assert main_problems([]) == []


def _main_problems_by_sorting(findings, limit):
    """The definition main_problems keeps: counted findings sorted by severity then position, their
    non-empty titles each once, the first `limit`."""
    from engine.render.labels import SEVERITY_ORDER
    ranked = sorted((SEVERITY_ORDER.get(f.severity, 9), i, f.title)
                    for i, f in enumerate(findings) if getattr(f, "counted", True))
    return list(dict.fromkeys(title for _sev, _i, title in ranked if title))[:limit]


@given(st.lists(st.tuples(st.sampled_from(["error", "warning", "info", "odd", ""]),
                          st.sampled_from(["甲", "乙", "丙", "", None]), st.sampled_from([True, False, None])),
                max_size=9),
       st.integers(min_value=-2, max_value=4))
def test_main_problems_is_the_sorted_definition(items, limit):
    # counted None: a finding without the attribute (as an AuditSummary's FindingBrief)
    findings = [SimpleNamespace(severity=sev, title=title) if counted is None else
                SimpleNamespace(severity=sev, title=title, counted=counted) for sev, title, counted in items]
    assert main_problems(findings, limit) == _main_problems_by_sorting(findings, limit)


def test_the_web_app_uses_the_same_main_problems_and_manual_count():
    reports = triage_reports()
    views = [report_view(r.to_json()) for r in reports]
    for view, record in zip(views, reports):
        assert view.main_problems == main_problems(record.findings)
        if record.status == "audited":
            assert view.manual_count == record.manual
    assert views[0].manual_count == 3      # one undecided manual finding + two manual items


# --- the overview ------------------------------------------------------------------------------

def test_dashboard_shows_main_problems_and_the_manual_count_worst_first():
    rows = ranking(render_dashboard(document(triage_reports())))
    assert [r["单位"] for r in rows] == ["丙镇人民政府", "甲镇人民政府", "丁镇人民政府", "乙镇人民政府"]
    assert [r["主要问题"] for r in rows] == ["缺少规定的部分；表三总计不等于各列之和",
                                         "表三总计不等于各列之和；表述不规范", "写明统计期限", ""]
    assert [r["待人工核对"] for r in rows] == ["0", "3", "0", "0"]
    assert [r["无法核对"] for r in rows] == ["1", "3", "1", "1"]


def test_dashboard_shows_file_names_not_internal_paths():
    html = render_dashboard(document(triage_reports()))
    rows = ranking(html)
    assert rows[1]["来源文件"] == "甲镇年报.txt"
    tree = lxml.html.fromstring(html)
    for script in tree.xpath("//script"):
        script.drop_tree()
    assert "收文/2024" not in tree.text_content()      # shown nowhere; only in tooltips
    assert 'title="收文/2024/内部/甲镇年报.txt"' in html


def test_dashboard_lists_the_inputs_not_audited_with_chinese_reasons():
    tree = lxml.html.fromstring(render_dashboard(document(triage_reports())))
    rows = [[td.text_content().strip() for td in tr.xpath("td")] for tr in tree.xpath('//table[@id="others"]/tbody/tr')]
    assert rows == [
        ["扫描件.pdf", "扫描件（没有文字层）", "扫描件（没有文字层），无法审核：请提供文字版"],
        ["甲镇年报-副本.txt", "重复文件", "与 甲镇年报.txt 内容完全相同，只审核一次"],
        ["空.txt", "空文件", "空文件"],
    ]


def test_common_problems_are_filter_buttons_and_rows_carry_their_rules():
    html = render_dashboard(document(triage_reports()))
    tree = lxml.html.fromstring(html)
    buttons = {b.get("data-rule"): b.text_content() for b in tree.xpath('//button[@class="problem"]')}
    assert buttons["R-E"] == "表三总计不等于各列之和" and "R-M" not in buttons     # counted findings only
    meta = tree.xpath('//script[@id="ranking-meta"]')[0].text
    assert '"R-E"' in meta and meta.count("[") > 4
    assert tree.xpath('//p[@id="pager"]')[0].get("hidden") is not None       # one page: no pager


def test_small_runs_write_no_page_data(tmp_path):
    write_dashboard(tmp_path / "index.html", document(triage_reports()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_large_runs_page_the_table_into_data_files(tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE_ROWS", 3)
    reports = [audited(f"in/{i:02d}.txt", f"{i:02d}镇人民政府", 50 + i, "合格", [finding("R-E", "error", "问题甲")],
                       seq=i) for i in range(1, 9)]
    (tmp_path / "index-data").mkdir()
    (tmp_path / "index-data" / "rows-00009.js").write_text("stale")          # an earlier run's page
    write_dashboard(tmp_path / "index.html", document(reports))
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert [r["单位"] for r in ranking(html)] == ["01镇人民政府", "02镇人民政府", "03镇人民政府"]
    assert sorted(p.name for p in (tmp_path / "index-data").iterdir()) == ["rows-00002.js", "rows-00003.js"]
    page3 = (tmp_path / "index-data" / "rows-00003.js").read_text(encoding="utf-8")
    assert page3.startswith("xxgkDashboard.page(3,") and "07镇人民政府" in page3 and "06镇" not in page3
    assert "第 1 / 3 页" in html


# --- the workbook and the CSV ------------------------------------------------------------------

@pytest.fixture
def tables_out(tmp_path) -> Path:
    doc = document(triage_reports(), missing_agencies=[{"name": "戊镇人民政府", "kind": "乡镇", "url": None}])
    write_tables(doc, tmp_path, RUN_DATE)
    return tmp_path


def sheet_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_every_sheet_has_a_frozen_header_and_an_autofilter(tables_out):
    book = load_workbook(tables_out / "summary.xlsx")
    assert book.sheetnames == ["报告", "问题", "未报送单位"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title
        assert all(c.font.bold for c in ws[1])


def test_report_rows_link_both_letters_relatively(tables_out):
    ws = load_workbook(tables_out / "summary.xlsx")["报告"]
    heads = [c.value for c in ws[1]]
    html_col, docx_col = heads.index("意见书（网页）") + 1, heads.index("意见书（Word）") + 1
    jia = ws.cell(2, html_col), ws.cell(2, docx_col)
    assert [c.value for c in jia] == ["letters/甲镇人民政府-2024.html", "letters/甲镇人民政府-2024.docx"]
    assert [c.hyperlink.target for c in jia] == ["letters/甲镇人民政府-2024.html", "letters/甲镇人民政府-2024.docx"]
    # not audited: no letter, no link
    assert ws.cell(6, html_col).value is None and ws.cell(6, html_col).hyperlink is None


def test_report_rows_have_main_problems_manual_count_and_deductions_per_category(tables_out):
    rows = sheet_rows(load_workbook(tables_out / "summary.xlsx")["报告"])
    jia, yi, bing = rows[0], rows[1], rows[2]
    assert jia["主要问题"] == "表三总计不等于各列之和；表述不规范"
    assert (jia["待人工核对"], jia["无法核对"]) == (3, 3)
    assert (jia["完整性扣分"], jia["一致性扣分"], jia["规范性扣分"]) == (3, 8, 0)
    assert (bing["完整性扣分"], bing["一致性扣分"]) == (5, 4)
    assert yi["主要问题"] is None and yi["完整性扣分"] == 0
    assert rows[4]["完整性扣分"] is None and rows[4]["状态"] == "扫描件（没有文字层）"
    assert jia["审核引擎"] == "规则引擎"


def test_values_are_chinese_words_and_quotes_bounded(tmp_path):
    cells = [f"applications.三.{row}.自然人" for row in ("一", "二", "三.1", "三.2", "三.3", "三.4", "三.5", "三.6")]
    values = {c: "blank" for c in cells[:4]} | {cells[4]: "missing", cells[5]: 7, cells[6]: "dash"}
    long_text = "本机关" * 3000 + "（一）予以公开 258 12 1 1" + "其他内容" * 1000
    record = audited("in/a.txt", "甲镇人民政府", 80, "合格", [
        finding("R-E", "error", "表三总计不等于各列之和", cells=cells, values=values, excerpt=long_text)])
    write_tables(document([record]), tmp_path, RUN_DATE)
    book = load_workbook(tmp_path / "summary.xlsx")
    row = sheet_rows(book["问题"])[0]
    assert "（空白）" in row["数值"] and "（缺失或无法读取）" in row["数值"] and "：7" in row["数值"]
    assert row["单元格"].endswith("等 8 个单元格") and row["数值"].endswith("等 7 个单元格")
    assert len(row["原文"]) <= tables.QUOTE_CHARS + 2 and "予以公开 258" in row["原文"]
    # no English token in any value an office reads (ids, digests and paths aside)
    ids = {"来源文件", "规则编号", "问题编号", "SHA256", "意见书（网页）", "意见书（Word）", "上年报告", "重复于"}
    for ws in book.worksheets:
        for r in sheet_rows(ws):
            for k, v in r.items():
                if k not in ids and isinstance(v, str):
                    assert not re.search(r"[A-Za-z]{3,}", v), (ws.title, k, v)
                    assert "=" not in v, (ws.title, k, v)


def test_csv_holds_the_report_sheet(tables_out):
    raw = (tables_out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    sheet = list(load_workbook(tables_out / "summary.xlsx")["报告"].iter_rows(values_only=True))
    assert rows[0] == list(sheet[0])
    as_text = [["" if v is None else f"{v:g}" if isinstance(v, float) else str(v) for v in r] for r in sheet[1:]]
    assert rows[1:] == as_text
    assert "letters/甲镇人民政府-2024.docx" in rows[1]


def test_sheets_continue_before_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_SHEET_ROWS", 3)       # header + 2 rows per sheet
    reports = [audited(f"in/{i}.txt", f"{i}镇人民政府", 80, "合格",
                       [finding("R-E", "error", f"问题{i}-{k}") for k in range(2)], seq=i) for i in range(1, 4)]
    write_tables(document(reports), tmp_path, RUN_DATE)
    book = load_workbook(tmp_path / "summary.xlsx")
    # continuation sheets come in the order they fill up (the run fills 问题 while it evaluates)
    assert book.sheetnames[:2] == ["报告", "问题"]
    assert sorted(book.sheetnames) == sorted(["报告", "问题", "问题（2）", "问题（3）", "报告（2）"])
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.max_row <= 3
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    findings = [r["问题"] for name in ("问题", "问题（2）", "问题（3）") for r in sheet_rows(book[name])]
    assert findings == [f"问题{i}-{k}" for i in range(1, 4) for k in range(2)]
    assert [r["单位"] for name in ("报告", "报告（2）") for r in sheet_rows(book[name])] == \
        ["1镇人民政府", "2镇人民政府", "3镇人民政府"]
    links = [c.hyperlink.target for c in book["报告（2）"][2] if c.hyperlink]
    assert links == ["letters/3镇人民政府-2024.html", "letters/3镇人民政府-2024.docx"]


# --- a whole run: every link opens a file the run wrote ---------------------------------------

def test_in_a_run_every_link_of_the_workbook_and_the_overview_opens_a_letter(tmp_path):
    from audit_support import audit_with_fake_hooks, report_text

    out = audit_with_fake_hooks(tmp_path, {
        "a.txt": report_text("甲镇人民政府", 2024, "缺少：五", "警告", "列：自然人,总计"),
        "b.txt": report_text("乙镇人民政府", 2024),
        "c.txt": report_text("丙镇人民政府", 2023, "表格缺失"),
        "empty.txt": b"",
    }, RUN_DATE)
    book = load_workbook(out / "summary.xlsx")
    links = [c.hyperlink.target for ws in book.worksheets for row in ws.iter_rows() for c in row if c.hyperlink]
    assert len(links) == 6 and {Path(t).suffix for t in links} == {".html", ".docx"}
    assert all((out / t).is_file() for t in links), links
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    html = (out / "index.html").read_text(encoding="utf-8")
    hrefs = lxml.html.fromstring(html).xpath('//table[@id="ranking"]//a/@href')
    assert len(hrefs) == 3 and all((out / h).is_file() for h in hrefs)
    assert set(hrefs) == {t for t in links if t.endswith(".html")}
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text(encoding="utf-8-sig"))))
    assert {r["意见书（Word）"] for r in rows if r["意见书（Word）"]} == {t for t in links if t.endswith(".docx")}
    jia = next(r for r in ranking(html) if r["单位"] == "甲镇人民政府")
    assert jia["主要问题"] == "表三总计不等于各列之和；缺少规定的部分"      # two errors, in letter order
