"""What the evaluator computes once per catalog (engine.evaluate.CatalogPlan) or takes from a
block's shortcut gives what the general path gives: the rules in scope for a kind of report (every
combination of template, year, kind of body and last year's template), the rendered bases, and a
block's `evidence_cells` (the cells of its full evidence, for the not-assessable path)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from engine.evaluate import applicability, catalog_plan, evidence_of, run_engine
from engine.facts import build_facts
from engine.ingest import read_document
from engine.parse import parse_document
from engine.rules import load_catalog
from engine.rules.blocks import NOT_DESCRIBED, Clause, default_describe, default_value
from engine.rules.examples import build_report
from engine.sources import render_basis

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def example_pairs(catalog):
    for rule in catalog.rules:
        for ex in rule.examples:
            if ex["report"].get("file"):
                continue
            prev = build_report(ex["previous"]) if ex.get("previous") else None
            yield build_report(ex["report"]), prev
    for path in SEEDS:
        yield parse_document(read_document(str(path))), None


def test_scoped_rules_are_the_applicable_ones_for_every_kind_of_report(catalog):
    plan = catalog_plan(catalog)
    rep = build_report({})
    prev = build_report({})
    seen = 0
    for template, year, kind, prev_template in itertools.product(
            (None, "2019", "2021"), (None, 2018, 2019, 2020, 2021, 2024), (None, "government", "department"),
            (False, None, "2019", "2021")):
        rep.metadata.template, rep.metadata.year, rep.metadata.body_kind = template, year, kind
        previous = None
        if prev_template is not False:
            prev.metadata.template = prev_template
            previous = prev
        want = [(r.id, s) for r in catalog.rules
                if (s := applicability(r, rep, previous)) != "not_applicable"]
        for _ in range(2):       # computed, then from the cache
            assert [(r.id, s) for r, s in plan.scoped(rep, previous)] == want
        seen += len(want)
    assert seen


def test_cached_basis_is_the_rendered_basis(catalog):
    plan = catalog_plan(catalog)
    rep = build_report({})
    for rule, template, year in itertools.product(catalog.rules, (None, "2019", "2021"), (None, 2019, 2024)):
        rep.metadata.template, rep.metadata.year = template, year
        assert plan.basis(rule, rep) == render_basis(rule.basis, template, year)


def test_evidence_cells_are_the_cells_of_the_evidence(catalog):
    checked = 0
    for rep, prev in example_pairs(catalog):
        facts = build_facts(rep, prev, catalog.requests)
        for name, ids in run_engine(catalog, facts, "reference"):
            clause = catalog.clauses[name]
            rule = catalog.rule(clause.rule_id)
            if not hasattr(rule.block, "evidence_cells"):
                continue
            bound = {alias: facts.by_id(fid) for alias, fid in ids.items()}
            assert rule.block.evidence_cells(clause, bound, rep) == evidence_of(rule, clause, bound, rep).cells
            checked += 1
    assert checked > 50


def test_deferred_message_values_are_computed_only_when_placed():
    from engine.evaluate import _Values, render
    from engine.rules.blocks import Deferred
    calls = []

    def items(tag):
        calls.append(tag)
        return f"项目{tag}"
    values = _Values({"used": Deferred(items, 1), "unused": Deferred(items, 2), "n": 3})
    assert render("{used}共{n}项", values) == "项目1共3项"
    assert calls == [1]
    assert str(Deferred(items, 4)) == "项目4"


def test_cell_reasons_are_the_cell_manual_reasons(catalog):
    from engine.evaluate.charge import CellReasons, cell_manual_reason
    from engine.template import all_known_addresses
    addresses = sorted(all_known_addresses())     # a missing table's cells too
    seen = set()
    for rep, _prev in example_pairs(catalog):
        reasons = CellReasons(rep)
        for address in addresses:
            for _ in range(2):      # computed, then from the memo
                why = reasons[address]
                assert why == cell_manual_reason(rep, address)
            seen.add(why)
    assert len(seen) >= 3, seen       # the agency's (None) and at least two of our reasons


def _described_keys(clause, bound):
    out = set(default_describe(clause, bound, None))
    for alias, fact in bound.items():
        out.update(fact)
        out.update(f"{alias}_{k}" for k in fact)
        if isinstance(fact.get("params"), dict):
            out.update(fact["params"])
    return sorted(out | set(clause.params) | {"cell", "cells_desc", "not_a_value", "s_not_a_value"})


def test_default_value_is_default_describes_value(catalog):
    """A message value the block did not give is computed alone (default_value), as default_describe
    would have it: every key of every activation of the examples, and facts whose names clash."""
    checked = 0
    for rep, prev in example_pairs(catalog):
        facts = build_facts(rep, prev, catalog.requests)
        for name, ids in run_engine(catalog, facts, "reference"):
            clause = catalog.clauses[name]
            bound = {alias: facts.by_id(fid) for alias, fid in ids.items()}
            described = default_describe(clause, bound, rep)
            for key in _described_keys(clause, bound):
                assert default_value(clause, bound, key) == described.get(key, NOT_DESCRIBED), key
                checked += 1
    clash = Clause("fail", [], params={"p": 1})
    for bound in ({"a": {"x": 1, "a_x": 2, "params": {"x": 3}}, "b": {"x": 4, "cells": ["applications.一.总计"], "cell": 5}},
                  {"a": {"a_x": 2, "x": 1}, "b": {"a_x": 6, "params": {"a_x": 7, "p": 8}}},
                  {"b": {"addr": "applications.一.总计", "params": [1]}, "a": {"cells": ["applications.二.总计"]}}):
        described = default_describe(clash, bound, None)
        for key in _described_keys(clash, bound):
            assert default_value(clash, bound, key) == described.get(key, NOT_DESCRIBED), (bound, key)
    assert checked > 1000
