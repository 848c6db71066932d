"""Stage 6½ — the audit ledger: what carries over between audit runs of one season.

A SQLite file (default `xxgk-audit.sqlite` in the working directory) holding runs, reports (agency,
year, file digest, rectification round), each report's findings, review decisions, letters'
reference numbers and the list of agencies. The outputs of a run are still written in full by the
run; the ledger only remembers.

    ids.assign_ids / ids.make_id            stable finding ids
    store.Ledger                            the file and its operations
    decisions.Decision                      a review decision and what it means today
    agencies.load_agency_list / Registry    the list of agencies (--agencies)
    deadlines.load_deadlines / lateness     publication deadlines (条例第四十九条)
"""
from __future__ import annotations

from engine.lazy import lazy_exports

# Imported on first use (PEP 562 `__getattr__`): `engine.ledger.db` (DEFAULT_LEDGER, which the CLI's
# help text names) must not import the parser through ids.py.
_EXPORTS = {
    "DEFAULT_LEDGER": "engine.ledger.db", "LedgerError": "engine.ledger.db",
    "Decision": "engine.ledger.decisions", "current_user": "engine.ledger.decisions",
    "agency_key": "engine.ledger.ids", "assign_ids": "engine.ledger.ids", "make_id": "engine.ledger.ids",
    "Ledger": "engine.ledger.store", "ReviewItem": "engine.ledger.store", "Round": "engine.ledger.store",
    "StoredFinding": "engine.ledger.store",
}

__all__ = ["DEFAULT_LEDGER", "LedgerError", "Decision", "current_user", "agency_key", "assign_ids", "make_id",
           "Ledger", "ReviewItem", "Round", "StoredFinding"]


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
