"""Block `fee_statement_consistent` (template Relation 10): a statement that no information-
processing fee was charged (signal `no_fee_statement`) is contradicted by a fee amount > 0 or fee
notices > 0 stated in the narrative, or by requests dropped for unpaid fees (applications 三.六.2).

    check: fee_statement_consistent
    options: {sources: [amount]}                      # amount | notices | dropped_unpaid

Facts: `fee_conflict` from the extractor `text_figures`, produced only when the report states that
no fee was charged. `active.item8` (行政事业性收费) is a different fee: never compared. One finding per
contradicting item; a blank 三.六.2 makes the rule not assessable.
"""
from __future__ import annotations

from typing import Any

from engine.evaluate.extractors.text_figures import FEE_SOURCES
from engine.rules.blocks import Clause, all_of, default_describe, eq, fmt_value, is_type, one_of
from engine.rules.blocks.text_common import catalog_figures, catalog_signals, text_evidence

ID = "fee_statement_consistent"
SUMMARY = "声明未收取信息处理费时，不得另有收费金额、收费通知或因逾期未缴费不再处理的申请"
OPTIONS: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["sources"],
    "properties": {"sources": {"type": "array", "minItems": 1, "uniqueItems": True,
                               "items": {"enum": list(FEE_SOURCES)},
                               "description": "amount 收费金额；notices 收费通知；dropped_unpaid 表三（六）2"}},
}
MESSAGE_FIELDS = {
    "statement": "“未收取信息处理费”的原话",
    "statement_where": "该表述的位置",
    "label": "与之矛盾的项目",
    "stated": "该项目的数值",
    "excerpt": "该项目所在句子或表格行",
    "source": "矛盾来源（amount / notices / dropped_unpaid）",
}
FACT_TYPES_USED = ("fee_conflict",)


def expand(options: dict, ctx) -> list[Clause]:
    path, sset = catalog_signals(ctx)
    if "no_fee_statement" not in sset.signals:
        raise ctx.error(f"{path.name} 中缺少信号 no_fee_statement（本规则据此识别“未收取信息处理费”的表述）")
    catalog_figures(ctx)
    sources = list(options["sources"])
    request = ("text_figures", {"rule": ctx.rule_id, "kind": "fee", "sources": sources,
                                "file": str(path)})
    base = (is_type("fee_conflict"), eq("rule", ctx.rule_id), one_of("source", sources))
    return [
        Clause("fail", [("c", all_of(*base, eq("known", True)))], [request]),
        Clause("unknown", [("c", all_of(*base, eq("known", False)))],
               reason="报告称“{statement}”，但{label}未填有效数值，无法核对"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    fact = facts["c"]
    out = default_describe(clause, facts, report)
    out["stated"] = fmt_value(fact.get("stated"))
    out["statement_where"] = fact.get("statement_where") or ""
    return out


def evidence(clause: Clause, facts: dict[str, dict], report):
    return text_evidence(facts["c"], report)
