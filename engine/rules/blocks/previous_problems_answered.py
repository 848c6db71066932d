"""Block `previous_problems_answered` (template Relation 8): each problem named in last year's
part 五 is taken up in this year's part 五.

Facts: `xy_problem`, one per problem of last year's part 五 (its problem section, cut at 一是/（一）/
sentences; the improvement measures are not problems). A problem's keywords are its content words
(jieba; generic words of every report — 政务公开, 进一步, 有待, 加强 … — and the body's own name left
out; `ignore_words` adds more); its score is the share of them found in this year's part 五. The rule
fails for each problem whose score is below `threshold`, quoting the problem; a problem with no
content word at all is not assessable.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.evaluate.extractors.crossyear import evidence_of, message_values
from engine.rules.blocks import Clause, all_of, default_describe, eq, is_type, lt

ID = "previous_problems_answered"
SUMMARY = "上年报告第五部分所列问题，本年第五部分逐条有所回应（关键词重合度不低于阈值）"
OPTIONS: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["threshold"],
    "properties": {
        "threshold": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
                      "description": "问题关键词在本年第五部分出现的比例低于此值即视为未回应"},
        "ignore_words": {"type": "array", "items": {"type": "string", "minLength": 1},
                         "description": "额外忽略的泛用词"},
    },
}
MESSAGE_FIELDS = {
    "index": "上年问题的序号",
    "problem": "上年报告所列问题原文",
    "percent": "关键词重合度（百分数）",
    "found": "本年第五部分出现的关键词",
    "missing": "本年第五部分未出现的关键词",
    "keywords": "问题的关键词",
    "previous_source": "上年报告的文件",
    "previous_year": "上年报告的年度",
    "threshold_percent": "规则设定的阈值（百分数）",
}
FACT_TYPES_USED = ("xy_problem",)


def expand(options: dict, ctx) -> list[Clause]:
    request = ("crossyear", {"rule": ctx.rule_id, "kind": "problems",
                             "ignore_words": list(options.get("ignore_words") or [])})
    base = (is_type("xy_problem"), eq("rule", ctx.rule_id))
    threshold = Decimal(str(options["threshold"]))
    return [
        Clause("fail", [("p", all_of(*base, eq("known", True), lt("score", threshold)))], [request],
               params={"threshold_percent": int(threshold * 100)}),
        Clause("unknown", [("p", all_of(*base, eq("known", False)))], [request],
               reason="上年第{index}个问题“{problem}”没有可比对的关键词"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    fact = facts["p"]
    out = {**default_describe(clause, facts, report), **message_values(fact)}
    out["found"] = "、".join(fact.get("found") or []) or "（无）"
    out["missing"] = "、".join(fact.get("missing") or []) or "（无）"
    return out


def evidence(clause: Clause, facts: dict[str, dict], report):
    return evidence_of(facts["p"], report)
