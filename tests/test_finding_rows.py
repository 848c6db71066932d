"""engine/render/finding_rows.py: the 问题 sheet's rows, made by the evaluation worker from the record
it holds, equal to those made from the record's findings.json text."""
import json
from decimal import Decimal

from engine.model import AuditRecord, Evidence, Finding
from engine.render.finding_rows import FINDING_COLUMNS, finding_rows, finding_values, json_in_form
from engine.render.json_out import report_text
from engine.run.workers import finish_record
from engine.spool import SpoolReader, Spool


def record(**evidence) -> AuditRecord:
    ev = {"part": "三", "table": "applications", "cells": ["三.一.自然人", "三.七.总计"],
          "values": {"三.一.自然人": 5, "三.七.总计": "blank"}, "line": 12, "where": "第12行",
          "excerpt": "（一）予以公开 5 3 0 0 0 0 8"} | evidence
    findings = [Finding("R301", "error", "准确性", "合计不符", "总计与分项之和不符", 2.0, "条例第五十条", remedy="更正",
                        evidence=Evidence(**ev), id="a1b2", decision={"status": "dismissed", "until": "2026-03-01"}),
                Finding("R601", "warning", "完整性", "缺少收费说明", "未说明收费情况", 1, "", counted=False)]
    return AuditRecord(source="in/甲.txt", status="audited", agency="甲镇人民政府", year=2024, engine="durable",
                       findings=findings)


def from_text(r: AuditRecord) -> AuditRecord:
    return AuditRecord.from_json(json.loads(report_text(r)))


def test_finding_values_are_the_rows_in_column_order():
    r = record()
    assert json_in_form(r)
    values = finding_values(r)
    assert values == [[row[c] for c in FINDING_COLUMNS] for row in finding_rows([r])]
    assert len(values) == 2 and values[0][:4] == ["in/甲.txt", "甲镇人民政府", 2024, "R301"]
    assert values == finding_values(from_text(r))
    # a record never evaluated lists no findings in its text: no rows either
    r.engine = None
    assert not json_in_form(r) and finding_values(from_text(r)) == []


def test_a_record_not_in_json_form_gets_its_rows_from_its_text(tmp_path):
    # a Decimal and a tuple read back from the text as a number and a list: the rows must be those
    # of the text (what the spreadsheet writer made from it before)
    odd = record(values={"三.一.自然人": Decimal("5.50"), "三.七.总计": ("a", "b")}, cells=("三.一.自然人",))
    assert not json_in_form(odd)
    assert finding_values(odd) != finding_values(from_text(odd))
    finished = finish_record(odd, Spool(tmp_path))
    with SpoolReader() as reader:
        assert reader.object(finished.rows) == finding_values(from_text(odd))
        assert reader.text(finished.blob) == report_text(odd)
        assert reader.object(finished.slim_blob) == odd.summary()


def test_report_values_are_the_report_row_in_column_order():
    from engine.render.tables import REPORT_COLUMNS, report_row, report_values, report_columns

    audited = record()
    audited.scoring = {"by_category": {"准确性": 2.0}}
    audited.score, audited.grade, audited.counts = 98.0, "优秀", {"error": 1, "warning": 1, "info": 0}
    audited.letter = "letters/甲/甲镇人民政府-2024.html"
    skipped = AuditRecord(source="in/乙.pdf", status="not_a_report", message="不是年度报告")
    categories = ["准确性", "完整性", "新类别"]
    for r in (audited, audited.summary(), skipped, skipped.summary()):
        row = report_row(r, categories)
        assert list(row) == list(report_columns(categories))
        assert report_values(r, categories) == list(row.values())
    assert list(report_row(audited)) == list(report_columns([])) and len(REPORT_COLUMNS) > len(report_columns([]))
    assert report_row(audited, categories)["意见书（Word）"] == "letters/甲/甲镇人民政府-2024.docx"
    assert report_row(audited, categories)["准确性扣分"] == 2.0 and report_row(skipped, categories)["准确性扣分"] is None
