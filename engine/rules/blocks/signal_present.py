"""Block `signal_present`: the narrative carries a named text signal (rules/signals.yaml), e.g.
"part 六 states the information-processing fee", "part 一 covers the five themes".

    check: signal_present
    options: {signal: fee_statement}

Facts: `signal` from the extractor `text_signals` (matching, negation and groups are computed in
Python). The rule fails when the signal is absent; it is not assessable when the signal cannot be
decided (its parts are missing — reported by the part rules — or a year-bound wording needs the
unknown reporting year). An unknown signal name is a compile error with the rule's file:line.
"""
from __future__ import annotations

from typing import Any

from engine.rules.blocks import Clause, all_of, default_describe, eq, is_type
from engine.rules.blocks.text_common import catalog_signals, text_evidence

ID = "signal_present"
SUMMARY = "叙述中有规定的表述（文本信号，定义见 rules/signals.yaml）"
OPTIONS: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["signal"],
    "properties": {"signal": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                              "description": "rules/signals.yaml 中定义的信号 id"}},
}
MESSAGE_FIELDS = {
    "title": "信号的中文名称",
    "missing": "未找到相应表述的方面（分组信号，如五个方面中缺少的）",
    "part": "查找的部分（未找到时为第一个）",
    "parts": "查找的各部分",
    "excerpt": "该部分的原文（未找到时）",
    "reason": "无法判断的原因（不可评估时）",
    "year": "报告年度",
    "prev_year": "上一年度",
}
FACT_TYPES_USED = ("signal",)


def expand(options: dict, ctx) -> list[Clause]:
    path, sset = catalog_signals(ctx)
    name = options["signal"]
    if name not in sset.signals:
        raise ctx.error(f"未知的信号“{name}”（{path.name} 中定义的有：{'、'.join(sset.ids)}）", "signal")
    request = ("text_signals", {"rule": ctx.rule_id, "signal": name, "file": str(path)})
    base = (is_type("signal"), eq("rule", ctx.rule_id))
    return [
        Clause("fail", [("s", all_of(*base, eq("known", True), eq("present", False)))], [request]),
        Clause("unknown", [("s", all_of(*base, eq("known", False)))], reason="{reason}"),
    ]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    fact = facts["s"]
    out = default_describe(clause, facts, report)
    out["missing"] = "、".join(fact.get("missing") or []) or "（无）"
    out["parts"] = "、".join(f"第{p}部分" for p in fact.get("parts") or [])
    out["excerpt"] = fact.get("excerpt") or "（该部分无正文）"
    out["reason"] = fact.get("reason") or "无法判断"
    year = report.metadata.year if report.metadata else None
    out["year"] = str(year) if year else "（未知）"
    out["prev_year"] = str(year - 1) if year else "上一"
    return out


def evidence(clause: Clause, facts: dict[str, dict], report):
    return text_evidence(facts["s"], report)
