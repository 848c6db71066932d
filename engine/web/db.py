"""The web app's tables (accounts, sessions, batches) in the office's ledger database.

They live in the same SQLite file as the audit ledger (engine.ledger), with their own schema
version table so the two evolve independently. One short-lived connection per operation: the app
serves requests from a thread pool and audits run in other processes, so nothing shares a
connection; WAL and a busy timeout let readers and the writer coexist.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from engine.ledger.db import transaction as ledger_transaction

ROLES = {"admin": "管理员", "auditor": "审核员", "viewer": "查看"}
BATCH_STATUS = {"queued": "排队中", "running": "审核中", "done": "已完成", "failed": "失败"}

# Each entry moves the schema one version up; never edit a released entry, append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE web_users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'auditor', 'viewer')),
        password TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT
    );
    CREATE TABLE web_sessions (
        token TEXT PRIMARY KEY,            -- SHA-256 of the cookie value
        user_id INTEGER NOT NULL REFERENCES web_users(id) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE TABLE web_batches (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL,
        phase TEXT NOT NULL DEFAULT '',
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        files INTEGER NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        finished_at TEXT
    );
    """,
    # Each (re-)audit of a batch is a generation; a worker reports only for its own, so a re-audit
    # asked for while another runs is never reported done by the older worker.
    """
    ALTER TABLE web_batches ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    """,
)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def may_decide(self) -> bool:
        return self.role in ("admin", "auditor")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Batch:
    id: str
    title: str
    created_by: str
    created_at: str
    status: str
    phase: str
    done: int
    total: int
    files: int
    message: str
    finished_at: str | None
    generation: int = 0

    @property
    def status_label(self) -> str:
        return BATCH_STATUS.get(self.status, self.status)


class WebDB:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as conn, ledger_transaction(conn):
            yield conn

    def migrate(self) -> None:
        with self.transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS web_schema (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM web_schema").fetchone()
            version = row[0] if row else 0
            for script in MIGRATIONS[version:]:
                for statement in _statements(script):
                    conn.execute(statement)
            if row is None:
                conn.execute("INSERT INTO web_schema (version) VALUES (?)", (len(MIGRATIONS),))
            else:
                conn.execute("UPDATE web_schema SET version = ?", (len(MIGRATIONS),))

    # -- users ---------------------------------------------------------------------------------
    def user_count(self) -> int:
        with self.connect() as conn:
            return conn.execute("SELECT count(*) FROM web_users").fetchone()[0]

    def add_user(self, username: str, role: str, password_hash: str, created_by: str | None) -> User:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO web_users (username, role, password, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
                (username, role, password_hash, now_iso(), created_by))
            return User(cur.lastrowid, username, role)

    def user_password(self, username: str) -> tuple[User, str] | None:
        with self.connect() as conn:
            row = conn.execute("SELECT id, username, role, password FROM web_users WHERE username = ?",
                               (username,)).fetchone()
        return (User(row["id"], row["username"], row["role"]), row["password"]) if row else None

    def users(self) -> list[User]:
        with self.connect() as conn:
            rows = conn.execute("SELECT id, username, role FROM web_users ORDER BY id").fetchall()
        return [User(r["id"], r["username"], r["role"]) for r in rows]

    # -- sessions ------------------------------------------------------------------------------
    def open_session(self, token_digest: str, user: User, csrf: str, hours: float) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM web_sessions WHERE expires_at < ?", (time.time(),))
            conn.execute("INSERT INTO web_sessions (token, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)",
                         (token_digest, user.id, csrf, time.time() + hours * 3600))

    def session(self, token_digest: str) -> tuple[User, str] | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT u.id, u.username, u.role, s.csrf FROM web_sessions s JOIN web_users u ON u.id = s.user_id "
                "WHERE s.token = ? AND s.expires_at > ?", (token_digest, time.time())).fetchone()
        return (User(row["id"], row["username"], row["role"]), row["csrf"]) if row else None

    def close_session(self, token_digest: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM web_sessions WHERE token = ?", (token_digest,))

    # -- batches -------------------------------------------------------------------------------
    def add_batch(self, batch_id: str, title: str, created_by: str, files: int) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO web_batches (id, title, created_by, created_at, status, files) "
                         "VALUES (?, ?, ?, ?, 'queued', ?)", (batch_id, title, created_by, now_iso(), files))

    def update_batch(self, batch_id: str, generation: int | None = None, **fields: object) -> bool:
        """Set some of a batch's fields; with `generation`, only while that is the batch's latest
        (False when a newer audit of the batch is queued: the older worker's report is dropped)."""
        allowed = {"status", "phase", "done", "total", "message", "finished_at"}
        if set(fields) - allowed or not fields:
            raise ValueError(f"bad batch fields: {sorted(fields)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        sql, args = f"UPDATE web_batches SET {assignments} WHERE id = ?", [*fields.values(), batch_id]
        if generation is not None:
            sql, args = sql + " AND generation = ?", [*args, generation]
        with self.transaction() as conn:
            return conn.execute(sql, args).rowcount == 1

    def next_generation(self, batch_id: str) -> int:
        """A new audit of the batch is queued: its generation number."""
        with self.transaction() as conn:
            conn.execute("UPDATE web_batches SET generation = generation + 1, status = 'queued', phase = '', "
                         "done = 0, total = 0 WHERE id = ?", (batch_id,))
            return conn.execute("SELECT generation FROM web_batches WHERE id = ?", (batch_id,)).fetchone()[0]

    def batch(self, batch_id: str) -> Batch | None:
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM web_batches WHERE id = ?", (batch_id,)).fetchone()
        return Batch(**dict(row)) if row else None

    def batches(self, limit: int = 200) -> list[Batch]:
        with self.connect() as conn:
            rows = conn.execute("SELECT * FROM web_batches ORDER BY created_at DESC, id DESC LIMIT ?",
                                (limit,)).fetchall()
        return [Batch(**dict(r)) for r in rows]

    def interrupted_batches(self) -> list[str]:
        """Batches a previous server process left queued or running (it stopped while they ran)."""
        with self.connect() as conn:
            rows = conn.execute("SELECT id FROM web_batches WHERE status IN ('queued', 'running')").fetchall()
        return [r["id"] for r in rows]


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def now_iso() -> str:
    """Local time with its offset, to the second: what the pages show as 提交时间/完成时间."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
