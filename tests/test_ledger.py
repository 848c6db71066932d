"""The audit ledger on its own: ids, rounds, reference numbers, decisions, concurrency."""
from __future__ import annotations

import copy
import datetime as dt
import multiprocessing
import sqlite3

import pytest

from engine.ledger import Ledger, LedgerError, assign_ids
from engine.ledger.ids import make_id
from engine.ledger.schema import VERSION


def _finding(rule, part=None, table=None, cells=(), line=None, excerpt=None):
    return {"rule_id": rule, "evidence": {"part": part, "table": table, "cells": list(cells), "line": line,
                                          "excerpt": excerpt}}


def _ids(findings, agency="某县教育局", year=2023):
    items = copy.deepcopy(findings)
    assign_ids(items, agency, year)
    return [f["id"] for f in items]


def test_ids_depend_on_agency_year_rule_and_place_only():
    a = [_finding("XXGK-V001", table="active", cells=["A1", "B1"], line=10),
         _finding("XXGK-T101", part="二", line=30, excerpt="正文")]
    ids = _ids(a)
    assert len(set(ids)) == 2 and all(i.startswith("F") for i in ids)
    moved = copy.deepcopy(a)
    moved[0]["evidence"]["line"] = 99                    # lines move when text is added above
    moved[0]["evidence"]["cells"] = ["B1", "A1"]         # same cells, other order
    moved[1]["evidence"]["excerpt"] = "改写后的正文"       # reworded, same place
    assert _ids(moved) == ids
    assert _ids(a, agency="某县 教育局") == ids            # spelling variants of the same body
    assert _ids(a, agency="某县卫健委") != ids
    assert _ids(a, year=2024) != ids
    other_rule = copy.deepcopy(a)
    other_rule[0]["rule_id"] = "XXGK-V002"
    assert _ids(other_rule)[0] != ids[0] and _ids(other_rule)[1] == ids[1]


def test_findings_at_the_same_place_are_told_apart_by_their_text_then_order():
    same = [_finding("XXGK-N001", part="五", excerpt="第一句"), _finding("XXGK-N001", part="五", excerpt="第二句"),
            _finding("XXGK-N001", part="五", excerpt="第二句")]
    ids = _ids(same)
    assert len(set(ids)) == 3
    assert _ids(same[:2]) == ids[:2]
    assert make_id("某县教育局", 2023, "XXGK-N001", "part:五|") not in ids


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as led:
        yield led


def test_schema_is_migrated_and_reopened(tmp_path):
    path = tmp_path / "l.sqlite"
    Ledger(path).close()
    with Ledger(path) as led:
        assert led.conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
        assert led.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {VERSION + 1}")
    conn.close()
    with pytest.raises(LedgerError, match="升级"):
        Ledger(path)
    (tmp_path / "bad.sqlite").write_text("这不是数据库" * 200, encoding="utf-8")
    with pytest.raises(LedgerError, match="不是有效的审核台账"):
        Ledger(tmp_path / "bad.sqlite")


def test_rounds_follow_file_content(ledger):
    run = ledger.begin_run(dt.date(2024, 5, 1), "tester", "out")
    first = ledger.report_round("某县教育局", 2023, "sha-a", "a.txt", run)
    again = ledger.report_round("某县教育局", 2023, "sha-a", "copy/a.txt", ledger.begin_run(dt.date(2024, 5, 2), None, None))
    assert (first.number, first.previous_report_id) == (1, None) and again == first
    second = ledger.report_round("某县教育局", 2023, "sha-b", "a-v2.txt", run)
    assert second.number == 2 and second.previous_report_id == first.report_id and second.is_review
    assert ledger.report_round("某县教育局", 2024, "sha-b", "b.txt", run).number == 1
    assert ledger.report_round("某县卫健委", 2023, "sha-a", "c.txt", run).number == 1


def test_reference_numbers_are_kept_and_the_next_is_free(ledger):
    def ref(agency, year=2023, round_no=1, ref_year=2024):
        return ledger.reference_number(agency, year, round_no, ref_year, 1, lambda s: f"公开审〔{ref_year}〕{s:03d}号").text
    assert [ref("乙局"), ref("甲局")] == ["公开审〔2024〕001号", "公开审〔2024〕002号"]
    assert ref("丙局") == "公开审〔2024〕003号"           # a newcomer takes the next number …
    assert [ref("乙局"), ref("甲局")] == ["公开审〔2024〕001号", "公开审〔2024〕002号"]   # … the others keep theirs
    assert ref("甲局", round_no=2) == "公开审〔2024〕004号"
    assert ref("甲局", ref_year=2025) == "公开审〔2024〕002号"     # reused as first given
    assert ref("丁局", ref_year=2025) == "公开审〔2025〕001号"


