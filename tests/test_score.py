"""Scoring policy (engine/score.py, rules/scoring.yaml): deductions, caps, repeats, not-assessable, grades."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from engine import DEFAULT_RULES_DIR
from engine.model import Finding, RuleResult
from engine.score import RuleInfo, ScoringConfigError, load_scoring, score_results, validate_scoring

BASE = yaml.safe_load((DEFAULT_RULES_DIR / "scoring.yaml").read_text(encoding="utf-8"))


def policy(tmp_path: Path, **changes):
    data = {**BASE, **changes}
    path = tmp_path / "scoring.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_scoring(path)


def fail(rule_id: str, *points: float, category: str = "一致性", severity: str = "error") -> RuleResult:
    return RuleResult(rule_id, "fail", [Finding(rule_id, severity, category, "t", "m", p, "b") for p in points])


def test_shipped_scoring_config_is_valid():
    p = load_scoring(DEFAULT_RULES_DIR / "scoring.yaml")
    assert p.start == 100
    assert [g for g, _ in p.grades] == ["优秀", "良好", "合格", "不合格"]


def test_no_failure_scores_full_marks(tmp_path):
    s = score_results([RuleResult("A", "pass"), RuleResult("B", "pass")], policy(tmp_path))
    assert (s.score, s.grade, s.deductions) == (Decimal(100), "优秀", [])


def test_failed_rules_deduct_their_points(tmp_path):
    s = score_results([fail("A", 5), fail("B", 3, category="完整性"), RuleResult("C", "pass")], policy(tmp_path))
    assert s.score == Decimal(92)
    assert s.by_category == {"一致性": Decimal(5), "完整性": Decimal(3)}


def test_repeated_findings_once_policy_counts_a_rule_once(tmp_path):
    p = policy(tmp_path, repeated_findings={"policy": "once"})
    s = score_results([fail("SUM", 4, 4, 4)], p)        # an identity failing in 3 columns
    assert s.score == Decimal(96)
    assert s.deductions[0].findings == 3


def test_repeated_findings_per_finding_capped_policy(tmp_path):
    p = policy(tmp_path, repeated_findings={"policy": "per_finding_capped", "cap_factor": 2})
    assert score_results([fail("SUM", 4, 4, 4)], p).score == Decimal(92)    # 12 capped at 2 × 4
    assert score_results([fail("SUM", 4)], p).score == Decimal(96)
    assert score_results([fail("SUM", 4, 1)], p).score == Decimal(95)       # 5 < 8: each counts


def test_category_cap_limits_deductions(tmp_path):
    p = policy(tmp_path, categories={"一致性": 10}, default_cap=30)
    s = score_results([fail("A", 8), fail("B", 8), fail("C", 8, category="完整性")], p)
    assert s.by_category == {"一致性": Decimal(10), "完整性": Decimal(8)}
    assert s.score == Decimal(82)
    # a category not listed uses default_cap
    s = score_results([fail(f"R{i}", 10, category="其他") for i in range(5)], p)
    assert s.score == Decimal(70)


def test_score_never_below_zero_and_lowest_grade(tmp_path):
    p = policy(tmp_path, default_cap=200, categories={})
    s = score_results([fail(f"R{i}", 30) for i in range(5)], p)
    assert s.score == 0 and s.grade == "不合格"


def test_not_assessable_policy_none_deducts_nothing(tmp_path):
    p = policy(tmp_path, not_assessable={"policy": "none"})
    s = score_results([RuleResult("NA", "not_assessable", reason="表二缺失")], p,
                      {"NA": RuleInfo("NA", points=8, category="一致性")}.get)
    assert s.score == 100


def test_not_assessable_fraction_with_total_cap(tmp_path):
    p = policy(tmp_path, not_assessable={"policy": "fraction", "fraction": 0.25, "cap": 3})
    info = {f"NA{i}": RuleInfo(f"NA{i}", points=8, category="一致性") for i in range(3)}
    s = score_results([RuleResult(k, "not_assessable") for k in info], p, info.get)
    # 3 × (8 × 0.25) = 6, capped at 3 in total
    assert s.score == Decimal(97)
    assert [d.points for d in s.deductions] == [Decimal(2), Decimal(1)]


def test_not_assessable_without_catalog_points_uses_severity_default(tmp_path):
    p = policy(tmp_path, not_assessable={"policy": "fraction", "fraction": 0.5, "cap": 10})
    s = score_results([RuleResult("X", "not_assessable")], p, {"X": RuleInfo("X", severity="error")}.get)
    assert s.score == 100 - BASE["severity_points"]["error"] * Decimal("0.5")


def test_rule_errors_deduct_nothing(tmp_path):
    s = score_results([RuleResult("E", "error", reason="boom")], policy(tmp_path))
    assert s.score == 100


@pytest.mark.parametrize("score_points, grade", [(0, "优秀"), (10, "优秀"), (10.5, "良好"), (20, "良好"),
                                                 (21, "合格"), (40, "合格"), (40.01, "不合格")])
def test_grade_thresholds(tmp_path, score_points, grade):
    p = policy(tmp_path, default_cap=100, categories={}, grade_caps=[])
    results = [fail("A", score_points)] if score_points else []
    assert score_results(results, p).grade == grade


def test_fractional_points_are_exact(tmp_path):
    s = score_results([fail("A", 0.1), fail("B", 0.2)], policy(tmp_path))
    assert s.score == Decimal("99.70") and s.score_json() == 99.7


@pytest.mark.parametrize("change, expected", [
    ({"start": "一百"}, "start：应为数字"),
    ({"repeated_findings": {"policy": "sometimes"}}, "repeated_findings.policy：取值 'sometimes' 无效"),
    ({"grades": [{"grade": "优秀", "min": 90}]}, "至少要有一个 min 为 0 的等级"),
    ({"not_assessable": {"policy": "fraction", "fraction": 2}}, "not_assessable.fraction：2 太大"),
    ({"colour": "red"}, "有不认识的配置项"),
])
def test_invalid_scoring_config_gives_chinese_problems(tmp_path, change, expected):
    data = {**BASE, **change}
    problems = validate_scoring(data)
    assert any(expected in p for p in problems), problems
    path = tmp_path / "scoring.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScoringConfigError) as info:
        load_scoring(path)
    assert any(expected in p for p in info.value.problems)


def test_missing_required_key_and_bad_yaml(tmp_path):
    data = {k: v for k, v in BASE.items() if k != "grades"}
    assert any("缺少必填项 grades" in p for p in validate_scoring(data))
    bad = tmp_path / "s.yaml"
    bad.write_text("start: [1,\n", encoding="utf-8")
    with pytest.raises(ScoringConfigError) as info:
        load_scoring(bad)
    assert "不是有效的 YAML" in info.value.problems[0]
    with pytest.raises(ScoringConfigError, match="不存在"):
        load_scoring(tmp_path / "missing.yaml")


# ------------------------------------------------------------------------ grade caps and charge

def _finding(rule_id, points, severity="error", charge="agency"):
    from engine.model import Finding
    return Finding(rule_id, severity, "准确性", "t", "m", points, "b", charge=charge)


def test_any_error_caps_the_grade_below_the_best(tmp_path):
    p = policy(tmp_path)
    s = score_results([RuleResult("XXGK-T806", "fail", findings=[_finding("XXGK-T806", 3)])], p)
    assert (s.score, s.grade_by_score, s.grade) == (Decimal(97), "优秀", "良好")
    assert s.caps == [{"max_grade": "良好", "why": "有“错误”级别的问题，不能评为优秀", "rules": ["XXGK-T806"]}]
    # a warning does not cap
    w = score_results([RuleResult("XXGK-T805", "fail", findings=[_finding("XXGK-T805", 1, "warning")])], p)
    assert w.grade == "优秀" and w.caps == []


def test_a_broken_identity_caps_the_grade_lower(tmp_path):
    s = score_results([RuleResult("XXGK-R304", "fail", findings=[_finding("XXGK-R304", 5)])], policy(tmp_path))
    assert (s.score, s.grade_by_score, s.grade) == (Decimal(95), "优秀", "合格")
    assert [c["max_grade"] for c in s.caps] == ["良好", "合格"]


def test_a_manual_finding_is_never_scored_nor_caps(tmp_path):
    r = RuleResult("XXGK-D601", "fail", findings=[_finding("XXGK-D601", 5, charge="manual")])
    s = score_results([r], policy(tmp_path))
    assert (s.score, s.grade, s.deductions, s.caps) == (Decimal(100), "优秀", [], [])


def test_manual_or_covered_not_assessable_items_are_not_scored(tmp_path):
    p = policy(tmp_path, not_assessable={"policy": "fraction", "fraction": 0.5, "cap": 10})
    info = {"X": RuleInfo("X", severity="error", points=4)}.get
    manual = RuleResult("X", "not_assessable", charge="manual")
    covered = RuleResult("X", "not_assessable", charge="agency", covered_by="XXGK-V202")
    plain = RuleResult("X", "not_assessable", charge="agency")
    assert score_results([manual], p, info).score == 100
    assert score_results([covered], p, info).score == 100
    assert score_results([plain], p, info).score == 98


def test_a_cap_must_name_a_grade(tmp_path):
    with pytest.raises(ScoringConfigError) as exc:
        policy(tmp_path, grade_caps=[{"severity": "error", "max_grade": "极好", "why": "x"}])
    assert "不在 grades 中" in str(exc.value)
