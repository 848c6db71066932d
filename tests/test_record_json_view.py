"""record_text.report_text reads a record through flat_view (its lists and dicts not copied): the
same text as the record's copying to_json, and the record is left as it was."""
from __future__ import annotations

import copy
import json

from engine.model import (_DIAGNOSTIC_KEYS, _EVIDENCE_KEYS, _FINDING_KEYS, _RULE_ERROR_KEYS, AuditRecord,
                          Diagnostic, Evidence, Finding, NotAssessable, RuleError, _flat_json)
from engine.render import record_text


def _record() -> AuditRecord:
    ev = Evidence(part="三", table="applications", cells=["applications.total.new", "applications.a.new"],
                  values={"applications.total.new": 12, "applications.a.new": 1.5}, line=7,
                  where="第7行", excerpt="总计 12", previous_cells=["x"], previous_values={"x": None})
    f1 = Finding(rule_id="R1", severity="error", category="表格", title="合计不符", message="“总计”不等于各项之和",
                 points=2.0, basis="条例", remedy="更正", evidence=ev, details={"tokens": ["a", "b"], "n": 3},
                 charge="manual", charge_reason="待人工核对", id="k1", decision={"by": "张三"}, counted=False)
    f2 = Finding(rule_id="R2", severity="info", category="文字", title="t", message="m", points=0.0, basis="")
    return AuditRecord(source="a/b.txt", status="audited", sha256="ab", format="text", agency="某局", year=2023,
                       template="2021", body_kind="department", title="年度报告", letter="letters/x/y.html",
                       sequence=3, reference_number="〔2024〕3号", same_year_sources=["c.txt"], engine="durable",
                       score=91.5, grade="良", scoring={"by_category": {"表格": 2.0}}, counts={"error": 1},
                       rules_evaluated=40, findings=[f1, f2],
                       not_assessable=[NotAssessable("R9", "标题", "空白", ["applications.b.new"], charge="agency")],
                       rule_errors=[RuleError("R8", "出错")],
                       diagnostics=[Diagnostic(code="ROW_TOO_FEW_VALUES", message="行缺数", line=3, table="review")])


def test_flat_view_is_flat_json_without_copies():
    rec = _record()
    for obj, names in ((rec.findings[0], _FINDING_KEYS), (rec.findings[0].evidence, _EVIDENCE_KEYS),
                       (rec.rule_errors[0], _RULE_ERROR_KEYS), (rec.diagnostics[0], _DIAGNOSTIC_KEYS),
                       (rec.diagnostics[0], ("code",))):
        view, flat = record_text.flat_view(obj, names), _flat_json(obj, names)
        assert view == flat and list(view) == list(flat)
    view = record_text.flat_view(rec.findings[0].evidence, _EVIDENCE_KEYS)
    assert view["cells"] is rec.findings[0].evidence.cells        # shared, not copied


def test_report_text_equals_the_copying_json_form_and_leaves_the_record_alone():
    rec = _record()
    before = copy.deepcopy(rec)
    text = record_text.report_text(rec)
    assert text == json.dumps(rec.to_json(), ensure_ascii=False, default=record_text._json_default)
    assert rec == before
    assert AuditRecord.from_json(json.loads(text)) == rec
