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
from engine.ledger.db import DEFAULT_LEDGER, LedgerError
from engine.ledger.decisions import Decision, current_user
from engine.ledger.ids import agency_key, assign_ids, make_id
from engine.ledger.store import Ledger, ReviewItem, Round, StoredFinding

__all__ = ["DEFAULT_LEDGER", "LedgerError", "Decision", "current_user", "agency_key", "assign_ids", "make_id",
           "Ledger", "ReviewItem", "Round", "StoredFinding"]
