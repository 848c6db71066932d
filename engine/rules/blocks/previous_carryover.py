"""Block `previous_carryover` (template Relation 6): this year's 表三 row 二 (上年结转) equals last
year's row 四 (结转下年度继续办理), column by column.

Facts: `xy_carryover` from the cross-year extractor — produced only when last year's report of the
same body is among the inputs. Rows 二 and 四 are the same in the 2019 and 2021 formats, so the
comparison also runs across the 2020→2021 template change. A cell that is not a stated number in
either report makes the rule not assessable for that column.
"""
from __future__ import annotations

from typing import Any

from engine.evaluate.extractors.crossyear import evidence_of, message_values
from engine.rules.blocks import Clause, all_of, default_describe, eq, is_type

ID = "previous_carryover"
SUMMARY = "本年“上年结转”与上年报告“结转下年度继续办理”逐列相等"
OPTIONS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
MESSAGE_FIELDS = {
    "column": "申请人列（自然人、商业企业……总计）",
    "this_v": "本年“二、上年结转政府信息公开申请数量”的数值",
    "prev_v": "上年报告“四、结转下年度继续办理”的数值",
    "previous_source": "上年报告的文件",
    "previous_year": "上年报告的年度",
    "cell": "本年单元格的文字描述",
    "previous_cell": "上年单元格的文字描述",
    "template_note": "跨越2019/2021年版格式时的说明（否则为空）",
    "unknown": "无法读取数值的单元格（不可评估时）",
}
FACT_TYPES_USED = ("xy_carryover",)


def expand(options: dict, ctx) -> list[Clause]:
    request = ("crossyear", {"rule": ctx.rule_id, "kind": "carryover"})
    base = (is_type("xy_carryover"), eq("rule", ctx.rule_id))
    return [
        Clause("fail", [("c", all_of(*base, eq("known", True), eq("holds", False)))], [request]),
        Clause("unknown", [("c", all_of(*base, eq("known", False)))], [request],
               reason="{column}列的结转数无法读取（{unknown}），不能与上年报告比对"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    return {**default_describe(clause, facts, report), **message_values(facts["c"])}


def evidence(clause: Clause, facts: dict[str, dict], report):
    return evidence_of(facts["c"], report)
