"""The ledger's schema, as numbered migrations. A ledger file records the version it is at in
`PRAGMA user_version`; opening it applies the migrations after that version, each in its own
transaction, so an old ledger is brought forward and a new one is built the same way.

Append a migration for every change; never edit one that has shipped (ledgers in the field were
built by it).
"""
from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, reports (one row per distinct file content of an agency and year), the findings each
    # report had when it was last audited, review decisions (append-only, undo marks a row undone),
    # letters' reference numbers per agency/year/round, and the list of agencies.
    """
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,
        run_date    TEXT NOT NULL,
        by          TEXT,
        output      TEXT,
        reports     INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE reports (
        id          INTEGER PRIMARY KEY,
        agency_key  TEXT NOT NULL,
        agency      TEXT,
        year        INTEGER NOT NULL,
        sha256      TEXT NOT NULL,
        round       INTEGER NOT NULL,
        source      TEXT,
        first_run   INTEGER REFERENCES runs(id),
        last_run    INTEGER REFERENCES runs(id),
        UNIQUE (agency_key, year, sha256),
        UNIQUE (agency_key, year, round)
    );
    CREATE TABLE findings (
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        finding_id  TEXT NOT NULL,
        rule_id     TEXT NOT NULL,
        severity    TEXT,
        charge      TEXT NOT NULL DEFAULT 'agency',
        title       TEXT,
        message     TEXT,
        location    TEXT,
        in_letter   INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (report_id, finding_id)
    );
    CREATE INDEX findings_by_id ON findings (finding_id);
    CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY,
        finding_id  TEXT NOT NULL,
        status      TEXT NOT NULL CHECK (status IN ('confirmed', 'dismissed')),
        reason      TEXT,
        note        TEXT,
        until       TEXT,
        by          TEXT NOT NULL,
        at          TEXT NOT NULL,
        undone_by   TEXT,
        undone_at   TEXT
    );
    CREATE INDEX decisions_by_finding ON decisions (finding_id);
    CREATE TABLE letters (
        agency_key  TEXT NOT NULL,
        year        INTEGER NOT NULL,
        round       INTEGER NOT NULL,
        ref_year    INTEGER NOT NULL,
        sequence    INTEGER NOT NULL,
        reference_number TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (agency_key, year, round),
        UNIQUE (ref_year, sequence)
    );
    CREATE TABLE agencies (
        key         TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        aliases     TEXT NOT NULL DEFAULT '[]',
        published   TEXT,
        url         TEXT,
        imported_at TEXT NOT NULL
    );
    """,
)

VERSION = len(MIGRATIONS)
