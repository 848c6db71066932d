"""The run's record and output contracts: AuditRecord's JSON form (engine/model.py) and the list of
outputs (engine/run/outputs.py), with the stand-in parser and rule engine (tests/audit_support.py)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from audit_support import audit_with_fake_hooks, report_text
from engine.model import AuditRecord, AuditSummary
from engine.render.output import FinishedRun, ReportOutput, RunOutput
from engine.run import outputs

RUN_DATE = dt.date(2026, 11, 20)


class FindingCounts(ReportOutput):
    """A per-report output: one small file per audited report."""
    folder = "counts"

    def write(self, record: AuditRecord) -> None:
        name = Path(record.letter).stem + ".txt"
        Path(self.ctx.out_dir, self.folder, name).write_text(f"{record.source} {len(record.findings)}\n",
                                                              encoding="utf-8")


class SourceList(RunOutput):
    """A per-run output: the sources and their findings, read back through FinishedRun."""

    def write(self, run: FinishedRun) -> None:
        assert all(isinstance(s, AuditSummary) for s in run.summaries)
        lines = [f"{r.source} {r.status} {len(r.findings)}" for r in run.records()]
        (self.ctx.out_dir / "sources.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


INPUTS = {
    "a.txt": report_text("甲镇人民政府", 2024, "缺少：五", "警告：一", "列：自然人,总计"),
    "b.txt": report_text("乙镇人民政府", 2024, "RAISE"),            # durable-rules fails: reference engine
    "b2.txt": report_text("乙镇人民政府", 2024, "RAISE"),           # a duplicate of b.txt
    "c.txt": report_text("甲镇人民政府", 2023, "表格缺失"),          # last year's report of a.txt
    "empty.txt": b"",
}


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setattr(outputs, "REPORT_OUTPUTS", outputs.REPORT_OUTPUTS + (FindingCounts,))
    mp.setattr(outputs, "RUN_OUTPUTS", outputs.RUN_OUTPUTS + (SourceList,))
    try:
        return audit_with_fake_hooks(tmp_path_factory.mktemp("outputs"), INPUTS, RUN_DATE)
    finally:
        mp.undo()


def test_an_output_added_to_the_list_is_written_for_every_report_and_the_run(audit):
    doc = json.loads((audit / "findings.json").read_text(encoding="utf-8"))
    audited = [r for r in doc["reports"] if r["status"] == "audited"]
    counts = sorted(p.read_text(encoding="utf-8") for p in (audit / "counts").iterdir())
    assert counts == sorted(f"{r['source']} {len(r['findings'])}\n" for r in audited)
    assert len(counts) == 3
    lines = (audit / "sources.txt").read_text(encoding="utf-8").splitlines()
    assert lines == [f"{r['source']} {r['status']} {len(r.get('findings') or [])}" for r in doc["reports"]]
    assert (audit / "letters").is_dir() and (audit / "index.html").is_file()


def test_record_json_round_trips_for_every_kind_of_record(audit):
    doc = json.loads((audit / "findings.json").read_text(encoding="utf-8"))
    kinds = {(r["status"], r.get("engine"), r.get("engine_fallback")) for r in doc["reports"]}
    assert kinds == {("audited", "durable", False), ("audited", "reference", True), ("duplicate", None, None),
                     ("empty", None, None)}
    for data in doc["reports"]:
        record = AuditRecord.from_json(data)
        assert record.to_json() == data
        assert list(record.to_json()) == list(data)          # the same keys in the same order


def test_record_groups_appear_only_once_reached():
    record = AuditRecord(source="x.txt", status="empty", message="空文件")
    assert list(record.to_json()) == ["source", "status", "message", "sha256", "duplicate_of", "format",
                                      "agency", "year", "template", "body_kind", "title"]
    record.sequence, record.letter = 1, "letters/x/x.html"
    assert "letter" in record.to_json() and "findings" not in record.to_json()
    record.engine = "durable"
    assert record.to_json()["findings"] == [] and record.summary().findings == []
