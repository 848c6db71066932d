"""Building blocks end to end: `match` conditions (including 2-fact joins) compiled and run by
both engines, also on randomly generated conditions; identity expansion per layout."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.evaluate import evaluate
from engine.facts import build_facts, fact_types
from engine.evaluate import durable, reference
from engine.rules import load_catalog
from engine.rules.blocks import BlockError, CompileContext
from engine.rules.blocks import match as match_block
from engine.rules.compile import build_ruleset, check_clause, guard_references
from rules_support import report, write_rules

RULE = """\
rules:
  - id: XXGK-T970
    title: 测试
    severity: warning
    category: 一致性
    points: 1
    basis: 常见要求：测试
    rationale: 测试
    remedy: 测试
    check: match
    options:
{options}
    message: "{message}"
    examples:
      - {{expect: pass, report: {{}}}}
"""


def rule_dir(tmp_path, options: str, message: str = "{a_addr} {b_addr}"):
    return write_rules(tmp_path, RULE.format(options=options, message=message))


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_match_join_on_a_field_of_the_first_fact(tmp_path, engine):
    # "a cell of 表三 row 一 larger than the same column's cell in row 三.七"
    d = rule_dir(tmp_path, """\
      fail:
        - {alias: a, type: cell, where: {table: applications, row: 一, kind: number}}
        - {alias: b, type: cell, where: {table: applications, row: 三.七, col: {ref: a.col}, v: {lt: {ref: a.v}}}}""")
    cat = load_catalog(d)
    rep = report(cells={"applications.一.自然人": 5, "applications.三.七.自然人": 3,
                        "applications.一.其他": 1, "applications.三.七.其他": 1})
    (r,) = evaluate(rep, cat, engine=engine)
    assert r.outcome == "fail"
    (f,) = r.findings
    assert f.message == "applications.一.自然人 applications.三.七.自然人"
    assert f.evidence.cells == ["applications.一.自然人", "applications.三.七.自然人"]


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_match_unknown_role_and_any(tmp_path, engine):
    d = rule_dir(tmp_path, """\
      fail:
        - type: report
          any: [{year: {gte: 2021}, template: "2019"}, {year: {lt: 2021}, template: "2021"}]
      unknown:
        - {type: report, where: {year: {exists: false}}}
      reason: 年度未知""", message="{year}年度使用{template}年版")
    cat = load_catalog(d)
    r = evaluate(report(year=2024, template="2019"), cat, engine=engine)[0]
    assert r.outcome == "fail" and r.findings[0].message == "2024年度使用2019年版"
    assert evaluate(report(year=2020, template="2021"), cat, engine=engine)[0].outcome == "fail"
    assert evaluate(report(year=2024, template="2021"), cat, engine=engine)[0].outcome == "pass"
    r = evaluate(report(year=None), cat, engine=engine)[0]
    assert r.outcome == "not_assessable" and r.reason == "年度未知"


def test_sum_identity_terms_follow_the_layout_of_each_report(tmp_path):
    cat = load_catalog()
    rule = cat.rule("XXGK-R302")
    req = next(req for c in rule.clauses for _, req in c.requests if req["at"] == "自然人")
    from engine.facts.extractors.sums import sum_fact
    split = sum_fact(report(), req)
    single = sum_fact(report(year=2020, template="2019"), req)
    assert "applications.三.六.2.自然人" in split["right_cells"]
    assert "applications.三.六.自然人" in single["right_cells"]
    assert "applications.三.六.自然人" not in split["right_cells"]


# --- random `match` conditions, compiled, on facts of random reports: both engines agree ------

FIELD_VALUES = {
    "cell": {"table": ["applications", "review", "active"], "kind": ["number", "blank", "missing"],
             "row": ["一", "三.七", "行政复议", "item1.规章"], "col": ["自然人", "总计", "结果维持"],
             "v": [0, 1, 2, 5], "negative": [True, False], "line": [1, 3]},
    "row": {"table": ["applications", "review"], "present": [True, False],
            "n_blank": [0, 1, 5], "n_missing": [0, 7]},
    "sum": {"known": [True, False], "stated": [0, 1, 3], "computed": [0, 1, 3],
            "table": ["applications", "review"]},
    "report": {"year": [2019, 2021, 2024], "template": ["2019", "2021"], "has_previous": [False]},
}
ORDERED = {"v", "line", "n_blank", "n_missing", "stated", "computed", "year"}


@st.composite
def conditions(draw, ftype, allow_ref_to=None):
    fields = FIELD_VALUES[ftype]
    where = {}
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=3, unique=True)):
        ops = ["eq", "ne", "in", "exists"] + (["lt", "lte", "gt", "gte"] if name in ORDERED else [])
        op = draw(st.sampled_from(ops))
        if op == "exists":
            where[name] = {"exists": draw(st.booleans())}
        elif op == "in":
            where[name] = {"in": draw(st.lists(st.sampled_from(fields[name]), min_size=1, max_size=2))}
        elif allow_ref_to and name in FIELD_VALUES[allow_ref_to[1]] and draw(st.booleans()):
            where[name] = {op: {"ref": f"{allow_ref_to[0]}.{name}"}}
        else:
            where[name] = {op: draw(st.sampled_from(fields[name]))}
    return {"type": ftype, "where": where}


@st.composite
def match_options(draw):
    t0 = draw(st.sampled_from(sorted(FIELD_VALUES)))
    pats = [draw(conditions(t0))]
    if draw(st.booleans()):
        t1 = draw(st.sampled_from(sorted(FIELD_VALUES)))
        pats.append(draw(conditions(t1, allow_ref_to=("a", t0) if t1 == t0 else None)))
    return {"fail": pats}


REPORTS = [report(), report(cells={"applications.一.自然人": 5, "review.行政复议.总计": "blank"}),
           report(year=2020, template="2019", cells={"applications.三.七.总计": 2}),
           report(tables={"review": "absent"}, cells={"applications.一.总计": "—"})]


_FACTS: list = []


def report_facts() -> list:
    if not _FACTS:
        _FACTS.extend(build_facts(rep).engine_facts() for rep in REPORTS)
    return _FACTS


@settings(max_examples=int(__import__("os").environ.get("XXGK_RANDOM_RULES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(match_options())
def test_random_match_conditions_agree_between_engines(options):
    ctx = CompileContext(rule_id="XXGK-T999", file="<random>", line=1, rules_dir=None)
    try:
        clauses = match_block.expand(options, ctx)
    except BlockError:
        return
    for n, c in enumerate(clauses):
        c.name, c.rule_id = f"XXGK-T999#{n}", "XXGK-T999"
        guard_references(c)
        assert check_clause(c, fact_types()) == []
    ruleset = build_ruleset(clauses)
    key = "random-" + str(hash(repr(ruleset)))
    for facts in report_facts():
        a = durable.run(ruleset, facts, key=key)
        b = reference.run(ruleset, facts, key=key)
        norm = lambda acts: sorted((n, sorted(ids.items())) for n, ids in acts)   # noqa: E731
        assert norm(a) == norm(b), options
