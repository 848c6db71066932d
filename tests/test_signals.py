"""Text signals (engine/facts/signals.py, rules/signals.yaml): wording, negation, loading errors,
and the signals of every seed and of the pingtan series, decided by reading each text by hand."""
from __future__ import annotations

import pytest

from engine.facts.signals import SignalLoadError, load_signals
from text_support import SEED_PARTS, pingtan_report, report_from_parts, seed_report


@pytest.fixture(scope="module")
def signals():
    return load_signals()


def _value(signals, sid, **parts_and_meta):
    meta = {k: parts_and_meta.pop(k) for k in ("year", "agency", "body_kind") if k in parts_and_meta}
    report = report_from_parts(parts_and_meta, **meta)
    return signals.evaluate(report, [sid])[sid]


# ------------------------------------------------------------------------------- wording and negation

@pytest.mark.parametrize("text, polarity", [
    ("本机关2024年度未收取政府信息公开信息处理费。", "negative"),
    ("本年度没有产生信息公开处理费。", "negative"),
    ("2021年，无收取信息处理费情况。", "negative"),
    ("本年度不存在收取信息处理费的情况。", "negative"),
    ("全年收取政府信息公开信息处理费0元。", "negative"),
    ("全年收取政府信息公开信息处理费3940元。", "affirmative"),
    ("本年度共发出收费通知2件，收取信息处理费120元。", "affirmative"),
    ("2023年度，本机关依申请公开不存在收费情况。", "negative"),
    ("本机关办理政府信息公开申请均未收取任何费用。", "negative"),
])
def test_fee_statement_is_a_statement_whatever_its_polarity(signals, text, polarity):
    value = _value(signals, "fee_statement", 六=text)
    assert value.present is True
    assert value.first.polarity == polarity
    assert value.first.part == "六"
    assert value.first.excerpt == text


@pytest.mark.parametrize("text", [
    "无",
    "无。",
    "无其他需要报告的事项",
    "本报告电子版可从门户网站下载。",
    # a cited document's title is not a statement about this year's fees
    "认真学习《政府信息公开信息处理费管理办法》。",
])
def test_no_fee_statement_in_these(signals, text):
    assert _value(signals, "fee_statement", 六=text).present is False


def test_no_fee_statement_accepts_only_negative_statements(signals):
    assert _value(signals, "no_fee_statement", 六="全年收取信息处理费3940元。").present is False
    neg = _value(signals, "no_fee_statement", 一="依申请公开均未收取任何费用。", 六="无")
    assert neg.present is True and neg.first.part == "一"


def test_fee_statement_only_looks_at_part_six(signals):
    value = _value(signals, "fee_statement", 一="本机关未收取信息处理费。", 六="无")
    assert value.present is False


def test_missing_part_makes_the_signal_unknown_not_absent(signals):
    value = _value(signals, "fee_statement", 一="总体情况。")
    assert value.present is None
    assert "第六部分" in value.reason


@pytest.mark.parametrize("text, found", [
    ("将政务公开纳入年度工作考核。", True),
    ("将巡查通报情况列入绩效考核评估范围。", True),
    ("细化年度政务公开考核标准，制定考核细则。", True),
    ("将政务公开纳入绩效管理指标体系。", True),
    ("公开国有企业基本信息、生产经营、业绩考核等总体情况。", False),   # not the body's own appraisal
])
def test_work_appraisal_wording(signals, text, found):
    value = _value(signals, "appraisal_evaluation_accountability", 一=text)
    assert ("工作考核" not in value.missing) is found


def test_groups_report_what_is_missing(signals):
    value = _value(signals, "appraisal_evaluation_accountability",
                   一="将政务公开纳入年度绩效考核，未发生责任追究情况。")
    assert value.present is False
    assert value.missing == ["社会评议"]
    full = _value(signals, "appraisal_evaluation_accountability",
                  一="将政务公开纳入年度绩效考核。社会评议情况良好，未发生责任追究情况。")
    assert full.present is True and full.missing == []


