"""The batch runner (engine/run/) with stand-in parser and rule engine (tests/audit_support.py):
statuses, duplicates, crash isolation, timeouts, determinism, atomic output, previous-year hook."""
from __future__ import annotations

import datetime as dt
import faulthandler
import filecmp
import json
import os
from pathlib import Path

import pytest

from audit_support import FAKE_HOOKS, report_text
from engine import DEFAULT_RULES_DIR
from engine.run import (AuditOptions, InputPathError, OutputPathError, expand_inputs, run_audit,
                        run_resilient, Crashed)
from engine.ingest import Limits
from engine.render.json_out import validate_findings

RUN_DATE = dt.date(2026, 11, 20)


def options(**kw) -> AuditOptions:
    kw.setdefault("rules_dir", DEFAULT_RULES_DIR)
    kw.setdefault("jobs", 2)
    kw.setdefault("run_date", RUN_DATE)
    kw.setdefault("hooks", FAKE_HOOKS)
    return AuditOptions(**kw)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


@pytest.fixture
def mixed(tmp_path, monkeypatch) -> Path:
    """A folder with two reports, a duplicate, an empty file, a binary file, a PDF renamed .txt and
    an unrelated text; the current directory is tmp_path so display paths start with in/."""
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "in"
    write(d / "a.txt", report_text("甲镇人民政府", 2024, "缺少：五", "警告：<b>加粗</b>", "列：自然人,总计"))
    write(d / "sub" / "b.txt", report_text("乙镇人民政府", 2024))
    write(d / "z-copy.txt", (d / "sub" / "b.txt").read_bytes())
    write(d / "empty.txt", b"")
    write(d / "blob.bin", bytes(range(256)) * 4)
    write(d / "scan.txt", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    write(d / "notes.txt", "会议纪要：今天讨论了食堂菜单。\n")
    return d


def by_source(run) -> dict[str, dict]:
    return {r["source"]: r for r in run.records}


def test_mixed_batch_finishes_with_a_status_for_every_input(mixed, tmp_path):
    run = run_audit(["in"], tmp_path / "out", options())
    recs = by_source(run)
    assert {s: r["status"] for s, r in recs.items()} == {
        "in/a.txt": "audited", "in/sub/b.txt": "audited", "in/z-copy.txt": "duplicate",
        "in/empty.txt": "empty", "in/blob.bin": "binary", "in/scan.txt": "broken", "in/notes.txt": "not_a_report"}
    assert recs["in/z-copy.txt"]["duplicate_of"] == "in/sub/b.txt"
    for r in recs.values():
        if r["status"] != "audited":
            assert r["message"] and r["source"] in r["message"] or r["status"] == "duplicate"
    assert recs["in/scan.txt"]["format"] is None and "PDF" in recs["in/scan.txt"]["message"]
    # the audited ones have scores, letters and findings
    a = recs["in/a.txt"]
    assert a["score"] == 85 and a["grade"] == "良好"          # 5 + 2 + 4 + 4 (R-SUM failing twice: each counts, up to 2 × 4)
    assert a["counts"] == {"error": 3, "warning": 1, "info": 0}
    assert (tmp_path / "out" / a["letter"]).is_file()
    assert recs["in/sub/b.txt"]["score"] == 100 and recs["in/sub/b.txt"]["findings"] == []
    # the findings document lists every input and validates against its schema
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert [r["source"] for r in doc["reports"]] == sorted(recs)
    assert doc["summary"]["inputs"] == 7 and doc["summary"]["by_status"]["audited"] == 2
    assert validate_findings(doc) == []
    assert doc["run_date"] == "2026-11-20" and doc["rules"]["digest"].startswith("sha256:")
    for name in ("index.html", "summary.xlsx", "summary.csv"):
        assert (tmp_path / "out" / name).is_file()


def test_findings_carry_evidence_with_quoted_line(mixed, tmp_path):
    run = run_audit(["in"], tmp_path / "out", options(jobs=1))
    a = by_source(run)["in/a.txt"]
    part = next(f for f in a["findings"] if f["rule_id"] == "R-PART")
    assert part["evidence"]["part"] == "五" and part["evidence"]["line"] == 4
    assert part["evidence"]["excerpt"] == "缺少：五" and part["evidence"]["where"] == "第4行"
    sums = [f for f in a["findings"] if f["rule_id"] == "R-SUM"]
    assert sorted(c for f in sums for c in f["evidence"]["cells"]) == [
        "applications.三.七.总计", "applications.三.七.自然人"]
    # severity first, then part, then line
    assert [f["severity"] for f in a["findings"]] == ["error", "error", "error", "warning"]


def test_outputs_identical_whatever_jobs_and_input_order(mixed, tmp_path):
    import shutil

    rules = shutil.copytree(DEFAULT_RULES_DIR, tmp_path / "rules")   # a snapshot: rule files may change meanwhile
    run_audit(["in"], tmp_path / "o1", options(jobs=1, rules_dir=rules))
    files = [str(p.relative_to(tmp_path)) for p in sorted((tmp_path / "in").rglob("*")) if p.is_file()]
    run_audit(list(reversed(files)), tmp_path / "o2", options(jobs=2, rules_dir=rules))
    run_audit(["in/sub", "in/a.txt", "in"], tmp_path / "o3", options(jobs=3, rules_dir=rules))
    names = sorted(str(p.relative_to(tmp_path / "o1")) for p in (tmp_path / "o1").rglob("*"))
    for other in ("o2", "o3"):
        assert sorted(str(p.relative_to(tmp_path / other)) for p in (tmp_path / other).rglob("*")) == names
        for name in names:
            if (tmp_path / "o1" / name).is_file():
                assert filecmp.cmp(tmp_path / "o1" / name, tmp_path / other / name, shallow=False), name


def test_no_absolute_paths_in_outputs(mixed, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run = run_audit([str(tmp_path / "in")], tmp_path / "out", options())
    assert sorted(by_source(run))[0] == "in/a.txt"
    for p in (tmp_path / "out").rglob("*"):
        if p.is_file() and p.suffix in (".json", ".html", ".csv"):
            assert str(tmp_path) not in p.read_text(encoding="utf-8-sig"), p


def test_worker_crash_falls_back_to_reference_engine_for_that_report_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(5):
        write(tmp_path / "in" / f"r{i}.txt", report_text(f"{i}号镇", 2024, "警告"))
    write(tmp_path / "in" / "r2.txt", report_text("2号镇", 2024, "警告", "CRASH"))
    write(tmp_path / "in" / "r4.txt", report_text("4号镇", 2024, "CRASHALL"))
    write(tmp_path / "in" / "r5.txt", report_text("5号镇", 2024, "RAISE"))
    run = run_audit(["in"], tmp_path / "out", options(jobs=2))
    recs = by_source(run)
    assert [s for s, r in recs.items() if r.get("engine_fallback")] == ["in/r2.txt", "in/r5.txt"]
    assert "模拟" in recs["in/r5.txt"]["engine_note"]
    assert recs["in/r2.txt"]["engine"] == "reference" and recs["in/r2.txt"]["status"] == "audited"
    assert recs["in/r2.txt"]["score"] == 98       # same rules, same findings
    assert all(recs[f"in/r{i}.txt"]["engine"] == "durable" for i in (0, 1, 3))
    assert recs["in/r4.txt"]["status"] == "broken" and "参考引擎也出错" in recs["in/r4.txt"]["message"]
    letter = (tmp_path / "out" / recs["in/r2.txt"]["letter"]).read_text(encoding="utf-8")
    assert "改用参考引擎审核" in letter
    assert run.document["summary"]["engine_fallbacks"] == 2


def _square(x):
    if x == 3:
        faulthandler.disable()
        os.kill(os.getpid(), 11)
    return x * x


def test_run_resilient_isolates_the_crashing_task():
    tasks = {f"k{i}": i for i in range(8)}
    out = run_resilient(_square, tasks, jobs=2)
    assert isinstance(out.pop("k3"), Crashed)
    assert out == {f"k{i}": i * i for i in range(8) if i != 3}


def _count_and_square(task):
    folder, i = task
    with open(os.path.join(folder, f"{i}.runs"), "a") as fh:     # one byte per run of the task
        fh.write("x")
    if i == 13:
        faulthandler.disable()
        os.kill(os.getpid(), 11)
    return i * i


def test_run_resilient_retries_only_the_tasks_in_flight_when_a_worker_dies(tmp_path):
    tasks = {f"k{i:02d}": (str(tmp_path), i) for i in range(60)}
    out = run_resilient(_count_and_square, tasks, jobs=2)
    assert isinstance(out.pop("k13"), Crashed)
    assert out == {f"k{i:02d}": i * i for i in range(60) if i != 13}
    runs = {i: (tmp_path / f"{i}.runs").stat().st_size for i in range(60) if (tmp_path / f"{i}.runs").exists()}
    assert sorted(runs) == list(range(60))            # every task ran, the ones after the crash too
    # at most 2 × jobs = 4 tasks are in flight: the crash breaks those, not every task not yet run,
    # so the crashing task runs once, then in halving groups of ≤ 4 (4 → 2 → 1): at most 4 times
    # (when all N were queued at once it ran 1 + log2(~47) ≈ 6 times)
    assert runs[13] <= 4, runs[13]
    rerun = [i for i, n in runs.items() if n > 1 and i != 13]
    assert len(rerun) <= 3, rerun


def test_time_cap_gives_timeout_status(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in" / "slow.txt", report_text("慢镇", 2024, "SLEEP"))
    write(tmp_path / "in" / "fast.txt", report_text("快镇", 2024))
    run = run_audit(["in"], tmp_path / "out", options(limits=Limits(max_seconds=1)))
    recs = by_source(run)
    assert recs["in/slow.txt"]["status"] == "timeout" and "1 秒" in recs["in/slow.txt"]["message"]
    assert recs["in/fast.txt"]["status"] == "audited"


def test_worker_stuck_where_the_alarm_cannot_fire_is_killed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in" / "hang.txt", report_text("卡镇", 2024, "HANG"))
    for i in range(3):
        write(tmp_path / "in" / f"ok{i}.txt", report_text(f"好{i}镇", 2024))
    run = run_audit(["in"], tmp_path / "out", options(limits=Limits(max_seconds=1), stall_grace=1))
    recs = by_source(run)
    assert recs["in/hang.txt"]["status"] == "timeout" and "无响应" in recs["in/hang.txt"]["message"]
    assert [recs[f"in/ok{i}.txt"]["status"] for i in range(3)] == ["audited"] * 3


def test_existing_output_is_replaced_only_at_the_end(mixed, tmp_path):
    out = tmp_path / "out"
    run_audit(["in"], out, options())
    (out / ".gitkeep").write_text("")
    (out / "stale.txt").write_text("old")
    # a run that fails (broken scoring config) leaves the previous audit untouched, and no temp dirs
    bad_rules = tmp_path / "rules"
    bad_rules.mkdir()
    (bad_rules / "scoring.yaml").write_text("start: 一百\n", encoding="utf-8")
    before = (out / "findings.json").read_bytes()
    with pytest.raises(Exception):
        run_audit(["in"], out, options(rules_dir=bad_rules))
    assert (out / "findings.json").read_bytes() == before and (out / "stale.txt").exists()
    # a successful run replaces what it wrote but keeps what the user put there (issue 16), hidden
    # files such as .gitkeep included
    run_audit(["in/a.txt"], out, options())
    assert (out / "stale.txt").read_text() == "old" and (out / ".gitkeep").exists()
    assert [r["source"] for r in json.loads((out / "findings.json").read_text("utf-8"))["reports"]] == ["in/a.txt"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".out.lock"]


def test_interrupted_run_leaves_no_partial_output(mixed, tmp_path, monkeypatch):
    import engine.render.tables as tables

    def boom(*_a, **_k):
        raise KeyboardInterrupt
    monkeypatch.setattr(tables, "write_tables", boom)
    with pytest.raises(KeyboardInterrupt):
        run_audit(["in"], tmp_path / "out", options())
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".out.lock"]


def test_refuses_to_replace_a_folder_that_is_not_an_audit(mixed, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "important.docx").write_text("x")
    with pytest.raises(OutputPathError):
        run_audit(["in"], tmp_path / "docs", options())
    assert (tmp_path / "docs" / "important.docx").exists()
    with pytest.raises(InputPathError):
        run_audit(["nope"], tmp_path / "out", options())


def test_previous_year_reports_are_paired_but_not_audited(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in" / "a.txt", report_text("甲镇人民政府", 2024))
    write(tmp_path / "in" / "b.txt", report_text("乙镇人民政府", 2024))
    write(tmp_path / "last" / "a2023.txt", report_text("甲镇人民政府", 2023))
    write(tmp_path / "last" / "junk.txt", "无关内容\n")
    run = run_audit(["in"], tmp_path / "out", options(previous_dirs=[Path("last")]))
    recs = by_source(run)
    assert sorted(recs) == ["in/a.txt", "in/b.txt"]
    assert recs["in/a.txt"]["previous_source"] == "last/a2023.txt"
    assert recs["in/b.txt"]["previous_source"] is None
    prev = next(f for f in recs["in/a.txt"]["findings"] if f["rule_id"] == "R-PREV")
    assert prev["message"] == "上年报告为 last/a2023.txt"
    assert [(p["source"], p["status"]) for p in run.document["previous_inputs"]] == [
        ("last/a2023.txt", "parsed"), ("last/junk.txt", "not_a_report")]
    assert validate_findings(run.document) == []
    assert "已读取（仅用于跨年度比对）" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_same_body_and_year_reports_get_distinct_letters(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "in" / "1.txt", report_text("甲镇人民政府", 2024, "版本一"))
    write(tmp_path / "in" / "2.txt", report_text("甲镇人民政府", 2024, "版本二"))
    run = run_audit(["in"], tmp_path / "out", options())
    recs = by_source(run)
    assert recs["in/1.txt"]["letter"] == "letters/甲镇/甲镇人民政府-2024.html"
    assert recs["in/2.txt"]["letter"] == "letters/甲镇/甲镇人民政府-2024-2.html"
    assert recs["in/1.txt"]["reference_number"] == "公开审〔2026〕001号"
    assert recs["in/2.txt"]["reference_number"] == "公开审〔2026〕002号"
    assert recs["in/1.txt"]["same_year_sources"] == ["in/2.txt"]


def test_output_folder_inside_the_input_folder_is_not_an_input(mixed, tmp_path):
    run_audit(["in"], tmp_path / "in" / "out", options())
    run = run_audit(["in"], tmp_path / "in" / "out", options())
    assert not [s for s in by_source(run) if s.startswith("in/out")]
    assert len(run.records) == 7


def test_same_named_folders_outside_the_current_directory_are_both_kept(tmp_path, monkeypatch):
    write(tmp_path / "a" / "reports" / "x.txt", "1")
    write(tmp_path / "b" / "reports" / "x.txt", "2")
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    files = expand_inputs([tmp_path / "a" / "reports", tmp_path / "b" / "reports"])
    assert len(files) == 2
    assert sorted(f.display for f in files)[1] == "reports/x.txt"


def test_expand_inputs_sorted_and_same_file_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "d" / "b.txt", "x")
    write(tmp_path / "d" / "a" / "c.txt", "y")
    files = expand_inputs(["d/b.txt", "d"])
    assert [f.display for f in files] == ["d/a/c.txt", "d/b.txt"]


def test_findings_sheet_streamed_in_output_order_whatever_the_ready_order(tmp_path):
    """The spreadsheet process fills the 问题 sheet while reports are still evaluated: a record is
    written only when every record before it in output order is ready, and the workbook is the same
    bytes as the one written in one go at the end."""
    from engine.run.outputs import FindingsStream as _FindingsStream
    from engine.model import AuditRecord
    from engine.render import tables
    from engine.spool import Spool

    def finding(i: int) -> dict:
        return {"rule_id": f"R{i}", "severity": "error", "category": "完整性", "title": f"问题{i}",
                "message": "说明", "points": 2, "basis": "", "remedy": "",
                "evidence": {"part": "二", "table": "active", "cells": [], "line": i, "excerpt": "原文"}}

    records = {k: {"source": f"in/{k}.txt", "status": "audited", "agency": k, "year": 2024, "findings": [finding(i), finding(i + 10)]}
               for i, k in enumerate(["in:000000", "in:000001", "in:000002"])}
    spool = Spool(tmp_path)
    blobs = {key: spool.put_text(json.dumps(rec, ensure_ascii=False)) for key, rec in records.items()}
    order = list(records)
    stream = _FindingsStream(RUN_DATE, order)
    stream.ready("in:000002", blobs["in:000002"])
    stream.ready("in:000001", blobs["in:000001"])
    assert stream.done == 0 and stream.remaining() == order     # waits for the first in order
    stream.ready("in:000000", blobs["in:000000"])
    assert stream.done == 3 and stream.remaining() == []
    rows = [{c: None for c in tables.REPORT_COLUMNS}]
    stream.book.save(tmp_path / "streamed.xlsx", rows)
    tables.write_xlsx(tmp_path / "at_once.xlsx", rows, tables.finding_rows(map(AuditRecord.from_json, records.values())), RUN_DATE)
    assert (tmp_path / "streamed.xlsx").read_bytes() == (tmp_path / "at_once.xlsx").read_bytes()
    # a different ready order changes nothing either
    other = _FindingsStream(RUN_DATE, order)
    for key in ("in:000001", "in:000000", "in:000002"):
        other.ready(key, blobs[key])
    other.book.save(tmp_path / "other.xlsx", rows)
    assert (tmp_path / "other.xlsx").read_bytes() == (tmp_path / "at_once.xlsx").read_bytes()
    # the rows a worker spooled (finish_record) make the same sheet as the records' texts
    from engine.run.workers import finish_record

    finished = {k: finish_record(AuditRecord.from_json({**rec, "engine": "durable"}), spool) for k, rec in records.items()}
    spooled = _FindingsStream(RUN_DATE, order)
    for key in ("in:000002", "in:000000", "in:000001"):
        spooled.ready(key, finished[key].blob, finished[key].rows)
    spooled.book.save(tmp_path / "spooled.xlsx", rows)
    spooled.close()
    assert (tmp_path / "spooled.xlsx").read_bytes() == (tmp_path / "at_once.xlsx").read_bytes()
