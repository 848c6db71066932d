"""Stage 4 — evaluate: a `Report` (and optionally last year's) becomes facts, then `RuleResult`s,
by the rules of a compiled catalog.

Public interface:
    evaluate(report, catalog, previous=None, engine="durable") -> list[RuleResult]

Pipeline: facts (engine/facts, extractors registered in engine/facts/extractors/registry.py) ->
activations (durable.py: our driver over durable-rules; or reference.py: the pure-Python
evaluator of the same compiled conditions) -> one RuleResult per applicable rule, in catalog order.

Outcomes:
  pass            no clause of the rule fired
  fail            a "fail" clause fired: one Finding per activation (rule id, severity, category,
                  title, message, points = the rule's points (how several findings of one rule
                  add up is the scoring policy's: rules/scoring.yaml), basis, remedy, evidence:
                  part, table, canonical cells, stated values,
                  line, where, excerpt = the source line's text)
  not_assessable  only "unknown" clauses fired (an input is blank, missing, unparsed), or the rule's
                  `applies` cannot be decided (year / template / kind of body not recognised);
                  `reason` says why and `cells` lists the unknown inputs. Never a pass, never a
                  violation.
  error           the rule broke while evaluating (its fact extractor or its message raised):
                  `reason` carries the error; the other rules of the report are unaffected.
Not applicable: a rule whose `applies` excludes the report (another template, year or kind of
body; a cross-year rule without last year's report) yields NO result at all.

A durable-rules failure for the whole report raises durable.EngineFailure; the batch runner
(engine/run/) retries in a fresh worker and falls back to engine="reference".
"""
from __future__ import annotations

from typing import Any

from engine.evaluate import durable, reference
from engine.evaluate.charge import assign_charges
from engine.facts import FactSet, build_facts
from engine.model import Finding, Report, RuleResult
from engine.rules.blocks import NOT_DESCRIBED, default_evidence, default_value, evidence_cells
from engine.rules.compile import fact_filters as compute_fact_filters
from engine.rules.compile import fields_used as compute_fields_used
from engine.sources import render_basis

ENGINES = ("durable", "reference")
MAX_REASONS = 3      # not-assessable reasons quoted in full; RuleResult.cells lists every input


def evaluate(report: Report, catalog, previous: Report | None = None,
             engine: str = "durable") -> list[RuleResult]:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    plan = catalog_plan(catalog)
    # durable is given only the facts some condition could match (built only those: fewer cell
    # facts); the reference evaluator every fact, so the differential tests check the filter
    facts = build_facts(report, previous, catalog.requests, sent=plan.sent if engine == "durable" else None)
    fired: dict[str, list[tuple[Any, dict[str, dict]]]] = {}
    clause_of, all_facts = plan.clause_of, facts.facts
    for name, ids in run_engine(catalog, facts, engine, plan):
        clause = clause_of[name]
        hit = fired.get(clause.rule_id)
        if hit is None:
            fired[clause.rule_id] = hit = []
        # FactSet.by_id, inline: fact ids are the facts' positions
        if len(ids) == 1:
            for alias, fid in ids.items():
                hit.append((clause, {alias: all_facts[int(fid)]}))
        else:
            hit.append((clause, {alias: all_facts[int(fid)] for alias, fid in ids.items()}))
    results = []
    append = results.append
    # a rule none of whose clauses fired passes, unless one of its fact extractors failed
    # (rule_result then says so): the plain result is made here, without the general path
    get = fired.get
    if not facts.failed_types:
        for rule, scope in plan.scoped(report, previous):
            if scope is None:
                hit = get(rule.id)
                append(passed(rule.id) if hit is None else rule_result(rule, hit, report, facts, plan))
            else:
                append(RuleResult(rule.id, "not_assessable", [], scope))
    else:
        for rule, scope in plan.scoped(report, previous):
            if scope is None:
                append(rule_result(rule, get(rule.id) or [], report, facts, plan))
            else:
                append(RuleResult(rule.id, "not_assessable", [], scope))
    # who each finding and not-assessable item is charged to: the agency, or 待人工核对
    return assign_charges(report, results, plan.checks, previous)


