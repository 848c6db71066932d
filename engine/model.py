"""The data that flows through the engine, one way:

    file --ingest--> Document --parse--> Report --evaluate--> [RuleResult] --score--> ReportAudit --render--> outputs

Every stage takes the previous stage's dataclasses and returns its own; nothing here does I/O.
JSON forms are produced by `to_json()` methods and described by the schemas in `schemas/`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Literal

# --------------------------------------------------------------------------------------------
# Ingest: a document as a sequence of lines, whatever its format
# --------------------------------------------------------------------------------------------

SourceFormat = Literal["txt", "md", "pdf", "docx", "html"]


@dataclass(frozen=True)
class SourceLine:
    """One line of the document as the parser sees it.

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


@dataclass
class Cell:
    address: str
    kind: CellKind
    value: Decimal | None = None
    raw: str = ""
    line: int | None = None
    where: str | None = None
    recovered: bool = False   # value recovered from a digit run by the table's identities

    @property
    def known(self) -> bool:
        return self.kind == "number" and self.value is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "kind": self.kind,
            "value": decimal_to_json(self.value),
            "raw": self.raw,
            "line": self.line,
            "where": self.where,
            "recovered": self.recovered,
        }


@dataclass
class Table:
    name: str                         # active | applications | review
    present: bool
    template: str | None = None       # the template the table's layout follows: "2019" | "2021"
    variant: str | None = None        # applications: "split" | "single" （六）rows
    line_start: int | None = None
    line_end: int | None = None
    cells: dict[str, Cell] = field(default_factory=dict)

    def mark_missing(self, addresses: Iterable[str]) -> None:
        """These cells were not found in the report (a missing table or row)."""
        for a in addresses:
            self.cells[a] = Cell(a, "missing")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "present": self.present,
            "template": self.template,
            "variant": self.variant,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "cells": {k: c.to_json() for k, c in self.cells.items()},
        }


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
    # Sources (display paths) of OTHER, different reports of the same body and year in the batch
    # (engine.parse.agency Grouping.same_year): set by the batch runner before evaluation; the
    # cross-year extractor turns each into a finding naming the other report.
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
            out["lines"] = [asdict(ln) for ln in self.lines]
        return out


# --------------------------------------------------------------------------------------------
# Evaluate: rule results and findings
# --------------------------------------------------------------------------------------------

Severity = Literal["error", "warning", "info"]
Outcome = Literal["pass", "fail", "not_assessable", "error"]


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

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "findings": [f.to_json() for f in self.findings],
            "reason": self.reason,
            "cells": self.cells,
        }


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def decimal_to_json(value: Decimal | None) -> int | float | None:
    """JSON number for a stated value: integers stay integers, amounts keep their decimals."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)
