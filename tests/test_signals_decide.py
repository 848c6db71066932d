"""SignalSet.decide (the cheap decision the fact filter asks first) gives what evaluate() gives,
for every signal of the default file on the seeds and on texts that probe its paths: a signal any
of whose matches counts is decided by the first match, one that accepts one polarity or excludes
sentences reads match by match, and a pattern that can match the empty string is read past it."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.facts.signals import load_signals
from engine.parse import parse_file
from text_support import report_from_parts

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))
TEXTS = [
    {"一": "本年度围绕主动公开、依申请公开、政府信息管理、平台建设、监督保障开展工作。纳入年度考核。"},
    {"一": "社会评议情况良好", "六": "本机关未收取信息处理费。"},
    {"五": "2023年度存在的问题已整改。下一步将加强培训。", "六": "收取信息处理费0元。", "year": 2024},
    {"五": "上一年度问题的整改情况：已完成。", "六": "全年收取信息处理费120元，发出收费通知2件。"},
    {"一": "无", "五": "无", "六": "无"},
    {"五": "存在问题：不及时。改进措施：加强。"},
]


def _reports():
    for path in SEEDS:
        yield parse_file(path)
    for parts in TEXTS:
        parts = dict(parts)
        meta = {k: parts.pop(k) for k in ("year",) if k in parts}
        yield report_from_parts(parts, **meta)


@pytest.mark.parametrize("report", list(_reports()), ids=lambda r: r.source)
def test_decide_is_evaluate(report):
    sset = load_signals()
    ids = list(sset.signals)
    assert sset.decide(report, ids) == {sid: v.present for sid, v in sset.evaluate(report, ids).items()}


def test_a_pattern_matching_the_empty_string_is_read_past_it(tmp_path):
    path = tmp_path / "signals.yaml"
    path.write_text("version: 1\nnegation: ['未']\nsignals:\n"
                    "  - id: maybe\n    title: 可能\n    parts: [六]\n    patterns: ['(?:规费)?']\n"
                    "  - id: neg\n    title: 否定\n    parts: [六]\n    accept: negative\n    phrases: [规费]\n",
                    encoding="utf-8")
    sset = load_signals(path)
    for text in ("本年度未收取规费。", "没有", "收取规费。"):
        report = report_from_parts({"六": text})
        decided = sset.decide(report, ["maybe", "neg"])
        assert decided == {sid: v.present for sid, v in sset.evaluate(report, ["maybe", "neg"]).items()}
    assert sset.decide(report_from_parts({"六": "收取规费。"}), ["maybe"]) == {"maybe": True}
    assert sset.decide(report_from_parts({"六": "没有"}), ["maybe"]) == {"maybe": False}
