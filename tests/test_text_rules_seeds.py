"""The text rules on the five seeds as the real pipeline sees them (engine.parse.parse_file), with
both engines. The expected findings were decided by reading each seed by hand (see
tests/test_text_rules.py for the reasoning per seed); here the parts, metadata and tables come
from the parser instead of hand-stated ranges, so a false alarm caused by either side shows up."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluate import evaluate
from engine.rules import load_catalog

parse = pytest.importorskip("engine.parse")
if not hasattr(parse, "parse_file"):
    pytest.skip("engine.parse.parse_file is not there yet", allow_module_level=True)

from test_text_rules import SEED_OUTCOMES, TEXT_RULES  # noqa: E402  (same expectations)

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
RULES_DIR = Path(__file__).resolve().parents[1] / "rules"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(RULES_DIR).subset(set(TEXT_RULES))


@pytest.fixture(scope="module")
def parsed():
    return {p.stem: parse.parse_file(p) for p in sorted(SEEDS.glob("*.txt"))}


@pytest.mark.parametrize("engine", ("durable", "reference"))
@pytest.mark.parametrize("stem", sorted(SEED_OUTCOMES))
def test_seed_text_findings_from_the_parser(catalog, parsed, stem, engine):
    results = {r.rule_id: r for r in evaluate(parsed[stem], catalog, engine=engine)}
    got = {rid: r.outcome for rid, r in results.items()}
    expected = {rid: SEED_OUTCOMES[stem].get(rid, "pass") for rid in TEXT_RULES}
    assert got == expected, {rid: (results[rid].reason, [f.message for f in results[rid].findings])
                             for rid in got if got[rid] != expected.get(rid)}


def test_seed_001_fee_finding_cites_part_six(catalog, parsed):
    results = {r.rule_id: r for r in evaluate(parsed["001_5f25c15575702d27"], catalog)}
    [finding] = results["XXGK-T806"].findings
    assert finding.evidence.part == "六"
    assert finding.evidence.line == 96            # the heading "六、其他需要报告的事项"
    assert finding.evidence.excerpt == "无"


def test_seed_002_reports_appraisal_and_reviews_last_year(catalog, parsed):
    results = {r.rule_id: r for r in evaluate(parsed["002_6e41f544aa427844"], catalog)}
    assert results["XXGK-T802"].outcome == "pass"
    assert results["XXGK-T805"].outcome == "pass"
    assert results["XXGK-T806"].outcome == "pass"
