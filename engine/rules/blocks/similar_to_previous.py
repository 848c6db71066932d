"""Block `similar_to_previous`: a narrative part nearly identical to the same part of last year's
report — a copy with the dates changed.

Facts: `xy_similarity`, one per part listed in `parts` present in both reports: the Jaccard
similarity of character 4-gram shingles after masking every number, so changed years and figures
do not hide a copy. Parts shorter than `min_chars` in either year are not judged (a one-line fee
statement may honestly repeat).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.evaluate.extractors.crossyear import evidence_of, message_values
from engine.rules.blocks import Clause, all_of, default_describe, eq, gte, is_type
from engine.template import PART_IDS, PART_TITLES

ID = "similar_to_previous"
SUMMARY = "正文某部分与上年报告同一部分高度雷同（去除数字后相似度不低于阈值）"
OPTIONS: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["threshold", "min_chars"],
    "properties": {
        "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "min_chars": {"type": "integer", "minimum": 1},
        "parts": {"type": "array", "items": {"enum": list(PART_IDS)}, "minItems": 1, "uniqueItems": True},
    },
}
MESSAGE_FIELDS = {
    "part": "部分（一……六）",
    "part_title": "该部分的标准标题",
    "percent": "相似度（百分数）",
    "chars": "本年该部分字数",
    "previous_chars": "上年该部分字数",
    "previous_source": "上年报告的文件",
    "previous_year": "上年报告的年度",
    "threshold_percent": "规则设定的阈值（百分数）",
    "excerpt": "本年该部分开头摘录",
    "previous_excerpt": "上年该部分开头摘录",
}
FACT_TYPES_USED = ("xy_similarity",)


def expand(options: dict, ctx) -> list[Clause]:
    parts = list(options.get("parts") or ["一", "五", "六"])
    request = ("crossyear", {"rule": ctx.rule_id, "kind": "similarity", "parts": parts})
    threshold = Decimal(str(options["threshold"]))
    min_chars = int(options["min_chars"])
    return [Clause("fail", [("s", all_of(is_type("xy_similarity"), eq("rule", ctx.rule_id),
                                         gte("similarity", threshold), gte("chars", min_chars),
                                         gte("previous_chars", min_chars)))], [request],
                   params={"threshold_percent": int(threshold * 100)})]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    fact = facts["s"]
    out = {**default_describe(clause, facts, report), **message_values(fact)}
    out["part_title"] = PART_TITLES.get(fact.get("part"), "")
    return out


def evidence(clause: Clause, facts: dict[str, dict], report):
    return evidence_of(facts["s"], report)
