"""A batch's results index: what the batch page and the lookups need, built once per run.

A province's batch is tens of thousands of reports, and its findings.jsonl some hundreds of MB:
no request may parse it. So once per finished run (the worker builds it; a request builds it when it
finds it missing or stale) one pass over the records writes BATCH/results-index.sqlite:

    reports   per report what the lists show (agency, grade, score, counts, 主要问题 …), its rank in
              the batch page's worst-first order, and where its record is in findings.jsonl
              (byte offset and length: a report's page reads that one line)
    findings  finding id → report, and each finding's title (the 常见问题 filter)
    common    the batch's most common findings, counted once here
    meta      the results' identity (engine_api.results_identity: findings.json's and
              findings.jsonl's inode, mtime and size — a re-run replaces OUT, so they change),
              the schema version, findings.json's missing_agencies

The index is a cache of OUT, never a source: it is rebuilt whenever its identity is not OUT's, and
a record read at an offset is checked to be the report asked for (else the index is rebuilt once).
It is written to a temporary file and renamed into place, so a request reads either the old index
or the new, never half of one; requests of this process build it one at a time.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from engine.web import engine_api
from engine.web.views import ReportView, report_id, report_view

INDEX_NAME = "results-index.sqlite"
SCHEMA_VERSION = 1
COMMON_LIMIT = 8
# the batch page's worst-first order: 不合格 first, then most errors, lowest score, agency
GRADE_ORDER = {"不合格": 0, "合格": 1, "良好": 2, "优秀": 3}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE reports (
    pos INTEGER PRIMARY KEY,           -- the record's place in `reports` order
    rank INTEGER NOT NULL,             -- its place in the batch page's order
    id TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, status_label TEXT NOT NULL,
    message TEXT NOT NULL, agency TEXT NOT NULL, year INTEGER, score REAL, grade TEXT, letter TEXT,
    errors INTEGER NOT NULL, warnings INTEGER NOT NULL, infos INTEGER NOT NULL, manual INTEGER NOT NULL,
    main_problems TEXT NOT NULL,       -- JSON list
    offset INTEGER, length INTEGER     -- the line in findings.jsonl (NULL: an old findings.json only)
);
CREATE TABLE findings (pos INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT, title TEXT NOT NULL,
                       manual INTEGER NOT NULL);   -- 待人工核对: not counted among the common findings
CREATE TABLE common (place INTEGER PRIMARY KEY, title TEXT NOT NULL, n INTEGER NOT NULL);
"""
INDEXES = """
CREATE INDEX reports_rank ON reports (rank);
CREATE INDEX reports_id ON reports (id, pos);
CREATE INDEX findings_id ON findings (id, pos);
CREATE INDEX findings_title ON findings (title, pos);
"""
ROW_COLUMNS = ("pos, id, source, status, status_label, message, agency, year, score, grade, letter, errors, "
               "warnings, infos, manual, main_problems")


@dataclass(frozen=True)
class ReportRow:
    """One report as the batch page and the API's list show it (no findings: see ReportView)."""
    pos: int
    id: str
    source: str
    status: str
    status_label: str
    message: str
    agency: str
    year: int | None
    score: float | None
    grade: str | None
    letter: str | None
    counts: dict[str, int]
    manual_count: int
    main_problems: list[str]


@dataclass(frozen=True)
class Filters:
    """The batch page's filters; empty strings filter nothing."""
    grade: str = ""
    status: str = ""
    agency: str = ""            # part of the agency's name
    problem: str = ""           # a finding's title

    @property
    def active(self) -> bool:
        return any((self.grade, self.status, self.agency, self.problem))


@dataclass(frozen=True)
class Page:
    rows: list[ReportRow]
    number: int                 # from 1
    pages: int                  # at least 1
    total: int                  # rows matching the filters
    per_page: int

    @property
    def audited(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status == "audited"]

    @property
    def others(self) -> list[ReportRow]:
        return [r for r in self.rows if r.status != "audited"]


