"""Outcomes of evaluate(): pass / fail with evidence / not_assessable / error / not applicable,
on reports built in code."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.evaluate import evaluate
from engine.evaluate.durable import EngineFailure
from engine.model import SourceLine
from engine.rules import load_catalog
from rules_support import report, write_rules

ENGINES = ("durable", "reference")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def by_id(results):
    return {r.rule_id: r for r in results}


@pytest.mark.parametrize("engine", ENGINES)
def test_clean_report_passes_every_structural_rule(catalog, engine):
    res = by_id(evaluate(report(), catalog, engine=engine))
    for rid in ("XXGK-S101", "XXGK-S102", "XXGK-S103", "XXGK-V201", "XXGK-V202", "XXGK-V203",
                "XXGK-R301", "XXGK-R302", "XXGK-R303", "XXGK-R304", "XXGK-F401", "XXGK-M501",
                "XXGK-D601"):
        assert res[rid].outcome == "pass", (rid, res[rid])


@pytest.mark.parametrize("engine", ENGINES)
def test_identity_finding_quotes_stated_and_computed_and_points_at_the_line(catalog, engine):
    rep = report(cells={"review.行政复议.结果维持": 2, "review.行政复议.总计": 3})
    rep.lines = [SourceLine(no=1, text="标题", where="第1行"),
                 SourceLine(no=2, text="行政复议 2 0 0 0 3", where="第2页第5行")]
    for addr in ("review.行政复议.结果维持", "review.行政复议.总计"):
        rep.tables["review"].cells[addr].line = 2
    r = by_id(evaluate(rep, catalog, engine=engine))["XXGK-R304"]
    assert r.outcome == "fail"
    (f,) = r.findings
    assert "填报 3" in f.message and "之和为 2" in f.message
    ev = f.evidence
    assert ev.part == "四" and ev.table == "review" and ev.line == 2
    assert ev.where == "第2页第5行" and ev.excerpt == "行政复议 2 0 0 0 3"
    assert ev.values["review.行政复议.总计"] == 3 and "review.行政复议.结果维持" in ev.cells
    assert f.severity == "error" and f.points == 5 and f.remedy


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_input_is_not_assessable_never_pass_never_fail(catalog, engine):
    rep = report(cells={"review.复议后起诉.尚未审结": "blank"})
    r = by_id(evaluate(rep, catalog, engine=engine))["XXGK-R304"]
    assert r.outcome == "not_assessable"
    assert r.cells == ["review.复议后起诉.尚未审结"] and "无法核对" in r.reason


@pytest.mark.parametrize("engine", ENGINES)
def test_violation_elsewhere_wins_over_unknown(catalog, engine):
    rep = report(cells={"review.复议后起诉.尚未审结": "blank", "review.行政复议.总计": 4})
    assert by_id(evaluate(rep, catalog, engine=engine))["XXGK-R304"].outcome == "fail"


@pytest.mark.parametrize("engine", ENGINES)
def test_amounts_are_compared_with_the_precision_of_the_stated_values(tmp_path, engine):
    d = write_rules(tmp_path, """\
        rules:
          - id: XXGK-T950
            title: 金额加总（测试）
            severity: error
            category: 准确性
            points: 1
            basis: 常见要求：测试
            rationale: 测试
            remedy: 测试
            check: sum_identity
            options: {table: active, for_each: column, left: [item8.行政事业性收费], right: [item1.规章], at: [本年收费金额]}
            message: "{stated_total} / {computed_total}"
            examples:
              - {expect: pass, report: {}}
              - {expect: fail, report: {cells: {active.item8.行政事业性收费.本年收费金额: 1}}}
        """)
    cat = load_catalog(d)
    # 1.5 stated with one decimal; 1.46 rounds to 1.5 at that precision: agrees
    rep = report(cells={"active.item8.行政事业性收费.本年收费金额": 1.5,
                        "active.item1.规章.本年收费金额": 1.46})
    r = by_id(evaluate(rep, cat, engine=engine))["XXGK-T950"]
    assert r.outcome == "pass", r
    rep.tables["active"].cells["active.item1.规章.本年收费金额"].value = Decimal("1.44")
    r = by_id(evaluate(rep, cat, engine=engine))["XXGK-T950"]
    assert r.outcome == "fail" and r.findings[0].message == "1.5 / 1.4"


@pytest.mark.parametrize("engine", ENGINES)
def test_2019_single_other_row_counts_in_relation_2(catalog, engine):
    rep = report(year=2020, template="2019",
                 cells={"applications.三.六.自然人": 2, "applications.三.七.自然人": 2,
                        "applications.一.自然人": 2, "applications.一.总计": 2,
                        "applications.三.六.总计": 2, "applications.三.七.总计": 2})
    res = by_id(evaluate(rep, catalog, engine=engine))
    assert res["XXGK-R302"].outcome == "pass"
    assert res["XXGK-S103"].outcome == "pass"   # the 2019 layout's rows, not the 2021 ones


@pytest.mark.parametrize("engine", ENGINES)
def test_2024_report_in_2019_format_is_a_template_finding_not_missing_rows(catalog, engine):
    res = by_id(evaluate(report(year=2024, template="2019"), catalog, engine=engine))
    assert res["XXGK-F401"].outcome == "fail"
    assert res["XXGK-S103"].outcome == "pass"


def test_applies_scope_unknown_is_not_assessable_and_excluded_is_absent(tmp_path):
    d = write_rules(tmp_path, """\
        rules:
          - id: XXGK-T960
            title: 仅政府、2021年版
            severity: warning
            category: 完整性
            points: 1
            basis: 常见要求：测试
            rationale: 测试
            remedy: 测试
            applies: {templates: ["2021"], body_kinds: [government], years: {from: 2021}}
            check: part_present
            message: 缺少第{part}部分
            examples:
              - {expect: pass, report: {}}
              - {expect: fail, report: {parts: {一: null}}}
              - {expect: not_applicable, report: {body_kind: department}}
              - {expect: not_assessable, report: {body_kind: null}}
          - id: XXGK-T961
            title: 跨年度
            severity: warning
            category: 连续性
            points: 1
            basis: 常见要求：测试
            rationale: 测试
            remedy: 测试
            applies: {previous: true}
            check: part_present
            message: 缺少第{part}部分
            examples:
              - {expect: not_applicable, report: {}}
              - {expect: pass, report: {}, previous: {year: 2023}}
              - {expect: fail, report: {parts: {一: null}}, previous: {year: 2023}}
        """)
    cat = load_catalog(d)
    assert {r.rule_id for r in evaluate(report(body_kind="department"), cat)} == set()
    res = by_id(evaluate(report(body_kind=None), cat))
    assert res["XXGK-T960"].outcome == "not_assessable" and "机关类型" in res["XXGK-T960"].reason
    assert "XXGK-T961" not in res
    assert by_id(evaluate(report(year=2020, template="2019"), cat)) == {}
    from engine.evaluate.examples import run_examples
    assert all(o.ok for o in run_examples(cat)), [o.detail for o in run_examples(cat) if not o.ok]


@pytest.mark.parametrize("engine", ENGINES)
def test_broken_extractor_is_an_error_outcome_for_its_rules_only(catalog, engine, monkeypatch):
    from engine.facts.extractors import sums

    def boom(ctx):
        raise RuntimeError("测试故障")
        yield   # noqa: unreachable — keeps it a generator
    monkeypatch.setattr(sums, "extract", boom)
    res = by_id(evaluate(report(), catalog, engine=engine))
    assert res["XXGK-R301"].outcome == "error" and "测试故障" in res["XXGK-R301"].reason
    assert res["XXGK-S101"].outcome == "pass"


@pytest.mark.parametrize("engine", ENGINES)
def test_broken_message_is_an_error_outcome(catalog, engine, monkeypatch):
    from engine.rules.blocks import part_present

    def bad(clause, facts, rep):
        raise KeyError("x")
    monkeypatch.setattr(part_present, "describe", bad)
    res = by_id(evaluate(report(parts={"五": None}), catalog, engine=engine))
    assert res["XXGK-S101"].outcome == "error" and "KeyError" in res["XXGK-S101"].reason
    assert res["XXGK-S102"].outcome == "pass"


def test_durable_error_raises_engine_failure_and_the_next_report_still_works(catalog):
    from engine.evaluate import durable
    bad_facts = [{"sid": "w", "id": "0", "type": "cell", "v": 1e-05},   # exponent: error 204
                 {"sid": "w", "id": "1", "type": "__eval__"}]
    with pytest.raises(EngineFailure):
        durable.run(catalog.ruleset, bad_facts, key=catalog.digest, ruleset_json=catalog.ruleset_json)
    res = by_id(evaluate(report(parts={"五": None}), catalog, engine="durable"))
    assert res["XXGK-S101"].outcome == "fail"


def test_results_do_not_depend_on_the_engine_or_on_repetition(catalog):
    rep = report(cells={"applications.一.自然人": 3, "review.行政复议.总计": "blank"},
                 parts={"六": None})
    first = [r.to_json() for r in evaluate(rep, catalog, engine="durable")]
    for _ in range(3):
        assert [r.to_json() for r in evaluate(rep, catalog, engine="durable")] == first
    assert [r.to_json() for r in evaluate(rep, catalog, engine="reference")] == first
