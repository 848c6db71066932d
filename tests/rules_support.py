"""Helpers for the rule-engine tests: writing rule files into tmp dirs, building reports."""
from __future__ import annotations

import textwrap
from pathlib import Path

from engine.rules.examples import build_report

MINIMAL_RULE = """\
rules:
  - id: XXGK-T901
    title: 测试规则
    severity: error
    category: 完整性
    points: 1
    basis: 常见要求：测试依据
    rationale: 测试理由
    remedy: 测试整改
    check: part_present
    options:
      parts: [六]
    message: 缺少第{part}部分。
    examples:
      - {expect: pass, report: {}}
      - {expect: fail, report: {parts: {六: null}}}
"""


def write_rules(tmp_path: Path, text: str, name: str = "test.yaml") -> Path:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return d


def report(**desc):
    return build_report(desc)
