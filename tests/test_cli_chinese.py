"""Every message the command line shows is Chinese: help, usage errors (argparse's own words
translated), impossible dates, office.yaml errors (exit 2, no traceback); `explain` takes short ids."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import EXIT_USAGE, build_parser, main
from engine.cli.zh_argparse import translate_error

SEED = Path(__file__).parent / "fixtures" / "seeds" / "000_07ac6476bfab88c2.txt"

# argparse's English, any of which showing means a message was not translated
ENGLISH = re.compile(r"usage|positional arguments|options:|invalid choice|choose from|error:|argument|"
                     r"required|unrecognized|expected|show this help|Traceback", re.I)


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:          # argparse exits for --help and usage errors
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _command_paths(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
    """Every command and subcommand of the parser tree, so a command added later is covered too."""
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _command_paths(sub, prefix + [name])
    return paths


HELP_COMMANDS = [path + ["--help"] for path in _command_paths(build_parser(), [])]


@pytest.mark.parametrize("argv", HELP_COMMANDS, ids=" ".join)
def test_help_is_chinese(argv, capsys):
    code, out, err = run_cli(argv, capsys)
    assert code == 0
    assert out.startswith("用法：xxgk-audit")
    assert "选项" in out and "显示本帮助并退出" in out
    assert not ENGLISH.search(out), out


USAGE_ERRORS = {
    "unknown command": (["bogus"], "无效的取值 bogus（可选：parse、rules、explain、"),
    "bad choice": (["audit", "--fail-on", "x"], "参数 --fail-on：无效的取值 x（可选：error、warning）"),
    "missing value": (["audit", "--jobs"], "需要给出一个值"),
    "not a number": (["audit", "--jobs", "zwei"], "应为正整数：zwei"),
    "missing positional": (["explain"], "缺少必需的参数：RULE_ID"),
    "unknown option": (["audit", "-Z"], "无法识别的参数：-Z"),
    "engine choice": (["rules", "test", "--engine", "q"], "无效的取值 q（可选：durable、reference、both）"),
    "wrong date format": (["audit", "--date", "2025/02/03"], "日期格式应为 YYYY-MM-DD"),
    "impossible date": (["audit", "--date", "2025-02-30"], "不存在的日期：2025-02-30（2025年2月没有30日）"),
    "impossible month": (["audit", "--date", "2025-13-01"], "不存在的日期：2025-13-01（月份应为 01 至 12）"),
}


@pytest.mark.parametrize("case", sorted(USAGE_ERRORS))
def test_usage_errors_are_chinese_and_exit_2(case, capsys):
    argv, expected = USAGE_ERRORS[case]
    code, out, err = run_cli(argv, capsys)
    assert code == EXIT_USAGE
    assert err.startswith("用法：xxgk-audit")
    assert "：错误：" in err and expected in err, err
    assert not ENGLISH.search(err), err


def test_translation_leaves_our_own_messages_alone():
    assert translate_error("应为正数：0") == "应为正数：0"
    assert translate_error("argument -j/--jobs: expected one argument") == "参数 -j 或 --jobs：需要给出一个值"


def test_no_command_prints_chinese_help_and_exits_2(capsys):
    code, out, err = run_cli([], capsys)
    assert code == EXIT_USAGE and err.startswith("用法：") and not ENGLISH.search(err)


@pytest.mark.parametrize("short", ["R302", "r302", "302", "xxgk-r302", "XXGK-R302"])
def test_explain_accepts_short_rule_ids(short, capsys):
    code, out, err = run_cli(["explain", short], capsys)
    assert code == 0, err
    assert out.startswith("XXGK-R302 ")


def test_explain_unknown_id_lists_the_rules(capsys):
    code, out, err = run_cli(["explain", "R999"], capsys)
    assert code == EXIT_USAGE
    assert "没有编号为 R999 的规则" in err and "XXGK-R302" in err


@pytest.mark.parametrize("yaml_text, expected", [
    ("holidays: [2025-02-30]\n", "holidays 第1项：不存在的日期：2025-02-30（2025年2月没有30日）"),
    ("holidays:\n  - 2025-10-01\n  - 2025-13-01\n", "holidays 第2项：不存在的日期：2025-13-01"),
    ('extra_working_days: ["2025-02-29"]\n', "extra_working_days 第1项：不存在的日期：2025-02-29"),
    ("holidays: [2025-1-3]\n", "格式不对（应为 YYYY-MM-DD）"),
    ("deadline_working_days: 十五\n", "deadline_working_days"),
    ("name: [\n", "不是有效的 YAML"),
])
def test_office_config_errors_exit_2_with_a_message(tmp_path, yaml_text, expected, capsys):
    office = tmp_path / "office.yaml"
    office.write_text(yaml_text, encoding="utf-8")
    code, out, err = run_cli(["audit", str(SEED), "-o", str(tmp_path / "out"), "--office", str(office),
                              "--jobs", "1", "--date", "2025-01-06"], capsys)
    assert code == EXIT_USAGE, err
    assert f"错误：审核单位配置文件 {office} 有误" in err and expected in err, err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_office_date_error_from_the_installed_command_has_no_traceback(tmp_path):
    """The same through a real process: what an office sees in its terminal."""
    office = tmp_path / "office.yaml"
    office.write_text("holidays: [2025-02-30]\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "engine", "audit", str(SEED), "-o", str(tmp_path / "out"),
                           "--office", str(office), "--jobs", "1"],
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=120)
    assert proc.returncode == EXIT_USAGE
    assert "不存在的日期：2025-02-30" in proc.stderr and "Traceback" not in proc.stderr
