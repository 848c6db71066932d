"""Block `figure_agrees_with_cells` (template Relation 9): a figure stated in the narrative
(requests received, carried over/forward, handled, reconsideration and litigation cases) agrees with
the table cells it speaks about.

    check: figure_agrees_with_cells
    options: {kinds: [received, handled, carried_over, carried_forward, reconsideration, litigation]}

Facts: `figure` from the extractor `text_figures` (engine/evaluate/narrative.py reads the numerals,
the approximation and the scope). A figure fails only when it matches none of its admissible
readings ("received" may be 一 or 一 + 二); approximate figures (30余件) and totals of another scope
(全县 in a town's report) are never compared; a figure whose cells are not stated numbers is not
assessable. One finding per contradicting figure.
"""
from __future__ import annotations

from typing import Any

from engine.evaluate.narrative import CELL_READINGS
from engine.rules.blocks import Clause, all_of, default_describe, eq, fmt_value, is_type
from engine.rules.blocks.text_common import catalog_figures, text_evidence

ID = "figure_agrees_with_cells"
SUMMARY = "叙述中的数字（收到、结转、办结申请数，复议、诉讼案件数）与统计表一致"
KINDS = [k for k in CELL_READINGS if k not in ("no_requests", "no_new_requests")]
OPTIONS: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["kinds"],
    "properties": {"kinds": {"type": "array", "minItems": 1, "uniqueItems": True,
                             "items": {"enum": KINDS}, "description": "核对的数字类别"}},
}
MESSAGE_FIELDS = {
    "label": "数字类别（如“收到申请数”）",
    "stated": "叙述中的数值",
    "phrase": "叙述中的原话",
    "excerpt": "所在句子",
    "readings": "表格中的对应数值（可接受的各种口径）",
    "unknown": "未填有效数值的单元格（不可评估时）",
}
FACT_TYPES_USED = ("figure",)


def expand(options: dict, ctx) -> list[Clause]:
    request = ("text_figures", {"rule": ctx.rule_id, "kind": "figures",
                                "kinds": list(options["kinds"]), "file": str(catalog_figures(ctx))})
    base = (is_type("figure"), eq("rule", ctx.rule_id))
    return [
        Clause("fail", [("f", all_of(*base, eq("status", "contradict")))], [request]),
        Clause("unknown", [("f", all_of(*base, eq("status", "unknown")))],
               reason="叙述中的{label}“{phrase}”无法与表格核对：{unknown}未填有效数值"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    fact = facts["f"]
    out = default_describe(clause, facts, report)
    out["stated"] = fmt_value(fact.get("stated"))
    out["unknown"] = "、".join(fact.get("unknown") or []) or "（无）"
    out["readings"] = fact.get("readings") or ""
    return out


def evidence(clause: Clause, facts: dict[str, dict], report):
    return text_evidence(facts["f"], report)