def passed(rule_id: str, _new=object.__new__, _cls=RuleResult) -> RuleResult:
    """RuleResult(rule_id, "pass"), without the dataclass __init__ (a report has a few dozen; its
    fields are set here in the same order, the lists fresh for each)."""
    r = _new(_cls)
    r.rule_id, r.outcome, r.findings, r.reason, r.cells = rule_id, "pass", [], None, []
    r.charge, r.charge_reason, r.covered_by = None, "", None
    return r


class CatalogPlan:
    """What evaluating a report needs from its catalog that no report changes, computed once per
    catalog (per process): clause order and owners, each rule's check, the rules that apply to a
    kind of report (applicability depends only on the report's metadata), the rendered bases."""

    MAX_SCOPES = 256         # distinct (template, year, kind of body, last year's template) keys

    def __init__(self, catalog):
        self.catalog = catalog          # kept alive: its id keys the cache
        self.ruleset, self.digest = catalog.ruleset, catalog.digest     # as the plan was made for them
        self.order = {name: i for i, name in enumerate(catalog.clauses)}
        self.clause_of = catalog.clauses
        self.checks = {r.id: r.check for r in catalog.rules}
        self.used = fields_used(catalog)
        self.sent = fact_filters(catalog)

        self._scopes: dict[tuple, tuple[tuple[Any, str | None], ...]] = {}
        self._bases: dict[tuple, str] = {}

    def scoped(self, report: Report, previous: Report | None) -> tuple[tuple[Any, str | None], ...]:
        """(rule, None when it applies, else the not-assessable reason), in catalog order, for
        every rule not excluded by `applicability`."""
        md = report.metadata
        key = (md.template, md.year, md.body_kind, previous is not None,
               previous.metadata.template if previous is not None else None)
        hit = self._scopes.get(key)
        if hit is None:
            if len(self._scopes) >= self.MAX_SCOPES:
                self._scopes.clear()
            hit = []
            for rule in self.catalog.rules:
                scope = applicability(rule, report, previous)
                if scope != "not_applicable":
                    hit.append((rule, scope))
            self._scopes[key] = hit = tuple(hit)
        return hit

    def basis(self, rule, report: Report) -> str:
        md = report.metadata
        key = (rule.basis, md.template, md.year)
        hit = self._bases.get(key)
        if hit is None:
            if len(self._bases) > 4096:
                self._bases.clear()
            self._bases[key] = hit = render_basis(rule.basis, md.template, md.year)
        return hit


class BlockCalls:
    """A rule's block's optional calls (describe, evidence, evidence_cells, details), looked up once
    per rule and report (not per finding): None where the block has none (the defaults apply)."""
    __slots__ = ("rule", "describe", "evidence", "evidence_cells", "details")

    def __init__(self, rule):
        block = rule.block
        self.rule = rule
        self.describe = getattr(block, "describe", None)
        self.evidence = getattr(block, "evidence", None)
        self.evidence_cells = getattr(block, "evidence_cells", None) if self.evidence is not None else None
        self.details = getattr(block, "details", None)


_PLANS: dict[int, CatalogPlan] = {}


def catalog_plan(catalog) -> CatalogPlan:
    plan = _PLANS.get(id(catalog))
    if plan is None or plan.catalog is not catalog or plan.ruleset is not catalog.ruleset \
            or plan.digest != catalog.digest:
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[id(catalog)] = plan = CatalogPlan(catalog)
    return plan


