"""The audit record of a report (built and scored from the rule results) and the record store.

    build_record(base, report, results, policy, rule_info, engine) -> AuditRecord
    RecordStore(folder)          every finished record spooled to disk, summaries read back as needed

Words used here:
  spool     an append-only file of blobs (engine/spool.py): one per writing process, so that a
            record or a parsed report crosses from one process to another through disk without a
            file being created for each.
  Blob      where one blob is in a spool file: (path, offset, length) — what the main process keeps
            of a record instead of the record.
  spill     a parsed Report pickled into a spool by the parse worker (the Blob the evaluation
            worker reads it back from).
  slim      a record's summary (AuditSummary: findings reduced to rule id, title, severity), what
            the overview outputs read for every report.
  Finished  what an evaluation worker sends back for a finished record: the Blobs of its
            findings.json text, of its pickled summary and of its pickled 问题 sheet rows (which
            the worker spooled itself).
  STORED    what run_resilient keeps in memory of a finished record once it is in the store.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from operator import attrgetter
from pathlib import Path
from typing import Any

from engine.fastcopy import replaced
from engine.model import AuditRecord, AuditSummary, Evidence, Finding, NotAssessable, Report, RuleError, RuleResult
from engine.render.record_text import report_text
from engine.render.labels import SEVERITY_ORDER
from engine.score import RuleInfo, ScoringPolicy, score_results
from engine.run.keyed import BlobTable, DigestTable, KeyList, SourceTable, StatusTable
from engine.spool import Blob, Spool, SpooledSequence, SpoolReader, put_object, read_text

STORED = "stored"     # what run_resilient keeps of a finished record (the record itself is on disk)


def catalog_rule_info(catalog: Any) -> dict[str, RuleInfo]:
    """Rule metadata by id, read from the catalog whatever its container (list or mapping)."""
    rules = getattr(catalog, "rules", None)
    if rules is None:
        return {}
    items = rules.values() if isinstance(rules, dict) else rules
    out: dict[str, RuleInfo] = {}
    for rule in items:
        rid = getattr(rule, "id", None) or getattr(rule, "rule_id", None)
        if not rid:
            continue
        points = getattr(rule, "points", None)
        out[rid] = RuleInfo(rule_id=rid, title=str(getattr(rule, "title", "") or ""),
                            severity=str(getattr(rule, "severity", "warning") or "warning"),
                            category=str(getattr(rule, "category", "其他") or "其他"),
                            points=float(points) if isinstance(points, (int, float)) else None)
    return out


def _part_rank(part: str | None) -> int:
    return "一二三四五六".find(part) if part and part in "一二三四五六" else 9


def finding_sort_key(f: Finding) -> tuple:
    """The letter's order: severity, part, source line, rule, cells, message."""
    ev = f.evidence
    return (SEVERITY_ORDER.get(f.severity, 9), _part_rank(ev.part), ev.line or 10**9,
            f.rule_id, ",".join(ev.cells or []), f.message)


def complete_evidence(ev: Evidence, report: Report) -> Evidence:
    """The evidence with the quoted source line and its location filled in from the report when the
    rule gave only a line number (quoting, never guessing)."""
    if not (ev.line and report.lines and 0 < ev.line <= len(report.lines)):
        return ev
    line = report.lines[ev.line - 1]
    excerpt = ev.excerpt or (line.text.strip() or None)
    where = ev.where or line.where
    if excerpt == ev.excerpt and where == ev.where:
        return ev
    return replace(ev, excerpt=excerpt, where=where)


def _quoted(f: Finding, report: Report) -> Finding:
    evidence = complete_evidence(f.evidence, report)
    return f if evidence is f.evidence else replace(f, evidence=evidence)


_rule_id = attrgetter("rule_id")


def _title(info: RuleInfo | None) -> str:
    return info.title if info is not None else ""       # (a rule the catalog does not know: RuleInfo's "")


