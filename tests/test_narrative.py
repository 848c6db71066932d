"""Narrative figures (engine/facts/narrative.py): numerals, approximation, scope, the comparison
with the tables, the seeds and the pingtan series (values read off the texts by hand)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.facts.narrative import (agency_level, compare_figure, extract_figures, load_figures,
                                       parse_number, scope_is_own)
from engine.facts.signals import SignalLoadError
from engine.model import Metadata
from text_support import SEED_PARTS, pingtan_report, report_from_parts, seed_report

A1, A2, A37, A4 = ("applications.一.总计", "applications.二.总计", "applications.三.七.总计",
                   "applications.四.总计")
R_REC, R_DIRECT, R_AFTER = "review.行政复议.总计", "review.未经复议直接起诉.总计", "review.复议后起诉.总计"


def figures(text: str, part: str = "一", **meta):
    meta.setdefault("agency", "金村镇人民政府")
    return extract_figures(report_from_parts({part: text}, **meta))


def kinds(figs):
    return [(f.kind, f.value) for f in figs]


# ----------------------------------------------------------------------------------------- numbers

@pytest.mark.parametrize("text, value", [
    ("75", 75), ("７５", 75), ("1,098", 1098), ("3.5", Decimal("3.5")), ("三", 3), ("十二", 12),
    ("两", 2), ("一百零五", 105), ("零", 0),
])
def test_parse_number(text, value):
    assert parse_number(text) == Decimal(value)


def test_chinese_numerals_in_a_sentence():
    assert kinds(figures("本年度共收到政府信息公开申请十二件，均已按时答复。")) == [("received", 12)]


@pytest.mark.parametrize("text", [
    "本年度共收到政府信息公开申请30余件。",
    "本年度共收到政府信息公开申请约30件。",
    "本年度共收到政府信息公开申请近30件。",
    "本年度共收到政府信息公开申请30件左右。",
    "本年度共收到政府信息公开申请30多件。",
])
def test_approximate_figures_are_never_compared_as_exact(text):
    [fig] = figures(text)
    assert fig.kind == "received" and fig.value == 30 and fig.approx
    report = report_from_parts({"一": text}, agency="金村镇人民政府", cells={A1: 31, A2: 0})
    assert compare_figure(fig, report).status == "approximate"


# ------------------------------------------------------------------------------------------- scope

@pytest.mark.parametrize("agency, level", [
    ("平潭综合实验区", "区"), ("淮安市人民政府", "市"), ("淮安市洪泽区人民政府", "区"),
    ("六安市金安区木厂镇人民政府", "镇"), ("泽州县人民政府", "县"), ("某某街道办事处", "街道"),
    ("泽州县教育局", None), ("淮安市人民政府办公室", None), (None, None),
])
def test_agency_level(agency, level):
    assert agency_level(agency) == level


@pytest.mark.parametrize("scope, agency, kind, own", [
    (None, "泽州县教育局", "department", True),          # the body's own words
    ("全区", "平潭综合实验区", "government", True),      # pingtan IS the 区 body
    ("全市", "淮安市人民政府", "government", True),
    ("全县", "金村镇人民政府", "government", False),     # a town quoting the county's total
    ("全市", "泽州县教育局", "department", False),       # a department never speaks for 全市
    ("各单位", "淮安市人民政府", "government", True),
    ("全市", None, None, None),                          # unknown agency: cannot say
])
def test_scope_is_own(scope, agency, kind, own):
    assert scope_is_own(scope, Metadata(agency=agency, body_kind=kind)) is own


def test_other_scope_figure_is_not_compared():
    text = "全县共收到政府信息公开申请120件，我镇收到申请2件。"
    report = report_from_parts({"一": text}, agency="金村镇人民政府", cells={A1: 2, A2: 0})
    figs = extract_figures(report)
    assert [(f.value, f.scope, f.scope_own) for f in figs] == [(120, "全县", False), (2, None, True)]
    assert [compare_figure(f, report).status for f in figs] == ["other_scope", "agree"]


# ------------------------------------------------------------------------------------ the comparison

def test_received_may_count_the_carried_over_requests_too():
    text = "2022年，全区收到政府信息公开申请75件，均在法定期限内予以答复。"
    ok = report_from_parts({"一": text}, agency="平潭综合实验区", cells={A1: 74, A2: 1})
    [fig] = extract_figures(ok)
    assert compare_figure(fig, ok).status == "agree"             # 74 new + 1 carried over
    also_ok = report_from_parts({"一": text}, agency="平潭综合实验区", cells={A1: 75, A2: 3})
    assert compare_figure(fig, also_ok).status == "agree"        # 一 alone
    flat = report_from_parts({"一": text}, agency="平潭综合实验区", cells={A1: 70, A2: 1})
    cmp = compare_figure(fig, flat)
    assert cmp.status == "contradict" and cmp.totals == [70, 71]
    unknown = report_from_parts({"一": text}, agency="平潭综合实验区", cells={A1: 70})
    assert compare_figure(fig, unknown).status == "unknown"      # 一 + 二 might be 75


@pytest.mark.parametrize("text, kind, value", [
    ("本年度办结政府信息公开申请69件。", "handled", 69),
    ("上年结转申请2件。", "carried_over", 2),
    ("1件结转下年度继续办理。", "carried_forward", 1),
    ("结转至2026年6件。", "carried_forward", 6),
    ("发生政府信息公开行政复议案件2件。", "reconsideration", 2),
    ("全年办理因政府信息公开申请引发的行政复议36起，行政诉讼9起。", "reconsideration", 36),
    ("全年收取政府信息公开信息处理费1.2万元。", "fee", 12000),
    ("本年度共发出收费通知3件。", "fee_notices", 3),
])
def test_kinds(text, kind, value):
    got = [f for f in figures(text) if f.kind == kind]
    assert [f.value for f in got] == [value]


@pytest.mark.parametrize("text", [
    "组织开展19期《问政平潭之有事你说》，收到群众诉求348件，现场解决162件。",   # not information requests
    "本年度共办理人大代表建议12件、政协提案8件，办结率100%。",                   # proposals, not requests
    "坚持第一时间登记受理、第一时间回复申请的“三个一”工作机制。",
    "申请人逾期未按收费通知要求缴纳费用的，不再处理其申请。",
    "本年度收到申请人补正材料3件。",               # the applicant's documents, not requests
    "截至年底未收到申请人的补正材料。",
    "及时答复申请人咨询5件。",
    "信息处理费按件计收的标准为每件100元。",      # a rate, not an amount charged
    "申请人因未获答复提起行政复议，现已审结。",     # not a statement that there was none
])
def test_no_figure_in_these(text):
    assert figures(text) == []


def test_no_requests_statements():
    for text in ("2024年我镇未收到政府信息公开申请。", "我镇通过这三种渠道未接收到依申请公开申请。",
                 "我单位未收到依申请公开有关信息。", "2023年度，我镇受理依申请公开0件。"):
        assert "no_requests" in [f.kind for f in figures(text)], text
    # a review statement mentions 申请 too, but is not a no-requests statement
    review_only = figures("本年度未发生因政府信息公开申请引起的行政复议和行政诉讼。")
    assert sorted(kinds(review_only)) == [("litigation", 0), ("reconsideration", 0)]


@pytest.mark.parametrize("text, kind", [
    ("本年度未收到新的政府信息公开申请，上年结转的1件已办结。", "no_new_requests"),
    ("本年未新收政府信息公开申请。", "no_new_requests"),
    ("本年未收到政府信息公开申请，上年结转申请1件已于1月办结。", "no_new_requests"),
    ("本年未收到政府信息公开申请。", "no_requests"),
])
def test_no_new_requests_only_speaks_of_row_one(text, kind):
    figs = [f for f in figures(text) if f.kind in ("no_requests", "no_new_requests")]
    assert [f.kind for f in figs] == [kind]
    report = report_from_parts({"一": text}, agency="金村镇人民政府", cells={A1: 0, A2: 1})
    assert compare_figure(figs[0], report).status == ("agree" if kind == "no_new_requests" else "contradict")


def test_no_requests_means_rows_one_and_two_are_zero():
    text = "2024年我镇未收到政府信息公开申请。"
    [fig] = figures(text)
    for cells, status in (({A1: 0, A2: 0}, "agree"), ({A1: 2, A2: 0}, "contradict"),
                          ({A1: 0, A2: 1}, "contradict"), ({A1: 0}, "unknown")):
        report = report_from_parts({"一": text}, agency="金村镇人民政府", cells=cells)
        assert compare_figure(fig, report).status == status, cells


def test_litigation_is_compared_with_both_litigation_groups():
    text = "2023年，因政府信息公开引起的行政复议案件2件、行政诉讼案件7件。"
    report = report_from_parts({"一": text}, agency="平潭综合实验区",
                               cells={R_REC: 2, R_DIRECT: 5, R_AFTER: 2})
    statuses = {f.kind: compare_figure(f, report).status for f in extract_figures(report)}
    assert statuses == {"reconsideration": "agree", "litigation": "agree"}
    wrong = report_from_parts({"一": text}, agency="平潭综合实验区",
                              cells={R_REC: 2, R_DIRECT: 5, R_AFTER: 0})
    statuses = {f.kind: compare_figure(f, wrong).status for f in extract_figures(wrong)}
    assert statuses == {"reconsideration": "agree", "litigation": "contradict"}


def test_figure_evidence():
    report = report_from_parts({"一": "总体情况。\n本年新收到政府信息公开申请0条，答复政府信息公开申请0条。"},
                               agency="陈区镇人民政府")
    figs = extract_figures(report)
    assert kinds(figs) == [("received", 0), ("handled", 0)]
    assert all(f.line == 3 and f.where == "第3行" and f.part == "一" for f in figs)
    assert figs[0].excerpt == "本年新收到政府信息公开申请0条，答复政府信息公开申请0条。"


# ------------------------------------------------------------------------------------ loading errors

def test_broken_figure_patterns_name_file_and_line(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("version: 1\nsignals: []\nfigures:\n  received:\n    - '收到申请件'\n"
                    "  handled:\n    - '办结{N}件('\n  wishes:\n    - '{N}'\n", encoding="utf-8")
    with pytest.raises(SignalLoadError) as err:
        load_figures(path)
    text = str(err.value)
    assert f"{path}:5:" in text and "{N}" in text            # neither {N} nor value
    assert f"{path}:7:" in text and "无法编译" in text
    assert f"{path}:8:" in text and "wishes" in text


# ------------------------------------------------------------------------------------------- seeds

SEED_FIGURES = {
    "000_07ac6476bfab88c2": [("no_requests", 0)],                     # 未接收到依申请公开申请
    "001_5f25c15575702d27": [("received", 0), ("no_requests", 0)],    # 受理依申请公开0件
    "002_6e41f544aa427844": [("no_requests", 0)],                     # 未收到政府信息公开申请
    "003_bb47b10e518fda8c": [("no_requests", 0)],                     # 未收到依申请公开有关信息
    "004_62538884590742ab": [("received", 0), ("handled", 0)],        # 新收到…0条，答复…0条
}
SEED_LINES = {"000_07ac6476bfab88c2": 17, "001_5f25c15575702d27": 15, "002_6e41f544aa427844": 9,
              "003_bb47b10e518fda8c": 17, "004_62538884590742ab": 21}


@pytest.mark.parametrize("stem", sorted(SEED_PARTS))
def test_seed_figures_agree_with_all_zero_tables(stem):
    report = seed_report(stem, cells={A1: 0, A2: 0, A37: 0, A4: 0})
    figs = extract_figures(report)
    assert sorted(kinds(figs)) == sorted(SEED_FIGURES[stem])
    assert {f.line for f in figs} == {SEED_LINES[stem]}
    assert all(f.scope_own and not f.approx for f in figs)
    assert {compare_figure(f, report).status for f in figs} == {"agree"}


# ----------------------------------------------------------------------------------------- pingtan

PINGTAN = {
    2019: ({}, []),
    2020: ({A1: 21, A2: 0}, [("received", 21)]),                  # 全区各级行政机关共受理…21件
    2021: ({A1: 70, A2: 0, A37: 69, A4: 1},
           [("received", 70), ("handled", 69), ("carried_forward", 1)]),
    2022: ({A1: 74, A2: 1, R_REC: 2, R_DIRECT: 1, R_AFTER: 0},
           [("received", 75), ("litigation", 1), ("reconsideration", 2)]),
    2023: ({A1: 81, A2: 0, A37: 81, R_REC: 2, R_DIRECT: 5, R_AFTER: 2},
           [("received", 81), ("handled", 81), ("reconsideration", 2), ("litigation", 7)]),
    2024: ({A37: 218}, [("handled", 218)]),
    2025: ({A1: 154, A2: 0, A37: 148, A4: 6, R_REC: 36, R_DIRECT: 6, R_AFTER: 3},
           [("received", 154), ("handled", 148), ("carried_forward", 6), ("reconsideration", 36),
            ("litigation", 9)]),
}


@pytest.mark.parametrize("year", sorted(PINGTAN))
def test_pingtan_figures_agree_with_its_tables(year):
    cells, expected = PINGTAN[year]
    report = pingtan_report(year, cells=cells)
    figs = extract_figures(report)
    assert kinds(figs) == expected
    assert all(f.scope_own is True for f in figs)
    assert [compare_figure(f, report).status for f in figs] == ["agree"] * len(figs)


def test_pingtan_2022_received_contradicts_when_neither_reading_fits():
    report = pingtan_report(2022, cells={A1: 74, A2: 0})
    [received] = [f for f in extract_figures(report) if f.kind == "received"]
    assert received.scope == "全区"
    assert compare_figure(received, report).status == "contradict"


# ------------------------------------------------------------------------------- property checks

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=0, max_value=99999), chinese=st.booleans(),
       approx=st.sampled_from(["", "余", "多"]))
def test_any_stated_count_is_read_back(n, chinese, approx):
    import cn2an
    written = cn2an.an2cn(n) if chinese else str(n)
    [fig] = figures(f"本年度共收到政府信息公开申请{written}{approx}件，均已按期答复。")
    assert fig.kind == "received" and fig.value == n and fig.approx == bool(approx)


def test_figures_look_up_their_line_place_and_sentence_when_read():
    """A figure's line, place and sentence are those of its match in the view, looked up when
    first read; a figure is read-only and compares by value."""
    from engine.facts.narrative import Figure, default_figures, figures_in_view
    from engine.facts.text_source import PART_IDS, part_view
    from engine.parse import parse_file
    seen = 0
    for path in sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt")):
        report = parse_file(path)
        for pid in PART_IDS:
            view = part_view(report, pid)
            if view is None:
                continue
            for fig in figures_in_view(view, default_figures(), report.metadata):
                start, end = fig._span[:2]
                fresh = part_view(report, pid)
                assert fig.phrase == fresh.text[start:end]
                assert (fig.excerpt, fig.line, fig.where) == \
                    (fresh.sentence(start, end), fresh.line_at(start), fresh.where_at(start))
                eager = Figure(fig.kind, fig.value, fig.approx, fig.scope, fig.scope_own, fig.part,
                               fig.line, fig.where, fig.excerpt, fig.phrase, fig.unit)
                assert eager == fig and hash(eager) == hash(fig) and eager.to_json() == fig.to_json()
                seen += 1
    assert seen >= 5
    with pytest.raises(AttributeError):
        eager.line = 3
    with pytest.raises(TypeError):
        Figure("received", 1, False, None, True, "一")