def run_engine(catalog, facts: FactSet, engine: str,
               plan: CatalogPlan | None = None) -> list[tuple[str, dict[str, str]]]:
    plan = plan if plan is not None and plan.catalog is catalog else catalog_plan(catalog)
    # only the fields the catalog's conditions read are sent (smaller JSON, faster engine)
    if engine == "durable":
        # the JSON text of FactSet.engine_facts, written directly and checked field by field
        # facts no condition can match are left out (the reference evaluator, which the
        # differential tests compare with, is given all of them)
        acts = durable.run(catalog.ruleset, None, key=catalog.digest, checked=True,
                           payload=facts.engine_payload(used=plan.used, sent=plan.sent))
    else:
        acts = reference.run(catalog.ruleset, facts.engine_facts(used=plan.used), key=catalog.digest)
    if len(acts) < 2:
        return acts
    # one canonical order whatever the engine: by clause order, then fact ids
    get = plan.order.get
    return sorted(acts, key=lambda a: (get(a[0], 1 << 30), [*map(int, a[1].values())]))


_FIELDS_USED: dict[tuple[str, int], tuple[dict, dict[str, frozenset[str]]]] = {}


def fields_used(catalog) -> dict[str, frozenset[str]]:
    """The catalog's fact type -> fields read by its conditions, computed once per ruleset."""
    key = (catalog.digest, id(catalog.ruleset))
    hit = _FIELDS_USED.get(key)
    if hit is None or hit[0] is not catalog.ruleset:
        if len(_FIELDS_USED) > 64:
            _FIELDS_USED.clear()
        # the ruleset is kept with its result so its id cannot be reused by another one
        _FIELDS_USED[key] = hit = (catalog.ruleset, compute_fields_used(catalog.ruleset))
    return hit[1]


_FACT_FILTERS: dict[tuple[str, int], tuple[dict, dict | None]] = {}


def fact_filters(catalog) -> dict[str, tuple] | None:
    """The catalog's engine.rules.compile.fact_filters, computed once per ruleset."""
    key = (catalog.digest, id(catalog.ruleset))
    hit = _FACT_FILTERS.get(key)
    if hit is None or hit[0] is not catalog.ruleset:
        if len(_FACT_FILTERS) > 64:
            _FACT_FILTERS.clear()
        _FACT_FILTERS[key] = hit = (catalog.ruleset, compute_fact_filters(catalog.ruleset))
    return hit[1]


def applicability(rule, report: Report, previous: Report | None) -> str | None:
    """None: applies; "not_applicable"; or a Chinese reason why it cannot be decided."""
    ap = rule.applies or {}
    md = report.metadata
    if ap.get("previous") and previous is None:
        return "not_applicable"
    if ap.get("previous") is False and previous is not None:
        # the rule stands in for a cross-year rule when last year's report is not there
        return "not_applicable"
    if ap.get("previous_templates") and previous is not None:
        # cross-year rules comparing template-specific cells (e.g. 2019 vs 2021 `active` columns)
        if previous.metadata.template is None:
            return "未能识别上一年度报告所用格式（2019年版或2021年版），无法判断本规则是否适用"
        if previous.metadata.template not in ap["previous_templates"]:
            return "not_applicable"
    if ap.get("templates"):
        if md.template is None:
            return "未能识别报告所用格式（2019年版或2021年版），无法判断本规则是否适用"
        if md.template not in ap["templates"]:
            return "not_applicable"
    years = ap.get("years")
    if years:
        if md.year is None:
            return "未能识别报告年度，无法判断本规则是否适用"
        if md.year < years.get("from", md.year) or md.year > years.get("to", md.year):
            return "not_applicable"
    if ap.get("body_kinds"):
        if md.body_kind is None:
            return "未能识别发布机关类型（人民政府或部门），无法判断本规则是否适用"
        if md.body_kind not in ap["body_kinds"]:
            return "not_applicable"
    return None


