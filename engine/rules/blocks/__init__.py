"""Building blocks of rule conditions (yamllint style): one small module per block, listed in
`registry.py`. A rule in YAML names one block and gives its options:

    check: sum_identity
    options: {table: applications, for_each: column, left: [一, 二], right: [三.七, 四]}

BLOCK INTERFACE — a block module defines:

    ID: str                      # the name used in `check:` (snake_case, stable)
    SUMMARY: str                 # one line, Chinese, for `rules doc` and README
    OPTIONS: dict                # JSON-schema fragment validating `options` (errors name file:line)
    MESSAGE_FIELDS: dict[str, str]   # placeholders a rule's `message` may use -> Chinese meaning
    def expand(options: dict, ctx: CompileContext) -> list[Clause]
        # compile time: the rule's condition as clauses (see Clause); raise ctx.error(...) for
        # a semantic problem (unknown cell, unknown signal …): it is reported with file:line.

  optional:
    def describe(clause: Clause, facts: dict[str, dict], report) -> dict[str, Any]
        # evaluation time: the values for the message placeholders of ONE failing (or unknown)
        # activation; `facts` maps the clause's aliases to the matched facts (Python form:
        # Decimals, lists). Default: `default_describe` (every fact field + clause params).
        # A value that costs and that not every template uses may be a `Deferred(fn, *args)`:
        # computed only if the message, remedy or reason places it.
    def evidence(clause: Clause, facts: dict[str, dict], report) -> engine.model.Evidence
        # Default: `default_evidence` (fields addr/cells/line/part/table of the matched facts).
    def evidence_cells(clause: Clause, facts: dict[str, dict], report) -> list[str]
        # with `evidence`: exactly `evidence(...).cells`, without building the rest (a not-
        # assessable result lists only the cells of its unknown activations).

CLAUSES — what `expand` returns. A Clause is one durable-rules rule of the compiled ruleset:

    role: "fail"      an activation is a violation: one Finding per activation
          "unknown"   an activation means an input is unknown: the rule is not assessable
                      (only when no "fail" clause of the same rule fired)
    all:  [(alias, expression), …]   ONE or TWO facts; expression in durable-rules JSON, built with
          the helpers below (`all_of(is_type("cell"), eq("table", "review"), lt("v", 0))`).
          `within(field, chosen, universe)` leaves out a test that all values pass (cheaper).
          The compiler refuses anything outside the safe subset (engine/rules/compile.py): every
          expression starts with the `type` discriminator; operators: equality, $neq/$lt/$lte/
          $gt/$gte, $ex/$nex, $and/$or; right-hand sides: constants, {"$m": field} (same fact) or
          {"<first alias>": field} (2-fact join). Never $not, $mt/$imt, $iall/$iany, arithmetic,
          count/cap, 3-fact joins. Absence, regexes, sums: compute them in a fact extractor.
    requests: [(extractor id, request dict), …]   rule-specific facts to compute (e.g. one sum per
          identity instance); the extractor receives every request addressed to it.
    reason: Chinese template (same placeholders as message) for "unknown" clauses.
    params: static values for placeholders (e.g. the part's name).

A rule passes when no clause fired; it is not assessable when only "unknown" clauses fired; it
fails when a "fail" clause fired. An activation is a SET of matched facts: a fact matching two
branches of an $or is one activation (the durable driver de-duplicates), and the compiler adds
`$ex` guards for every field a reference comparison uses (compile.guard_references). Numbers:
fields declared "dec" travel to the engine scaled by engine.dialect.SCALE — build constants with
`dec_const(...)` (the helpers `lt`/`gt`/… do it for you when given a Decimal or float).

To add a block: write engine/rules/blocks/<id>.py with the names above, add one line to
registry.py, document it in rules/README.md, give it a test in tests/test_rules_blocks*.py.
A judgement computed in Python needs no block of its own: declare it as a computed check
(engine/facts/verdict.py) and the generic block (verdict.py) judges it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import template as T
from engine.dialect import scaled
from engine.evidence import fmt_value, location, stated_values
from engine.model import Evidence, Report


class BlockError(Exception):
    """A problem in a rule's options: message (Chinese) and the option path it concerns."""

    def __init__(self, message: str, path: tuple = ()):
        super().__init__(message)
        self.message = message
        self.path = path


