"""Customising rules as the README says: a copy of rules/ anywhere passes `rules check`, `rules test`
and the audit with --rules; an example pointing outside the rules folder is refused by name."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine import DEFAULT_RULES_DIR
from engine.cli import EXIT_OK, EXIT_RULES, main

SEED = Path(__file__).parent / "fixtures" / "seeds" / "001_5f25c15575702d27.txt"


@pytest.fixture(scope="module")
def rules_copy(tmp_path_factory) -> Path:
    # far from the repository, under a Chinese name: nothing may resolve against the checkout
    return Path(shutil.copytree(DEFAULT_RULES_DIR, tmp_path_factory.mktemp("elsewhere") / "我的规则"))


def test_the_copy_passes_rules_check(rules_copy, capsys):
    assert main(["rules", "check", str(rules_copy)]) == EXIT_OK, capsys.readouterr().err
    assert "规则检查通过" in capsys.readouterr().out


def test_the_copy_passes_rules_test(rules_copy, capsys):
    assert main(["rules", "test", str(rules_copy), "--engine", "reference"]) == EXIT_OK, capsys.readouterr().err
    assert "0 次未通过" in capsys.readouterr().out


def test_the_copy_audits(rules_copy, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["audit", str(SEED), "-o", str(out), "--rules", str(rules_copy), "--jobs", "1",
                 "--date", "2025-03-03"])
    assert code == EXIT_OK, capsys.readouterr().err
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert [r["status"] for r in doc["reports"]] == ["audited"]


def test_examples_live_inside_the_rules_folder():
    for rule_file in DEFAULT_RULES_DIR.glob("*.yaml"):
        assert "../" not in rule_file.read_text(encoding="utf-8"), rule_file


def test_an_example_file_outside_the_rules_folder_is_refused(rules_copy, tmp_path, capsys):
    rules = Path(shutil.copytree(rules_copy, tmp_path / "rules"))
    outside = tmp_path / "outside.txt"
    shutil.copy(SEED, outside)
    form = rules / "form.yaml"
    text = form.read_text(encoding="utf-8")
    assert "file: examples/" in text
    form.write_text(text.replace("file: examples/004_62538884590742ab.txt", "file: ../outside.txt", 1),
                    encoding="utf-8")
    assert main(["rules", "check", str(rules)]) == EXIT_RULES
    assert "示例文件应放在规则文件夹之内" in capsys.readouterr().err
