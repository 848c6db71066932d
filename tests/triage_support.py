"""Records built by hand for the overview and workbook tests (tests/test_triage_*): audited reports
with counted, 待人工核对 and dismissed findings, deductions per category, and inputs that were not
audited — everything the dashboard and the workbook must show, without running an audit."""
from __future__ import annotations

from typing import Any

from engine.model import AuditRecord

RUN_DATE_TEXT = "2026-11-20"


def finding(rule: str, severity: str, title: str, *, charge: str = "agency", counted: bool = True,
            decision: dict | None = None, cells: list[str] | None = None, values: dict | None = None,
            excerpt: str | None = None, category: str = "完整性") -> dict[str, Any]:
    return {"rule_id": rule, "severity": severity, "category": category, "title": title,
            "message": f"{title}（说明）", "points": 2, "basis": "《中华人民共和国政府信息公开条例》第五十条",
            "remedy": "请更正", "charge": charge, "counted": counted, "decision": decision,
            "evidence": {"part": "三", "table": "applications" if cells else None, "cells": cells or [],
                         "values": values or {}, "excerpt": excerpt, "line": 3}}


def audited(source: str, agency: str, score: float, grade: str, findings: list[dict], *,
            manual_items: int = 0, by_category: dict | None = None, letter: str | None = None,
            seq: int = 1) -> AuditRecord:
    counted = [f for f in findings if f.get("counted", True)]
    counts = {s: sum(1 for f in counted if f["severity"] == s) for s in ("error", "warning", "info")}
    return AuditRecord.from_json({
        "source": source, "status": "audited", "sha256": f"{seq:064x}", "agency": agency, "year": 2024,
        "template": "2021", "letter": letter or f"letters/{agency}-2024.html", "sequence": seq,
        "reference_number": f"公开审〔2026〕{seq:03d}号", "engine": "durable", "score": score, "grade": grade,
        "scoring": {"score": score, "grade": grade, "by_category": by_category or {}, "deductions": []},
        "counts": counts, "rules_evaluated": 10, "findings": findings,
        "not_assessable": [{"rule_id": f"R-NA{i}", "title": "表二核对", "reason": "无法读取", "charge": "manual"}
                           for i in range(manual_items)]
        + [{"rule_id": "R-NAX", "title": "表四核对", "reason": "表格空白", "charge": "agency"}],
    })


def not_audited(source: str, status: str, message: str | None = None, duplicate_of: str | None = None) -> AuditRecord:
    return AuditRecord.from_json({"source": source, "status": status, "message": message,
                                  "duplicate_of": duplicate_of})


def triage_reports() -> list[AuditRecord]:
    """Four audited reports (worst first: 丙, 甲, 丁, 乙) and three inputs that were not audited."""
    return [
        audited("收文/2024/内部/甲镇年报.txt", "甲镇人民政府", 80, "合格", [
            finding("R-W", "warning", "表述不规范"),
            finding("R-E", "error", "表三总计不等于各列之和", category="一致性"),
            finding("R-E", "error", "表三总计不等于各列之和", category="一致性"),
            finding("R-I", "info", "写明统计期限"),
            finding("R-M", "error", "表二数字无法确认", charge="manual", counted=False),
            finding("R-M2", "error", "表二数字已排除", charge="manual", counted=False,
                    decision={"status": "dismissed", "reason": "读错"}),
        ], manual_items=2, by_category={"完整性": 3, "一致性": 8}, seq=1),
        audited("收文/2024/乙镇年报.txt", "乙镇人民政府", 100, "优秀", [], seq=2),
        audited("收文/2024/丙镇年报.txt", "丙镇人民政府", 55, "不合格", [
            finding("R-P", "error", "缺少规定的部分"),
            finding("R-E", "error", "表三总计不等于各列之和", category="一致性"),
        ], by_category={"完整性": 5, "一致性": 4}, seq=3),
        audited("收文/2024/丁镇年报.txt", "丁镇人民政府", 92, "优秀", [finding("R-I", "info", "写明统计期限")], seq=4),
        not_audited("收文/2024/扫描件.pdf", "scanned", "扫描件（没有文字层），无法审核：请提供文字版"),
        not_audited("收文/2024/甲镇年报-副本.txt", "duplicate", duplicate_of="收文/2024/内部/甲镇年报.txt"),
        not_audited("收文/2024/空.txt", "empty"),
    ]


def document(reports: list[AuditRecord], **extra: Any) -> dict[str, Any]:
    return {"reports": reports, "run_date": RUN_DATE_TEXT, "office": {"name": "办"}, "tool": {"version": "0"},
            "rules": {"version": "v", "files": 0}, "previous_inputs": [],
            "summary": {"inputs": len(reports), "findings": {"error": 0, "warning": 0, "info": 0}}, **extra}
