"""The parser on the other input formats (readers in engine/ingest): facts from
../shared/real/README.md, read by hand from the PDFs / HTML / DOCX."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.parse import parse_file
from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, application_rows
from real_support import real_file



def values(report, prefix: str, columns):
    out = []
    for c in columns:
        cell = report.cell(f"{prefix}.{c}")
        out.append(int(cell.value) if cell.kind == "number" else cell.kind)
    return out


@pytest.fixture(scope="module")
def shanghai():
    return parse_file(real_file("shanghai-bangongting-2019.html"))


def test_shanghai_2019_metadata(shanghai):
    m = shanghai.metadata
    assert m.agency == "上海市人民政府办公厅"
    assert m.body_kind == "department"
    assert (m.year, m.template, m.publication_date) == (2019, "2019", "2020-01-31")
    # "本年度报告中所列数据统计期限从2019年1月1日到12月31日止": the end's year is the start's
    assert (m.period_start, m.period_end) == ("2019-01-01", "2019-12-31")


def test_shanghai_blank_total_cells_are_blank_not_zero(shanghai):
    assert values(shanghai, "applications.一", APPLICANT_COLUMNS) == [821, 35, "blank", "blank", 2, 1, 859]
    assert values(shanghai, "applications.三.一", APPLICANT_COLUMNS) == [258, 12, "blank", "blank", 1, 1, "blank"]
    assert values(shanghai, "applications.三.七", APPLICANT_COLUMNS) == [767, 35, "blank", "blank", 2, 1, 805]
    assert values(shanghai, "applications.三.六", APPLICANT_COLUMNS) == ["blank"] * 7
    assert shanghai.tables["applications"].variant == "single"
    assert values(shanghai, "review.行政复议", REVIEW_COLUMNS) == [5, "blank", "blank", 2, 7]
    assert values(shanghai, "active.item1.规章", ("本年新制作数量", "本年新公开数量", "对外公开总数量")) == [13, 13, 524]
    # besides the blank cells, only the 251000元 purchase amount converted to 万元 (tests/test_parse_units.py)
    assert [d.code for d in shanghai.diagnostics if d.code != "CELL_BLANK"] == ["UNIT_CONVERTED"]


def test_hongze_2023_pdf_review_totals_as_printed():
    r = parse_file(real_file("hongze-quzhengfu-2023.pdf"))
    assert r.metadata.year == 2023 and r.metadata.template == "2021"
    # "统计期限自 2023 年 1 月 1 日" / "起至 2023 年 12 月 31 日止": the period runs over two lines
    assert (r.metadata.period_start, r.metadata.period_end) == ("2023-01-01", "2023-12-31")
    assert r.tables["applications"].variant == "single"        # a 2021-format report keeping one （六） row
    assert values(r, "review.行政复议", REVIEW_COLUMNS) == [10, 1, 0, 0, 0]
    assert values(r, "review.复议后起诉", REVIEW_COLUMNS) == [5, 0, 0, 0, 0]
    assert r.cell("applications.一.总计").value == 21
    assert r.cell("applications.三.七.总计").value == 21


def test_blank_2021_template_docx_is_all_blank():
    r = parse_file(real_file("template-2021-blank.docx"))
    assert r.metadata.agency is None and r.metadata.year is None
    kinds = {c.kind for t in r.tables.values() for c in t.cells.values()}
    assert kinds == {"blank"}
    assert len(r.tables["applications"].cells) == len(application_rows("split")) * 7
    assert {d.code for d in r.diagnostics} == {"CELL_BLANK"}
