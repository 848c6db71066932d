"""The ledger inside a run, stage by stage on a seed report: the list's body type, deadlines,
ids and decisions before scoring, rectification rounds and reference numbers."""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from engine import DEFAULT_RULES_DIR
from engine.evaluate import evaluate
from engine.ledger.agencies import AgencyEntry, Registry
from engine.ledger.deadlines import load_deadlines
from engine.ledger.season import FIXED, REMAINING, Season, SeasonContext, SeasonOptions, rectification
from engine.parse import parse_file
from engine.rules import load_catalog
from engine.score import load_scoring, score_results

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED = SEEDS / "000_07ac6476bfab88c2.txt"      # 金村镇人民政府 2024: T802 fails
TODAY = dt.date(2025, 5, 1)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DEFAULT_RULES_DIR)


@pytest.fixture(scope="module")
def policy():
    return load_scoring(DEFAULT_RULES_DIR / "scoring.yaml")


def _ctx(entries=(), decisions=None):
    return SeasonContext(TODAY, load_deadlines(), Registry(list(entries)), decisions or {})


def _audit(ctx, catalog, path=SEED):
    report = parse_file(path)
    listing = ctx.listing(report)
    results = evaluate(report, catalog)
    late = ctx.deadline_result(report, listing)
    if late:
        results.append(late)
    scored = ctx.review(results, report)
    return report, listing, results, scored


def _t802(results):
    return next((r.outcome for r in results if r.rule_id == "XXGK-T802"), "not_applicable")


def test_body_type_from_the_list_decides_t802(catalog):
    report, listing, results, _ = _audit(_ctx(), catalog)
    assert (listing.kind, listing.kind_source, listing.to_json()["on_list"]) == ("乡镇", "guess", None)
    assert _t802(results) == "fail"
    gov = AgencyEntry("泽州县金村镇人民政府", "乡镇")
    report, listing, results, _ = _audit(_ctx([gov]), catalog)
    assert (listing.kind_source, listing.to_json()["on_list"], report.metadata.body_kind) == ("list", True, "government")
    assert _t802(results) == "fail"
    dept = AgencyEntry("金村镇人民政府", "部门")       # the office says: a department
    report, listing, results, _ = _audit(_ctx([dept]), catalog)
    assert report.metadata.body_kind == "department" and _t802(results) == "not_applicable"
    _, listing, _, _ = _audit(_ctx([AgencyEntry("某县教育局", "部门")]), catalog)
    assert listing.to_json()["on_list"] is False and listing.kind_source == "guess"


def test_late_and_on_time_reports(catalog):
    late = AgencyEntry("金村镇人民政府", "政府", published="2025-04-02")
    _, _, results, _ = _audit(_ctx([late]), catalog)
    d = [r for r in results if r.rule_id == "XXGK-D001"]
    assert len(d) == 1 and d[0].outcome == "fail"
    msg = d[0].findings[0].message
    assert "2025年4月2日" in msg and "2025年3月31日" in msg
    on_time = AgencyEntry("金村镇人民政府", "政府", published="2025-03-31")
    _, _, results, _ = _audit(_ctx([on_time]), catalog)
    assert not [r for r in results if r.rule_id == "XXGK-D001"]
    _, _, results, _ = _audit(_ctx(), catalog)                     # no date anywhere: no finding
    assert not [r for r in results if r.rule_id == "XXGK-D001"]


def test_report_date_counts_when_the_list_has_none(catalog, tmp_path):
    text = SEED.read_text(encoding="utf-8").rstrip("\n") + "\n\n金村镇人民政府\n2025年2月3日\n"
    path = tmp_path / "signed.txt"
    path.write_text(text, encoding="utf-8")
    _, _, results, _ = _audit(_ctx([AgencyEntry("金村镇人民政府", "部门")]), catalog, path)
    (d,) = [r for r in results if r.rule_id == "XXGK-D001"]
    assert "报告所载日期为2025年2月3日" in d.findings[0].message and "2025年1月31日" in d.findings[0].message


