"""The fast paths of evaluation give what the plain ones give.

* FactSet.engine_payload (the JSON text durable-rules is given, written without intermediate
  dicts) is exactly json.dumps(FactSet.engine_facts(...), ensure_ascii=False), and raises the
  same FactError for a bad field;
* engine_facts(used=...) sends only the fields the catalog's conditions read
  (engine.rules.compile.fields_used), and that changes no activation of either engine.
"""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.evaluate import fields_used, run_engine
from engine.evaluate import durable, reference
from engine.facts import FactError, build_facts
from engine.parse import parse_file
from engine.rules import DEFAULT_RULES_DIR, load_catalog
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
