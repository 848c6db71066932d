"""The fast paths of evaluation give what the plain ones give.

* FactSet.engine_payload (the JSON text durable-rules is given, written without intermediate
  dicts) is exactly json.dumps(FactSet.engine_facts(...), ensure_ascii=False), and raises the
  same FactError for a bad field;
* engine_facts(used=...) sends only the fields the catalog's conditions read
  (engine.rules.compile.fields_used), and that changes no activation of either engine;
* engine_payload(sent=...) leaves out the facts no condition can match
  (engine.rules.compile.fact_filters): no activation changes, and they are still checked.
"""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.evaluate import fact_filters, fields_used, run_engine
from engine.evaluate import durable, reference
from engine.facts import FactError, build_facts
from engine.parse import parse_file
from engine.rules import DEFAULT_RULES_DIR, load_catalog
from engine.evaluate.reference import compile_expr
from engine.rules.compile import fact_filters as compile_fact_filters
from engine.rules.examples import build_report

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DEFAULT_RULES_DIR)


@pytest.fixture(scope="module")
def fact_sets(catalog):
    reports = [parse_file(p) for p in SEEDS]
    reports += [build_report(ex["report"]) for r in catalog.rules for ex in r.examples
                if not ex["report"].get("file")][:40]
    return [build_facts(r, None, catalog.requests) for r in reports]


def test_payload_is_json_of_engine_facts(catalog, fact_sets):
    used = fields_used(catalog)
    for fs in fact_sets:
        for u in (used, None):
            assert fs.engine_payload(used=u) == json.dumps(fs.engine_facts(used=u), ensure_ascii=False)


@pytest.mark.parametrize("field,value", [("addr", "两行\n文字"), ("line", 2 ** 63), ("line", True),
                                         ("v", Decimal("1.000001")), ("kind", 5)])
def test_payload_refuses_what_engine_facts_refuses(catalog, fact_sets, field, value):
    fs = copy.deepcopy(fact_sets[0])
    next(f for f in fs.facts if f["type"] == "cell")[field] = value
    used = fields_used(catalog)
    with pytest.raises(FactError) as plain:
        fs.engine_facts(used=used)
    with pytest.raises(FactError) as fast:
        fs.engine_payload(used=used)
    assert str(plain.value) == str(fast.value)


def test_pruned_fields_are_the_ones_conditions_read(catalog):
    used = fields_used(catalog)
    assert "v" not in used["cell"] and "addr" not in used["cell"]      # values travel as flags
    assert {"stated", "computed", "known"} <= used["sum"]                  # compared by the identity rules
    text = json.dumps(catalog.ruleset, ensure_ascii=False)
    for ftype, names in used.items():
        for name in names:
            assert f'"{name}"' in text


def test_pruning_changes_no_activation(catalog, fact_sets):
    for fs in fact_sets[:8]:
        full = fs.engine_facts()
        pruned = fs.engine_facts(used=fields_used(catalog))
        assert reference.run(catalog.ruleset, full, key=None) == \
            reference.run(catalog.ruleset, pruned, key=None)
        acts = durable.run(catalog.ruleset, full, key=catalog.digest)
        assert sorted(map(repr, acts)) == sorted(map(repr, run_engine(catalog, fs, "durable")))


# --- facts no condition can match are not sent to durable-rules (engine.rules.compile.fact_filters) ---

def _sent_ids(payload: str) -> set[str]:
    return {f["id"] for f in json.loads(payload) if f["type"] != "__eval__"}


def test_facts_left_out_match_no_condition(catalog, fact_sets):
    """Every fact the filter leaves out matches no condition of the ruleset (the reference
    evaluator's semantics), and most cell facts are left out."""
    used, sent = fields_used(catalog), fact_filters(catalog)
    conditions = [compile_expr(expr) for rule in catalog.ruleset.values()
                  for cond in rule["all"] for expr in cond.values()]
    left_out_cells = cells = 0
    for fs in fact_sets:
        ids = _sent_ids(fs.engine_payload(used=used, sent=sent))
        for fact in fs.engine_facts(used=used)[:-1]:
            if fact["id"] not in ids:
                assert not any(match(fact, {}) for match in conditions), fact
            cells += fact["type"] == "cell"
            left_out_cells += fact["type"] == "cell" and fact["id"] not in ids
    assert left_out_cells > 0.9 * cells


