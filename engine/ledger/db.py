"""Opening a ledger file: SQLite in WAL mode with a busy timeout, migrated to the current schema.

Why WAL and a busy timeout: two audits may run at once on one ledger (two terminals, a scheduled
run). WAL lets readers proceed while one writer writes; the timeout makes a second writer wait for
the lock instead of failing at once; every write is one short `BEGIN IMMEDIATE` transaction, so a
writer takes the lock before it reads what it will change and no update is lost.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Iterator

from engine.ledger.schema import MIGRATIONS, VERSION

DEFAULT_LEDGER = "xxgk-audit.sqlite"


LEDGER_ENV = "XXGK_AUDIT_LEDGER"


def default_ledger() -> Path:
    """The ledger used when --ledger is not given: $XXGK_AUDIT_LEDGER when set, else DEFAULT_LEDGER
    in the working directory (read at call time: the test suite points it into a temporary folder,
    for the CLI run in-process and in subprocesses alike)."""
    return Path(os.environ.get(LEDGER_ENV) or DEFAULT_LEDGER)


BUSY_TIMEOUT_S = 30.0


class LedgerError(Exception):
    """The ledger file cannot be opened or is not a ledger (message in Chinese)."""


def connect(path: str | Path) -> sqlite3.Connection:
    """An open, migrated connection. Autocommit mode: writes go through `transaction()`."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise LedgerError(f"审核台账 {path} 是一个文件夹，不是台账文件")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as exc:
        raise LedgerError(f"无法打开审核台账 {path}：{exc}") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LedgerError(f"{path} 不是有效的审核台账文件（{exc}）") from None
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction holding the write lock from its start (BEGIN IMMEDIATE)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations the file does not have yet; returns the version it is at."""
    with transaction(conn):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise LedgerError(f"审核台账的版本（{version}）比本程序支持的（{VERSION}）新，请升级本程序")
        for number in range(version, VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
    return VERSION


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction; split on ';' (the migrations hold no literals with ';')
    return [s.strip() for s in script.split(";") if s.strip()]
