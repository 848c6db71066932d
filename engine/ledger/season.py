"""The ledger inside one audit run: what a run asks the ledger and what it tells it.

Main process (class Season, one per run):
    Season.open(SeasonOptions)         open the ledger, import --agencies, load the deadlines,
                                       snapshot the decisions in force, start a run row
    .context                           SeasonContext: what eval workers need (picklable)
    .dispatch(agency, year, sha256, source, office, run_date) -> Dispatch
                                       the report's round, the findings of its earlier round's
                                       letter, its 文号 (kept per agency/year/round)
    .remember(report_round, findings)  the findings of this run, for the next round and `review`
    .missing_agencies(names)           listed agencies with no audited report

Eval worker (SeasonContext, before and after the rules run):
    .listing(report) -> Listing        the body on the list: its type decides body_kind (T802 …);
                                       off the list, the name's guess stays, marked as a guess
    .deadline_result(report, listing)  RuleResult of XXGK-D001 when the report was published late
    .review(results, report)           ids and decisions on every finding; returns the results to
                                       score (dismissed ones out, confirmed 待人工核对 in)
    rectification(earlier, findings)   a 复核 round: each earlier letter finding 已整改/未整改
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.ledger.agencies import AgencyEntry, Registry, load_agency_list
from engine.ledger.deadlines import DeadlineConfig, guess_kind, lateness, load_deadlines, publication
from engine.ledger.decisions import Decision
from engine.ledger.ids import agency_key, finding_ids
from engine.ledger.store import Ledger
from engine.fastcopy import replaced
from engine.model import Evidence, Finding, Report, RuleResult

ROUND_KINDS = {1: "首次审核"}
FIXED, REMAINING, DISMISSED = "已整改", "未整改", "已排除"


@dataclass(frozen=True)
class SeasonOptions:
    ledger: Path | None                  # None: no ledger (ids, the list and deadlines still apply)
    run_date: dt.date
    agencies: Path | None = None         # --agencies: imported into the ledger, replacing the list
    deadlines: Path | None = None        # default rules/deadlines.yaml
    by: str | None = None
    output: str | None = None


@dataclass(frozen=True)
class Listing:
    entry: AgencyEntry | None
    kind: str | None            # 政府/部门/乡镇/街道/其他, from the list or guessed from the name
    kind_source: str | None     # "list" | "guess" | None (nothing to go by)
    has_list: bool

    def to_json(self) -> dict[str, Any]:
        return {"on_list": (self.entry is not None) if self.has_list else None,
                "listed_name": self.entry.name if self.entry else None,
                "kind": self.kind, "kind_source": self.kind_source,
                "url": self.entry.url if self.entry else None}


@dataclass(frozen=True)
class SeasonContext:
    today: dt.date
    deadlines: DeadlineConfig | None
    registry: Registry = field(default_factory=Registry)
    decisions: dict[str, Decision] = field(default_factory=dict)

    def listing(self, report: Report) -> Listing:
        """Match the report's body on the list; a listed type sets report.metadata.body_kind
        (why: the list is the office's word on what a body is, the name only a guess)."""
        md = report.metadata
        entry = self.registry.match(md.agency) if self.registry else None
        if entry is not None and entry.body_kind is not None:
            md.body_kind = entry.body_kind
            return Listing(entry, entry.kind, "list", bool(self.registry))
        guess = guess_kind(md.agency, md.body_kind)
        if entry is not None and entry.kind == "其他":
            return Listing(entry, "其他", "list", True)
        return Listing(entry, guess, "guess" if guess else None, bool(self.registry))

    def deadline_result(self, report: Report, listing: Listing) -> RuleResult | None:
        if self.deadlines is None:
            return None
        md = report.metadata
        published = publication(md.publication_date, listing.entry.published if listing.entry else None)
        late = lateness(self.deadlines, md.year, listing.kind, listing.kind_source == "guess", published)
        if late is None:
            return None
        data = late.finding()
        ev = data.pop("evidence")
        charge = data.pop("charge")
        finding = Finding(**data, evidence=Evidence(**ev))
        if hasattr(finding, "charge"):       # the charge field (CONTRACTS.md "Finding charge")
            finding = replace(finding, charge=charge)
        return RuleResult(rule_id=late.config.rule_id, outcome="fail", findings=[finding])

    def review(self, results: list[RuleResult], report: Report) -> list[RuleResult]:
        """Give every finding its id, decision and `counted` (in place); return the results to score."""
        failed = [r for r in results if r.outcome == "fail"]
        findings = [f for r in failed for f in r.findings]
        md = report.metadata
        ids = finding_ids([(f.rule_id, f.evidence) for f in findings], md.agency, md.year,
                          [(f.evidence.line or 0, f.message) for f in findings])
        decisions, today = self.decisions, self.today
        as_charged = True       # every finding counted and the agency's: each failed rule scored as it is
        for f, fid in zip(findings, ids):
            decision = decisions.get(fid) if decisions else None
            f.id = fid
            f.decision = decision.to_json(today) if decision else None
            f.counted = counts(f, decision, today)
            if not f.counted or charge_of(f) == "manual":
                as_charged = False
        if not failed or (as_charged and all(r.findings for r in failed)):
            return results
        scored = []
        for r in results:
            if r.outcome != "fail":
                scored.append(r)
                continue
            # what counts is scored; an item 待人工核对 nobody confirmed is never scored (it leaves the
            # rule failed with nothing to deduct); a rule whose findings were all dismissed passes
            keep = [_as_agency(f) for f in r.findings if f.counted]
            if keep and len(keep) == len(r.findings) and all(a is b for a, b in zip(keep, r.findings)):
                scored.append(r)          # nothing taken out or re-charged: the result as it is
            elif keep or not all(_dismissed(f, today, decisions) for f in r.findings):
                scored.append(_with(r, findings=keep))
            else:
                scored.append(_with(r, outcome="pass", findings=[]))
        return scored

    def finish(self, record: Any, listing: Listing) -> None:
        """The evaluated record (an AuditRecord) gets its listing and, in a 复核 round, the
        status of each finding of the earlier round's letter."""
        record.agency_list = listing.to_json()
        if record.round and record.round.get("earlier"):
            record.round = {**record.round, "earlier": rectification(record.round["earlier"], record.findings)}


def charge_of(f: Finding) -> str:
    return getattr(f, "charge", "agency") or "agency"


def counts(f: Finding, decision: Decision | None, today: dt.date) -> bool:
    """Scored and in the letter: an agency finding unless dismissed (and the waiver still runs);
    an item 待人工核对 only once a person confirmed it."""
    if decision is not None and not decision.counts(today):
        return False
    if charge_of(f) == "manual":
        return decision is not None and decision.status == "confirmed"
    return True


def _dismissed(f: Finding, today: dt.date, decisions: dict[str, Decision]) -> bool:
    d = decisions.get(f.id or "")
    return d is not None and not d.counts(today)


def _with(r: RuleResult, **changes: Any) -> RuleResult:
    return replaced(r, RuleResult, **changes)


def _as_agency(f: Finding) -> Finding:
    # a confirmed 待人工核对 item is the agency's defect now: the scorer counts charge agency only
    return replace(f, charge="agency") if charge_of(f) == "manual" else f


def in_letter(f: Finding) -> bool:
    return bool(f.counted)


def rectification(earlier: list[dict[str, Any]], findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """Each finding of the earlier round's letter: 未整改 when it is still counted now, 已排除 when
    it is still there but a decision took it out, else 已整改."""
    findings = list(findings)
    counted = {f.id for f in findings if f.counted}
    present = {f.id for f in findings}
    out = []
    for item in earlier:
        fid = item["id"]
        status = REMAINING if fid in counted else DISMISSED if fid in present else FIXED
        out.append({**item, "status": status})
    return out


@dataclass(frozen=True)
class Dispatch:
    report_id: int
    round: dict[str, Any]          # findings.json's `round` (without the per-finding statuses)
    sequence: int
    reference_number: str


class Season:
    """The run's side of the season. Without a ledger (`ledger` None) nothing is remembered:
    dispatch returns None (the run numbers its letters itself), remember does nothing."""

    def __init__(self, ledger: Ledger | None, context: SeasonContext, run_id: int | None):
        self.ledger = ledger
        self.context = context
        self.run_id = run_id

    @classmethod
    def open(cls, options: SeasonOptions) -> "Season":
        """Raises LedgerError, AgencyListError or DeadlineConfigError (Chinese problems)."""
        entries = load_agency_list(options.agencies) if options.agencies else None
        deadlines = load_deadlines(options.deadlines) if options.deadlines else None
        if options.ledger is None:
            return cls(None, SeasonContext(options.run_date, deadlines, Registry(entries or [])), None)
        ledger = Ledger(options.ledger)
        try:
            if entries is not None:
                ledger.import_agencies(entries)
            registry = Registry(ledger.agencies())
            context = SeasonContext(options.run_date, deadlines, registry, ledger.decisions())
            run_id = ledger.begin_run(options.run_date, options.by, options.output)
        except BaseException:
            ledger.close()
            raise
        return cls(ledger, context, run_id)

    def close(self) -> None:
        if self.ledger is not None:
            self.ledger.close()

    def dispatch(self, agency: str | None, year: int | None, sha256: str, source: str | None,
                 ref_year: int, start: int, fmt: Callable[[int], str]) -> Dispatch | None:
        if self.ledger is None:
            return None
        # a report naming no body is its own body (its digest): never a round of another one
        who = agency if agency_key(agency) else f"#{sha256[:16]}"
        y = year if year is not None else 0
        rnd = self.ledger.report_round(who, y, sha256, source, self.run_id)
        earlier: list[dict[str, Any]] = []
        previous_ref = note = None
        if rnd.previous_report_id is not None and self.ledger.report_row(rnd.previous_report_id)["first_run"] == self.run_id:
            # both versions came in this one run: the earlier one's findings are not known yet
            previous = self.ledger.report_row(rnd.previous_report_id)["source"]
            note = f"上一轮报告（{previous}）在本次审核中一并审核，其问题的整改情况将在下次审核时逐条列出。"
            previous_ref = self.ledger.existing_reference(who, y, rnd.number - 1)
        elif rnd.previous_report_id is not None:
            earlier = [{"id": s.finding_id, "rule_id": s.rule_id, "title": s.title, "message": s.message,
                        "severity": s.severity} for s in self.ledger.letter_items(rnd.previous_report_id)]
            previous_ref = self.ledger.existing_reference(who, y, rnd.number - 1)
        letter = self.ledger.reference_number(who, y, rnd.number, ref_year, start, fmt)
        info = {"number": rnd.number, "kind": "复核" if rnd.is_review else "首次审核",
                "previous_reference_number": previous_ref, "earlier": earlier}
        if note:
            info["note"] = note
        return Dispatch(rnd.report_id, info, letter.sequence, letter.text)

    def remember(self, report_id: int, findings: Iterable[Finding | dict[str, Any]]) -> None:
        if self.ledger is None:
            return
        self.ledger.record_findings(report_id, [_stored_item(f) for f in findings])

    def missing_agencies(self, agencies: Iterable[str | None]) -> list[dict[str, Any]]:
        registry = self.context.registry
        if not registry:
            return []
        present = [e for e in (registry.match(a) for a in agencies) if e is not None]
        return [e.to_json() for e in registry.missing(present)]


def _stored_item(f: Finding | dict[str, Any]) -> dict[str, Any]:
    if isinstance(f, dict):
        return {**f, "in_letter": f.get("counted", True)}
    ev = f.evidence
    return {"id": f.id, "rule_id": f.rule_id, "severity": f.severity, "charge": charge_of(f), "title": f.title,
            "message": f.message, "evidence": {"where": ev.where, "cells": ev.cells}, "in_letter": f.counted}