def test_filtering_changes_no_activation(catalog, fact_sets):
    """durable-rules given the filtered payload activates exactly what it activates on every fact,
    on the seeds and on the rules' example reports (negative, fractional and text cells …)."""
    used, sent = fields_used(catalog), fact_filters(catalog)
    key = lambda a: (a[0], sorted(a[1].items()))   # noqa: E731
    for fs in fact_sets:
        every = durable.run(catalog.ruleset, None, key=catalog.digest, checked=True,
                            payload=fs.engine_payload(used=used))
        some = durable.run(catalog.ruleset, None, key=catalog.digest, checked=True,
                           payload=fs.engine_payload(used=used, sent=sent))
        assert sorted(every, key=key) == sorted(some, key=key)


@pytest.mark.parametrize("field,value", [("addr", "两行\n文字"), ("line", 2 ** 63), ("line", True),
                                         ("v", Decimal("1.000001")), ("kind", 5)])
def test_facts_left_out_are_still_checked(catalog, fact_sets, field, value):
    fs = copy.deepcopy(fact_sets[0])
    used, sent = fields_used(catalog), fact_filters(catalog)
    ids = _sent_ids(fs.engine_payload(used=used, sent=sent))
    cell = next(f for f in fs.facts if f["type"] == "cell" and f["id"] not in ids)
    cell[field] = value
    with pytest.raises(FactError) as plain:
        fs.engine_facts(used=used)
    with pytest.raises(FactError) as filtered:
        fs.engine_payload(used=used, sent=sent)
    assert str(plain.value) == str(filtered.value)


def test_fact_filters_keep_only_necessary_equalities():
    ruleset = {"a#0": {"all": [{"c": {"$and": [{"type": "cell"}, {"kind": "number"}, {"negative": True},
                                               {"$or": [{"table": "x"}, {"table": "y"}]}, {"$gt": {"v": 0}},
                                               {"$eq": {"signed": False}}, {"line": 3}]}}]},
               "b#0": {"all": [{"t": {"$and": [{"type": "table"}, {"$gt": {"n_blank": 0}}]}}]}}
    filters = compile_fact_filters(ruleset)
    assert filters == {"cell": ((("kind", "number"), ("negative", True), ("signed", False)),),
                       "table": ((),)}
    # a condition without a type test may match any fact: nothing is filtered
    assert compile_fact_filters({**ruleset, "c#0": {"all": [{"m": {"kind": "number"}}]}}) is None
    assert compile_fact_filters({**ruleset, "d#0": {"any": [{"m": {"type": "cell"}}]}}) is None


def test_build_facts_sent_builds_exactly_the_sent_facts(catalog, fact_sets):
    """build_facts(sent=...) (what durable is given) keeps exactly the facts engine_payload(sent=...)
    sends of the full fact set, in the same order, with the same fields (only the ids differ: they
    are renumbered), on the seeds and the rules' example reports (negative, fractional, text and
    malformed cells …)."""
    used, sent = fields_used(catalog), fact_filters(catalog)
    reports = [parse_file(p) for p in SEEDS]
    reports += [build_report(ex["report"]) for r in catalog.rules for ex in r.examples
                if not ex["report"].get("file")][:40]
    kept = 0
    for report, every in zip(reports, fact_sets):
        some = build_facts(report, None, catalog.requests, sent=sent)
        assert [f["id"] for f in some.facts] == [str(i) for i in range(len(some.facts))]
        strip = lambda payload: [{k: v for k, v in f.items() if k != "id"}   # noqa: E731
                                 for f in json.loads(payload)]
        assert strip(some.engine_payload(used=used, sent=sent)) == strip(every.engine_payload(used=used, sent=sent))
        assert strip(some.engine_payload(used=used)) == strip(every.engine_payload(used=used, sent=sent))
        full = {json.dumps({k: str(v) for k, v in f.items() if k != "id"}, sort_keys=True) for f in every.facts}
        assert all(json.dumps({k: str(v) for k, v in f.items() if k != "id"}, sort_keys=True) in full
                   for f in some.facts)      # the Python-side fields (messages, evidence) alike
        kept += len(some.facts)
    assert 0 < kept < 0.5 * sum(len(fs.facts) for fs in fact_sets)
