"""The audit ledger: what carries over from one audit run to the next.

    Ledger(path)                      open (create, migrate) a ledger file; close() / context manager
    .begin_run(run_date, by, output) -> run id
    .report_round(agency, year, sha256, source, run_id) -> Round
    .record_findings(report_id, items)            the findings a report had in this run
    .letter_items(report_id) -> list[StoredFinding]   what that report's letter listed
    .reference_number(agency, year, round, ref_year, start, fmt) -> LetterNumber
    .decide(finding_id, status, by, ...) / .undo(finding_id, by) / .decision(s)(...)
    .review_items(agency=None) -> list[ReviewItem]
    .import_agencies(entries) / .agencies()

Every write is one short BEGIN IMMEDIATE transaction (see db.py), so concurrent runs on one
ledger serialise their writes and never hand out one round or one reference number twice.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.ledger.agencies import AgencyEntry
from engine.ledger.db import LedgerError, connect, transaction
from engine.ledger.decisions import STATUSES, Decision, now_iso
from engine.ledger.ids import agency_key
from engine.template import describe_address


@dataclass(frozen=True)
class Round:
    report_id: int
    number: int                       # 1: first audit; 2, 3 …: 复核 rounds of resubmissions
    previous_report_id: int | None    # the round before (None in round 1)

    @property
    def is_review(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class LetterNumber:
    sequence: int
    text: str                         # the 文号 as printed


@dataclass(frozen=True)
class StoredFinding:
    finding_id: str
    rule_id: str
    severity: str | None
    charge: str
    title: str | None
    message: str | None
    location: str | None
    in_letter: bool


@dataclass(frozen=True)
class ReviewItem:
    finding: StoredFinding
    agency: str | None
    year: int
    round: int
    source: str | None
    decision: Decision | None


class Ledger:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = connect(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- runs, reports, rounds ---------------------------------------------------------------

    def begin_run(self, run_date: dt.date, by: str | None, output: str | None) -> int:
        with transaction(self.conn) as c:
            cur = c.execute("INSERT INTO runs (started_at, run_date, by, output) VALUES (?, ?, ?, ?)",
                            (now_iso(), run_date.isoformat(), by, output))
            return int(cur.lastrowid)

    def report_round(self, agency: str | None, year: int, sha256: str, source: str | None, run_id: int) -> Round:
        """The round of this file: the one it had when the same content was audited before, else
        the next round of its agency and year (a resubmission with other content)."""
        key = agency_key(agency)
        with transaction(self.conn) as c:
            row = c.execute("SELECT id, round FROM reports WHERE agency_key=? AND year=? AND sha256=?",
                            (key, year, sha256)).fetchone()
            if row:
                c.execute("UPDATE reports SET last_run=?, source=?, agency=? WHERE id=?",
                          (run_id, source, agency, row["id"]))
                c.execute("UPDATE runs SET reports = reports + 1 WHERE id=?", (run_id,))
                report_id, number = row["id"], row["round"]
            else:
                number = 1 + c.execute("SELECT COALESCE(MAX(round), 0) FROM reports WHERE agency_key=? AND year=?",
                                       (key, year)).fetchone()[0]
                cur = c.execute("INSERT INTO reports (agency_key, agency, year, sha256, round, source, first_run,"
                                " last_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (key, agency, year, sha256, number, source, run_id, run_id))
                c.execute("UPDATE runs SET reports = reports + 1 WHERE id=?", (run_id,))
                report_id = int(cur.lastrowid)
            prev = c.execute("SELECT id FROM reports WHERE agency_key=? AND year=? AND round=?",
                             (key, year, number - 1)).fetchone()
        return Round(report_id, number, prev["id"] if prev else None)

    def record_findings(self, report_id: int, items: Iterable[dict[str, Any]]) -> None:
        """Replace what the ledger holds of this report's findings. Each item: id, rule_id,
        severity, charge, title, message, evidence (for the location) and in_letter (bool)."""
        rows = [(report_id, it["id"], it["rule_id"], it.get("severity"), it.get("charge") or "agency",
                 it.get("title"), it.get("message"), _location(it.get("evidence")), int(bool(it.get("in_letter"))))
                for it in items]
        with transaction(self.conn) as c:
            c.execute("DELETE FROM findings WHERE report_id=?", (report_id,))
            c.executemany("INSERT OR REPLACE INTO findings (report_id, finding_id, rule_id, severity, charge, title,"
                          " message, location, in_letter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def letter_items(self, report_id: int) -> list[StoredFinding]:
        return [_stored(r) for r in self.conn.execute(
            "SELECT * FROM findings WHERE report_id=? AND in_letter=1 ORDER BY rowid", (report_id,))]

    def reference_number(self, agency: str | None, year: int, round_no: int, ref_year: int, start: int,
                         fmt: Callable[[int], str]) -> LetterNumber:
        """The letter's 文号: the one given before to this agency, year and round, else the next
        free sequence number of `ref_year` (at least `start`), formatted by `fmt`."""
        key = agency_key(agency)
        with transaction(self.conn) as c:
            row = c.execute("SELECT sequence, reference_number FROM letters WHERE agency_key=? AND year=? AND round=?",
                            (key, year, round_no)).fetchone()
            if row:
                return LetterNumber(int(row["sequence"]), str(row["reference_number"]))
            top = c.execute("SELECT MAX(sequence) FROM letters WHERE ref_year=?", (ref_year,)).fetchone()[0]
            seq = max(start, (top or 0) + 1)
            number = fmt(seq)
            c.execute("INSERT INTO letters (agency_key, year, round, ref_year, sequence, reference_number,"
                      " assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (key, year, round_no, ref_year, seq, number, now_iso()))
            return LetterNumber(seq, number)

    def report_row(self, report_id: int) -> sqlite3.Row:
        return self.conn.execute("SELECT * FROM reports WHERE id=?", (report_id,)).fetchone()

    def existing_reference(self, agency: str | None, year: int, round_no: int) -> str | None:
        row = self.conn.execute("SELECT reference_number FROM letters WHERE agency_key=? AND year=? AND round=?",
                                (agency_key(agency), year, round_no)).fetchone()
        return str(row["reference_number"]) if row else None

    # --- review decisions ----------------------------------------------------------------------

    def known(self, finding_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM findings WHERE finding_id=? LIMIT 1", (finding_id,)).fetchone() is not None

    def decide(self, finding_id: str, status: str, by: str, *, reason: str | None = None, note: str | None = None,
               until: dt.date | None = None) -> Decision:
        if status not in STATUSES:
            raise ValueError(status)
        if not self.known(finding_id):
            raise LedgerError(f"审核台账中没有编号为 {finding_id} 的问题（可用 review list 查看）")
        decision = Decision(finding_id, status, by, now_iso(), reason, note, until.isoformat() if until else None)
        with transaction(self.conn) as c:
            c.execute("INSERT INTO decisions (finding_id, status, reason, note, until, by, at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (finding_id, status, reason, note, decision.until, by, decision.at))
        return decision

    def undo(self, finding_id: str, by: str) -> Decision:
        """Withdraw the latest decision on a finding; returns the withdrawn decision."""
        with transaction(self.conn) as c:
            row = c.execute("SELECT * FROM decisions WHERE finding_id=? AND undone_at IS NULL"
                            " ORDER BY id DESC LIMIT 1", (finding_id,)).fetchone()
            if row is None:
                raise LedgerError(f"编号为 {finding_id} 的问题没有可撤销的审核决定")
            c.execute("UPDATE decisions SET undone_by=?, undone_at=? WHERE id=?", (by, now_iso(), row["id"]))
        return _decision(row)

    def decision(self, finding_id: str) -> Decision | None:
        return self.decisions([finding_id]).get(finding_id)

    def decisions(self, finding_ids: Iterable[str] | None = None) -> dict[str, Decision]:
        """The decision in force per finding id (the latest not undone)."""
        sql = ("SELECT * FROM decisions WHERE undone_at IS NULL AND id IN"
               " (SELECT MAX(id) FROM decisions WHERE undone_at IS NULL GROUP BY finding_id)")
        wanted = None if finding_ids is None else set(finding_ids)
        return {r["finding_id"]: _decision(r) for r in self.conn.execute(sql)
                if wanted is None or r["finding_id"] in wanted}

    def history(self, finding_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM decisions WHERE finding_id=? ORDER BY id",
                                                   (finding_id,))]

    def review_items(self, agency: str | None = None) -> list[ReviewItem]:
        """The findings of each agency's and year's latest round, with their decisions."""
        sql = ("SELECT f.*, r.agency, r.year, r.round, r.source FROM findings f JOIN reports r ON r.id = f.report_id"
               " WHERE r.round = (SELECT MAX(round) FROM reports r2 WHERE r2.agency_key = r.agency_key"
               " AND r2.year = r.year)")
        args: tuple = ()
        if agency:
            sql += " AND (r.agency_key = ? OR r.agency LIKE ?)"
            args = (agency_key(agency), f"%{agency}%")
        rows = self.conn.execute(sql + " ORDER BY r.agency_key, r.year, f.rowid", args).fetchall()
        decided = self.decisions(r["finding_id"] for r in rows)
        return [ReviewItem(_stored(r), r["agency"], r["year"], r["round"], r["source"], decided.get(r["finding_id"]))
                for r in rows]

    # --- the list of agencies ------------------------------------------------------------------

    def import_agencies(self, entries: list[AgencyEntry]) -> None:
        """The list replaces the one held before (the office's current list)."""
        at = now_iso()
        with transaction(self.conn) as c:
            c.execute("DELETE FROM agencies")
            c.executemany("INSERT INTO agencies (key, name, kind, aliases, published, url, imported_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                          [(e.key, e.name, e.kind, json.dumps(list(e.aliases), ensure_ascii=False), e.published,
                            e.url, at) for e in entries])

    def agencies(self) -> list[AgencyEntry]:
        return [AgencyEntry(r["name"], r["kind"], tuple(json.loads(r["aliases"])), r["published"], r["url"])
                for r in self.conn.execute("SELECT * FROM agencies ORDER BY rowid")]


_CELLS_SHOWN = 3


def _location(evidence: dict[str, Any] | None) -> str | None:
    """Where a finding points, short enough for `review list`: the place in the source and the first
    cells in words (表四“行政复议”之“结果维持”)."""
    ev = evidence or {}
    cells = list(ev.get("cells") or [])
    named = "、".join(_cell_name(c) for c in cells[:_CELLS_SHOWN])
    if len(cells) > _CELLS_SHOWN:
        named += f" 等 {len(cells)} 个单元格"
    return "；".join(p for p in (ev.get("where"), named) if p) or None


def _cell_name(address: str) -> str:
    try:
        return describe_address(address)
    except (IndexError, KeyError, ValueError):     # an address outside the template: as written
        return address


def _stored(row: sqlite3.Row) -> StoredFinding:
    return StoredFinding(row["finding_id"], row["rule_id"], row["severity"], row["charge"], row["title"],
                         row["message"], row["location"], bool(row["in_letter"]))


def _decision(row: sqlite3.Row) -> Decision:
    return Decision(row["finding_id"], row["status"], row["by"], row["at"], row["reason"], row["note"], row["until"])
