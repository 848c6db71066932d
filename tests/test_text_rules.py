"""The text rules (rules/text-parts.yaml, rules/text-narrative.yaml) evaluated through the whole
engine (facts -> durable-rules and the reference evaluator) on the seeds and the pingtan series,
with the part ranges stated by hand (tests/text_support.py), and the author-facing errors."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from engine.evaluate import evaluate
from engine.rules import RuleLoadError, load_catalog
from engine.template import active_addresses, application_addresses, review_addresses
from text_support import SEED_PARTS, pingtan_report, seed_report

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
TEXT_RULES = ("XXGK-T801", "XXGK-T802", "XXGK-T803", "XXGK-T804", "XXGK-T805", "XXGK-T806",
              "XXGK-N901", "XXGK-N902", "XXGK-N903", "XXGK-N904", "XXGK-N905")
ENGINES = ("durable", "reference")
ZERO = {a: 0 for a in application_addresses("split") + review_addresses() + active_addresses("2021")}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(RULES_DIR).subset(set(TEXT_RULES))


def outcomes(results):
    return {r.rule_id: r.outcome for r in results}


def by_rule(results):
    return {r.rule_id: r for r in results}


# All five seeds have all-zero tables. What a careful auditor writes about their text:
#   T802 (考核/评议/追究, governments): only 002 reports them ("纳入年度工作考核…社会评议情况良好，
#        未产生责任追究"); 000/001/003/004 say nothing of the three -> finding.
#   T805 (review of last year's problems): only 002 ("（一）2023年度存在问题及改进情况").
#   T806 (fee statement): 001's part 六 is only "无" -> finding; the others state no fee was charged.
#   T801/T803/T804 pass everywhere; N901-N905 pass (their narrative figures are zero like the tables).
PASS = "pass"
FAIL = "fail"
SEED_OUTCOMES = {
    "000_07ac6476bfab88c2": {"XXGK-T802": FAIL, "XXGK-T805": FAIL},
    "001_5f25c15575702d27": {"XXGK-T802": FAIL, "XXGK-T805": FAIL, "XXGK-T806": FAIL},
    "002_6e41f544aa427844": {},
    "003_bb47b10e518fda8c": {"XXGK-T802": FAIL, "XXGK-T805": FAIL},
    "004_62538884590742ab": {"XXGK-T802": FAIL, "XXGK-T805": FAIL},
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("stem", sorted(SEED_PARTS))
def test_seed_text_findings(catalog, stem, engine):
    report = seed_report(stem, cells=ZERO)
    report.metadata.template = "2021"
    got = outcomes(evaluate(report, catalog, engine=engine))
    expected = {rid: SEED_OUTCOMES[stem].get(rid, PASS) for rid in TEXT_RULES}
    assert got == expected


def test_seed_001_fee_finding_points_at_part_six(catalog):
    report = seed_report("001_5f25c15575702d27", cells=ZERO)
    result = by_rule(evaluate(report, catalog, engine="reference"))["XXGK-T806"]
    [finding] = result.findings
    assert finding.evidence.part == "六" and finding.evidence.line == 96
    assert finding.evidence.excerpt == "无"
    assert "原文：“无”" in finding.message
    assert finding.severity == "error" and finding.points == 3


def test_seed_000_appraisal_finding_names_all_three(catalog):
    report = seed_report("000_07ac6476bfab88c2", cells=ZERO)
    [finding] = by_rule(evaluate(report, catalog))["XXGK-T802"].findings
    assert finding.message == "报告未说明工作考核、社会评议、责任追究结果情况。"
    assert finding.evidence.part == "一" and finding.evidence.line == 7


def test_a_department_is_not_asked_for_appraisal_results(catalog):
    report = seed_report("000_07ac6476bfab88c2", cells=ZERO)
    report.metadata.body_kind = "department"
    assert "XXGK-T802" not in outcomes(evaluate(report, catalog))


def test_no_requests_statement_against_nonzero_table(catalog):
    cells = dict(ZERO, **{"applications.一.自然人": 2, "applications.一.总计": 2,
                          "applications.三.一.自然人": 2, "applications.三.一.总计": 2,
                          "applications.三.七.自然人": 2, "applications.三.七.总计": 2})
    report = seed_report("002_6e41f544aa427844", cells=cells)
    for engine in ENGINES:
        result = by_rule(evaluate(report, catalog, engine=engine))["XXGK-N903"]
        assert result.outcome == "fail"
        [finding] = result.findings
        assert finding.evidence.line == 9 and finding.evidence.part == "一"
        assert finding.evidence.cells == ["applications.一.总计", "applications.二.总计"]
        assert finding.evidence.values == {"applications.一.总计": 2, "applications.二.总计": 0}
        assert "未收到政府信息公开申请" in finding.message and "＝2" in finding.message


# ----------------------------------------------------------------------------------- pingtan series

PT = {
    2021: {"applications.一.总计": 70, "applications.三.七.总计": 69, "applications.四.总计": 1},
    2022: {"applications.一.总计": 74, "applications.二.总计": 1, "applications.三.七.总计": 75,
           "review.行政复议.总计": 2, "review.未经复议直接起诉.总计": 1},
    2023: {"applications.一.总计": 81, "applications.三.七.总计": 81, "review.行政复议.总计": 2,
           "review.未经复议直接起诉.总计": 5, "review.复议后起诉.总计": 2},
    2025: {"applications.一.总计": 154, "applications.三.七.总计": 148, "applications.四.总计": 6,
           "review.行政复议.总计": 36, "review.未经复议直接起诉.总计": 6, "review.复议后起诉.总计": 3,
           "applications.三.六.2.自然人": 2, "applications.三.六.2.总计": 2},
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("year", sorted(PT))
def test_pingtan_narrative_agrees_with_its_tables(catalog, year, engine):
    report = pingtan_report(year, cells=dict(ZERO, **PT[year]))
    got = outcomes(evaluate(report, catalog, engine=engine))
    assert got["XXGK-N901"] == "pass" and got["XXGK-N902"] == "pass"
    assert got["XXGK-T806"] == "pass"
    # 2025: two requests dropped because the applicant did not pay after a fee notice, and part 六
    # says "无收取信息处理费情况": notices sent but not paid means nothing was collected — no
    # contradiction (issue 12), so no N905
    assert got["XXGK-N905"] == "pass"


def test_pingtan_2025_no_fee_and_unpaid_notices_is_no_contradiction(catalog):
    """(六)2 = 2 (notices sent, not paid) with "无收取信息处理费情况": nothing was collected, as said."""
    report = pingtan_report(2025, cells=dict(ZERO, **PT[2025]))
    assert by_rule(evaluate(report, catalog))["XXGK-N905"].outcome == "pass"
    # only a statement that no fee NOTICE was sent contradicts (六)2 > 0, and only as a note
    report = pingtan_report(2025, cells=dict(ZERO, **PT[2025]))
    report.parts["六"].text = "2025年，本机关未发出信息处理费收费通知。"
    result = by_rule(evaluate(report, catalog))["XXGK-N905"]
    [finding] = result.findings
    assert finding.evidence.cells == ["applications.三.六.2.总计"]
    assert (finding.severity, finding.points) == ("info", 0)
    assert "不需要改动表三" in finding.remedy


def test_pingtan_2022_received_counts_the_carried_over_request(catalog):
    # 75 = 74 new + 1 carried over: agrees; with 二 = 0 it matches neither reading -> finding
    wrong = {**ZERO, **PT[2022], "applications.二.总计": 0}
    result = by_rule(evaluate(pingtan_report(2022, cells=wrong), catalog))["XXGK-N901"]
    assert result.outcome == "fail"
    [finding] = result.findings
    assert "收到政府信息公开申请75件" in finding.message
    assert "＝74" in finding.message and finding.evidence.part == "一"


def test_fee_statement_rule_starts_with_the_2021_reports(catalog):
    report = pingtan_report(2020, cells=ZERO)
    assert "XXGK-T806" not in outcomes(evaluate(report, catalog))      # not applicable
    assert outcomes(evaluate(pingtan_report(2021, cells=ZERO), catalog))["XXGK-T806"] == "pass"


# --------------------------------------------------------------------------------- author errors

RULE = """\
rules:
  - id: XXGK-T899
    title: 测试信号
    severity: warning
    category: 完整性
    points: 1
    basis: 常见要求：测试依据
    rationale: 测试理由
    remedy: 测试整改
    check: signal_present
    options: {signal: SIGNAL}
    message: 未见{title}。
    examples:
      - {expect: pass, report: {parts: {六: 本年度未收取规费。}}}
      - {expect: fail, report: {parts: {六: 无}}}
