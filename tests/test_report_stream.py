"""The spreadsheet writer's 报告 sheet and summary.csv, filled from the run's summary pass while the
workers evaluate (engine/run/outputs.py: FindingsStream.summary, tables.ReportStream): the same bytes
as written in one go at the end, whichever sheet received its rows first; written again at the end
when the pass did not cover the run's reports (FinishedRun.passed) or the columns are not the run's."""
from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from engine.render import tables
from engine.render.json_out import report_text
from engine.render.output import FinishedRun
from engine.run.keyed import KeyList
from engine.run.outputs import FindingsStream, _write_tables
from engine.score import RuleInfo
from engine.spool import Spool, SpooledSequence, put_object
from triage_support import audited, finding, not_audited

RUN_DATE = dt.date(2026, 11, 20)
RULE_INFO = {"R-E": RuleInfo("R-E", "表三总计", "error", "完整性"), "R-X": RuleInfo("R-X", "其他", "info", "规范性扣分项")}


def reports() -> list:
    out = [audited(f"in/{i}.txt", f"{i}镇人民政府", 80 - i, "合格",
                   [finding("R-E", "error", f"问题{i}-{k}") for k in range(2)], seq=i + 1,
                   by_category={"完整性": 2, "规范性扣分项": 1}) for i in range(5)]
    out.insert(2, not_audited("in/2a.pdf", "scanned", "扫描件"))
    return out


def spooled(tmp_path, records):
    """The records as the run holds them: keys, their texts and slim summaries spooled."""
    spool = Spool(tmp_path)
    keys = [f"in:{i:06d}" for i in range(len(records))]
    texts = {k: spool.put_text(report_text(r)) for k, r in zip(keys, records)}
    slims = [put_object(spool, r.summary()) for r in records]
    order = KeyList(k for k, r in zip(keys, records) if r.status == "audited")
    return keys, texts, slims, order


def finished(records, texts, slims, passed: bool) -> FinishedRun:
    return FinishedRun({"summary": {}}, SpooledSequence(slims), [], RULE_INFO, texts, passed=passed)


def at_once(tmp_path, records):
    out = tmp_path / "at_once"
    out.mkdir()
    tables.write_tables({"reports": [r.summary() for r in records]}, out, RUN_DATE,
                        findings_of=lambda: iter([r for r in records if r.status == "audited"]), rule_info=RULE_INFO)
    return out


def same_tables(a, b) -> None:
    for name in ("summary.xlsx", "summary.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("summaries_first", [True, False])
def test_report_rows_streamed_from_the_summary_pass_make_the_same_workbook(tmp_path, summaries_first):
    records = reports()
    keys, texts, slims, order = spooled(tmp_path, records)
    out = tmp_path / "out"
    out.mkdir()
    stream = FindingsStream(RUN_DATE, order, out, RULE_INFO)

    def ready():
        for key in reversed(list(order)):
            stream.ready(key, texts[key])

    if not summaries_first:
        ready()
    for slim in slims:
        stream.summary(slim)
    if summaries_first:
        ready()
    assert stream.reports.rows == len(records)
    _write_tables(finished(records, texts, slims, passed=True), out, stream)
    stream.close()
    same_tables(out, at_once(tmp_path, records))
    rows = list(load_workbook(out / "summary.xlsx")["报告"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [r.source for r in records]


@pytest.mark.parametrize("streamed", [0, 2, 6])
def test_report_rows_written_again_when_the_pass_did_not_cover_the_run(tmp_path, streamed):
    """A pass over other summaries (the run put a failed prediction right) leaves no row behind."""
    records = reports()
    keys, texts, slims, order = spooled(tmp_path, records)
    out = tmp_path / "out"
    out.mkdir()
    stream = FindingsStream(RUN_DATE, order, out, RULE_INFO)
    for slim in reversed(slims[-streamed:] if streamed else []):      # not the run's summaries
        stream.summary(slim)
    for key in order:
        stream.ready(key, texts[key])
    _write_tables(finished(records, texts, slims, passed=False), out, stream)
    stream.close()
    same_tables(out, at_once(tmp_path, records))


def test_report_rows_written_again_when_the_columns_are_not_the_runs(tmp_path):
    records = reports()
    keys, texts, slims, order = spooled(tmp_path, records)
    out = tmp_path / "out"
    out.mkdir()
    stream = FindingsStream(RUN_DATE, order, out, {"R-E": RULE_INFO["R-E"]})   # without 规范性扣分项
    for slim in slims:
        stream.summary(slim)
    for key in order:
        stream.ready(key, texts[key])
    _write_tables(finished(records, texts, slims, passed=True), out, stream)
    stream.close()
    same_tables(out, at_once(tmp_path, records))


def test_continuation_sheets_keep_their_order_whichever_sheet_filled_first(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_SHEET_ROWS", 3)       # header + 2 rows per sheet
    records = reports()
    keys, texts, slims, order = spooled(tmp_path, records)
    out = tmp_path / "out"
    out.mkdir()
    stream = FindingsStream(RUN_DATE, order, out, RULE_INFO)
    for slim in slims:                 # 报告（2）, 报告（3） made before any 问题 row
        stream.summary(slim)
    for key in order:
        stream.ready(key, texts[key])
    _write_tables(finished(records, texts, slims, passed=True), out, stream)
    stream.close()
    expected = at_once(tmp_path, records)
    same_tables(out, expected)
    names = load_workbook(out / "summary.xlsx").sheetnames
    assert names[:2] == ["报告", "问题"] and names.index("问题（2）") < names.index("报告（2）")
