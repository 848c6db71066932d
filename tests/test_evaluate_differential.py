"""durable-rules (our driver) and the pure-Python reference evaluator give identical results:
on every example report of the catalog, on the seeds (when the parser is present), on random
reports through the whole catalog, and on random facts against a ruleset exercising every
operator of the safe subset (including 2-fact joins and absent fields)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import template as T
from engine.evaluate import durable, evaluate, reference
from engine.rules import load_catalog
from engine.rules.examples import build_report
from real_support import require_real

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def as_comparable(results):
    return [r.to_json() for r in results]


def test_identical_on_every_example_report(catalog):
    n = 0
    for rule in catalog.rules:
        for ex in rule.examples:
            if ex["report"].get("file"):
                continue
            rep = build_report(ex["report"])
            prev = build_report(ex["previous"]) if ex.get("previous") else None
            a = evaluate(rep, catalog, previous=prev, engine="durable")
            b = evaluate(rep, catalog, previous=prev, engine="reference")
            assert as_comparable(a) == as_comparable(b), (rule.id, ex.get("name"))
            n += 1
    assert n >= 30




def test_identical_on_the_fixture_corpus(catalog):
    """Seeds and real reports (text, HTML, PDF), pingtan with its previous year (cross-year rules)."""
    parse = pytest.importorskip("engine.parse").__dict__.get("parse_file")
    if parse is None:
        pytest.skip("parser not available yet")
    real = require_real()
    files = SEEDS + sorted(real.glob("pingtan-*.txt")) + sorted(real.glob("*.html")) \
        + sorted(real.glob("*.pdf"))
    reports = {p.name: parse(str(p)) for p in files}
    for name, rep in reports.items():
        prev = None
        if name.startswith("pingtan-"):
            prev = reports.get(f"pingtan-{int(name[8:12]) - 1}.txt")
        a = evaluate(rep, catalog, previous=prev, engine="durable")
        b = evaluate(rep, catalog, previous=prev, engine="reference")
        assert as_comparable(a) == as_comparable(b), name
        assert not [r for r in a if r.outcome == "error"], name
    assert len(reports) >= 15


CELL_VALUES = st.one_of(st.integers(0, 6), st.integers(-3, 30), st.sampled_from(
    ["blank", "—", "无", "missing", "见附件", 1.5, 0.25]))


@st.composite
def report_descriptions(draw):
    template = draw(st.sampled_from(["2019", "2021"]))
    variant = draw(st.sampled_from(["split", "single"]))
    addrs = (T.active_addresses(template) + T.application_addresses(variant)
             + T.review_addresses())
    cells = draw(st.dictionaries(st.sampled_from(addrs), CELL_VALUES, max_size=25))
    return {
        "year": draw(st.sampled_from([2019, 2020, 2021, 2024, None])),
        "template": template,
        "agency": draw(st.sampled_from(["某镇人民政府", None])),
        "period": draw(st.booleans()),
        "fill": draw(st.sampled_from([0, 1, "blank"])),
        "parts": draw(st.dictionaries(st.sampled_from(list(T.PART_IDS)),
                                      st.sampled_from([None, "无", "本年度未收取信息处理费。"]),
                                      max_size=3)),
        "tables": draw(st.dictionaries(st.sampled_from(list(T.TABLE_NAMES)),
                                       st.sampled_from(["absent", {"variant": variant}]),
                                       max_size=2)),
        "cells": cells,
        "diagnostics": draw(st.lists(st.builds(dict, code=st.sampled_from(
            ["ROW_TOO_FEW_VALUES", "ROW_TOO_MANY_VALUES", "OTHER"]), line=st.integers(1, 50)),
            max_size=2)),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_descriptions())
def test_identical_on_random_reports(catalog, desc):
    desc = dict(desc)
    if desc["template"] == "2019":
        desc["tables"] = {k: ({"variant": "single"} if isinstance(v, dict) else v)
                          for k, v in desc["tables"].items()}
        desc["cells"] = {a: v for a, v in desc["cells"].items()
                         if not a.startswith("applications.三.六.")}
    rep = build_report(desc)
    a = evaluate(rep, catalog, engine="durable")
    b = evaluate(rep, catalog, engine="reference")
    assert as_comparable(a) == as_comparable(b)


# --- random facts against a hand-written ruleset covering the safe subset -----------------------

def guarded(rules: dict) -> dict:
    """The hand-written ruleset as the compiler emits it: reference fields guarded by $ex."""
    from engine.rules.blocks import Clause
    from engine.rules.compile import guard_references
    out = {}
    for name, rule in rules.items():
        if name == "__sentinel__":
            out[name] = rule
            continue
        c = guard_references(Clause("fail", [next(iter(x.items())) for x in rule["all"]]))
        out[name] = {"all": [{a: e} for a, e in c.all]}
    return out


RULESET_RAW = {
    "eq_str": {"all": [{"m": {"$and": [{"type": "cell"}, {"kind": "blank"}]}}]},
    "or_eq": {"all": [{"m": {"$and": [{"type": "cell"}, {"$or": [{"col": "甲"}, {"col": "乙"}]}]}}]},
    "neq": {"all": [{"m": {"$and": [{"type": "cell"}, {"$neq": {"kind": "number"}}]}}]},
    "lt": {"all": [{"m": {"$and": [{"type": "cell"}, {"$lt": {"v": 0}}]}}]},
    "gte": {"all": [{"m": {"$and": [{"type": "cell"}, {"$gte": {"v": 20000}}]}}]},
    "bool": {"all": [{"m": {"$and": [{"type": "cell"}, {"negative": True}, {"signed": False}]}}]},
    "ex": {"all": [{"m": {"$and": [{"type": "cell"}, {"$ex": {"line": 1}}]}}]},
    "nex": {"all": [{"m": {"$and": [{"type": "cell"}, {"$nex": {"v": 1}}]}}]},
    "same": {"all": [{"m": {"$and": [{"type": "sum"}, {"$neq": {"stated": {"$m": "computed"}}}]}}]},
    "same_lt": {"all": [{"m": {"$and": [{"type": "sum"}, {"$lt": {"stated": {"$m": "computed"}}}]}}]},
    "join_eq": {"all": [{"a": {"$and": [{"type": "sum"}, {"known": True}]}},
                        {"b": {"$and": [{"type": "cell"}, {"table": {"a": "table"}},
                                        {"kind": "number"}]}}]},
    "join_neq": {"all": [{"a": {"type": "cell"}},
                         {"b": {"$and": [{"type": "cell"}, {"addr": {"a": "addr"}},
                                         {"$neq": {"v": {"a": "v"}}}]}}]},
    "join_lt": {"all": [{"a": {"$and": [{"type": "cell"}, {"col": "甲"}]}},
                        {"b": {"$and": [{"type": "cell"}, {"col": "乙"},
                                        {"$lt": {"v": {"a": "v"}}}]}}]},
    "__sentinel__": {"pri": 65000, "all": [{"m": {"type": "__eval__"}}]},
}
RULESET = guarded(RULESET_RAW)

maybe = lambda s: st.one_of(st.none(), s)   # noqa: E731  None = field absent


@st.composite
def random_facts(draw):
    facts = []
    n = draw(st.integers(0, 14))
    for i in range(n):
        if draw(st.booleans()):
            f = {"type": "cell", "addr": draw(st.sampled_from(["x.一", "x.二", "y.一"])),
                 "table": draw(maybe(st.sampled_from(["applications", "review"]))),
                 "col": draw(maybe(st.sampled_from(["甲", "乙", "丙"]))),
                 "kind": draw(maybe(st.sampled_from(["number", "blank", "dash"]))),
                 "v": draw(maybe(st.integers(-30000, 30000))),
                 "negative": draw(maybe(st.booleans())), "signed": draw(maybe(st.booleans())),
                 "line": draw(maybe(st.integers(1, 99)))}
        else:
            f = {"type": "sum", "table": draw(maybe(st.sampled_from(["applications", "review"]))),
                 "known": draw(maybe(st.booleans())),
                 "stated": draw(maybe(st.integers(0, 50000))),
                 "computed": draw(maybe(st.integers(0, 50000)))}
        f = {k: v for k, v in f.items() if v is not None}
        facts.append({"sid": "w", "id": str(i), **f})
    facts.append({"sid": "w", "id": str(n), "type": "__eval__"})
    return facts


@settings(max_examples=150, deadline=None)
@given(random_facts())
def test_identical_activations_on_random_facts(facts):
    a = durable.run(RULESET, facts, key="differential-ruleset")
    b = reference.run(RULESET, facts)
    key = lambda x: (x[0], sorted(x[1].items()))   # noqa: E731
    assert sorted(a, key=key) == sorted(b, key=key)


def test_unguarded_reference_is_refused_by_the_compiler():
    from engine.facts import fact_types
    from engine.rules.blocks import Clause
    from engine.rules.compile import check_clause, guard_references
    c = Clause("fail", [("m", {"$and": [{"type": "sum"}, {"$neq": {"stated": {"$m": "computed"}}}]})])
    assert any("$ex" in p for p in check_clause(c, fact_types()))
    assert check_clause(guard_references(c), fact_types()) == []