"""


def _rules_dir(tmp_path, rule_text, signals_text=None):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "t.yaml").write_text(textwrap.dedent(rule_text), encoding="utf-8")
    if signals_text is not None:
        (d / "signals.yaml").write_text(signals_text, encoding="utf-8")
    return d


def test_unknown_signal_is_a_compile_error_with_file_and_line(tmp_path):
    d = _rules_dir(tmp_path, RULE.replace("SIGNAL", "fee_statment"))
    with pytest.raises(RuleLoadError) as err:
        load_catalog(d)
    [(file, line, message)] = err.value.problems
    assert file.endswith("t.yaml") and line == 11
    assert "未知的信号“fee_statment”" in message and "fee_statement" in message


def test_broken_signals_file_in_the_rules_dir_refuses_the_catalog(tmp_path):
    d = _rules_dir(tmp_path, RULE.replace("SIGNAL", "fee"),
                   "version: 1\nsignals:\n  - id: fee\n    title: 费\n    parts: [六]\n    patterns: ['规费(']\n")
    with pytest.raises(RuleLoadError) as err:
        load_catalog(d)
    message = err.value.problems[0][2]
    assert "signals.yaml:6" in message and "无法编译" in message


def test_broken_figure_patterns_refuse_the_catalog(tmp_path):
    rule = (RULE.replace("SIGNAL", "fee").replace("check: signal_present", "check: figure_agrees_with_cells")
            .replace("options: {signal: fee}", "options: {kinds: [received]}"))
    d = _rules_dir(tmp_path, rule,
                   "version: 1\nsignals:\n  - id: fee\n    title: 费\n    parts: [六]\n    phrases: [规费]\n"
                   "figures:\n  received:\n    - '收到{N}件('\n")
    with pytest.raises(RuleLoadError) as err:
        load_catalog(d)
    message = err.value.problems[0][2]
    assert "figures" in message and "signals.yaml:9" in message


def test_the_rules_dir_signals_file_is_the_one_used(tmp_path):
    d = _rules_dir(tmp_path, RULE.replace("SIGNAL", "fee"),
                   "version: 1\nnegation: ['未']\nsignals:\n"
                   "  - id: fee\n    title: 规费说明\n    parts: [六]\n    phrases: [规费]\n")
    cat = load_catalog(d)
    from engine.rules.examples import build_report
    for text, outcome in (("本年度未收取规费。", "pass"), ("无", "fail")):
        report = build_report({"parts": {"六": text}})
        for engine in ENGINES:
            assert outcomes(evaluate(report, cat, engine=engine))["XXGK-T899"] == outcome


def test_catalog_copy_with_default_signals(tmp_path):
    # a rules directory without its own signals.yaml uses rules/signals.yaml
    d = tmp_path / "rules"
    d.mkdir()
    shutil.copy(RULES_DIR / "text-parts.yaml", d / "text-parts.yaml")
    cat = load_catalog(d)
    assert {r.id for r in cat.rules} == {"XXGK-T801", "XXGK-T802", "XXGK-T803", "XXGK-T804",
                                         "XXGK-T805", "XXGK-T806"}
