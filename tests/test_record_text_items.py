"""The record's JSON text written item by item (record_text.report_text: not-assessable items and
diagnostics from remembered fragments, cell addresses' texts remembered) is json.dumps of its JSON
form, whatever the items hold; and a review without decisions gives what the general review gives."""
from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.evaluate import evaluate
from engine.ledger.decisions import Decision
from engine.ledger.season import SeasonContext
from engine.model import AuditRecord, Diagnostic, Evidence, Finding, NotAssessable, RuleError, RuleResult
from engine.parse import parse_file
from engine.render import record_text
from engine.rules import DEFAULT_RULES_DIR, load_catalog

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


def _general(rec: AuditRecord) -> str:
    return json.dumps(rec.to_json(), ensure_ascii=False, default=record_text._json_default)


class _Str(str):
    pass


def _record(**changes) -> AuditRecord:
    na = NotAssessable("R9", "标题", "空白", ["applications.b.new", "applications.c.new"], charge="agency",
                       covered_by="R1", scored=True)
    dg = Diagnostic(code="ROW_TOO_FEW_VALUES", message="行缺数", line=3, where="第3行", table="review",
                    cells=["review.行政复议.总计"])
    rec = AuditRecord(source="a.txt", status="audited", agency="某局", year=2023, engine="durable", score=90,
                      sequence=1, letter="letters/x.html", scoring={"by_category": {"表格": 2}}, counts={"error": 1},
                      rules_evaluated=3, not_assessable=[na], rule_errors=[RuleError("R8", "出错")], diagnostics=[dg],
                      findings=[Finding("R1", "error", "表格", "合计", "不符", 2, "条例",
                                        evidence=Evidence(cells=["applications.b.new"], values={"applications.b.new": 1}))])
    for k, v in changes.items():
        obj, _, name = k.partition("__")
        target = rec.not_assessable[0] if obj == "na" else rec.diagnostics[0] if obj == "dg" else rec
        setattr(target, name or obj, v)
    return rec


@pytest.mark.parametrize("changes", [
    {}, {"na__reason": None}, {"na__charge": None}, {"na__charge": "manual", "na__charge_reason": "待人工核对"},
    {"na__covered_by": None}, {"na__scored": False}, {"na__scored": 1}, {"na__cells": []}, {"na__cells": ("a", "b")},
    {"na__cells": ["a", 1]}, {"na__title": _Str("子类")}, {"na__reason": "含\"引号\"\n与\\"}, {"na__rule_id": 5},
    {"dg__line": None}, {"dg__line": True}, {"dg__where": None}, {"dg__table": None}, {"dg__table": 3},
    {"dg__cells": []}, {"dg__cells": [_Str("x")]}, {"dg__message": "\u2028\x00"}, {"dg__severity": "error"},
    {"not_assessable": []}, {"diagnostics": []}, {"rule_errors": []}, {"findings": []},
    {"not_assessable": [NotAssessable("R9", "标题"), NotAssessable("R10", "标题二", "x", ["c"] * 70)]},
    {"findings": [Finding("R1", "error", "表格", "合计", "不符", 2, "条例",
                          evidence=Evidence(cells=["a", "b"], values={"a": "blank", "b": None, "c": 1.5, "d": Decimal(2),
                                                                      "e": True, "f": "x" * 40}))]},
    {"findings": [Finding("R1", "error", "表格", "合计", "不符", 2, "条例", evidence=Evidence(values={1: "x"}))]},
    {"agency_list": {"on_list": None}}, {"round": {"number": 2}}, {"previous_only": True},
])
def test_report_text_is_json_of_the_record(changes):
    rec = _record(**changes)
    before = copy.deepcopy(rec)
    assert record_text.report_text(rec) == _general(rec)
    assert record_text.report_text(rec) == _general(rec)       # from the remembered fragments
    assert rec == before


@pytest.fixture(scope="module")
def evaluated():
    catalog = load_catalog(DEFAULT_RULES_DIR)
    return [(evaluate(r, catalog), r) for r in map(parse_file, SEEDS)]


def _charge_some_manual(results):
    for r in results:
        for i, f in enumerate(r.findings):
            if i % 2 == 0 and r.rule_id[-1] in "02468":
                f.charge, f.charge_reason = "manual", "待人工核对"
    return results


def _state(results):
    return [(r.rule_id, r.outcome, [(f.id, f.decision, f.counted, f.charge) for f in r.findings]) for r in results]


@pytest.mark.parametrize("manual", [False, True])
def test_review_without_decisions_is_the_general_review(evaluated, manual):
    today = dt.date(2026, 1, 5)
    seen, uncounted = 0, 0
    for results, report in evaluated:
        results = [*copy.deepcopy(results)]
        results.append(RuleResult("XXGK-Z999", "fail", []))           # a failed rule without a finding
        if manual:
            _charge_some_manual(results)
        fast_in, general_in = copy.deepcopy(results), copy.deepcopy(results)
        fast = SeasonContext(today, None).review(fast_in, report)
        # a decision on no finding of the report: the general path, the same outcome
        other = Decision("Fnone", "dismissed", "张三", "2026-01-01T00:00:00Z")
        general = SeasonContext(today, None, decisions={"Fnone": other}).review(general_in, report)
        assert _state(fast) == _state(general) and _state(fast_in) == _state(general_in)
        seen += sum(len(r.findings) for r in results)
        uncounted += sum(not f.counted for r in fast_in for f in r.findings)
    assert seen > 10 and uncounted > 0


def test_the_spooled_summary_is_the_records_summary():
    import pickle

    from engine.run.workers import record_blobs
    rec = _record()
    rec.findings.append(Finding("R2", "info", "文字", "t", "m", 0, "", counted=False))
    summary = pickle.loads(record_blobs(rec)[1])
    assert summary == rec.summary() and list(summary.__dict__) == list(rec.summary().__dict__)
    assert [type(b).__name__ for b in summary.findings] == ["FindingBrief"]


def test_the_spooled_rows_are_the_records_rows(evaluated):
    import pickle

    from engine.render.finding_rows import finding_values
    from engine.run.workers import record_blobs
    for results, report in evaluated:
        rec = _record(findings=[f for r in results for f in r.findings])
        rows = pickle.loads(record_blobs(rec)[2])
        assert rows == finding_values(rec) and len(rows) == len(rec.findings)