def test_last_year_review_uses_the_reporting_year(signals):
    text = "（一）2023年度存在问题及改进情况。针对上述问题已全部整改。"
    assert _value(signals, "last_year_review", 五=text, year=2024).present is True
    # in a 2025 report "2023年度" is not last year
    assert _value(signals, "last_year_review", 五=text, year=2025).present is False
    # year unknown: the year-bound wording cannot be judged -> unknown, never a guess
    unknown = _value(signals, "last_year_review", 五=text, year=None)
    assert unknown.present is None and "年度未知" in unknown.reason
    # year-free wording still decides
    assert _value(signals, "last_year_review", 五="上年度报告所列问题已整改到位。", year=None).present is True


def test_wrapped_lines_are_joined_and_located(signals):
    report = report_from_parts({"六": "本机关2024年度未收取政府信\n\n息公开信息处理费。"}, year=2024)
    hit = signals.evaluate(report, ["fee_statement"])["fee_statement"].first
    assert hit.excerpt == "本机关2024年度未收取政府信息公开信息处理费。"
    assert hit.line == 4 and hit.where == "第4行"      # 六 heading is line 1; the match ends there


# ------------------------------------------------------------------------------------ loading errors

def _write(tmp_path, text):
    p = tmp_path / "signals.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD_HEAD = "version: 1\nnegation: ['未']\nsignals:\n"


def test_default_file_loads_with_the_documented_signals(signals):
    assert {"fee_statement", "no_fee_statement", "overview_themes", "appraisal_evaluation_accountability",
            "problems", "improvements", "last_year_review"} <= set(signals.ids)


@pytest.mark.parametrize("body, line, words", [
    ("  - id: fee\n    title: 费\n    parts: [六]\n    phrase: [处理费]\n", 7, "未知字段"),
    ("  - id: fee\n    title: 费\n    parts: [七]\n    phrases: [处理费]\n", 6, "未知部分"),
    ("  - id: fee\n    title: 费\n    parts: [六]\n    patterns: ['处理费(']\n", 7, "无法编译"),
    ("  - id: fee\n    title: 费\n    parts: [六]\n    phrases: [处理费]\n"
     "  - id: fee\n    title: 费\n    parts: [六]\n    phrases: [处理费]\n", 8, "重复"),
    ("  - id: fee\n    title: 费\n    parts: [六]\n    accept: maybe\n    phrases: [处理费]\n", 7, "accept"),
    ("  - id: Fee\n    title: 费\n    parts: [六]\n    phrases: [处理费]\n", 4, "不合法"),
    ("  - id: fee\n    title: 费\n    parts: [六]\n    patterns: ['(?P<a>处理费)', '(?P<a>收费)']\n", 7,
     "命名分组"),
])
def test_broken_signal_files_name_file_and_line(tmp_path, body, line, words):
    path = _write(tmp_path, GOOD_HEAD + body)
    with pytest.raises(SignalLoadError) as err:
        load_signals(path)
    text = str(err.value)
    assert f"{path}:{line}:" in text, text
    assert words in text


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, GOOD_HEAD + "  - id: fee\n    title: [unclosed\n")
    with pytest.raises(SignalLoadError) as err:
        load_signals(path)
    assert f"{path}:" in str(err.value) and "YAML" in str(err.value)


def test_authors_tune_wording_without_code(tmp_path):
    path = _write(tmp_path, GOOD_HEAD + "  - id: fee\n    title: 费\n    parts: [六]\n    phrases: [规费]\n")
    custom = load_signals(path)
    report = report_from_parts({"六": "本年度未收取规费。"})
    value = custom.evaluate(report)["fee"]
    assert value.present is True and value.first.polarity == "negative"


# ----------------------------------------------------------------------------------- seeds, by hand

