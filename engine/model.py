"""The data that flows through the engine, one way:

    file --ingest--> Document --parse--> Report --evaluate--> [RuleResult] --score--> AuditRecord --render--> outputs

Every stage takes the previous stage's dataclasses and returns its own; nothing here does I/O.
JSON forms are produced by `to_json()` methods and described by the schemas in `schemas/`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any, Iterable, Literal, NamedTuple

from engine.fastcopy import compact_pickle

# --------------------------------------------------------------------------------------------
# Ingest: a document as a sequence of lines, whatever its format
# --------------------------------------------------------------------------------------------

SourceFormat = Literal["txt", "md", "pdf", "docx", "html"]


class SourceLine(NamedTuple):
    """One line of the document as the parser sees it (a NamedTuple: a reader makes hundreds, at C
    speed — engine/ingest/text.source_lines — where a frozen dataclass costs an object with a dict).

    Table rows coming from real table grids (DOCX, HTML, ruled PDF tables) are rendered as one
    line with the cells joined by TAB, so the parser reads every format the same way.
    `no` is the 1-based index in Document.lines (for .txt/.md it is the physical line number).
    `where` is the location in the source's own terms, in Chinese, for evidence:
    "第12行", "第3页第5行", "第2个表格第4行第3列".
    """
    no: int
    text: str                 # original text (after decoding and line-end normalisation)
    where: str
    page: int | None = None
    table: int | None = None  # 1-based table index for DOCX/HTML/PDF grid rows
    row: int | None = None    # 1-based row within that table
    spanned: tuple[int, ...] = ()   # grid rows: TAB positions a merged cell covers past its first (not blanks)


@dataclass
class Document:
    path: str
    format: SourceFormat
    lines: list[SourceLine]
    sha256: str
    encoding: str | None = None      # detected encoding for text inputs
    pages: int | None = None         # PDF
    notes: list["Diagnostic"] = field(default_factory=list)   # ingest-level diagnostics


# --------------------------------------------------------------------------------------------
# Parse: the report model
# --------------------------------------------------------------------------------------------

CellKind = Literal["number", "blank", "dash", "none", "text", "missing"]
# number : a numeric value was stated (value is set)
# blank  : the cell exists but is empty
# dash   : —, -, /, ／ and the like
# none   : 无
# text   : something else that is not a number (kept in raw)
# missing: the source does not contain the cell at all (missing table/row), or the cell's value
#          cannot be located in its row (too few / too many values, an ambiguous digit run; raw = the row)


# How a cell's value was read, from the most to the least certain placement:
#   grid    : a cell of a structured table (HTML/DOCX/ruled PDF grid): the source states its column
#   aligned : placed under a header column by position (x-range, character column, TAB position)
#   order   : by order within a row whose value count matched the row's cells exactly
#   digits  : recovered from a run of digits by the table's identities (engine/parse/digits.py)
READ_HOW = ("grid", "aligned", "order", "digits")
# A table's reading status: every template cell read / some left unknown / none read (or not found).
READINGS = ("complete", "partial", "unreadable")


@dataclass
class Cell:
    address: str
    kind: CellKind
    value: Decimal | None = None
    raw: str = ""
    line: int | None = None
    where: str | None = None
    recovered: bool = False   # value recovered from a digit run by the table's identities
    # How the value was read (None: nothing read, kind "missing"). See READ_HOW.
    read: str | None = None

    @property
    def known(self) -> bool:
        return self.kind == "number" and self.value is not None

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "kind": self.kind, "value": decimal_to_json(self.value), "raw": self.raw,
                "line": self.line, "where": self.where, "recovered": self.recovered, "read": self.read}


@dataclass
class Table:
    name: str                         # active | applications | review
    present: bool
    template: str | None = None       # the template the table's layout follows: "2019" | "2021"
    variant: str | None = None        # applications: "split" | "single" （六）rows
    line_start: int | None = None
    line_end: int | None = None
    cells: dict[str, Cell] = field(default_factory=dict)
    # True for a real grid (HTML, DOCX, ruled PDF): a blank cell or missing row is then the agency's, not ours
    structured: bool = False
    reading: str = "unreadable"       # one of READINGS

    def mark_missing(self, addresses: Iterable[str]) -> None:
        """These cells were not found in the report (a missing table or row)."""
        for a in addresses:
            self.cells[a] = Cell(a, "missing")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "present": self.present, "template": self.template, "variant": self.variant,
                "line_start": self.line_start, "line_end": self.line_end, "structured": self.structured,
                "reading": self.reading, "cells": {k: c.to_json() for k, c in self.cells.items()}}


@dataclass
class Part:
    id: str                           # 一 … 六
    present: bool
    heading: str | None = None        # as written
    line_start: int | None = None     # heading line
    line_end: int | None = None
    text: str = ""                    # body text (without the heading), lines joined by "\n"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


BodyKind = Literal["government", "department"]


@dataclass
class Metadata:
    title: str | None = None
    agency: str | None = None
    agency_line: int | None = None
    year: int | None = None
    year_source: str | None = None        # title | period | text
    template: str | None = None           # "2019" | "2021"
    template_evidence: str | None = None  # why: e.g. the column labels seen
    body_kind: BodyKind | None = None
    publication_date: str | None = None   # ISO date when the source states one
    period_start: str | None = None       # ISO date, statistics period
    period_end: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Diagnostic:
    code: str                 # stable, e.g. ROW_TOO_FEW_VALUES
    message: str              # Chinese
    line: int | None = None
    where: str | None = None
    severity: Literal["error", "warning", "info"] = "warning"
    table: str | None = None
    cells: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    source: str
    format: str
    sha256: str
    metadata: Metadata
    parts: dict[str, Part]            # keys 一 … 六, always all six (present or not)
    tables: dict[str, Table]          # keys active, applications, review, always all three
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[SourceLine] = field(default_factory=list, repr=False)   # not in JSON by default
    # Sources (display paths) of OTHER, different reports of the same body and year in the batch (engine.parse.
    # agency Grouping.same_year): set by the batch runner; the cross-year extractor names each in a finding.
    same_year_sources: list[str] = field(default_factory=list, repr=False)

    def cell(self, address: str) -> Cell | None:
        table = self.tables.get(address.split(".", 1)[0])
        return table.cells.get(address) if table else None

    def line_text(self, no: int | None) -> str | None:
        if no is None or no < 1 or no > len(self.lines):
            return None
        return self.lines[no - 1].text

    def to_json(self, with_lines: bool = False) -> dict[str, Any]:
        out = {
            "source": self.source,
            "format": self.format,
            "sha256": self.sha256,
            "metadata": self.metadata.to_json(),
            "parts": {k: p.to_json() for k, p in self.parts.items()},
            "tables": {k: t.to_json() for k, t in self.tables.items()},
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }
        if with_lines:
            out["lines"] = [{**ln._asdict(), "spanned": list(ln.spanned)} for ln in self.lines]
        return out


# --------------------------------------------------------------------------------------------
# Evaluate: rule results and findings
# --------------------------------------------------------------------------------------------

Severity = Literal["error", "warning", "info"]
Outcome = Literal["pass", "fail", "not_assessable", "error"]
Charge = Literal["agency", "manual"]


@dataclass
class Evidence:
    part: str | None = None           # 一 … 六
    table: str | None = None          # active | applications | review
    cells: list[str] = field(default_factory=list)     # canonical addresses
    values: dict[str, Any] = field(default_factory=dict)   # address -> stated value (JSON-able)
    line: int | None = None
    where: str | None = None          # location in the source's own terms (第3页第5行 …)
    excerpt: str | None = None        # quoted source text
    # cross-year findings: the same, for last year's report
    previous_source: str | None = None
    previous_cells: list[str] = field(default_factory=list)
    previous_values: dict[str, Any] = field(default_factory=dict)
    previous_line: int | None = None
    previous_where: str | None = None
    previous_excerpt: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Finding:
    rule_id: str
    severity: Severity
    category: str
    title: str
    message: str                      # Chinese, values quoted
    points: float
    basis: str
    remedy: str = ""                  # what to correct (Chinese)
    evidence: Evidence = field(default_factory=Evidence)
    # The machinery behind the finding (scores, thresholds, keyword lists): findings.json only,
    # never in a letter (docs/charge.md).
    details: dict[str, Any] = field(default_factory=dict)
    # Who the finding is charged to (CONTRACTS.md "Finding charge", docs/charge.md): "agency" — a defect
    # in what the agency published (scored, in the letter); "manual" — 待人工核对, it rests on our own
    # reading uncertainty (listed, never scored, never in the letter unless a person confirms it).
    charge: Charge = "agency"
    charge_reason: str = ""           # why, in Chinese, when the charge is "manual"
    # Set by the audit ledger (engine/ledger/season.py): the stable id (agency, year, rule, place),
    # the review decision in force (JSON form) and whether the finding counts — scored and in the
    # letter — after that decision and its charge.
    id: str | None = None
    decision: dict[str, Any] | None = None
    counted: bool = True

    def to_json(self) -> dict[str, Any]:
        return {**{k: v for k, v in asdict(self).items() if k != "evidence"},
                "evidence": self.evidence.to_json()}


@dataclass
class RuleResult:
    rule_id: str
    outcome: Outcome
    findings: list[Finding] = field(default_factory=list)    # outcome == fail: one or more
    reason: str | None = None          # not_assessable: which inputs were unknown; error: what broke
    cells: list[str] = field(default_factory=list)           # not_assessable: the unknown inputs
    # not_assessable: "agency" when the unknown inputs are the agency's own blanks/omissions,
    # "manual" (待人工核对) when they rest on our reading (docs/charge.md); None otherwise
    charge: Charge | None = None
    charge_reason: str = ""
    # not_assessable (or fail) because of cells another finding already charges: that finding's
    # rule id. Listed, never scored twice.
    covered_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "outcome": self.outcome, "findings": [f.to_json() for f in self.findings],
                "reason": self.reason, "cells": self.cells, "charge": self.charge, "charge_reason": self.charge_reason,
                "covered_by": self.covered_by}


# --------------------------------------------------------------------------------------------
# Audit record: one input file after the run (status, and for a report its score and findings)
# --------------------------------------------------------------------------------------------


@dataclass
class NotAssessable:
    """A check item the run could not assess on this report (an input it needs is unknown)."""
    rule_id: str
    title: str
    reason: str | None = None
    cells: list[str] = field(default_factory=list)
    # CONTRACTS.md "Finding charge" (docs/charge.md): "manual" = 待人工核对 (our reading), "agency" =
    # the agency's own blanks/omissions; covered_by: the rule whose finding already charges these
    # cells; scored: whether it deducted points (only an agency item nothing covers)
    charge: str | None = None
    charge_reason: str = ""
    covered_by: str | None = None
    scored: bool = False


@dataclass
class RuleError:
    """A rule that broke on this report (a bug in the rule or the engine, not a finding)."""
    rule_id: str
    reason: str | None = None


class FindingBrief(NamedTuple):
    """What an AuditSummary keeps of a finding: enough to count and rank the rules that fail (a
    tuple: the run reads every summary back from disk several times, and tuples unpickle fastest)."""
    rule_id: str
    title: str
    severity: str


@dataclass
class RecordHead:
    """The light part of every record, in the order of its JSON form. Three groups, each present
    from a stage of the run on (AuditRecord.to_json writes a group only when it was reached):
    status (every input), dispatch (audited reports: letter file, 文号, pairing with last year;
    present when `sequence` is set), evaluation (evaluated reports; present when `engine` is set)."""
    # status: every input file
    source: str                                # display path: as given, or relative to the cwd
    status: str                                # audited | duplicate | not_a_report | … (labels.STATUS_LABELS)
    message: str | None = None                 # why it was not audited (Chinese)
    sha256: str | None = None
    duplicate_of: str | None = None            # status duplicate: the source audited instead
    format: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    body_kind: str | None = None
    title: str | None = None
    previous_only: bool = False                # a --previous input: compared against, not audited
    # dispatch: audited reports
    letter: str | None = None                  # "letters/<folder>/<name>.html", relative to OUT (docs/outputs.md)
    sequence: int | None = None                # the letter's sequence number (in the 文号)
    reference_number: str | None = None        # 文号
    previous_source: str | None = None         # last year's report of the same body, if any
    same_year_sources: list[str] = field(default_factory=list)   # other reports of that body and year
    agency_notes: list[str] = field(default_factory=list)        # grouping notes (engine.parse.agency)
    engine_fallback: bool = False              # evaluated with the reference engine after durable-rules failed
    engine_note: str | None = None             # why (Chinese), shown in the letter
    # with an audit ledger (engine/ledger): the rectification round — number, 首次审核/复核, the
    # earlier round's 文号 and each finding of its letter (已整改/未整改 once evaluated)
    round: dict[str, Any] | None = None
    # evaluation: evaluated reports
    engine: str | None = None                  # durable | reference
    score: int | float | None = None
    grade: str | None = None
    counts: dict[str, int] = field(default_factory=dict)         # severity -> number of findings
    rules_evaluated: int | None = None
    # with an audit ledger: the body on the list of agencies (on_list, listed_name, kind, kind_source)
    agency_list: dict[str, Any] | None = None


_STATUS_KEYS = ("source", "status", "message", "sha256", "duplicate_of", "format", "agency", "year",
                "template", "body_kind", "title")
_DISPATCH_KEYS = ("letter", "sequence", "reference_number", "previous_source", "same_year_sources",
                  "agency_notes", "engine_fallback", "engine_note")
_HEAD_KEYS = tuple(f.name for f in fields(RecordHead))


@dataclass
class AuditSummary(RecordHead):
    """A record without the weight, as the run keeps it for the outputs that read every report at
    once (findings.json's summary, index.html, the 报告 sheet): findings reduced to briefs,
    not-assessable items to their rule ids."""
    findings: list[FindingBrief] = field(default_factory=list)
    not_assessable: list[str] = field(default_factory=list)
    manual: int = 0                                    # AuditRecord.manual
    deductions: dict[str, Any] = field(default_factory=dict)   # record.scoring's by_category

    def __reduce__(self) -> tuple:
        # as its values (the default form names ~35 fields), briefs as tuples (AuditRecord.summary_form)
        d = self.__dict__
        return _summary_of, (tuple([d[k] if k != "findings" else None for k in _SUMMARY_KEYS]),
                             list(map(tuple, self.findings)))


@compact_pickle
@dataclass
class AuditRecord(RecordHead):
    """One input file after the run: what findings.json holds for it, and what every output renders.
    Its JSON form is defined here once (to_json / from_json)."""
    scoring: dict[str, Any] = field(default_factory=dict)          # engine.score: the deductions
    findings: list[Finding] = field(default_factory=list)          # in letter order
    not_assessable: list[NotAssessable] = field(default_factory=list)
    rule_errors: list[RuleError] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)    # the parser's notes on the source

    @property
    def evaluated(self) -> bool:
        return self.engine is not None

    @property
    def manual(self) -> int:     # 待人工核对: manual findings no review decided yet + manual not-assessable items
        return (sum(f.charge == "manual" and not f.decision for f in self.findings)
                + sum(n.charge == "manual" for n in self.not_assessable))

    def summary(self) -> AuditSummary:
        return _summary_of(*self.summary_form())

    def summary_form(self) -> tuple[tuple, list[tuple]]:
        """summary() as AuditSummary pickles it (_summary_of's arguments), without making it."""
        head = self.__dict__
        return ((*[head[k] for k in _HEAD_KEYS], None, [n.rule_id for n in self.not_assessable], self.manual,
                 dict(self.scoring.get("by_category") or {})),
                [(f.rule_id, f.title, f.severity) for f in self.findings if f.counted])

    def to_json(self, flat=None, findings=None, lists: bool = True) -> dict[str, Any]:
        # flat: _flat_json or record_text.flat_view; findings: stands for that list; lists False: without the 4 lists
        out, flat = {k: getattr(self, k) for k in _STATUS_KEYS}, flat or _flat_json
        if self.previous_only:
            out["previous_only"] = True
        if self.sequence is not None:
            out.update((k, getattr(self, k)) for k in _DISPATCH_KEYS)
            if self.round is not None:            # only with an audit ledger
                out["round"] = self.round
        if self.engine is not None:
            out.update({
                "engine": self.engine, "score": self.score, "grade": self.grade, "scoring": self.scoring,
                "counts": self.counts, "rules_evaluated": self.rules_evaluated,
                **({"agency_list": self.agency_list} if self.agency_list is not None else {})})
            if lists:
                out.update({
                    "findings": [finding_json(f, flat) for f in self.findings] if findings is None else findings,
                    "not_assessable": [flat(n, _NOT_ASSESSABLE_KEYS) for n in self.not_assessable],
                    "rule_errors": [flat(e, _RULE_ERROR_KEYS) for e in self.rule_errors],
                    "diagnostics": [flat(d, _DIAGNOSTIC_KEYS) for d in self.diagnostics]})
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AuditRecord":
        """The record of one entry of findings.json's `reports` (inverse of to_json)."""
        head = {k: data[k] for k in _HEAD_KEYS if k in data}
        return cls(**head, scoring=data.get("scoring") or {},
                   findings=[finding_from_json(f) for f in data.get("findings") or []],
                   not_assessable=[NotAssessable(**_known(n, _NOT_ASSESSABLE_KEYS)) for n in data.get("not_assessable") or []],
                   rule_errors=[RuleError(**_known(e, _RULE_ERROR_KEYS)) for e in data.get("rule_errors") or []],
                   diagnostics=[Diagnostic(**_known(d, _DIAGNOSTIC_KEYS)) for d in data.get("diagnostics") or []])


_SUMMARY_KEYS = tuple(f.name for f in fields(AuditSummary))


def _summary_of(values: tuple, briefs: list[tuple] | None = None) -> AuditSummary:
    """An AuditSummary from its field values in field order (its pickled form: AuditSummary.__reduce__)."""
    summary = object.__new__(AuditSummary)
    summary.__dict__.update(zip(_SUMMARY_KEYS, values))
    if briefs is not None:
        summary.findings = list(map(FindingBrief._make, briefs))
    return summary


_FINDING_KEYS = tuple(f.name for f in fields(Finding) if f.name != "evidence")
_EVIDENCE_KEYS = tuple(f.name for f in fields(Evidence))
_NOT_ASSESSABLE_KEYS = tuple(f.name for f in fields(NotAssessable))
_RULE_ERROR_KEYS = tuple(f.name for f in fields(RuleError))
_DIAGNOSTIC_KEYS = tuple(f.name for f in fields(Diagnostic))


def _flat_json(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    # dataclasses.asdict deep-copies recursively and would be the slowest part of a record; these
    # objects hold only scalars, lists of strings and flat dicts, so a shallow copy is the JSON form.
    out = {}
    for name in names:
        v = getattr(obj, name)
        out[name] = list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
    return out


def _known(data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: data[k] for k in names if k in data}


def finding_json(f: Finding, flat=_flat_json) -> dict[str, Any]:
    """A finding's JSON form (as Finding.to_json, without its deep copy)."""
    out = flat(f, _FINDING_KEYS)
    out["evidence"] = flat(f.evidence, _EVIDENCE_KEYS)
    return out


def finding_from_json(data: dict[str, Any]) -> Finding:
    return Finding(**_known(data, _FINDING_KEYS), evidence=Evidence(**_known(data.get("evidence") or {}, _EVIDENCE_KEYS)))


def decimal_to_json(value: Decimal | None) -> int | float | None:
    """JSON number for a stated value: integers stay integers, amounts keep their decimals."""
    return None if value is None else int(value) if value == value.to_integral_value() else float(value)
