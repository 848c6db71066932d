"""Narrative figures and fee signals on the two real PDFs (ingested with engine.ingest; the part
ranges and the table values were read off the PDFs by hand): wrapped PDF lines, the 全市/全区
scope of a people's government's own report, page/line locations."""
from __future__ import annotations

import pytest

from engine.facts.narrative import compare_figure, extract_figures
from engine.facts.signals import load_signals
from engine.ingest import read_document
from text_support import report_from_lines
from real_support import REAL, real_file

HUAIAN_PARTS = {"一": (9, 57), "二": (58, 72), "三": (73, 101), "四": (102, 106), "五": (107, 118),
                "六": (119, 121)}
HONGZE_PARTS = {"一": (10, 37), "二": (38, 52), "三": (53, 79), "四": (80, 84), "五": (85, 96),
                "六": (97, 99)}


@pytest.fixture(scope="module")
def huaian():
    doc = read_document(real_file("huaian-shizhengfu-2024.pdf"))
    cells = {"applications.一.总计": 3119, "applications.二.总计": 34, "applications.三.七.总计": 3050,
             "applications.四.总计": 103}
    return report_from_lines(doc.lines, HUAIAN_PARTS, agency="淮安市人民政府", year=2024, cells=cells)


@pytest.fixture(scope="module")
def hongze():
    doc = read_document(real_file("hongze-quzhengfu-2023.pdf"))
    cells = {"applications.一.总计": 21, "applications.二.总计": 0}
    return report_from_lines(doc.lines, HONGZE_PARTS, agency="淮安市洪泽区人民政府", year=2023,
                             cells=cells)


def test_huaian_figures(huaian):
    figs = extract_figures(huaian)
    got = [(f.kind, f.value, f.scope, f.scope_own) for f in figs]
    assert got == [
        ("received", 3119, "全市", True),          # the 市 government's own report: 全市 is its scope
        ("handled", 3050, "全市", True),           # "答\n复 3050 件": wrapped PDF line joined
        ("carried_over", 34, "全市", True),
        ("carried_forward", 103, "全市", True),    # "103 件顺延到下年度"
        ("reconsideration", 351, None, True),
        ("litigation", 46, None, True),
        ("fee", 3940, None, True),
    ]
    received = figs[0]
    assert received.where == "第2页第7行" and received.part == "一"
    assert figs[-1].part == "六" and figs[-1].unit == "元"
    table_kinds = [f for f in figs if f.kind in ("received", "handled", "carried_over", "carried_forward")]
    assert {compare_figure(f, huaian).status for f in table_kinds} == {"agree"}


def test_hongze_figures_and_zero_fee(hongze):
    figs = extract_figures(hongze)
    assert [(f.kind, f.value, f.scope) for f in figs] == [("received", 21, "全区"), ("fee", 0, None)]
    assert compare_figure(figs[0], hongze).status == "agree"
    values = load_signals().evaluate(hongze)
    # "全年收取政府信息公开信息处理费 0 元" is a statement that no fee was charged
    assert values["fee_statement"].present and values["fee_statement"].first.polarity == "negative"
    assert values["no_fee_statement"].present
    assert values["fee_statement"].first.where == "第5页第5行"


def test_huaian_states_a_fee_and_no_no_fee_statement(huaian):
    values = load_signals().evaluate(huaian)
    assert values["fee_statement"].present and values["fee_statement"].first.polarity == "affirmative"
    assert values["no_fee_statement"].present is False