def test_ids_decisions_and_scoring(catalog, policy):
    from engine.ledger.decisions import Decision

    report, _, results, scored = _audit(_ctx(), catalog)
    findings = [f for r in results if r.outcome == "fail" for f in r.findings]
    ids = [f.id for f in findings]
    assert all(ids) and len(set(ids)) == len(ids) and all(f.decision is None for f in findings)
    # counted (scored, in the letter): the agency's findings; a 待人工核对 item only once confirmed
    assert all(f.counted == (f.charge == "agency") for f in findings)
    full = score_results(scored, policy).score
    t802 = next(f for f in findings if f.rule_id == "XXGK-T802")
    dismiss = Decision(t802.id, "dismissed", "张三", "2025-04-30T00:00:00+00:00", reason="已口头说明")
    _, _, results2, scored2 = _audit(_ctx(decisions={t802.id: dismiss}), catalog)
    again = next(f for r in results2 if r.outcome == "fail" for f in r.findings if f.rule_id == "XXGK-T802")
    assert again.id == t802.id and again.counted is False and again.decision["status"] == "dismissed"
    assert _t802(scored2) == "pass"
    assert score_results(scored2, policy).score > full
    waiver = Decision(t802.id, "dismissed", "张三", "2025-01-01T00:00:00+00:00", reason="豁免", until="2025-04-30")
    _, _, results3, scored3 = _audit(_ctx(decisions={t802.id: waiver}), catalog)
    again = next(f for r in results3 if r.outcome == "fail" for f in r.findings if f.rule_id == "XXGK-T802")
    assert again.counted is True and again.decision["expired"] is True and "到期" in again.decision["message"]
    assert score_results(scored3, policy).score == full


def test_ids_do_not_follow_the_order_of_findings(catalog):
    report, _, results, _ = _audit(_ctx(), catalog)
    before = {f.rule_id + str(f.evidence.cells): f.id for r in results for f in r.findings}
    reordered = list(reversed(copy.deepcopy(results)))
    for r in reordered:
        r.findings.reverse()
    _ctx().review(reordered, report)
    assert {f.rule_id + str(f.evidence.cells): f.id for r in reordered for f in r.findings} == before


def test_rounds_reference_numbers_and_rectification(tmp_path, catalog):
    opts = SeasonOptions(ledger=tmp_path / "l.sqlite", run_date=TODAY, deadlines=DEFAULT_RULES_DIR / "deadlines.yaml")
    fmt = lambda s: f"公开审〔2025〕{s:03d}号"    # noqa: E731

    season = Season.open(opts)
    report, _, results, _ = _audit(season.context, catalog)
    first = season.dispatch("金村镇人民政府", 2024, "a" * 64, "a.txt", 2025, 1, fmt)
    other = season.dispatch("陈区镇人民政府", 2024, "b" * 64, "b.txt", 2025, 1, fmt)
    season.remember(first.report_id, [f for r in results for f in r.findings])
    findings = [f for r in results for f in r.findings if f.counted]     # what the letter listed
    season.close()
    assert (first.round["number"], first.reference_number, other.reference_number) == (1, "公开审〔2025〕001号",
                                                                                        "公开审〔2025〕002号")
    season = Season.open(opts)          # the corrected resubmission: other content, same body and year
    again = season.dispatch("金村镇人民政府", 2024, "a" * 64, "a.txt", 2025, 1, fmt)
    second = season.dispatch("金村镇人民政府", 2024, "c" * 64, "a-v2.txt", 2025, 1, fmt)
    assert again.reference_number == "公开审〔2025〕001号" and again.round["number"] == 1
    assert second.round["kind"] == "复核" and second.round["previous_reference_number"] == "公开审〔2025〕001号"
    assert second.reference_number == "公开审〔2025〕003号"
    assert {e["id"] for e in second.round["earlier"]} == {f.id for f in findings}
    fixed_one = findings[0]
    remaining = [f for f in findings if f is not fixed_one]
    statuses = {e["id"]: e["status"] for e in rectification(second.round["earlier"], remaining)}
    assert statuses[fixed_one.id] == FIXED and all(statuses[f.id] == REMAINING for f in remaining)
    assert season.missing_agencies(["金村镇人民政府"]) == []          # no list: nothing missing
    season.close()
