"""The list of agencies (--agencies), publication deadlines, and the review command line."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from engine.cli import main
from engine.ledger import Ledger, assign_ids
from engine.ledger.agencies import AgencyListError, Registry, load_agency_list
from engine.ledger.deadlines import (DEFAULT_DEADLINES, DeadlineConfigError, guess_kind, lateness, load_deadlines,
                                     publication)

LIST_CSV = ("单位名称,类型,别名,发布日期,链接\n"
            "泽州县人民政府,政府,,2024-03-20,http://example.gov.cn/a\n"
            "泽州县教育局,部门,县教育局、泽州教育局,2024/2/5,\n"
            "泽州县金村镇人民政府,乡镇,,,\n"
            "泽州县南街街道办事处,街道,,,\n")


def test_csv_list_is_read_with_aliases_dates_and_kinds(tmp_path):
    path = tmp_path / "单位.csv"
    path.write_text(LIST_CSV, encoding="utf-8")
    entries = load_agency_list(path)
    assert [(e.name, e.kind, e.body_kind) for e in entries] == [
        ("泽州县人民政府", "政府", "government"), ("泽州县教育局", "部门", "department"),
        ("泽州县金村镇人民政府", "乡镇", "government"), ("泽州县南街街道办事处", "街道", "government")]
    assert entries[1].aliases == ("县教育局", "泽州教育局") and entries[1].published == "2024-02-05"
    reg = Registry(entries)
    assert reg.match("泽州县政府") is entries[0]                 # 人民政府 written 政府
    assert reg.match("泽州教育局") is entries[1]                 # an alias
    assert reg.match("金村镇人民政府") is entries[2]             # without the county prefix
    assert reg.match("南街街道") is entries[3]
    assert reg.match("陵川县教育局") is None
    assert reg.missing([entries[0], entries[2]]) == [entries[1], entries[3]]


def test_gbk_csv_and_xlsx_lists(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(LIST_CSV.encode("gb18030"))
    xlsx = tmp_path / "单位.xlsx"
    pd.DataFrame({"单位名称": ["甲县人民政府", "甲县财政局"], "类型": ["政府", "部门"],
                  "发布日期": [dt.datetime(2024, 3, 1), None]}).to_excel(xlsx, index=False)
    assert len(load_agency_list(gbk)) == 4
    entries = load_agency_list(xlsx)
    assert [(e.name, e.kind, e.published) for e in entries] == [("甲县人民政府", "政府", "2024-03-01"),
                                                               ("甲县财政局", "部门", None)]


@pytest.mark.parametrize("text, problem", [
    ("名称,类型\n甲,政府\n", "缺少列：单位名称"),
    ("单位名称,类型\n甲局,机关\n", "第2行：类型“机关”无效"),
    ("单位名称,类型\n,部门\n", "第2行：缺少单位名称"),
    ("单位名称,类型,发布日期\n甲局,部门,明年\n", "第2行：发布日期“明年”无法识别"),
    ("单位名称,类型\n甲县人民政府,政府\n甲县政府,政府\n", "第3行：单位“甲县政府”与第2行重复"),
])
def test_bad_lists_say_which_row_and_why(tmp_path, text, problem):
    path = tmp_path / "l.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AgencyListError) as info:
        load_agency_list(path)
    assert any(problem in p for p in info.value.problems), info.value.problems


def test_a_list_in_another_format_is_refused(tmp_path):
    (tmp_path / "l.pdf").write_text("x", encoding="utf-8")
    with pytest.raises(AgencyListError, match="不支持"):
        load_agency_list(tmp_path / "l.pdf")
    with pytest.raises(AgencyListError, match="不存在"):
        load_agency_list(tmp_path / "none.csv")


def test_ledger_keeps_the_imported_list(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text(LIST_CSV, encoding="utf-8")
    with Ledger(tmp_path / "x.sqlite") as led:
        led.import_agencies(load_agency_list(path))
        led.import_agencies(load_agency_list(path))    # a re-import replaces, never duplicates
        assert led.agencies() == load_agency_list(path)


def test_deadlines_late_on_time_unknown_and_guessed():
    cfg = load_deadlines()
    dept_late = publication("2024-02-05", None)
    assert cfg.deadline(2023, "部门") == dt.date(2024, 1, 31) and cfg.deadline(2023, "政府") == dt.date(2024, 3, 31)
    late = lateness(cfg, 2023, "部门", False, dept_late)
    assert late is not None and late.charge == "agency" and late.days_late == 5
    f = late.finding()
    assert f["rule_id"] == "XXGK-D001" and "2024年2月5日" in f["message"] and "2024年1月31日" in f["message"]
    assert f["evidence"]["values"] == {"published": "2024-02-05", "published_source": "report",
                                       "deadline": "2024-01-31", "kind": "部门"}
    assert lateness(cfg, 2023, "部门", False, publication("2024-01-31", None)) is None     # on the day: on time
    assert lateness(cfg, 2023, "政府", False, dept_late) is None
    assert lateness(cfg, 2023, "部门", False, None) is None          # unknown date: nothing
    assert lateness(cfg, 2023, None, False, dept_late) is None       # unknown type: nothing
    assert lateness(cfg, None, "部门", False, dept_late) is None
    guessed = lateness(cfg, 2023, "部门", True, dept_late)          # late only if the guess is right
    assert guessed.charge == "manual" and "按名称推断" in guessed.finding()["message"]
    assert lateness(cfg, 2023, "部门", True, publication("2024-05-01", None)).charge == "agency"
    listed = publication("2024-01-10", "2024-02-01")                  # the list's date wins
    assert listed.source == "list" and lateness(cfg, 2023, "部门", False, listed).finding()["message"].startswith("单位名单")
    assert (guess_kind("某县教育局", "department"), guess_kind("某县人民政府", "government"),
            guess_kind("金村镇人民政府", "government"), guess_kind("南街街道办事处", "government"),
            guess_kind("某某", None)) == ("部门", "政府", "乡镇", "街道", None)


def test_deadline_config_is_configurable_and_checked(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(DEFAULT_DEADLINES.read_text(encoding="utf-8").replace('乡镇: "03-31"', '乡镇: "01-31"'),
                    encoding="utf-8")
    assert load_deadlines(path).deadline(2023, "乡镇") == dt.date(2024, 1, 31)
    path.write_text('deadlines: {部门: "02-30", 机关: "01-31"}\nfinding: {severity: fatal}\n', encoding="utf-8")
    with pytest.raises(DeadlineConfigError) as info:
        load_deadlines(path)
    assert len(info.value.problems) == 3


def _seed_ledger(path):
    with Ledger(path) as led:
        rnd = led.report_round("某县教育局", 2023, "sha", "a.txt", led.begin_run(dt.date(2024, 5, 1), None, None))
        items = [{"rule_id": "XXGK-V001", "evidence": {"table": "active", "cells": ["A1"]}, "severity": "error",
                  "message": "数值不符", "charge": "agency", "in_letter": True},
                 {"rule_id": "XXGK-T101", "evidence": {"part": "二"}, "severity": "warning",
                  "message": "未能读取", "charge": "manual"}]
        assign_ids(items, "某县教育局", 2023)
        led.record_findings(rnd.report_id, items)
    return [i["id"] for i in items]


def test_review_command_line(tmp_path, capsys):
    path = tmp_path / "l.sqlite"
    assert main(["review", "list", "--ledger", str(path)]) == 2
    assert "不存在" in capsys.readouterr().err and not path.exists()
    fid, manual = _seed_ledger(path)
    assert main(["review", "list", "--ledger", str(path), "--pending"]) == 0
    out = capsys.readouterr().out
    assert fid in out and manual in out and "待人工核对" in out and "共 2 项" in out
    with pytest.raises(SystemExit) as exit_info:                                 # --reason is required
        main(["review", "dismiss", fid, "--ledger", str(path)])
    assert exit_info.value.code == 2 and "--reason" in capsys.readouterr().err
    assert main(["review", "dismiss", fid, "--reason", "误报", "--until", "2024-06-30", "--by", "王五",
                 "--ledger", str(path)]) == 0
    assert "豁免至 2024-06-30" in capsys.readouterr().out
    assert main(["review", "confirm", manual, "--note", "核对属实", "--ledger", str(path)]) == 0
    capsys.readouterr()
    assert main(["review", "list", "--ledger", str(path), "--pending", "--date", "2024-06-01"]) == 0
    assert "没有符合条件" in capsys.readouterr().out
    assert main(["review", "list", "--ledger", str(path), "--pending", "--date", "2024-07-01"]) == 0
    assert "豁免已过期" in capsys.readouterr().out
    with Ledger(path) as led:
        assert led.decision(fid).by == "王五" and led.decision(manual).by      # default: the OS user
    assert main(["review", "undo", manual, "--ledger", str(path)]) == 0
    assert "恢复为待审核" in capsys.readouterr().out
    assert main(["review", "undo", manual, "--ledger", str(path)]) == 2
    assert "没有可撤销" in capsys.readouterr().err
    assert main(["review", "confirm", "F123", "--ledger", str(path)]) == 2
    assert "没有编号为 F123" in capsys.readouterr().err
    assert main(["review", "list", "--agency", "卫健委", "--ledger", str(path)]) == 0
    assert "没有符合条件" in capsys.readouterr().out
