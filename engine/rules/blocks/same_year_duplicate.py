"""Block `same_year_duplicate`: another, different report of the same body and the same year is among
the inputs (engine.parse.agency Grouping.same_year; the batch runner sets
`report.same_year_sources`). Both reports are audited; each gets one finding per other report,
naming it. Byte-identical copies are not two reports (the batch runner marks them `duplicate`).
"""
from __future__ import annotations

from typing import Any

from engine.model import Evidence
from engine.rules.blocks import Clause, all_of, default_describe, eq, is_type

ID = "same_year_duplicate"
SUMMARY = "同一机关同一年度有两份不同的年度报告"
OPTIONS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
MESSAGE_FIELDS = {
    "other_source": "同一年度的另一份报告文件",
    "year": "报告年度",
    "agency": "发布机关",
}
FACT_TYPES_USED = ("xy_same_year",)


def expand(options: dict, ctx) -> list[Clause]:
    request = ("crossyear", {"rule": ctx.rule_id, "kind": "same_year"})
    return [Clause("fail", [("d", all_of(is_type("xy_same_year"), eq("rule", ctx.rule_id)))], [request])]


def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]:
    return default_describe(clause, facts, report)


def evidence(clause: Clause, facts: dict[str, dict], report):
    fact = facts["d"]
    line = fact.get("line")
    # The other report is named in the message; `previous_*` is for last year's report only.
    return Evidence(line=line, where=f"第{line}行" if line else None,
                    excerpt=report.line_text(line) or report.metadata.title)