@dataclass
class Clause:
    role: str                                     # "fail" | "unknown"
    all: list[tuple[str, dict]]                   # [(alias, durable expression)], 1 or 2 items
    requests: list[tuple[str, dict]] = field(default_factory=list)
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    name: str = ""                                # set by the compiler: "<RULE_ID>#<n>"
    rule_id: str = ""


@dataclass
class CompileContext:
    rule_id: str
    file: str
    line: int
    rules_dir: Path
    cache: dict[str, Any] = field(default_factory=dict)   # shared per catalog load (e.g. signals)

    def error(self, message: str, *path: Any) -> BlockError:
        """A BlockError to raise; `path` = keys inside `options` locating the problem."""
        return BlockError(message, tuple(path))


# ---------------------------------------------------------------------------------------------
# Expression helpers (durable-rules JSON)
# ---------------------------------------------------------------------------------------------

# The `tables` option shared by the blocks that check the listed statistics tables.
TABLES_OPTION = {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(T.TABLE_NAMES)}}


def _rv(value: Any) -> Any:
    if isinstance(value, (Decimal, float)):
        return scaled(Decimal(str(value)))
    return value


def dec_const(value: Any) -> int:
    return scaled(Decimal(str(value)))


def is_type(name: str) -> dict:
    return {"type": name}


def eq(fld: str, value: Any) -> dict:
    return {fld: _rv(value)}


def neq(fld: str, value: Any) -> dict:
    return {"$neq": {fld: _rv(value)}}


def lt(fld: str, value: Any) -> dict:
    return {"$lt": {fld: _rv(value)}}


def lte(fld: str, value: Any) -> dict:
    return {"$lte": {fld: _rv(value)}}


def gt(fld: str, value: Any) -> dict:
    return {"$gt": {fld: _rv(value)}}


def gte(fld: str, value: Any) -> dict:
    return {"$gte": {fld: _rv(value)}}


def exists(fld: str) -> dict:
    return {"$ex": {fld: 1}}


def not_exists(fld: str) -> dict:
    return {"$nex": {fld: 1}}


def same_fact(fld: str) -> dict:
    """Right-hand side: another field of the same fact."""
    return {"$m": fld}


def joined(alias: str, fld: str) -> dict:
    """Right-hand side: a field of the first fact of a 2-fact clause."""
    return {alias: fld}


def all_of(*exprs: dict) -> dict:
    return exprs[0] if len(exprs) == 1 else {"$and": list(exprs)}


def any_of(*exprs: dict) -> dict:
    return exprs[0] if len(exprs) == 1 else {"$or": list(exprs)}


def one_of(fld: str, values: list[Any]) -> dict:
    return any_of(*[eq(fld, v) for v in values])


def within(fld: str, values: list[Any], universe: list[Any] | tuple[Any, ...]) -> tuple[dict, ...]:
    """() when `values` cover every possible value of the field (no test needed: cheaper for
    both engines), else (one_of(fld, values),). Splice into all_of(...)."""
    return () if set(values) >= set(universe) else (one_of(fld, list(values)),)


# ---------------------------------------------------------------------------------------------
# Default message values and evidence
# ---------------------------------------------------------------------------------------------

class Deferred:
    """A message value computed only when a template uses it: str.format_map formats each value
    it places (``format(value, spec)``), and the values a block describes are only ever placed in
    a rule's message, remedy or reason. For values that cost (lists of items) and that many
    templates do not use."""
    __slots__ = ("fn", "args")

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __format__(self, spec: str) -> str:
        return format(self.fn(*self.args), spec)

    def __str__(self) -> str:
        return str(self.fn(*self.args))