@dataclass(frozen=True)
class ResultsIndex:
    """An up-to-date index of one batch's results (open with `results_index`)."""
    path: Path
    out: Path
    identity: str
    missing_agencies: list[Any] = field(default_factory=list)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    def _query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        conn = self._connect()
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def page(self, filters: Filters, number: int, per_page: int, *, order: str = "rank") -> Page:
        """Page `number` (clamped to the pages there are) of the reports matching `filters`, in the
        batch page's order (`rank`) or the results' own (`pos`)."""
        where, args = _where(filters)
        total = self._query(f"SELECT count(*) FROM reports r {where}", args)[0][0]
        pages = max(1, -(-total // per_page))
        number = min(max(1, number), pages)
        column = "rank" if order == "rank" else "pos"
        rows = self._query(f"SELECT {ROW_COLUMNS} FROM reports r {where} ORDER BY {column} LIMIT ? OFFSET ?",
                           (*args, per_page, (number - 1) * per_page))
        return Page([_row(r) for r in rows], number, pages, total, per_page)

    def common(self) -> list[tuple[str, int]]:
        """The most common findings of the audited reports (待人工核对 left out), most frequent first."""
        return [(r["title"], r["n"]) for r in self._query("SELECT title, n FROM common ORDER BY place")]

    def counts_by_status(self) -> dict[str, tuple[str, int]]:
        """status → (its Chinese label, how many reports have it)."""
        rows = self._query("SELECT status, status_label, count(*) AS n FROM reports GROUP BY status ORDER BY min(pos)")
        return {r["status"]: (r["status_label"], r["n"]) for r in rows}

    def grades(self) -> list[str]:
        rows = self._query("SELECT DISTINCT grade FROM reports WHERE grade IS NOT NULL")
        return sorted((r["grade"] for r in rows), key=lambda g: GRADE_ORDER.get(g, 9))

    def report(self, rid: str) -> ReportView | None:
        """The report with this id (the first, in `reports` order), read from its one record."""
        rows = self._query("SELECT pos, id, offset, length FROM reports WHERE id = ? ORDER BY pos LIMIT 1", (rid,))
        return self._view(rows[0]) if rows else None

    def reports(self, rows: list[ReportRow]) -> list[ReportView]:
        """These rows' reports with their findings, each read from its own record."""
        refs = {r["pos"]: r for r in self._query(
            f"SELECT pos, id, offset, length FROM reports WHERE pos IN ({','.join('?' * len(rows))})",
            tuple(r.pos for r in rows))} if rows else {}
        return [view for view in (self._view(refs[r.pos]) for r in rows) if view is not None]

    def has_finding(self, fid: str) -> bool:
        return bool(self._query("SELECT 1 FROM findings WHERE id = ? LIMIT 1", (fid,)))

    def _view(self, ref: sqlite3.Row) -> ReportView | None:
        record = engine_api.read_record(self.out, ref["pos"], ref["offset"], ref["length"])
        if record is None or report_id(record) != ref["id"]:
            raise StaleIndex(self.path)
        return report_view(record)


class StaleIndex(Exception):
    """OUT changed under the index between its check and a read (a re-run finished meanwhile)."""


def _where(filters: Filters) -> tuple[str, tuple]:
    clauses, args = [], []
    if filters.grade:
        clauses.append("r.grade = ?")
        args.append(filters.grade)
    if filters.status:
        clauses.append("r.status = ?")
        args.append(filters.status)
    if filters.agency:
        clauses.append("instr(r.agency, ?) > 0")      # a plain substring: no LIKE wildcards to escape
        args.append(filters.agency)
    if filters.problem:
        clauses.append("EXISTS (SELECT 1 FROM findings f WHERE f.title = ? AND f.pos = r.pos)")
        args.append(filters.problem)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def _row(r: sqlite3.Row) -> ReportRow:
    return ReportRow(
        pos=r["pos"], id=r["id"], source=r["source"], status=r["status"], status_label=r["status_label"],
        message=r["message"], agency=r["agency"], year=r["year"], score=r["score"], grade=r["grade"],
        letter=r["letter"], counts={"error": r["errors"], "warning": r["warnings"], "info": r["infos"]},
        manual_count=r["manual"], main_problems=json.loads(r["main_problems"]))


# -- opening and building ------------------------------------------------------------------------

_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def results_index(batch_dir: Path) -> ResultsIndex | None:
    """The index of the batch's current results, built first when missing or stale; None while
    the batch has no results."""
    out = batch_dir / "out"
    identity = engine_api.results_identity(out)
    if identity is None:
        return None
    path = batch_dir / INDEX_NAME
    index = _current(path, out, identity)
    if index is not None:
        return index
    with _lock(path):
        index = _current(path, out, identity)       # another request may have built it meanwhile
        if index is None:
            build_index(batch_dir)
            identity = engine_api.results_identity(out)
            index = _current(path, out, identity) if identity else None
    return index


def build_index(batch_dir: Path) -> None:
    """(Re)build BATCH/results-index.sqlite from BATCH/out; nothing when there are no results."""
    out = batch_dir / "out"
    for _ in range(3):              # OUT replaced while we read it: read the new results again
        identity = engine_api.results_identity(out)
        if identity is None:
            return
        tmp = batch_dir / f".{INDEX_NAME}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.unlink(missing_ok=True)
        try:
            _write(tmp, out, identity)
            if engine_api.results_identity(out) == identity:
                os.replace(tmp, batch_dir / INDEX_NAME)
                return
        finally:
            tmp.unlink(missing_ok=True)


def _current(path: Path, out: Path, identity: str) -> ResultsIndex | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return None
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    if meta.get("identity") != identity or meta.get("version") != str(SCHEMA_VERSION):
        return None
    return ResultsIndex(path, out, identity, json.loads(meta.get("missing_agencies", "[]")))


def _lock(path: Path) -> threading.Lock:
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(path, threading.Lock())


def _write(tmp: Path, out: Path, identity: str) -> None:
    head = engine_api.results_head(out)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=OFF")      # a temporary file: renamed whole or dropped
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        for statement in (s for s in SCHEMA.split(";") if s.strip()):
            conn.execute(statement)
        _insert_ranks(conn, _insert_reports(conn, engine_api.iter_record_lines(out)))
        _insert_common(conn)
        for statement in (s for s in INDEXES.split(";") if s.strip()):
            conn.execute(statement)
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
            ("identity", identity), ("version", str(SCHEMA_VERSION)),
            ("missing_agencies", json.dumps(head.get("missing_agencies") or [], ensure_ascii=False))])
        conn.execute("COMMIT")
    finally:
        conn.close()


