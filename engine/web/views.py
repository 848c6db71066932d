"""A report record of a batch's results → what the pages and the API show. Read-only, no engine internals."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from engine.model import AuditRecord
from engine.render.docx_letter import docx_path
from engine.render.labels import SEVERITY_LABELS, STATUS_LABELS, TABLE_LABELS, part_label
from engine.render.triage import main_problems

DECISION_LABELS = {"confirmed": "已确认", "dismissed": "已排除", "pending": "待审核"}


@dataclass
class FindingView:
    id: str | None
    rule_id: str
    short_rule: str
    severity: str
    severity_label: str
    title: str
    message: str
    points: float
    where: str
    excerpt: str
    cells: list[str]
    charge: str
    decision: dict[str, Any] | None
    counted: bool = True

    @property
    def decision_status(self) -> str:
        return (self.decision or {}).get("status", "pending")

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS.get(self.decision_status, self.decision_status)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "rule_id": self.rule_id, "severity": self.severity, "message": self.message,
                "charge": self.charge, "decision": self.decision}


@dataclass
class ReportView:
    id: str
    source: str
    status: str
    status_label: str
    message: str
    agency: str
    year: int | None
    score: float | None
    grade: str | None
    letter: str | None
    counts: dict[str, int]
    findings: list[FindingView] = field(default_factory=list)
    unassessed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def letter_docx(self) -> str | None:
        """Beside the HTML letter, named by the DOCX output itself."""
        return docx_path(self.letter) if self.letter else None

    manual_count: int = 0      # AuditRecord.manual: one definition of 待人工核对

    @property
    def main_problems(self) -> list[str]:
        return main_problems(self.findings)

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "status": self.status, "agency": self.agency,
                "year": self.year, "score": self.score, "grade": self.grade,
                "findings": [f.to_api() for f in self.findings]}


def report_id(record: dict[str, Any]) -> str:
    """Stable within a batch: the file's digest (a duplicate points at the audited copy anyway)."""
    sha = record.get("sha256") or ""
    # an input that could not be read has no digest: its path's, stable across processes (not hash())
    return sha[:16] if sha else "src-" + hashlib.sha256(str(record.get("source")).encode()).hexdigest()[:12]


def report_view(r: dict[str, Any]) -> ReportView:
    """One report record of findings.json/findings.jsonl as the pages show it."""
    counts = r.get("counts") or {}
    return ReportView(
        id=report_id(r), source=r.get("source", ""), status=r.get("status", ""),
        status_label=STATUS_LABELS.get(r.get("status", ""), r.get("status", "")),
        message=r.get("message") or "", agency=r.get("agency") or "（未识别单位）", year=r.get("year"),
        score=r.get("score"), grade=r.get("grade"), letter=r.get("letter"),
        counts={k: int(counts.get(k, 0)) for k in ("error", "warning", "info")},
        findings=[_finding_view(f) for f in r.get("findings") or []],
        unassessed=list(r.get("not_assessable") or []), manual_count=AuditRecord.from_json(r).manual)


def _finding_view(f: dict[str, Any]) -> FindingView:
    ev = f.get("evidence") or {}
    where = "，".join(x for x in (part_label(ev.get("part")), TABLE_LABELS.get(ev.get("table") or "", ""),
                                 ev.get("where") or "") if x)
    rule_id = f.get("rule_id", "")
    return FindingView(
        id=f.get("id"), rule_id=rule_id, short_rule=rule_id.split("-")[-1], severity=f.get("severity", ""),
        severity_label=SEVERITY_LABELS.get(f.get("severity", ""), f.get("severity", "")),
        title=f.get("title", ""), message=f.get("message", ""), points=f.get("points", 0), where=where,
        excerpt=(ev.get("excerpt") or "")[:400], cells=list(ev.get("cells") or [])[:12],
        charge=f.get("charge", "agency"), decision=f.get("decision"), counted=f.get("counted", True))
