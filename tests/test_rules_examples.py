"""`rules test` in the suite: every example of every rule in rules/ behaves as stated, with both
engines, and every rule has at least one passing and one failing example."""
from __future__ import annotations

import pytest

from engine.rules import load_catalog
from engine.evaluate.examples import rules_lacking, run_examples


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_every_example_of_the_catalog_holds(catalog):
    outcomes = run_examples(catalog)
    failed = [f"{o.file}:{o.line}: {o.rule_id} {o.name}: {o.detail}" for o in outcomes if not o.ok]
    assert not failed, "\n".join(failed)
    assert len(outcomes) >= 2 * sum(len(r.examples) for r in catalog.rules)


def test_every_rule_has_a_passing_and_a_failing_example(catalog):
    assert rules_lacking(catalog, "fail") == []
    assert rules_lacking(catalog, "pass") == []


def test_every_rule_documents_itself(catalog):
    for r in catalog.rules:
        assert r.title and r.rationale and r.remedy and r.basis and r.message, r.id


def test_catalog_covers_the_structural_and_identity_relations(catalog):
    ids = {r.id for r in catalog.rules}
    # parts, tables, rows, values, blanks, Relations 1-4, template in force, metadata, diagnostics
    for rid in ("XXGK-S101", "XXGK-S102", "XXGK-S103", "XXGK-V201", "XXGK-V202", "XXGK-R301",
                "XXGK-R302", "XXGK-R303", "XXGK-R304", "XXGK-F401", "XXGK-M501", "XXGK-D601"):
        assert rid in ids


def test_cli_rules_check_and_test_pass_on_the_catalog(capsys):
    from engine.cli import main
    assert main(["rules", "check"]) == 0
    assert main(["rules", "test", "--engine", "durable"]) == 0, capsys.readouterr().err
    assert "0 次未通过" in capsys.readouterr().out