def _insert_reports(conn: sqlite3.Connection, lines: Iterator[engine_api.RecordLine]) -> list[tuple[tuple, int]]:
    """Every record's row and findings; returns the audited reports' sort keys with their positions."""
    ranking: list[tuple[tuple, int]] = []
    for line in lines:
        view = report_view(line.record)
        conn.execute(f"INSERT INTO reports ({ROW_COLUMNS}, rank, offset, length) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, -1, ?, ?)",
                     (line.position, view.id, view.source, view.status, view.status_label, view.message,
                      view.agency, view.year, view.score, view.grade, view.letter, view.counts["error"],
                      view.counts["warning"], view.counts["info"], view.manual_count,
                      json.dumps(view.main_problems, ensure_ascii=False), line.offset, line.length))
        conn.executemany("INSERT INTO findings (pos, seq, id, title, manual) VALUES (?, ?, ?, ?, ?)",
                         [(line.position, seq, f.id, f.title, f.charge == "manual")
                          for seq, f in enumerate(view.findings)])
        if view.status == "audited":
            ranking.append((worst_first(view), line.position))
    return ranking


def worst_first(view: ReportView | ReportRow) -> tuple:
    """The batch page's order of audited reports (ties keep the results' order: a stable sort)."""
    return (GRADE_ORDER.get(view.grade or "", 9), -view.counts["error"], view.score or 0, view.agency)


def _insert_ranks(conn: sqlite3.Connection, ranking: list[tuple[tuple, int]]) -> None:
    """Audited reports first, worst first; then the others in the results' order."""
    ranking.sort(key=lambda item: item[0])
    conn.executemany("UPDATE reports SET rank = ? WHERE pos = ?", [(i, pos) for i, (_, pos) in enumerate(ranking)])
    conn.execute("UPDATE reports SET rank = ? + pos WHERE rank < 0", (len(ranking),))


def _insert_common(conn: sqlite3.Connection) -> None:
    """The findings' titles counted over the audited reports (待人工核对 left out), most frequent
    first, ties in the order the page first shows them (as Counter.most_common over its rows)."""
    conn.execute(
        "INSERT INTO common (place, title, n) "
        "SELECT row_number() OVER (ORDER BY count(*) DESC, min(r.rank * 1000000 + f.seq)) - 1, f.title, count(*) "
        "FROM findings f JOIN reports r ON r.pos = f.pos WHERE r.status = 'audited' AND NOT f.manual "
        "GROUP BY f.title ORDER BY count(*) DESC, min(r.rank * 1000000 + f.seq) LIMIT ?", (COMMON_LIMIT,))