def describe_cells(addresses: list[str]) -> str:
    return "、".join(T.describe_address(a) for a in addresses)


def default_describe(clause: Clause, facts: dict[str, dict], report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for alias, fact in reversed(list(facts.items())):     # the first alias wins on a name clash
        for k, v in fact.items():
            out[k] = out[f"{alias}_{k}"] = fmt_value(v)
        if "params" in fact and isinstance(fact["params"], dict):
            out.update({k: fmt_value(v) for k, v in fact["params"].items()})
    out.update({k: fmt_value(v) for k, v in clause.params.items()})
    cells = evidence_cells(facts)
    out.setdefault("cell", describe_cells(cells[:1]) if cells else "")
    out["cells_desc"] = describe_cells(cells)
    return out


NOT_DESCRIBED = object()


def default_value(clause: Clause, facts: dict[str, dict], key: str) -> Any:
    """default_describe(clause, facts, report).get(key, NOT_DESCRIBED), computing that one value:
    the same writes looked up from the last that would win (the cells' wording, the clause's
    params, then the facts from the first alias: its params, then its fields from the last)."""
    if key == "cells_desc":
        return describe_cells(evidence_cells(facts))
    params = clause.params
    if key in params:
        return fmt_value(params[key])
    for alias, fact in facts.items():
        own = fact.get("params") if "params" in fact else None
        if isinstance(own, dict) and key in own:
            return fmt_value(own[key])
        if key in fact or (key.startswith(alias + "_") and key[len(alias) + 1:] in fact):
            return _last_write(fact, alias, key)
    if key == "cell":
        cells = evidence_cells(facts)
        return describe_cells(cells[:1]) if cells else ""
    return NOT_DESCRIBED


def _last_write(fact: dict, alias: str, key: str) -> Any:
    """The value default_describe's loop over one fact's fields leaves at `key` (the last field
    written there: the field `key` itself, or `key` = alias + "_" + field)."""
    for k in reversed(fact):
        if k == key or key == f"{alias}_{k}":
            return fmt_value(fact[k])
    return NOT_DESCRIBED


def evidence_cells(facts: dict[str, dict]) -> list[str]:
    cells: list[str] = []
    for fact in facts.values():
        for a in ([fact["addr"]] if fact.get("addr") else []) + list(fact.get("cells") or []):
            if a not in cells:
                cells.append(a)
    return cells


def default_evidence(clause: Clause, facts: dict[str, dict], report: Report,
                     cells: list[str] | None = None) -> Evidence:
    cells = evidence_cells(facts) if cells is None else cells
    line = next((f["line"] for f in facts.values() if f.get("line") is not None), None)
    part = next((f.get("part") or _part_of(f) for f in facts.values()
                 if f.get("part") or _part_of(f)), None)
    table = next((f.get("table") for f in facts.values() if isinstance(f.get("table"), str)), None)
    if table is None and facts:
        first = next(iter(facts.values()))
        if first.get("type") == "table":
            table = first.get("name")
    if part is None and table in T.PART_OF_TABLE:
        part = T.PART_OF_TABLE[table]
    if line is None and cells:
        line = next((c.line for c in (report.cell(a) for a in cells) if c and c.line), None)
    return Evidence(part=part, table=table, cells=cells, values=stated_values(report, cells),
                    line=line, where=location(report, line), excerpt=report.line_text(line))


def _part_of(fact: dict) -> str | None:
    return fact.get("part") if isinstance(fact.get("part"), str) else None


__all__ = ["BlockError", "Clause", "CompileContext", "all_of", "any_of", "one_of", "eq", "neq",
           "lt", "lte", "gt", "gte", "exists", "within", "not_exists", "same_fact", "joined", "is_type",
           "dec_const", "default_describe", "default_value", "NOT_DESCRIBED", "default_evidence", "fmt_value", "describe_cells", "Deferred"]
