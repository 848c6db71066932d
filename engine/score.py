"""Stage 5 — score: rule results become a score and a grade, by the policy in rules/scoring.yaml.

Public interface:
    load_scoring(path) -> ScoringPolicy          raises ScoringConfigError (Chinese problems)
    score_results(results, policy, rule_info) -> Score

The policy (documented in rules/scoring.yaml and the README):
- score = start − Σ per-category deductions, each category capped, never below 0;
- a failed rule deducts by `repeated_findings` (once per rule, or per finding capped at
  cap_factor × the rule's points);
- a not-assessable rule deducts by `not_assessable` (nothing, or a fraction of its points with a total cap);
- a rule that raised an error deducts nothing (it is the engine's fault, not the report's);
- a finding charged "manual" (待人工核对) deducts nothing, nor does a not-assessable item that is
  manual or covered by another finding (docs/charge.md);
- grade = the first entry of `grades` whose `min` the score reaches, lowered to the `max_grade` of
  every `grade_caps` entry the report's agency findings trigger (e.g. any error: not 优秀).
Arithmetic is decimal so that scores are exact and identical on every machine.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable

import jsonschema
import yaml

from engine import SCHEMAS_DIR
from engine.model import RuleResult
from engine.yaml_guard import YamlLimitError, read_yaml_text, safe_load

SCORING_SCHEMA = SCHEMAS_DIR / "scoring.schema.json"


class ScoringConfigError(Exception):
    """scoring.yaml is missing, not YAML, or does not match schemas/scoring.schema.json."""

    def __init__(self, path: str, problems: list[str]):
        super().__init__(f"{path}: " + "；".join(problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class RuleInfo:
    """What scoring and rendering need to know about a rule that produced no finding."""
    rule_id: str
    title: str = ""
    severity: str = "warning"
    category: str = "其他"
    points: float | None = None


@dataclass
class ScoringPolicy:
    start: Decimal
    repeat_policy: str
    cap_factor: Decimal
    na_policy: str
    na_fraction: Decimal
    na_cap: Decimal
    severity_points: dict[str, Decimal]
    default_cap: Decimal
    category_caps: dict[str, Decimal]
    grades: list[tuple[str, Decimal]]        # sorted by min, highest first
    raw: dict[str, Any] = field(default_factory=dict)
    caps: list["GradeCap"] = field(default_factory=list)

    def cap_of(self, category: str) -> Decimal:
        return self.category_caps.get(category, self.default_cap)

    def grade_of(self, score: Decimal) -> str:
        for grade, minimum in self.grades:
            if score >= minimum:
                return grade
        return self.grades[-1][0]

    def rank(self, grade: str) -> int:
        """0 for the best grade, larger for worse ones."""
        return next((i for i, (g, _) in enumerate(self.grades) if g == grade), len(self.grades))


@dataclass(frozen=True)
class GradeCap:
    """At most `max_grade` for a report with an agency finding of these rules (or this severity)."""
    max_grade: str
    why: str
    rules: frozenset[str] = frozenset()
    severity: str | None = None

    def hit(self, finding_rules: dict[str, str]) -> list[str]:
        """The rules (id -> severity of their counted findings) that trigger the cap."""
        return sorted(rid for rid, sev in finding_rules.items()
                      if rid in self.rules or (self.severity is not None and sev == self.severity))


@dataclass
class Deduction:
    rule_id: str
    category: str
    outcome: str           # fail | not_assessable
    points: Decimal        # before the category cap
    findings: int = 0


@dataclass
class Score:
    score: Decimal
    grade: str
    deductions: list[Deduction]
    by_category: dict[str, Decimal]           # after caps
    grade_by_score: str = ""                  # before the grade caps
    caps: list[dict[str, Any]] = field(default_factory=list)   # the caps that applied

    def score_json(self) -> int | float:
        return _num(self.score)

    def to_json(self) -> dict[str, Any]:
        return {
            "score": _num(self.score),
            "grade": self.grade,
            "by_category": {k: _num(v) for k, v in self.by_category.items()},
            "deductions": [{"rule_id": d.rule_id, "category": d.category, "outcome": d.outcome,
                            "points": _num(d.points), "findings": d.findings} for d in self.deductions],
            "grade_by_score": self.grade_by_score or self.grade,
            "caps": self.caps,
        }


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------

def load_scoring(path: str | Path) -> ScoringPolicy:
    path = Path(path)
    try:
        text = read_yaml_text(path)       # bounded in size, aliases and depth (engine/yaml_guard.py)
    except FileNotFoundError:
        raise ScoringConfigError(str(path), ["评分配置文件不存在"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScoringConfigError(str(path), [f"无法读取评分配置文件：{exc}"]) from None
    except YamlLimitError as exc:
        raise ScoringConfigError(str(path), [f"第{exc.line}行：{exc.problem}"]) from None
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise ScoringConfigError(str(path), [f"{where}不是有效的 YAML（{getattr(exc, 'problem', exc)}）"]) from None
    problems = validate_scoring(data)
    if problems:
        raise ScoringConfigError(str(path), problems)
    return _policy_from(data)


def validate_scoring(data: Any) -> list[str]:
    """Chinese problems of a scoring config (empty when valid)."""
    schema = json.loads(SCORING_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = [_explain(err) for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path))]
    if not problems:
        names = {g["grade"] for g in data["grades"]}
        for i, cap in enumerate(data.get("grade_caps") or []):
            if cap["max_grade"] not in names:
                problems.append(f"grade_caps[{i}].max_grade：等级“{cap['max_grade']}”不在 grades 中")
            if not cap.get("rules") and not cap.get("severity"):
                problems.append(f"grade_caps[{i}]：应写明 rules 或 severity")
        mins = [g["min"] for g in data["grades"]]
        if 0 not in mins and min(mins) > 0:
            problems.append("grades：至少要有一个 min 为 0 的等级，否则低分报告没有等级")
        if len({g["grade"] for g in data["grades"]}) != len(data["grades"]):
            problems.append("grades：等级名称重复")
    return problems


def _explain(err: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                    for i, p in enumerate(err.path)) or "（顶层）"
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f"{where}：缺少必填项 {missing}"
    if v == "additionalProperties":
        return f"{where}：有不认识的配置项（{err.message.split('(')[-1].rstrip(')')}）"
    if v == "type":
        names = {"object": "映射（键: 值）", "number": "数字", "integer": "整数", "string": "文字", "array": "列表"}
        expected = err.validator_value if isinstance(err.validator_value, str) else "/".join(err.validator_value)
        return f"{where}：应为{names.get(expected, expected)}，实际为 {err.instance!r}"
    if v in ("enum", "const"):
        allowed = err.validator_value if v == "enum" else [err.validator_value]
        return f"{where}：取值 {err.instance!r} 无效，可选值：{'、'.join(map(str, allowed))}"
    if v in ("minimum", "exclusiveMinimum"):
        return f"{where}：{err.instance!r} 太小（应{'大于' if v == 'exclusiveMinimum' else '不小于'} {err.validator_value}）"
    if v == "maximum":
        return f"{where}：{err.instance!r} 太大（应不大于 {err.validator_value}）"
    if v == "pattern":
        hint = "YYYY-MM-DD" if "\\d{4}-" in err.validator_value else err.validator_value
        return f"{where}：{err.instance!r} 格式不对（应为 {hint}）"
    if v in ("minItems", "minLength"):
        return f"{where}：不能为空"
    return f"{where}：{err.message}"


def _policy_from(data: dict[str, Any]) -> ScoringPolicy:
    d = lambda x: Decimal(str(x))   # noqa: E731 — exact decimals from YAML numbers
    rep = data["repeated_findings"]
    na = data["not_assessable"]
    grades = sorted(((g["grade"], d(g["min"])) for g in data["grades"]), key=lambda g: g[1], reverse=True)
    return ScoringPolicy(
        start=d(data["start"]),
        repeat_policy=rep["policy"],
        cap_factor=d(rep.get("cap_factor", 1)),
        na_policy=na["policy"],
        na_fraction=d(na.get("fraction", 0)),
        na_cap=d(na.get("cap", data["start"])),
        severity_points={k: d(v) for k, v in data["severity_points"].items()},
        default_cap=d(data["default_cap"]),
        category_caps={k: d(v) for k, v in (data.get("categories") or {}).items()},
        grades=grades,
        raw=data,
        caps=[GradeCap(c["max_grade"], c["why"], frozenset(c.get("rules") or ()), c.get("severity"))
              for c in data.get("grade_caps") or []],
    )


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------

def rule_points(info: RuleInfo | None, severity: str, policy: ScoringPolicy) -> Decimal:
    if info is not None and info.points is not None:
        return _decimal(info.points)
    return policy.severity_points.get(severity, Decimal(0))


def charged(findings) -> list:
    """The findings charged to the agency: a 待人工核对 item (charge manual) is never scored."""
    return [f for f in findings if getattr(f, "charge", "agency") != "manual"]


def failed_rule_deduction(result: RuleResult, policy: ScoringPolicy) -> Decimal:
    """Points a failed rule deducts, by the repeated-findings policy."""
    return _deduction(charged(result.findings), policy)


def _deduction(agency: list, policy: ScoringPolicy) -> Decimal:
    """failed_rule_deduction of a rule whose findings charged to the agency are `agency`."""
    if len(agency) == 1:
        top = _decimal(agency[0].points)      # (one finding, the usual case: the same arithmetic)
        return top if policy.repeat_policy == "once" else min(_ZERO + top, top * policy.cap_factor)
    points = [_decimal(f.points) for f in agency]
    if not points:
        return _ZERO
    top = max(points)
    if policy.repeat_policy == "once":
        return top
    return min(sum(points, _ZERO), top * policy.cap_factor)


def score_results(results: Iterable[RuleResult], policy: ScoringPolicy,
                  rule_info: Callable[[str], RuleInfo | None] = lambda _id: None) -> Score:
    deductions: list[Deduction] = []
    na_total = Decimal(0)
    finding_rules: dict[str, str] = {}       # rule id -> severity, for the agency's findings
    # only failed and not-assessable results deduct (a pass or a rule error never does)
    for result in sorted((r for r in results if r.outcome == "fail" or r.outcome == "not_assessable"),
                         key=_rule_id):
        agency = charged(result.findings) if result.outcome == "fail" else []
        if agency:
            finding_rules[result.rule_id] = agency[0].severity
            deductions.append(Deduction(result.rule_id, agency[0].category, "fail",
                                        _deduction(agency, policy), len(agency)))
        elif (result.outcome == "not_assessable" and policy.na_policy == "fraction"
              and getattr(result, "charge", None) != "manual" and not getattr(result, "covered_by", None)):
            # 待人工核对 items and items whose cells another finding already charges are not scored
            info = rule_info(result.rule_id)
            severity = info.severity if info else "warning"
            points = rule_points(info, severity, policy) * policy.na_fraction
            points = max(Decimal(0), min(points, policy.na_cap - na_total))
            na_total += points
            if points:
                deductions.append(Deduction(result.rule_id, info.category if info else "其他",
                                            "not_assessable", points))
    raw_by_category: dict[str, Decimal] = defaultdict(Decimal)
    for ded in deductions:
        raw_by_category[ded.category] += ded.points
    by_category = {cat: min(total, policy.cap_of(cat)) for cat, total in sorted(raw_by_category.items())}
    score = max(_ZERO, policy.start - sum(by_category.values(), _ZERO))
    score = score.quantize(_CENT)
    by_score = policy.grade_of(score)
    grade, caps = by_score, []
    for cap in policy.caps:
        hit = cap.hit(finding_rules)
        if hit and policy.rank(cap.max_grade) > policy.rank(grade):
            grade = cap.max_grade
        if hit:
            caps.append({"max_grade": cap.max_grade, "why": cap.why, "rules": hit})
    return Score(score=score, grade=grade, deductions=deductions, by_category=by_category,
                 grade_by_score=by_score, caps=caps)


_rule_id = attrgetter("rule_id")
_ZERO, _CENT = Decimal(0), Decimal("0.01")
_DECIMALS: dict[tuple[type, Any], Decimal] = {}


def _decimal(points: Any) -> Decimal:
    """Decimal(str(points)), remembered per value and type (a catalog has a few distinct points;
    2 and 2.0 give different Decimals, hence the type in the key)."""
    key = (points.__class__, points)
    hit = _DECIMALS.get(key)
    if hit is None:
        if len(_DECIMALS) > 4096:
            _DECIMALS.clear()
        hit = _DECIMALS[key] = Decimal(str(points))
    return hit


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