# What a careful reader finds in each seed (read off the texts):
# 000 金村镇: 六 "未收取政府信息公开信息处理费"; 一 has all five themes but no 考核/评议/追究;
#     五 names problems ("一是…不及时") and next steps ("下一步") but does not look back at 2023.
# 001 阎村镇 (2023): 六 is only "无" -> no fee statement; 五 has （一）存在问题 / （二）改进措施, no
#     review of 2022; "社会评议制度" appears only as a plan in 五, never as a result in 一.
# 002 木厂镇: 六 "本年度没有产生信息公开处理费"; 一（五）"纳入年度工作考核…社会评议情况良好，未产生责任追究";
#     五 "（一）2023年度存在问题及改进情况".
# 003 南岭镇: 六 "未收取…信息处理费"; no appraisal statement; 五 "(二) 改进情况" is next year's plan.
# 004 陈区镇: 六 "…未收取政府信息公开信息处理费"; 五 problems + "下一步工作重点", no look back.
SEED_EXPECTED = {
    "000_07ac6476bfab88c2": dict(fee_statement=True, no_fee_statement=True, overview_themes=True,
                                 appraisal_evaluation_accountability=False, problems=True,
                                 improvements=True, last_year_review=False),
    "001_5f25c15575702d27": dict(fee_statement=False, no_fee_statement=False, overview_themes=True,
                                 appraisal_evaluation_accountability=False, problems=True,
                                 improvements=True, last_year_review=False),
    "002_6e41f544aa427844": dict(fee_statement=True, no_fee_statement=True, overview_themes=True,
                                 appraisal_evaluation_accountability=True, problems=True,
                                 improvements=True, last_year_review=True),
    "003_bb47b10e518fda8c": dict(fee_statement=True, no_fee_statement=True, overview_themes=True,
                                 appraisal_evaluation_accountability=False, problems=True,
                                 improvements=True, last_year_review=False),
    "004_62538884590742ab": dict(fee_statement=True, no_fee_statement=True, overview_themes=True,
                                 appraisal_evaluation_accountability=False, problems=True,
                                 improvements=True, last_year_review=False),
}


@pytest.mark.parametrize("stem", sorted(SEED_PARTS))
def test_seed_signals(signals, stem):
    values = signals.evaluate(seed_report(stem))
    got = {sid: values[sid].present for sid in SEED_EXPECTED[stem]}
    assert got == SEED_EXPECTED[stem]


def test_seed_002_evidence_points_at_the_sentences(signals):
    values = signals.evaluate(seed_report("002_6e41f544aa427844"))
    fee = values["fee_statement"].first
    assert fee.line == 404 and fee.polarity == "negative"
    assert "本年度没有产生信息公开处理费" in fee.excerpt
    review = values["last_year_review"].first
    assert review.line == 397 and review.excerpt == "（一）2023年度存在问题及改进情况"
    groups = {h.group: h for h in values["appraisal_evaluation_accountability"].hits}
    assert set(groups) == {"工作考核", "社会评议", "责任追究"}
    assert all(h.line == 15 for h in groups.values())
    assert "社会评议情况良好" in groups["社会评议"].excerpt


def test_seed_001_part_six_says_only_wu(signals):
    value = signals.evaluate(seed_report("001_5f25c15575702d27"))["fee_statement"]
    assert value.present is False and value.hits == []


# ------------------------------------------------------------------------------------ pingtan series

@pytest.mark.parametrize("year, fee, appraisal_missing", [
    (2019, False, ["工作考核", "社会评议", "责任追究"]),   # "业绩考核" there is about state firms' info
    (2020, False, ["社会评议", "责任追究"]),     # "无其他需要报告的事项": no fee statement
    (2021, True, ["责任追究"]),
    (2022, True, []),                          # "落实社会评议和责任追究制度…"
    (2023, True, ["社会评议"]),                 # 考核 and 问责, no 社会评议
    (2024, True, ["社会评议", "责任追究"]),
    (2025, True, ["社会评议", "责任追究"]),     # "纳入绩效管理指标体系" counts as 考核
])
def test_pingtan_series(signals, year, fee, appraisal_missing):
    values = signals.evaluate(pingtan_report(year))
    assert values["fee_statement"].present is fee
    if fee:
        assert values["fee_statement"].first.excerpt == f"{year}年，无收取信息处理费情况。"
        assert values["fee_statement"].first.line == 1
    assert values["appraisal_evaluation_accountability"].missing == appraisal_missing
    assert values["problems"].present and values["improvements"].present
    assert values["last_year_review"].present is False
