"""The worker's per-report shortcuts give what the plain paths give.

* durable.frames reads a one-fact action message from its first characters: the same (rule,
  {alias: id}) as decoding the whole message, whatever the fact's strings hold; a run with the
  shortcut disabled gives the same activations;
* durable.run retracts each report's facts instead of deleting the sid: the sid holds no fact
  after a report, and a report's activations are those of a fresh handle whatever ran before;
* evaluate.passed is RuleResult(rule_id, "pass");
* record_text.finding_text (a finding's JSON written from remembered fragments) is the general
  encoder's text for every finding, and falls back to it for values it does not write itself;
  report_text is json.dumps of the record's JSON form.
"""
from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from engine.evaluate import durable, evaluate, passed, run_engine
from engine.facts import build_facts
from engine.model import AuditRecord, Evidence, Finding, RuleResult, finding_json
from engine.parse import parse_file
from engine.render import record_text
from engine.rules import DEFAULT_RULES_DIR, load_catalog
from engine.rules.examples import build_report

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DEFAULT_RULES_DIR)


@pytest.fixture(scope="module")
def reports(catalog):
    out = [(parse_file(p), None) for p in SEEDS]
    for rule in catalog.rules:
        for ex in rule.examples:
            if not ex["report"].get("file"):
                out.append((build_report(ex["report"]), build_report(ex["previous"]) if ex.get("previous") else None))
    return out


def _slow_frames(msg):
    return [(name, {alias: str(f["id"]) for alias, f in frame.items()}) for name, frame in json.loads(msg).items()]


@pytest.mark.parametrize("msg", [
    '{"R#0":{"v":{"sid": "w", "id": "12", "type": "signal", "rule": "R", "known": true}}}',
    '{"R#1":{"a":{"sid": "w", "id": "3", "type": "cell"},"b":{"sid": "w", "id": "7", "type": "cell"}}}',
    # a string value that spells a fact's opening: escaped inside the string, never counted
    '{"R#0":{"v":{"sid": "w", "id": "4", "text": "{\\"sid\\": \\"w\\", \\"id\\": \\"9\\""}}}',
    '{"R#0":{"v":{"sid": "w", "id": "5", "text": "a\\\\", "x": "{\\"sid\\": \\"w\\", \\"id\\": \\"9\\"}"}}}',
    '{"__sentinel__":{"m":{"sid": "w", "id": "0", "type": "__eval__"}}}',
    '{"R#0":{"v":{"id": "6", "sid": "w"}}}',              # another order: decoded in full
    '{"R#0":{"v":{"sid":"w","id":"8"}}}',                  # other spacing: decoded in full
])
def test_frames_are_the_decoded_message(msg):
    assert durable.frames(msg) == _slow_frames(msg)


def test_activations_are_the_same_without_the_shortcut(catalog, reports, monkeypatch):
    fast = [run_engine(catalog, build_facts(r, p, catalog.requests), "durable") for r, p in reports]
    monkeypatch.setattr(durable, "_ONE_FACT", re.compile(r"(?!)"))      # never matches
    slow = [run_engine(catalog, build_facts(r, p, catalog.requests), "durable") for r, p in reports]
    assert fast == slow
    assert sum(map(len, fast)) > 100


def test_each_report_leaves_the_sid_empty_and_runs_as_on_a_fresh_handle(catalog, reports):
    engine = durable._engine()
    in_order = []
    for r, p in reports:
        in_order.append(run_engine(catalog, build_facts(r, p, catalog.requests), "durable"))
        assert engine.get_facts(durable._HANDLES[catalog.digest], durable.SID) == "[]"
    backwards = [run_engine(catalog, build_facts(r, p, catalog.requests), "durable") for r, p in reversed(reports)]
    assert backwards[::-1] == in_order
    for (r, p), acts in list(zip(reports, in_order))[::7]:
        durable._HANDLES.pop(catalog.digest, None)       # a new handle (and sid) for this report alone
        assert run_engine(catalog, build_facts(r, p, catalog.requests), "durable") == acts
    assert sum(map(len, in_order)) > 100


def test_passed_is_a_pass_result():
    r = passed("R1")
    assert r == RuleResult(rule_id="R1", outcome="pass") and r.__dict__ == RuleResult("R1", "pass").__dict__
    assert list(r.__dict__) == list(RuleResult("R1", "pass").__dict__)
    other = passed("R1")
    assert other.findings is not r.findings and other.cells is not r.cells


def _general(f: Finding) -> str:
    return json.dumps(finding_json(f), ensure_ascii=False, default=record_text._json_default)


def test_finding_text_is_the_general_encoding(catalog, reports):
    seen = 0
    for rep, prev in reports:
        for result in evaluate(rep, catalog, previous=prev):
            for f in result.findings:
                assert record_text.finding_text(f) == _general(f)
                seen += 1
    assert seen > 100


def _finding(**changes) -> Finding:
    ev = Evidence(part="三", table="applications", cells=["applications.一.总计"], values={"applications.一.总计": 3},
                  line=4, where="第4行", excerpt="总计 3")
    f = Finding(rule_id="R1", severity="error", category="表格", title="合计", message="“总计”不符", points=3,
                basis="条例", remedy="更正", evidence=ev)
    for k, v in changes.items():
        if k.startswith("ev_"):
            setattr(f.evidence, k[3:], v)
        else:
            setattr(f, k, v)
    return f


class _Str(str):
    pass


@pytest.mark.parametrize("changes", [
    {}, {"points": 2.5}, {"points": -0.0}, {"points": 0.0}, {"points": float("nan")}, {"points": True},
    {"points": Decimal("1.5")}, {"basis": None}, {"message": _Str("子类")}, {"title": _Str("子类")},
    {"details": {"score": 0.5, "tokens": ["a", "b"], "n": None, "ok": True}}, {"details": {1: "x"}},
    {"details": []}, {"decision": {"status": "dismissed", "until": "2027-01-01"}}, {"id": "F1"},
    {"counted": False}, {"counted": 1}, {"charge": "manual", "charge_reason": "待人工核对"},
    {"ev_part": None, "ev_table": None, "ev_cells": [], "ev_values": {}, "ev_line": None, "ev_where": None,
     "ev_excerpt": None},
    {"ev_cells": ("a", "b")}, {"ev_cells": ["a", 1]}, {"ev_values": {"a": Decimal("2"), "b": "blank"}},
    {"ev_values": {"a": float("inf")}}, {"ev_line": True}, {"ev_where": 3}, {"ev_part": 1},
    {"ev_previous_source": "上年.txt", "ev_previous_cells": ["x"], "ev_previous_values": {"x": 1},
     "ev_previous_line": 2, "ev_previous_where": "第2行", "ev_previous_excerpt": "去年"},
    {"ev_previous_cells": ("x",)}, {"ev_excerpt": "含\"引号\"、\\反斜杠\n换行\u2028与\x00"},
])
def test_finding_text_of_unusual_values(changes):
    f = _finding(**changes)
    before = copy.deepcopy(f)
    assert record_text.finding_text(f) == _general(f)
    assert record_text.finding_text(f) == _general(f)          # from the remembered fragments
    assert f == before or f.points != f.points


def test_report_text_with_findings_is_json_of_the_record(catalog, reports):
    for rep, prev in reports[:12]:
        results = evaluate(rep, catalog, previous=prev)
        rec = AuditRecord(source="a.txt", status="audited", engine="durable", score=90, sequence=1,
                          findings=[f for r in results for f in r.findings], rules_evaluated=len(results))
        assert record_text.report_text(rec) == json.dumps(rec.to_json(), ensure_ascii=False,
                                                      default=record_text._json_default)