def _stored_report(ledger, agency="某县教育局"):
    run = ledger.begin_run(dt.date(2024, 5, 1), "tester", "out")
    rnd = ledger.report_round(agency, 2023, "sha-a", "a.txt", run)
    items = [{**_finding("XXGK-V001", table="active", cells=["A1"]), "severity": "error", "title": "t",
              "message": "m1", "charge": "agency", "in_letter": True},
             {**_finding("XXGK-T101", part="二"), "severity": "warning", "title": "t", "message": "m2",
              "charge": "manual", "in_letter": False}]
    assign_ids(items, agency, 2023)
    ledger.record_findings(rnd.report_id, items)
    return rnd, [i["id"] for i in items]


def test_decisions_undo_and_waiver_expiry(ledger):
    rnd, (fid, manual_id) = _stored_report(ledger)
    assert [f.finding_id for f in ledger.letter_items(rnd.report_id)] == [fid]
    with pytest.raises(LedgerError, match="没有编号"):
        ledger.decide("F000000000000", "dismissed", "me", reason="x")
    with pytest.raises(LedgerError, match="没有可撤销"):
        ledger.undo(fid, "me")
    ledger.decide(fid, "confirmed", "张三", note="属实")
    waiver = ledger.decide(fid, "dismissed", "李四", reason="已与单位沟通", until=dt.date(2024, 6, 30))
    assert ledger.decision(fid) == waiver
    assert not waiver.expired(dt.date(2024, 6, 30)) and not waiver.counts(dt.date(2024, 6, 30))
    assert waiver.expired(dt.date(2024, 7, 1)) and waiver.counts(dt.date(2024, 7, 1))
    assert waiver.to_json(dt.date(2024, 7, 1))["expired"] is True
    assert "到期" in waiver.to_json(dt.date(2024, 7, 1))["message"]
    assert ledger.undo(fid, "李四") == waiver
    assert ledger.decision(fid).status == "confirmed"     # the decision before applies again
    ledger.undo(fid, "李四")
    assert ledger.decision(fid) is None
    assert [h["undone_by"] for h in ledger.history(fid)] == ["李四", "李四"]
    items = ledger.review_items()
    assert [(i.finding.finding_id, i.finding.charge) for i in items] == [(fid, "agency"), (manual_id, "manual")]
    assert ledger.review_items("卫健委") == [] and len(ledger.review_items("教育局")) == 2


def test_review_lists_the_latest_round_only(ledger):
    rnd, ids = _stored_report(ledger)
    run = ledger.begin_run(dt.date(2024, 6, 1), None, None)
    second = ledger.report_round("某县教育局", 2023, "sha-b", "a2.txt", run)
    ledger.record_findings(second.report_id, [])
    assert ledger.review_items() == []


def _worker(path: str, name: str, n: int, queue) -> None:
    try:
        with Ledger(path) as led:
            for i in range(n):
                run = led.begin_run(dt.date(2024, 5, 1), name, None)
                rnd = led.report_round(f"{name}{i % 5}局", 2023, f"sha-{name}-{i}", None, run)
                led.record_findings(rnd.report_id, [{"id": f"F{name}{i}", "rule_id": "R", "in_letter": True}])
                led.reference_number(f"{name}{i % 5}局", 2023, rnd.number, 2024, 1, str)
                led.reference_number("共同局", 2023, 1, 2024, 1, str)
                led.decide(f"F{name}{i}", "dismissed", name, reason="并发")
        queue.put("ok")
    except Exception as exc:      # the parent asserts on what comes back
        queue.put(repr(exc))


def test_concurrent_runs_on_one_ledger_do_not_corrupt_it(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    Ledger(path).close()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(path, name, 25, queue)) for name in ("甲", "乙")]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == ["ok", "ok"]
    with Ledger(path) as led:
        c = led.conn
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 50
        rounds = c.execute("SELECT agency_key, GROUP_CONCAT(round) FROM reports GROUP BY agency_key").fetchall()
        assert len(rounds) == 10 and all(sorted(map(int, r[1].split(","))) == [1, 2, 3, 4, 5] for r in rounds)
        seqs = [r[0] for r in c.execute("SELECT sequence FROM letters ORDER BY sequence")]
        assert seqs == list(range(1, 52))               # 50 letters + 共同局 once, no number twice
        assert len(led.decisions()) == 50


def test_review_location_names_a_few_cells_in_words():
    from engine.ledger.store import _location

    cells = ["review.行政复议.结果维持", "review.行政复议.结果纠正", "review.行政复议.其他结果", "review.行政复议.总计"]
    text = _location({"where": "第86行", "cells": cells})
    assert text == "第86行；表四“行政复议”之“结果维持”、表四“行政复议”之“结果纠正”、表四“行政复议”之“其他结果” 等 4 个单元格"
    assert _location({"part": "二"}) is None and _location({"cells": ["X9"]}) == "X9"