def build_record(base: AuditRecord, report: Report, results: list[RuleResult], policy: ScoringPolicy,
                 rule_info: dict[str, RuleInfo], engine: str, scored: list[RuleResult] | None = None) -> AuditRecord:
    """The evaluated record: `base` (status and dispatch) with the report's metadata, its score and
    every finding, not-assessable item and rule error. `scored`: the results to score when review
    decisions took findings out (engine/ledger/season.py); every finding is listed all the same."""
    findings, unknown, errors = [], [], []
    n_lines = len(report.lines)
    for result in results:
        outcome = result.outcome
        if outcome == "fail":
            for f in result.findings:
                ev = f.evidence
                # _quoted only where it may fill something in (a line number, no excerpt or no place)
                findings.append(_quoted(f, report) if ev.line and 0 < ev.line <= n_lines
                                and (not ev.excerpt or not ev.where) else f)
        elif outcome == "not_assessable":
            unknown.append(result)
        elif outcome == "error":
            errors.append(result)
    findings.sort(key=finding_sort_key)
    score = score_results(results if scored is None else scored, policy, rule_info.get)
    na_scored = {d.rule_id for d in score.deductions if d.outcome == "not_assessable"}
    not_assessable = sorted(
        (NotAssessable(r.rule_id, _title(rule_info.get(r.rule_id)) or r.rule_id, r.reason,
                       list(r.cells), charge=r.charge, charge_reason=r.charge_reason, covered_by=r.covered_by,
                       scored=r.rule_id in na_scored)
         for r in unknown),
        key=_rule_id) if unknown else []
    rule_errors = sorted((RuleError(r.rule_id, r.reason) for r in errors), key=_rule_id) if errors else []
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        if f.counted and f.severity in counts:
            counts[f.severity] += 1
    md = report.metadata
    changes = dict(agency=md.agency, year=md.year, template=md.template, body_kind=md.body_kind,
                   title=md.title, format=report.format, engine=engine,
                   score=score.score_json(), grade=score.grade, scoring=score.to_json(), counts=counts,
                   rules_evaluated=len(results), findings=findings, not_assessable=not_assessable,
                   rule_errors=rule_errors, diagnostics=list(report.diagnostics))
    # not __init__ again over the record's ~35 fields: a fifth of building the record
    return replaced(base, AuditRecord, **changes)


@dataclass
class Finished:
    """A finished record as an evaluation worker hands it back: the worker rendered its findings.json
    text (where the CPU is parallel) and spooled it at `blob`, pickled its slim summary (what the
    store keeps) at `slim_blob` and its rows of summary.xlsx's 问题 sheet (finding_rows.finding_values)
    at `rows` — only where they are crosses the pipe, and the main process neither unpickles nor
    pickles anything per finished report; the spreadsheet writer reads the rows, not the record."""
    blob: Blob
    slim_blob: Blob
    rows: Blob | None = None

    def __reduce__(self) -> tuple:
        # the three places as numbers beside their one spool file (a group task's result holds one
        # Finished a member: each Blob a named tuple made back through a Python-level call)
        blob, slim, rows = self.blob, self.slim_blob, self.rows
        if rows is not None and blob.path == slim.path == rows.path:
            return _finished_of, (blob.path, blob.offset, blob.length, slim.offset, slim.length, rows.offset,
                                  rows.length)
        return Finished, (blob, slim, rows)


_new_blob = tuple.__new__


def _finished_of(path: str, *places: int) -> Finished:
    """The Finished of Finished.__reduce__'s form."""
    finished = object.__new__(Finished)
    finished.blob = _new_blob(Blob, (path, places[0], places[1]))
    finished.slim_blob = _new_blob(Blob, (path, places[2], places[3]))
    finished.rows = _new_blob(Blob, (path, places[4], places[5]))
    return finished