def rule_result(rule, fired: list, report: Report, facts: FactSet,
                plan: CatalogPlan | None = None) -> RuleResult:
    broken = rule.fact_types & facts.failed_types if facts.failed_types else None
    if broken:
        why = "；".join(f"{k}: {v}" for k, v in facts.failures.items())
        return RuleResult(rule_id=rule.id, outcome="error",
                          reason=f"事实提取失败（{'、'.join(sorted(broken))}）：{why}")
    calls = BlockCalls(rule)
    try:
        fails = [(c, f) for c, f in fired if c.role == "fail"]
        if fails:
            return RuleResult(rule.id, "fail", [finding(rule, c, f, report, plan, calls) for c, f in fails])
        unknown = [(c, f) for c, f in fired if c.role == "unknown"]
        if unknown:
            reasons, cells = [], {}
            describe = calls.describe
            for c, f in unknown:
                # message_values and render, inline
                values = _Values(describe(c, f, report) if describe is not None else {}, c, f, report)
                text = (c.reason or rule.reason or "有输入未知，无法核对").format_map(values)
                if text not in reasons:
                    reasons.append(text)
                cells.update(dict.fromkeys(cells_of(rule, c, f, report, calls)))     # in order, once each
            cells = list(cells)
            if len(reasons) > MAX_REASONS:
                reasons = reasons[:MAX_REASONS] + [f"另有 {len(reasons) - MAX_REASONS} 处同样无法核对"]
            return RuleResult(rule_id=rule.id, outcome="not_assessable",
                              reason="；".join(reasons), cells=cells)
        return passed(rule.id)
    except Exception as exc:   # a rule that breaks is reported loudly, never kills the report
        return RuleResult(rule_id=rule.id, outcome="error",
                          reason=f"规则求值出错：{type(exc).__name__}: {exc}")


def message_values(rule, clause, facts: dict[str, dict], report: Report,
                   calls: BlockCalls | None = None) -> dict[str, Any]:
    """The block's own values; every other placeholder falls back to default_describe's value
    (default_value), computed only if a message asks for something the block did not provide."""
    describe = (calls or BlockCalls(rule)).describe
    return _Values(describe(clause, facts, report) if describe is not None else {}, clause, facts, report)


def evidence_of(rule, clause, facts: dict[str, dict], report: Report, calls: BlockCalls | None = None):
    evidence = (calls or BlockCalls(rule)).evidence
    if evidence is not None:
        return evidence(clause, facts, report)
    return default_evidence(clause, facts, report)


def cells_of(rule, clause, facts: dict[str, dict], report: Report, calls: BlockCalls | None = None) -> list[str]:
    """`evidence_of(...).cells`, without the rest of the evidence when the block can say."""
    calls = calls or BlockCalls(rule)
    if calls.evidence is not None:
        if calls.evidence_cells is not None:
            return calls.evidence_cells(clause, facts, report)
        return calls.evidence(clause, facts, report).cells
    return evidence_cells(facts)


def finding(rule, clause, facts: dict[str, dict], report: Report,
            plan: CatalogPlan | None = None, calls: BlockCalls | None = None) -> Finding:
    calls = calls or BlockCalls(rule)
    values = message_values(rule, clause, facts, report, calls)
    if plan is not None:
        basis = plan.basis(rule, report)
    else:
        md = report.metadata
        basis = render_basis(rule.basis, md.template, md.year)
    details = calls.details
    return Finding(rule.id, rule.severity, rule.category, rule.title, render(rule.message, values), rule.points,
                   basis, render(rule.remedy, values), evidence_of(rule, clause, facts, report, calls),
                   details(clause, facts, report) if details is not None else {})


class _Values(dict):
    """Message values: explicit ones first, then the defaults (default_describe's value of the
    clause and its facts, computed for each value a message asks for that the block did not give:
    default_value), then "（无）"."""

    def __init__(self, explicit: dict[str, Any], clause=None, facts=None, report=None):
        super().__init__(explicit)
        self._of = (clause, facts) if clause is not None else None

    def __missing__(self, key):
        if self._of is not None:
            value = default_value(*self._of, key)
            if value is not NOT_DESCRIBED:
                self[key] = value         # (asked again by the remedy, the reason)
                return value
        return "（无）"


def render(template: str, values: dict[str, Any]) -> str:
    if not isinstance(values, _Values):
        values = _Values(values)
    # str.format_map looks names up with values[key] (so _Values.__missing__ applies), like
    # string.Formatter().vformat(template, (), values), at a fraction of the cost; templates
    # have named placeholders only (checked when the catalog loads)
    return template.format_map(values)
