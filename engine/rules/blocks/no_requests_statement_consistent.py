"""Block `no_requests_statement_consistent` (template Relation 9): a statement that no request was
received ("未收到政府信息公开申请", "未接收到依申请公开申请", "受理依申请公开0件") means rows 一 and 二
of the requests table are zero; a statement about NEW requests only ("未收到新的申请", or one next to
a 结转 figure: "本年未收到申请，上年结转1件") means row 一 is zero.

    check: no_requests_statement_consistent
    options: {}

Facts: `figure` facts of kinds no_requests / no_new_requests from the extractor `text_figures`. One finding per
contradicted statement; not assessable when 一 or 二 总计 is not a stated number.
"""
from __future__ import annotations

from typing import Any

from engine.rules.blocks import Clause, all_of, default_describe, eq, is_type
from engine.rules.blocks.text_common import catalog_figures, text_evidence

ID = "no_requests_statement_consistent"
SUMMARY = "叙述称未收到申请时，表三“本年新收”“上年结转”均为0"
OPTIONS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
MESSAGE_FIELDS = {
    "phrase": "叙述中的原话（如“未收到政府信息公开申请”）",
    "excerpt": "所在句子",
    "readings": "表三第一项（及第二项）总计",
    "unknown": "未填有效数值的单元格（不可评估时）",
}
FACT_TYPES_USED = ("figure",)


def expand(options: dict, ctx) -> list[Clause]:
    request = ("text_figures", {"rule": ctx.rule_id, "kind": "figures", "kinds": ["no_requests", "no_new_requests"],
                                "file": str(catalog_figures(ctx))})
    base = (is_type("figure"), eq("rule", ctx.rule_id))
    return [
        Clause("fail", [("f", all_of(*base, eq("status", "contradict")))], [request]),
        Clause("unknown", [("f", all_of(*base, eq("status", "unknown")))],
               reason="叙述称“{phrase}”，但{unknown}未填有效数值，无法核对"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    fact = facts["f"]
    out = default_describe(clause, facts, report)
    out["unknown"] = "、".join(fact.get("unknown") or []) or "（无）"
    out["readings"] = fact.get("readings") or ""
    return out


def evidence(clause: Clause, facts: dict[str, dict], report):
    return text_evidence(facts["f"], report)