class RecordStore:
    """Finished records spooled to disk: each record's findings.json text (by the evaluation worker
    that built it, or here) and its slim summary (pickled here). In memory it keeps only where each
    is (BlobTable: ~40 bytes a record), so the main process does not hold the records, nor even
    their summaries: the dashboard, the summary and the per-report rows read the summaries back one
    at a time (`slims`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.blobs = BlobTable()                # key -> the record's findings.json text
        self.slim_blobs = BlobTable()           # key -> its slim summary (pickled)
        self.previous_only: set[str] = set()    # --previous inputs: compared against, not audited
        self._spool = Spool(folder, "record-main")

    def put(self, key: str, record: AuditRecord) -> None:
        """A record finished in this process."""
        self._add(key, self._spool.put_text(report_text(record)), record.summary())

    def add(self, key: str, finished: Finished) -> None:
        """A record a worker finished and spooled (an evaluated report: never a --previous input)."""
        self.blobs[key] = finished.blob
        self.slim_blobs[key] = finished.slim_blob

    def _add(self, key: str, blob: Blob, slim: AuditSummary) -> None:
        self.blobs[key] = blob
        self.slim_blobs[key] = put_object(self._spool, slim)
        if slim.previous_only:
            self.previous_only.add(key)

    def __contains__(self, key: str) -> bool:
        return key in self.slim_blobs

    def discard(self, key: str) -> None:
        """Forget a record that is to be made again (it stays in the spool, unread)."""
        self.blobs.pop(key, None)
        self.slim_blobs.pop(key, None)
        self.previous_only.discard(key)

    def slims(self, keys: Iterable[str]) -> SpooledSequence:
        """The slim summaries of `keys`, in that order, read from disk as they are iterated."""
        return SpooledSequence(self.slim_blobs.sequence(keys))

    def text(self, key: str) -> str:
        return read_text(self.blobs[key])

    def close(self) -> None:
        self._spool.close()


def _is_hex(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32 and text == text.lower()
    except ValueError:
        return False       # the digest kept as bytes is given back in lower case


class BaseRecords:
    """Every input's record so far (an AuditRecord without findings: status, metadata, letter name,
    文号, round, previous and same-year sources), pickled into a spool each time it is set — except
    a file as listed, still "pending" (`pending`): only its sha256 and a flag are kept, in arrays,
    and its record is made again when read (most inputs are next read once, to be named, and
    pickling and reading back a record that is nothing but its listing cost more than the rest of
    listing it). The main process keeps where each is, its source path (the output order) and its
    status, in arrays (keyed.py): ~40 bytes and the source's UTF-8 bytes a file (docs/scale.md)."""

    def __init__(self, folder: Path):
        self._spool = Spool(folder, "base-main")
        self._reader = SpoolReader()             # read back once or twice a report: no open() each time
        self.blobs = BlobTable()                 # the records pickled (none for a listed, pending one)
        self.listed = DigestTable()              # the listed, pending ones: sha256 and --previous or not
        self.sources = SourceTable()
        self.statuses = StatusTable()

    def save(self, key: str, record: AuditRecord) -> None:
        self.blobs[key] = put_object(self._spool, record)
        if self.listed and key in self.listed:
            del self.listed[key]
        self.sources[key] = record.source
        self.statuses[key] = record.status

    def pending(self, key: str, source: str, sha256: str | None, previous_only: bool = False) -> None:
        """A listed input's record, AuditRecord(source=source, status="pending", sha256=sha256,
        previous_only=previous_only), kept in a few bytes (no pickle) until it is saved otherwise."""
        if sha256 is not None and not _is_hex(sha256):
            self.save(key, AuditRecord(source=source, status="pending", sha256=sha256, previous_only=previous_only))
            return
        if key in self.blobs:
            del self.blobs[key]
        self.listed[key] = (sha256, previous_only)
        self.sources[key] = source
        self.statuses[key] = "pending"

    def digest_taken(self, key: str, sha256: str | None) -> None:
        """A listed INPUT file's sha256, taken after it was listed (input_records' digest_later)."""
        if sha256 is not None and not _is_hex(sha256):
            self.pending(key, self.sources[key], sha256)
            return
        self.listed[key] = (sha256, False)

    def sha256(self, key: str) -> str | None:
        """The record's sha256 (without reading back a saved record when it is still as listed)."""
        listed = self.listed.get(key) if self.listed else None
        return listed[0] if listed is not None else self[key].sha256

    def __getitem__(self, key: str) -> AuditRecord:
        listed = self.listed.get(key) if self.listed else None
        if listed is not None:
            return AuditRecord(source=self.sources[key], status="pending", sha256=listed[0], previous_only=listed[1])
        return self._reader.object(self.blobs[key])

    def __contains__(self, key: str) -> bool:
        return key in self.statuses

    def __iter__(self):
        return iter(self.statuses)

    def __len__(self) -> int:
        return len(self.statuses)

    def ordered(self, keys: Iterable[str]) -> KeyList:
        """`keys` in output order: by source path, then key (no sort when the inputs were numbered
        in source order, as input_records numbers them)."""
        return self.sources.ordered(keys)

    def close(self) -> None:
        self._spool.close()
        self._reader.close()
