"""The five seed reports, parsed: every value, blank and diagnostic stated explicitly (read by hand
from tests/fixtures/seeds/*.txt — not generated from the parser's output)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.parse import parse_file
from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, application_rows

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture(scope="module")
def reports():
    return {p: parse_file(seed(p)) for p in ("000", "001", "002", "003", "004")}


def row(report, table: str, key: str, columns) -> list:
    """Values of a row: Decimal for numbers, the kind otherwise."""
    out = []
    for c in columns:
        cell = report.cell(f"{table}.{key}.{c}")
        out.append(cell.value if cell.kind == "number" else cell.kind)
    return out


def codes(report) -> list[str]:
    return [d.code for d in report.diagnostics]


ZERO7 = [Decimal(0)] * 7


# ------------------------------------------------------------------------------------------ 000

def test_000_metadata(reports):
    m = reports["000"].metadata
    assert m.agency == "金村镇人民政府"
    assert (m.year, m.year_source) == (2024, "title")
    assert m.body_kind == "government"
    assert (m.period_start, m.period_end) == ("2024-01-01", "2024-12-31")
    assert m.template == "2021"


def test_000_parts_with_markdown_headings_and_a_subheading_that_is_not_a_part(reports):
    parts = reports["000"].parts
    assert all(p.present for p in parts.values())
    assert parts["一"].heading == "一、总体情况" and parts["一"].line_start == 7
    assert parts["四"].heading == "四、政府信息公开行政复议、行政诉讼情况" and parts["四"].line_start == 81
    # "### (五) 监督保障方面" stays inside part 一
    assert "监督保障方面" in parts["一"].text
    assert parts["五"].heading == "五、存在的主要问题及改进情况"
    assert parts["六"].text == "本机关2024年度未收取政府信息公开信息处理费。"


def test_000_active_table_is_2021_format_all_zero(reports):
    r = reports["000"]
    assert r.tables["active"].template == "2021"
    assert row(r, "active", "item1.规章", ("本年制发件数", "本年废止件数", "现行有效件数")) == [0, 0, 0]
    assert row(r, "active", "item1.行政规范性文件", ("本年制发件数", "本年废止件数", "现行有效件数")) == [0, 0, 0]
    fee = r.cell("active.item8.行政事业性收费.本年收费金额")
    assert (fee.kind, fee.value, fee.line) == ("number", 0, 48)


def test_000_applications_single_other_row_and_broken_label(reports):
    r = reports["000"]
    t = r.tables["applications"]
    assert t.variant == "single"
    for ar in application_rows("single"):
        assert row(r, "applications", ar.key, APPLICANT_COLUMNS) == ZERO7, ar.key
    # "4.无正当理由大量" … "反复申请" broken over two lines: values from the first line
    assert r.cell("applications.三.五.4.总计").line == 73
    assert r.cell("applications.三.六.自然人").line == 77


def test_000_review_blank_reconsideration_cells(reports):
    r = reports["000"]
    assert row(r, "review", "行政复议", REVIEW_COLUMNS) == ["blank"] * 5
    assert row(r, "review", "未经复议直接起诉", REVIEW_COLUMNS) == [0] * 5
    assert row(r, "review", "复议后起诉", REVIEW_COLUMNS) == [0] * 5
    assert all(r.cell(f"review.{g}.{c}").line == 86 for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)
    assert codes(r) == ["CELL_BLANK"]
    d = r.diagnostics[0]
    assert d.line == 86 and d.table == "review"
    assert d.cells == [f"review.行政复议.{c}" for c in REVIEW_COLUMNS]


# ------------------------------------------------------------------------------------------ 001

def test_001_year_from_text_not_from_document_number(reports):
    m = reports["001"].metadata
    assert m.agency == "阎村镇人民政府"
    assert (m.year, m.year_source) == (2023, "text")
    assert (m.period_start, m.period_end) == (None, None)   # the report states no statistics period
    assert m.title == "阎村镇人民政府政府信息公开工作年度报告"


def test_001_tables_all_zero_and_no_diagnostics(reports):
    r = reports["001"]
    assert r.tables["applications"].variant == "split"
    for ar in application_rows("split"):
        assert row(r, "applications", ar.key, APPLICANT_COLUMNS) == ZERO7, ar.key
    for g in REVIEW_GROUPS:
        assert row(r, "review", g, REVIEW_COLUMNS) == [0] * 5
    # the fee row followed by a markdown rule line "---------⇥---": the rule is not a dash value
    fee = r.cell("active.item8.行政事业性收费.本年收费金额")
    assert (fee.kind, fee.value, fee.line) == ("number", 0, 39)
    # "3.其他" and "(七) 总计" start their own lines without the leading TAB
    assert r.cell("applications.三.六.3.总计").line == 69
    assert r.cell("applications.三.七.总计").line == 70
    assert codes(r) == []


# ------------------------------------------------------------------------------------------ 002

def test_002_title_split_over_two_lines(reports):
    m = reports["002"].metadata
    assert m.title == "六安市金安区木厂镇2024年政府信息公开工作年度报告"
    assert m.agency == "六安市金安区木厂镇"
    assert (m.year, m.body_kind) == (2024, "government")
    # the report states no statistics period ("截至2024年底" is a point in time, not a period)
    assert (m.period_start, m.period_end) == (None, None)


def test_002_one_cell_per_line_layout(reports):
    r = reports["002"]
    assert r.parts["六"].heading == "六、其它需要报告事项"
    for ar in application_rows("split"):
        assert row(r, "applications", ar.key, APPLICANT_COLUMNS) == ZERO7, ar.key
    assert r.cell("applications.一.自然人").line == 83
    assert r.cell("applications.一.总计").line == 89
    # the last value of 三.六.1 sits on a line without a TAB, after an empty cell
    assert r.cell("applications.三.六.1.其他").line == 304
    assert r.cell("applications.三.六.1.总计").line == 306
    assert r.cell("active.item1.规章.现行有效件数").line == 27
    for g in REVIEW_GROUPS:
        assert row(r, "review", g, REVIEW_COLUMNS) == [0] * 5
    assert r.cell("review.行政复议.结果维持").line == 379
    assert r.cell("review.复议后起诉.总计").line == 393
    assert codes(r) == []


# ------------------------------------------------------------------------------------------ 003

def test_003_2024_report_in_2019_format(reports):
    r = reports["003"]
    assert r.metadata.year == 2024
    assert r.metadata.agency == "南岭镇人民政府"
    assert r.metadata.template == "2019"
    assert "本年新制作数量" in r.metadata.template_evidence
    act = r.tables["active"]
    assert act.template == "2019"
    assert row(r, "active", "item1.规范性文件", ("本年新制作数量", "本年新公开数量", "对外公开总数量")) == [0, 0, 0]
    assert row(r, "active", "item5.其他对外管理服务事项", ("上一年项目数量", "本年增/减", "处理决定数量")) == [0, 0, 0]
    assert row(r, "active", "item8.行政事业性收费", ("上一年项目数量", "本年增/减")) == [0, 0]
    # the 2019 item （九） 政府集中采购 is not in the report
    assert row(r, "active", "item9.政府集中采购", ("采购项目数量", "采购总金额")) == ["missing", "missing"]
    assert r.tables["applications"].variant == "single"
    assert r.tables["applications"].template == "2019"


def test_003_review_row_with_16_values_is_malformed(reports):
    r = reports["003"]
    # an unreadable row: every cell "missing" (value unknown), raw = the row's values as printed
    cells = [r.cell(f"review.{g}.{c}") for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    assert {(c.kind, c.value) for c in cells} == {("missing", None)}
    assert len(cells[0].raw.split()) == 16 and cells[0].line == 86
    too_many = [d for d in r.diagnostics if d.code == "ROW_TOO_MANY_VALUES"]
    assert len(too_many) == 1 and too_many[0].line == 86 and too_many[0].table == "review"
    assert "16" in too_many[0].message and "15" in too_many[0].message
    assert sorted(codes(r)) == ["ROW_MISSING", "ROW_TOO_MANY_VALUES"]


def test_003_applications_rows_around_a_broken_header(reports):
    r = reports["003"]
    for ar in application_rows("single"):
        assert row(r, "applications", ar.key, APPLICANT_COLUMNS) == ZERO7, ar.key
    assert r.cell("applications.三.五.5.自然人").line == 75


# ------------------------------------------------------------------------------------------ 004

SIX_VALUE_ROWS = {"三.一": 66, "三.二": 67, "三.三.1": 68, "三.三.2": 69, "三.三.3": 70, "三.三.4": 71,
                  "三.三.5": 72, "三.三.6": 73, "三.三.7": 74}


def test_004_six_value_rows_are_malformed_with_unknown_cells(reports):
    r = reports["004"]
    few = {d.cells[0].rsplit(".", 1)[0].removeprefix("applications."): d for d in r.diagnostics
           if d.code == "ROW_TOO_FEW_VALUES"}
    assert set(few) == set(SIX_VALUE_ROWS)
    for key, line in SIX_VALUE_ROWS.items():
        assert row(r, "applications", key, APPLICANT_COLUMNS) == ["missing"] * 7
        assert few[key].line == line
        assert "应有 7 个数值，实际只有 6 个" in few[key].message
    assert "表三“（一）予以公开”行应有 7 个数值，实际只有 6 个" in few["三.一"].message
    assert sorted(set(codes(r))) == ["ROW_TOO_FEW_VALUES"]


def test_004_complete_rows_keep_their_values(reports):
    r = reports["004"]
    for ar in application_rows("split"):
        if ar.key not in SIX_VALUE_ROWS:
            assert row(r, "applications", ar.key, APPLICANT_COLUMNS) == ZERO7, ar.key
    # "(六) 其他处⇥1. 申请人无正当理由 逾期不补正、行政机关⇥0…" with the label's rest two lines below
    assert r.cell("applications.三.六.1.总计").line == 85
    assert r.cell("applications.四.总计").line == 91
    for g in REVIEW_GROUPS:
        assert row(r, "review", g, REVIEW_COLUMNS) == [0] * 5
    assert r.metadata.agency == "陈区镇人民政府"
