"""The verdict contract: how a computed check hands its judgement to the rules.

A computed check is a judgement made in Python (a sum, a text search, a comparison with last
year's report) that a rule names in YAML like any block (`check: previous_carryover`). The
extractor module that computes it declares it in `CHECKS` and produces VERDICT FACTS: one fact per
thing judged (a column, a statement, a problem of last year's report …), each with

    rule             the id of the rule that asked (requests carry it)
    known            False: an input is unknown (blank cell, part missing …): not assessable
    holds            False: the check fails for this thing (one finding per such fact)
    message_values   {placeholder: text} for the rule's message, remedy and reason
    evidence fields  part, table, line, cells (or addr), where, excerpt and, for cross-year
                     facts, previous_source / previous_cells / previous_values / previous_line /
                     previous_where / previous_excerpt: copied as they are into the finding

The one generic block (engine/rules/blocks/verdict.py) judges every computed check the same way:
a fact with known and not holds is a finding, a fact with not known makes the rule not assessable
(when the check declares a `reason`), anything else passes. So a new computed check is one
extractor module (FACT_TYPES with VERDICT_FIELDS, CHECKS, extract) listed in
engine/facts/extractors/registry.py, plus rules in YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

# The fields every verdict fact type declares (see engine/facts/__init__.py for the kinds).
VERDICT_FIELDS = {"rule": "str", "known": "bool", "holds": "bool", "message_values": "py",
                  "part": "str", "table": "str", "line": "int", "cells": "py", "where": "py",
                  "excerpt": "py"}
# The evidence of last year's report, declared by the cross-year verdict facts.
PREVIOUS_FIELDS = {"previous_source": "py", "previous_cells": "py", "previous_values": "py",
                   "previous_line": "py", "previous_where": "py", "previous_excerpt": "py",
                   "previous_year": "int", "template_change": "bool"}

NO_OPTIONS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}


@dataclass(frozen=True)
class ComputedCheck:
    """A check a rule can name in `check:`, judged from the verdict facts of one extractor."""
    id: str                         # the name used in `check:` (snake_case, stable)
    extractor: str                  # the ID of the extractor computing it
    fact_type: str                  # the verdict fact type it produces
    summary: str                    # one line, Chinese, for `rules doc`
    message_fields: dict[str, str]  # placeholders its facts provide -> Chinese meaning
    # compile time: the rule's options -> the request sent to the extractor (the rule id is
    # added). `ctx` is the rules' CompileContext: raise ctx.error(message, *option path) for a
    # problem in the options (reported with the rule's file:line).
    request: Callable[[dict[str, Any], Any], dict[str, Any]]
    options: dict[str, Any] = field(default_factory=lambda: NO_OPTIONS)   # JSON schema of `options`
    reason: str | None = None       # default "not assessable" reason; None: always known
