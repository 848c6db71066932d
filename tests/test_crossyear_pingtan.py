"""平潭综合实验区 2019–2025: seven consecutive reports of one body, audited together.

Expected values are read off the texts by hand (../shared/real/pingtan-*.txt, README.md):

表三 row 二 (this year) vs row 四 (last year), Relation 6:
    2019 四 "0 0 00 00 0" → all 0      2020 二 "0000000" → all 0     pass
    2020 四 "0 0 00 00 0" → all 0      2021 二 "0000000" → all 0     pass (2019 → 2021 format: comparable)
    2021 四 "1000001" → 1/0/0/0/0/0/1  2022 二 "1000001" → 1/0/0/0/0/0/1   pass
    2022 四 "0000000"                  2023 二 "0000000"             pass
    2023 四, 2024 二 / 2024 四, 2025 二: all "0000000"               pass
表二 第二十条第（一）项, Relation 7: 2019 and 2020 use the 2019 table (本年新制作数量…), so 2020 (2019↔2019)
    and 2021 (2019 → 2021) get no result at all. From 2022 on both years use the 2021 table; 规章 is
    "000" every year (0/0/0: known, consistent); 行政规范性文件 is a flattened run of 6–8 digits
    ("693665", "8855698", "77132470", "6233440", "5845546") that the table's identities cannot split
    (item1 has no sum), so those cells are unknown and the rule is not assessable for 2022–2025.
Part 五, Relation 8 — last year's problems (by hand) and whether this year's part 五 takes them up:
    2019's three (部门主动性/队伍能力; 人员编制/兼职/流动; 长效机制/制度) — 2020 speaks of 基层标准化,
        部门不均衡, 新媒体: none answered → 3 findings
    2020's three (基层标准化规范化; 部门不均衡; 新媒体属性/互动) — 2021 speaks of 政策解读, 渠道,
        新媒体宣传: none answered → 3 findings
    2021's two (政策解读形式不够丰富…; 质量水平/渠道有限/新媒体宣传) — 2022 answers the first
        (丰富政策解读形式, 图表图解), not the second → 1 finding (problem 2)
    2022's three (重大行政决策预公开/意见征集; 重点领域深度/重点项目全流程; 政策解读形式单一) —
        2023 takes up 政策解读形式 only; 重点领域 is mentioned, 深度/全流程/重点项目 are not → 2 findings
    2023's three (信息发布属性/栏目噪音; 开拓创新/特色亮点; 政策解读质量/形式) — 2024 answers the
        third → 2 findings (problems 1, 2)
    2024's three (新时代工作机制; 政策解读形式创新; 智能化数字化手段) — 2025 speaks of 队伍建设,
        答复质量, 平台互动: none answered → 3 findings
Copies: no part is near-identical to last year's (each year's text is rewritten) → pass.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluate import evaluate
from engine.parse.agency import group_reports
from engine.rules import load_catalog
from real_support import real_file

ROOT = Path(__file__).resolve().parent.parent
YEARS = range(2019, 2026)
CROSS = ("XXGK-X701", "XXGK-X702", "XXGK-X703", "XXGK-X704", "XXGK-X705")

EXPECTED_OUTCOMES = {
    2019: {"XXGK-X705": "pass"},
    2020: {"XXGK-X701": "pass", "XXGK-X703": "fail", "XXGK-X704": "pass", "XXGK-X705": "pass"},
    2021: {"XXGK-X701": "pass", "XXGK-X703": "fail", "XXGK-X704": "pass", "XXGK-X705": "pass"},
    2022: {"XXGK-X701": "pass", "XXGK-X702": "not_assessable", "XXGK-X703": "fail", "XXGK-X704": "pass",
           "XXGK-X705": "pass"},
    2023: {"XXGK-X701": "pass", "XXGK-X702": "not_assessable", "XXGK-X703": "fail", "XXGK-X704": "pass",
           "XXGK-X705": "pass"},
    2024: {"XXGK-X701": "pass", "XXGK-X702": "not_assessable", "XXGK-X703": "fail", "XXGK-X704": "pass",
           "XXGK-X705": "pass"},
    2025: {"XXGK-X701": "pass", "XXGK-X702": "not_assessable", "XXGK-X703": "fail", "XXGK-X704": "pass",
           "XXGK-X705": "pass"},
}
# year -> the unanswered problems of last year's part 五 (index: a phrase of the problem)
# Last year's problems whose rectification this year's report does not tell (judged by hand against
# this year's whole report, not counting this year's own list of problems). 2022, 2023 (3), 2024 (3)
# and 2025 (2) tell how policy interpretation was diversified; 2025's first problem
# ("新时代…工作机制有待进一步调整和完善") names nothing one could check.
EXPECTED_UNANSWERED = {
    2020: {1: "主动性和自觉性", 2: "人员编制", 3: "长效工作机制"},
    2021: {1: "标准化规范化", 2: "不够均衡", 3: "政务新媒体"},
    2022: {2: "政务公开渠道有限"},
    2023: {1: "重大行政决策预公开", 2: "重点领域信息公开深度不足"},
    2024: {1: "信息发布属性界定", 2: "开拓创新"},
    2025: {3: "智能化、数字化手段"},
}


@pytest.fixture(scope="module")
def pingtan():
    parse = pytest.importorskip("engine.parse")
    if not hasattr(parse, "parse_file"):
        pytest.skip("engine.parse.parse_file is not there yet")
    return {y: parse.parse_file(str(real_file(f"pingtan-{y}.txt"))) for y in YEARS}


@pytest.fixture(scope="module")
def audited(pingtan):
    catalog = load_catalog(ROOT / "rules")
    grouping = group_reports([(str(y), r.metadata.agency, r.metadata.year) for y, r in pingtan.items()])
    out = {}
    for y, report in pingtan.items():
        prev_key = grouping.previous.get(str(y))
        previous = pingtan[int(prev_key)] if prev_key else None
        out[y] = {r.rule_id: r for r in evaluate(report, catalog, previous=previous) if r.rule_id in CROSS}
    return grouping, out


def test_seven_years_are_one_body(pingtan):
    assert [r.metadata.year for r in pingtan.values()] == list(YEARS)
    grouping = group_reports([(str(y), r.metadata.agency, r.metadata.year) for y, r in pingtan.items()])
    assert len(set(grouping.body.values())) == 1
    assert grouping.previous == {str(y): str(y - 1) for y in range(2020, 2026)}
    assert grouping.same_year == {} and grouping.notes == []
    assert [pingtan[y].metadata.template for y in YEARS] == ["2019", "2019"] + ["2021"] * 5


@pytest.mark.parametrize("year", list(YEARS))
def test_cross_year_outcomes(audited, year):
    _, results = audited
    assert {k: r.outcome for k, r in results[year].items()} == EXPECTED_OUTCOMES[year]


def _facts(report, previous, kind):
    from engine.facts.extractors import crossyear
    from engine.facts import FactContext
    return list(crossyear.extract(FactContext(report, previous, [{"rule": "T", "kind": kind}])))


def test_carryover_2022_reads_the_request_carried_over_from_2021(pingtan, audited):
    """2021 carried 1 request (自然人) over ("1000001"); 2022 reports it in row 二 ("1000001")."""
    _, results = audited
    assert results[2022]["XXGK-X701"].outcome == "pass"
    facts = _facts(pingtan[2022], pingtan[2021], "carryover")
    assert [(f["column"], int(f["this_v"]), int(f["prev_v"])) for f in facts] == [
        ("自然人", 1, 1), ("商业企业", 0, 0), ("科研机构", 0, 0), ("社会公益组织", 0, 0),
        ("法律服务机构", 0, 0), ("其他", 0, 0), ("总计", 1, 1)]
    assert all(f["previous_source"].endswith("pingtan-2021.txt") for f in facts)


def test_template_change_2020_to_2021(pingtan, audited):
    """2020 (2019 format) → 2021 (2021 format): 二/四 compared (all zero), continuity suspended."""
    _, results = audited
    carry = _facts(pingtan[2021], pingtan[2020], "carryover")
    assert all(f["template_change"] and f["holds"] and f["this_v"] == 0 == f["prev_v"] for f in carry)
    assert _facts(pingtan[2021], pingtan[2020], "continuity") == []
    assert "XXGK-X702" not in results[2021] and "XXGK-X702" not in results[2020]


def test_valid_count_unknown_cells_are_the_flattened_row(audited):
    _, results = audited
    for year in range(2022, 2026):
        result = results[year]["XXGK-X702"]
        assert "“行政规范性文件”行的件数无法读取" in result.reason
        assert "上年报告表二第二十条第（一）项“行政规范性文件”行“现行有效件数”列" in result.reason
        assert "规章" not in result.reason      # 规章 "000" is read: 0/0/0, consistent


@pytest.mark.parametrize("year", sorted(EXPECTED_UNANSWERED))
def test_unanswered_problems(audited, year):
    """One finding for the whole look back, listing the unanswered problems in plain words; the
    workings (keywords, shares, threshold) only in its details."""
    _, results = audited
    [finding] = results[year]["XXGK-X703"].findings
    assert finding.evidence.previous_source.endswith(f"pingtan-{year - 1}.txt")
    assert finding.evidence.part == "五"
    unanswered = [p["index"] for p in finding.details["problems"] if p["answered"] is False]
    assert unanswered == sorted(EXPECTED_UNANSWERED[year])
    for phrase in EXPECTED_UNANSWERED[year].values():
        assert phrase in finding.message
    assert f"以下{len(unanswered)}个问题" in finding.message
    for machinery in ("%", "关键词", "阈值", "重合"):
        assert machinery not in finding.message and machinery not in finding.remedy
    assert finding.details["threshold"] == 0.5
