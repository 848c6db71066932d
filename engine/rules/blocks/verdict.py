"""The generic block of computed checks: it judges the verdict facts (engine/facts/verdict.py) of
one ComputedCheck. A rule names the check like any block (`check: previous_carryover`); the
registry makes one VerdictBlock per check declared by an extractor.

    fail     a verdict fact of this rule with known and not holds: one finding per fact
    unknown  a verdict fact of this rule that is not known (only when the check declares a
             default `reason`): the rule is not assessable
Message values are the fact's fields and its `message_values`; the evidence is the fact's own
evidence fields, as the extractor wrote them.
"""
from __future__ import annotations

from typing import Any

from engine.evidence import stated_values
from engine.facts.verdict import ComputedCheck
from engine.model import Evidence, Report
from engine.rules.blocks import Clause, CompileContext, all_of, eq, is_type


class VerdictBlock:
    """The block interface (engine/rules/blocks/__init__.py) for one computed check."""

    def __init__(self, check: ComputedCheck):
        self.check = check
        self.ID = check.id
        self.SUMMARY = check.summary
        self.OPTIONS = check.options
        self.MESSAGE_FIELDS = check.message_fields

    def expand(self, options: dict[str, Any], ctx: CompileContext) -> list[Clause]:
        check = self.check
        request = (check.extractor, {"rule": ctx.rule_id, **check.request(options, ctx)})
        base = (is_type(check.fact_type), eq("rule", ctx.rule_id))
        clauses = [Clause("fail", [("v", all_of(*base, eq("known", True), eq("holds", False)))],
                          [request])]
        if check.reason is not None:
            clauses.append(Clause("unknown", [("v", all_of(*base, eq("known", False)))],
                                  reason=check.reason))
        return clauses

    def describe(self, clause: Clause, facts: dict[str, dict], report: Report) -> dict[str, Any]:
        # the fact's other fields come from default_describe, only when a message asks for them
        return dict(facts["v"].get("message_values") or {})

    def evidence(self, clause: Clause, facts: dict[str, dict], report: Report) -> Evidence:
        return verdict_evidence(facts["v"], report)

    def evidence_cells(self, clause: Clause, facts: dict[str, dict], report: Report) -> list[str]:
        return _cells(facts["v"])

    def details(self, clause: Clause, facts: dict[str, dict], report: Report) -> dict[str, Any]:
        """The check's workings (scores, thresholds, keywords), for findings.json only: a verdict
        fact may carry them in `details`."""
        return dict(facts["v"].get("details") or {})


def verdict_evidence(fact: dict[str, Any], report: Report) -> Evidence:
    """The evidence fields of a verdict fact, with the values the report states in its cells."""
    cells = _cells(fact)
    return Evidence(
        part=fact.get("part"), table=fact.get("table"), cells=cells,
        values=stated_values(report, cells) if cells else {},
        line=fact.get("line"), where=fact.get("where"), excerpt=fact.get("excerpt"),
        previous_source=fact.get("previous_source"),
        previous_cells=list(fact.get("previous_cells") or []),
        previous_values=dict(fact.get("previous_values") or {}),
        previous_line=fact.get("previous_line"), previous_where=fact.get("previous_where"),
        previous_excerpt=fact.get("previous_excerpt"))


def _cells(fact: dict[str, Any]) -> list[str]:
    return list(fact.get("cells") or ([fact["addr"]] if fact.get("addr") else []))
