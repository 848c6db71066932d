"""The worker's last steps for a finished record (engine/run/workers.py): its blobs, several records
spooled in one write, the summary's compact pickle, the report text's encoder, and finding ids."""
from __future__ import annotations

import datetime as dt
import json
import math
import pickle
from dataclasses import fields
from decimal import Decimal

from engine.ledger.ids import anchor_of, finding_ids, make_id
from engine.model import AuditRecord, AuditSummary, Evidence, Finding, FindingBrief, NotAssessable
from engine.render.finding_rows import finding_values
from engine.render.record_text import _encode_report, _json_default, report_text
from engine.run import workers
from engine.spool import Spool, SpoolReader


def record(n: int) -> AuditRecord:
    findings = [Finding(f"R{n}0{i}", "error" if i else "warning", "准确性", f"标题{i}", f"第{n}份报告的问题{i}", 2.0,
                        "条例第五十条", evidence=Evidence(part="三", table="applications", cells=[f"a.{i}"],
                                                          values={f"a.{i}": i}, line=10 + i),
                        counted=bool(i % 2)) for i in range(3)]
    return AuditRecord(source=f"in/{n}.txt", status="audited", agency=f"甲{n}镇人民政府", year=2024, engine="durable",
                       sequence=n, score=90, grade="良好", counts={"error": 2, "warning": 1, "info": 0},
                       findings=findings, not_assessable=[NotAssessable(f"R{n}99", "某项", "缺少", ["b.1"])])


def test_a_summary_pickles_to_an_equal_summary_with_briefs_and_fields_in_order():
    s = record(1).summary()
    back = pickle.loads(pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == s and type(back) is AuditSummary
    assert back.findings and all(type(b) is FindingBrief for b in back.findings)
    assert list(vars(back)) == [f.name for f in fields(AuditSummary)]
    # the field names are not repeated in every pickle
    assert b"reference_number" not in pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL)


def test_records_spooled_together_read_back_each_as_alone(tmp_path, monkeypatch):
    records = [record(n) for n in (1, 2, 3)]
    writes = []
    put = Spool.put
    monkeypatch.setattr(Spool, "put", lambda self, data: writes.append(len(data)) or put(self, data))
    finished = workers.spool_records(Spool(tmp_path), [workers.record_blobs(r) for r in records])
    assert len(writes) == 1 and len(finished) == 3
    with SpoolReader() as reader:
        for r, f in zip(records, finished):
            assert reader.text(f.blob) == report_text(r)
            assert reader.object(f.slim_blob) == r.summary()
            assert reader.object(f.rows) == finding_values(r)
    (tmp_path / "alone").mkdir()
    alone = workers.finish_record(records[1], Spool(tmp_path / "alone"))
    with SpoolReader() as reader:
        assert reader.text(alone.blob) == report_text(records[1])


def test_the_report_encoder_writes_what_json_dumps_writes():
    value = {"a": [1, 2.5, -0.0, 1e20, float("inf"), float("nan"), None, True], "十": "引号\"、换行\n、\u2028",
             "d": Decimal("5.50"), "i": Decimal("7"), "t": ("x", 1), "s": {"b", "a"}, "day": dt.date(2026, 1, 5),
             "nested": {"k": [{"z": []}, {}]}}
    assert _encode_report(value) == json.dumps(value, ensure_ascii=False, default=_json_default)
    assert math.isnan(json.loads(_encode_report(value))["a"][5])


def test_ids_of_findings_at_distinct_places_are_each_place_s_own_id():
    evs = [Evidence(table="applications", cells=["a.2", "a.1"]), Evidence(part="五"),
           Evidence(table="review", cells=["r.1"], previous_cells=["r.1"])]
    items = [("R1", evs[0]), ("R1", evs[1]), ("R2", evs[2])]
    ids = finding_ids(items, "甲镇人民政府", 2024, [(3, "x"), (1, "y"), (2, "z")])
    assert ids == [make_id("甲镇人民政府", 2024, r, anchor_of(vars(ev))) for r, ev in items]
    # two findings at one place: told apart, whatever their order
    twice = [("R1", Evidence(part="五", excerpt="甲")), ("R1", Evidence(part="五", excerpt="乙"))]
    assert len(set(finding_ids(twice, "甲", 2024))) == 2
    assert finding_ids(twice, "甲", 2024) == finding_ids(twice[::-1], "甲", 2024)[::-1]


def test_points_become_the_decimal_of_their_text_whatever_was_seen_before():
    from engine.score import _decimal
    assert str(_decimal(2)) == "2" and str(_decimal(2.0)) == "2.0" and str(_decimal(2)) == "2"
    assert _decimal(0.1) == Decimal("0.1")


def test_the_record_built_is_the_base_with_the_evaluation(tmp_path):
    from engine.model import Metadata, Report, RuleResult
    from engine.run.records import build_record
    from engine.score import RuleInfo, load_scoring
    from engine import DEFAULT_RULES_DIR
    base = AuditRecord(source="in/1.txt", status="audited", sequence=7, letter="letters/a.html", reference_number="〔2026〕7号")
    report = Report(source="in/1.txt", format="txt", sha256="0" * 64,
                    metadata=Metadata(agency="甲镇人民政府", year=2024, template="2021", body_kind="government"),
                    parts={}, tables={})
    results = [RuleResult("R2", "fail", findings=record(1).findings[:2]), RuleResult("R1", "pass"),
               RuleResult("R3", "not_assessable", reason="缺少", cells=["b.1"]), RuleResult("R4", "error", reason="坏")]
    rec = build_record(base, report, results, load_scoring(DEFAULT_RULES_DIR / "scoring.yaml"),
                       {"R3": RuleInfo("R3", "某项")}, "durable")
    assert type(rec) is AuditRecord and rec is not base and base.engine is None
    assert (rec.sequence, rec.letter, rec.agency, rec.engine, rec.rules_evaluated) == (7, "letters/a.html", "甲镇人民政府", "durable", 4)
    assert rec.counts == {"error": 0, "warning": 0, "info": 0} | {"error": 1}
    assert [n.rule_id for n in rec.not_assessable] == ["R3"] and [e.rule_id for e in rec.rule_errors] == ["R4"]
    assert [f.severity for f in rec.findings] == ["error", "warning"]
