"""finding_ids normalises the agency once per report (not once per finding): the ids are those of
the plain formula; SeasonContext.review returns a fail result as it is when nothing is taken out,
and a failed rule without findings still passes."""
from __future__ import annotations

import datetime as dt
import hashlib

from engine.ledger.agencies import Registry
from engine.ledger.ids import agency_key, finding_ids, make_id
from engine.ledger.season import SeasonContext
from engine.model import Evidence, Finding, Metadata, Report, RuleResult


def _plain_id(agency, year, rule_id, anchor):
    key = "\x1f".join((agency_key(agency), str(year or ""), rule_id, anchor))
    return "F" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def test_ids_are_the_plain_formulas():
    evs = [Evidence(table="applications", cells=["applications.a.new"]),
           Evidence(table="applications", cells=["applications.a.new"], excerpt="甲"),
           Evidence(table="applications", cells=["applications.a.new"], excerpt="甲"),
           Evidence(part="二")]
    for agency, year in (("某市 人民政府办公室", 2023), (None, None), ("某局", 0)):
        ids = finding_ids([("R1", ev) for ev in evs], agency, year)
        assert ids[3] == _plain_id(agency or "", year, "R1", "part:二|")
        assert len(set(ids)) == 4
        assert make_id(agency or "", year, "R2", "x") == _plain_id(agency or "", year, "R2", "x")
        assert _plain_id(agency or "", year, "R1", "applications:applications.a.new||") in ids


def _finding(rule_id, charge="agency"):
    return Finding(rule_id=rule_id, severity="error", category="表格", title="t", message="m", points=1.0,
                   basis="", evidence=Evidence(table="review", cells=[f"review.{rule_id}"]), charge=charge)


def test_review_keeps_a_result_whose_findings_all_count_and_passes_a_fail_without_findings():
    report = Report(source="x.txt", format="text", sha256="0", parts={}, tables={},
                    metadata=Metadata(agency="某局", year=2023))
    ctx = SeasonContext(dt.date(2026, 1, 5), None, Registry([]), {})
    whole = RuleResult("R1", "fail", findings=[_finding("R1"), _finding("R1")])
    manual = RuleResult("R2", "fail", findings=[_finding("R2", charge="manual"), _finding("R2")])
    empty = RuleResult("R3", "fail", findings=[])
    scored = ctx.review([whole, manual, empty, RuleResult("R4", "pass")], report)
    assert scored[0] is whole and all(f.id for f in whole.findings)
    assert scored[1].findings == [manual.findings[1]] and scored[1].outcome == "fail"
    assert scored[2].outcome == "pass" and scored[2].findings == []
    assert scored[3].outcome == "pass"
