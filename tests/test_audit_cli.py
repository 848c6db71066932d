"""`xxgk-audit audit`: options, exit codes, Chinese summary (stand-in pipeline from audit_support)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

import engine.run
from audit_support import BROKEN_RULES_HOOKS, FAKE_HOOKS, report_text
from engine.cli import EXIT_FINDINGS, EXIT_OK, EXIT_RULES, EXIT_USAGE, main


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(engine.run, "AuditOptions", functools.partial(engine.run.AuditOptions, hooks=FAKE_HOOKS))
    (tmp_path / "reports_in").mkdir()
    (tmp_path / "reports_in" / "a.txt").write_text(report_text("甲镇人民政府", 2024, "警告"), encoding="utf-8")
    (tmp_path / "reports_in" / "b.txt").write_text(report_text("乙镇人民政府", 2024), encoding="utf-8")
    (tmp_path / "reports_in" / "c.txt").write_text("无关\n", encoding="utf-8")
    return tmp_path


def test_defaults_reports_in_to_audit_out_and_exit_0_despite_findings(workdir, capsys):
    assert main(["audit", "--date", "2026-11-20", "--jobs", "2"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "审核完成：共 3 个输入文件（已审核 2 个，不是政府信息公开年度报告 1 个）" in out
    assert "警告 1 项" in out and "audit_out/index.html" in out
    doc = json.loads((workdir / "audit_out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["run_date"] == "2026-11-20"
    letters = workdir / "audit_out" / "letters"
    assert sorted(p.relative_to(letters).as_posix() for p in letters.rglob("*") if p.is_file()) == [
        "乙镇/乙镇人民政府-2024.docx", "乙镇/乙镇人民政府-2024.html", "甲镇/甲镇人民政府-2024.docx", "甲镇/甲镇人民政府-2024.html"]


def test_fail_on(workdir, capsys):
    assert main(["audit", "reports_in", "-o", "o", "--fail-on", "error"]) == EXIT_OK       # warnings only
    assert main(["audit", "reports_in", "-o", "o", "--fail-on", "warning"]) == EXIT_FINDINGS
    (workdir / "reports_in" / "d.txt").write_text(report_text("丁镇", 2024, "缺少：六"), encoding="utf-8")
    assert main(["audit", "reports_in", "-o", "o", "--fail-on", "error"]) == EXIT_FINDINGS


def test_bad_usage_exits_2(workdir, capsys):
    assert main(["audit", "nowhere", "-o", "o"]) == EXIT_USAGE
    assert "输入路径不存在：nowhere" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["audit", "--jobs", "0"])
    assert info.value.code == EXIT_USAGE
    with pytest.raises(SystemExit) as info:
        main(["audit", "--fail-on", "info"])
    assert info.value.code == EXIT_USAGE
    (workdir / "o.txt").write_text("x")
    assert main(["audit", "-o", "o.txt"]) == EXIT_USAGE
    assert main(["audit", "--office", "missing.yaml"]) == EXIT_USAGE
    assert "审核单位配置文件" in capsys.readouterr().err


def test_broken_rules_exit_3_with_file_and_line(workdir, capsys, monkeypatch):
    monkeypatch.setattr(engine.run, "AuditOptions",
                        functools.partial(engine.run.AuditOptions.func, hooks=BROKEN_RULES_HOOKS))
    assert main(["audit", "-o", "o"]) == EXIT_RULES
    err = capsys.readouterr().err
    assert "规则文件有误" in err and "bad.yaml:7: 未知的检查块 sum_of" in err
    assert not (workdir / "o").exists()


def test_broken_scoring_config_exits_3(workdir, capsys, tmp_path):
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "scoring.yaml").write_text("version: 1\nstart: 100\n", encoding="utf-8")
    assert main(["audit", "--rules", str(rules), "-o", "o"]) == EXIT_RULES
    assert "缺少必填项" in capsys.readouterr().err


def test_office_option(workdir, capsys):
    (workdir / "office.yaml").write_text("name: 测试县政务公开办\nreference_prefix: 测审\n", encoding="utf-8")
    assert main(["audit", "--office", "office.yaml", "--date", "2026-01-05"]) == EXIT_OK
    letter = (workdir / "audit_out" / "letters" / "甲镇" / "甲镇人民政府-2024.html").read_text(encoding="utf-8")
    assert "测试县政务公开办" in letter and "测审〔2026〕001号" in letter


def test_output_that_cannot_be_created_exits_2(workdir, capsys):
    (workdir / "afile").write_text("x")
    assert main(["audit", "-o", "afile/out"]) == EXIT_USAGE
    assert "无法写入审核结果 afile/out" in capsys.readouterr().err
