"""The web app's only door into the engine: running an audit, reading its results, the rule
catalog. The pages and the API call these functions, never the engine's internals, so the web app
is the same engine as the command line, not a copy of it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from engine import DEFAULT_RULES_DIR
from engine.ledger import Ledger, LedgerError
from engine.ledger.agencies import AgencyEntry, AgencyListError, load_agency_list
from engine.render.json_out import FINDINGS_FILE, REPORTS_FILE, load_findings, located_reports, report_at
from engine.rules import Rule, load_catalog
from engine.web.errors import WebError
from engine.web.settings import WebSettings


def audit_folder(inputs: Path, out: Path, ledger: Path, jobs: int, timeout: float, by: str,
                 progress: Callable[[str, int], Any]) -> str:
    """Audit every file under `inputs` into `out` (replaced atomically) with the office's ledger (its
    review decisions, rounds, reference numbers and list of agencies); returns the Chinese summary."""
    # Lazy: the run machinery (process pools, pandas in the spreadsheet writer) is only for workers.
    from engine.run import AuditOptions, run_audit
    from engine.ingest import Limits

    options = AuditOptions(jobs=jobs, limits=Limits(max_seconds=timeout), progress=progress,
                           ledger=ledger, by=by)
    result = run_audit([inputs], out, options)
    counts = result.count_by_status()
    audited = counts.get("audited", 0)
    return f"共 {sum(counts.values())} 个文件，已审核 {audited} 个。"


def read_results(out: Path) -> dict[str, Any] | None:
    """The batch's findings.json, its `reports` read from findings.jsonl when a large run left them out
    (every record in memory: the results index reads them one at a time instead)."""
    return load_findings(out)


def results_identity(out: Path) -> str | None:
    """Which run's results OUT holds: findings.json's and findings.jsonl's inode, mtime and size.
    A run replaces OUT as a whole (a new folder renamed into place), so a re-run changes it; None
    while OUT has no findings.json."""
    parts = []
    for name in (FINDINGS_FILE, REPORTS_FILE):
        try:
            st = os.stat(out / name)
        except FileNotFoundError:
            if name == FINDINGS_FILE:
                return None
            continue
        parts.append(f"{name}:{st.st_ino}:{st.st_mtime_ns}:{st.st_size}")
    return ";".join(parts)


@dataclass(frozen=True)
class RecordLine:
    """One report record of the results and where it is: its byte offset and length in
    findings.jsonl, or None for a result written before findings.jsonl existed (then `position` in
    findings.json's `reports`)."""
    position: int
    offset: int | None
    length: int | None
    record: dict[str, Any]


def results_head(out: Path) -> dict[str, Any]:
    """findings.json's top-level keys but `reports` (a small run's findings.json holds them too:
    parsed here once, when the index is built)."""
    document = json.loads((out / FINDINGS_FILE).read_text(encoding="utf-8"))
    document.pop("reports", None)
    return document


def iter_record_lines(out: Path) -> Iterator[RecordLine]:
    """The report records in `reports` order, one at a time, each with where it is."""
    for position, (offset, length, record) in enumerate(located_reports(out)):
        yield RecordLine(position, offset, length, record)


def read_record(out: Path, position: int, offset: int | None, length: int | None) -> dict[str, Any] | None:
    """One report record: `length` bytes read at `offset` of findings.jsonl (or, for an old result
    without it, findings.json's reports[position]); None when the file is not what the index saw."""
    if offset is None or length is None:
        reports = (load_findings(out) or {}).get("reports") or []
        return reports[position] if position < len(reports) else None
    return report_at(out, offset, length)


@lru_cache(maxsize=1)
def rule_catalog() -> tuple[Rule, ...]:
    """The shipped catalog's rules, loaded once per server process."""
    return tuple(load_catalog(DEFAULT_RULES_DIR).rules)


# -- the ledger: decisions, history, the list of agencies ----------------------------------------

def decide(ledger: Path, finding_id: str, status: str, by: str, *, reason: str | None, note: str | None,
           until: dt.date | None) -> None:
    with Ledger(ledger) as book:
        try:
            book.decide(finding_id, status, by, reason=reason, note=note, until=until)
        except LedgerError as exc:
            raise WebError(404, str(exc)) from None


def undo(ledger: Path, finding_id: str, by: str) -> None:
    with Ledger(ledger) as book:
        try:
            book.undo(finding_id, by)
        except LedgerError as exc:
            raise WebError(404, str(exc)) from None


@dataclass(frozen=True)
class HistoryRow:
    year: int
    round: int
    source: str | None
    findings: int
    dismissed: int


def agency_history(ledger: Path, agency: str | None) -> list[HistoryRow]:
    """This agency's audited reports in the ledger, by year and rectification round."""
    if not agency:
        return []
    with Ledger(ledger) as book:
        items = book.review_items(agency)
    rows: dict[tuple[int, int], list] = {}
    for item in items:
        rows.setdefault((item.year, item.round), []).append(item)
    return [HistoryRow(year, rnd, group[0].source, len(group),
                       sum(1 for i in group if i.decision is not None and i.decision.status == "dismissed"))
            for (year, rnd), group in sorted(rows.items(), reverse=True)]


def agencies(ledger: Path) -> list[AgencyEntry]:
    with Ledger(ledger) as book:
        return book.agencies()


def import_agencies(settings: WebSettings, filename: str, data: bytes) -> int:
    """Keep the uploaded list under DATA/agencies (later audits use it) and import it into the ledger."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise WebError(422, "单位名单应为 CSV 或 XLSX 文件。")
    if len(data) > 10 * 1024 * 1024:
        raise WebError(413, "单位名单文件过大（上限 10 MB）。")
    settings.agencies_dir.mkdir(parents=True, exist_ok=True)
    staging = settings.agencies_dir / f".upload{suffix}"
    staging.write_bytes(data)
    try:
        entries = load_agency_list(staging)
    except AgencyListError as exc:
        staging.unlink(missing_ok=True)
        raise WebError(422, str(exc)) from None
    for old in settings.agencies_dir.glob("current.*"):
        old.unlink()
    staging.replace(settings.agencies_dir / f"current{suffix}")
    with Ledger(settings.ledger) as book:
        book.import_agencies(entries)
    return len(entries)


def current_agency_list(settings: WebSettings) -> Path | None:
    return next(iter(sorted(settings.agencies_dir.glob("current.*"))), None) if settings.agencies_dir.is_dir() else None
