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


_SHAPES = """version: 1
negation: ['未', '没有']
signals:
  - id: all_literal_first
    title: 先短语后模式
    parts: [一, 五]
    groups:
      - name: 模式
        patterns: ['整改[^。]{0,6}完成']
      - name: 短语
        phrases: [考核, 评议]
      - name: 年度
        patterns: ['{prev_year}年度?[^。]{0,10}问题']
  - id: any_of
    title: 任一
    parts: [五]
    require: any
    groups:
      - name: 年度短语
        phrases: ['{year}年']
      - name: 短语
        phrases: [不足, 短板]
      - name: 模式
        patterns: ['问题[^。]{0,4}整改']
  - id: many_groups
    title: 五组（命中可超过20处）
    parts: [一]
    groups:
      - {name: 纳入, phrases: [纳入]}
      - {name: 考核, phrases: [考核]}
      - {name: 社会, phrases: [社会]}
      - {name: 评议, patterns: ['评议']}
      - {name: 整改, patterns: ['整改']}
  - id: literal_negative
    title: 否定短语
    parts: [六]
    accept: negative
    phrases: [处理费]
  - id: literal_excluded
    title: 排除句子
    parts: [六]
    phrases: [处理费]
    exclude: ['《']
"""
_SHAPE_TEXTS = ["问题已整改完成。纳入考核。2023年度问题已整改。", "纳入考核，社会评议。", "整改工作完成。",
                "2024年存在不足。", "存在短板。", "问题均已整改。", "没有问题。", "",
                "未收取信息处理费。", "收取处理费5元。", "按《处理费办法》执行。", "处理费收取规范。"]


@pytest.mark.parametrize("year", [None, 2024])
def test_decide_reads_no_more_than_the_answer_needs(tmp_path, year):
    """Early answers (require all: the first group missing; require any: the first hit), the
    literal phrases' substring tests, and an entry left out for want of the year (unknown even
    when an earlier group already missed) agree with evaluate() on every combination."""
    path = tmp_path / "signals.yaml"
    path.write_text(_SHAPES, encoding="utf-8")
    sset = load_signals(path)
    ids = list(sset.signals)
    for one in _SHAPE_TEXTS:
        for five in _SHAPE_TEXTS[:8]:
            for six in (_SHAPE_TEXTS[0], *_SHAPE_TEXTS[8:]):
                report = report_from_parts({"一": one or "无", "五": five or "无", "六": six or "无"}, year=year)
                expected = {sid: v.present for sid, v in sset.evaluate(report, ids).items()}
                assert sset.decide(report, ids) == expected, (one, five, six)
    # an early miss still says unknown when a later group had to leave its entry out
    report = report_from_parts({"一": "没有相关内容。", "五": "无"}, year=None)
    assert sset.decide(report, ["all_literal_first"]) == {"all_literal_first": None}


def _told(value) -> tuple:
    """What a signal's fact takes from a SignalValue or a SignalBrief."""
    return (value.id, value.present, value.first, value.n_hits, value.negative_only,
            list(value.missing), value.reason)


@pytest.mark.parametrize("report", list(_reports()), ids=lambda r: r.source)
def test_brief_is_evaluate(report):
    sset = load_signals()
    ids = list(sset.signals)
    briefs, values = sset.brief(report, ids), sset.evaluate(report, ids)
    assert {sid: _told(b) for sid, b in briefs.items()} == {sid: _told(v) for sid, v in values.items()}


@pytest.mark.parametrize("year", [None, 2024])
def test_brief_is_evaluate_on_every_shape(tmp_path, year):
    """The limits (5 hits a group, 20 a signal; none when the year leaves the signal unknown) and
    the first hit across groups and parts, on many hits: the same as evaluate()."""
    path = tmp_path / "signals.yaml"
    path.write_text(_SHAPES, encoding="utf-8")
    sset = load_signals(path)
    ids = list(sset.signals)
    many = "。".join(["纳入考核，社会评议，整改已完成"] * 7) + "。"
    for one in (*_SHAPE_TEXTS, many):
        for five in (*_SHAPE_TEXTS[:8], many.replace("考核", "短板不足问题整改")):
            report = report_from_parts({"一": one or "无", "五": five or "无",
                                        "六": "未收取处理费。" * 8}, year=year)
            briefs, values = sset.brief(report, ids), sset.evaluate(report, ids)
            assert {s: _told(b) for s, b in briefs.items()} == {s: _told(v) for s, v in values.items()}
