"""Block `previous_valid_count` (template Relation 7): for each row of 表二 第二十条第（一）项,
现行有效件数 = last year's 现行有效件数 + 本年制发件数 − 本年废止件数.

Facts: `xy_continuity` from the cross-year extractor, produced only when both reports use the 2021
`active` table. The 2019 table counts other things (本年新制作数量 / 本年新公开数量 / 对外公开总数量,
no repeals, row 规范性文件 not 行政规范性文件), so across the 2020→2021 change, and between two
2019-format reports, the rule gives no result at all.
"""
from __future__ import annotations

from typing import Any

from engine.evaluate.extractors.crossyear import evidence_of, message_values
from engine.rules.blocks import Clause, all_of, default_describe, eq, is_type

ID = "previous_valid_count"
SUMMARY = "现行有效件数 = 上年现行有效件数 + 本年制发件数 − 本年废止件数（两年均为2021年版格式）"
OPTIONS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
MESSAGE_FIELDS = {
    "row": "行（规章、行政规范性文件）",
    "stated": "本年报告的现行有效件数",
    "expected": "按上年现行有效件数推算的件数",
    "prev_valid": "上年报告的现行有效件数",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "previous_source": "上年报告的文件",
    "previous_year": "上年报告的年度",
    "cell": "本年单元格的文字描述",
    "previous_cell": "上年单元格的文字描述",
    "unknown": "无法读取数值的单元格（不可评估时）",
}
FACT_TYPES_USED = ("xy_continuity",)


def expand(options: dict, ctx) -> list[Clause]:
    request = ("crossyear", {"rule": ctx.rule_id, "kind": "continuity"})
    base = (is_type("xy_continuity"), eq("rule", ctx.rule_id))
    return [
        Clause("fail", [("c", all_of(*base, eq("known", True), eq("holds", False)))], [request]),
        Clause("unknown", [("c", all_of(*base, eq("known", False)))], [request],
               reason="“{row}”行的件数无法读取（{unknown}），不能与上年报告衔接"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    return {**default_describe(clause, facts, report), **message_values(facts["c"])}


def evidence(clause: Clause, facts: dict[str, dict], report):
    return evidence_of(facts["c"], report)
