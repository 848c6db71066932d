"""Stable finding ids.

An id depends only on the agency, the year, the rule and where the finding points, so the same
defect keeps its id across runs (whatever else is in the batch, whatever the input order), across
a corrected resubmission of the report (a remaining defect is recognised as 未整改), and a review
decision made on it applies wherever it reappears.

Where a finding points: the table and cells it names; without cells, the part. Only when two
findings of one rule in one report point at the same place is the quoted text added to tell them
apart (and an ordinal if even that is equal) — the text is left out otherwise because a resubmission
often rewords a sentence without fixing the defect. Line numbers never enter: they move whenever a
line is added above.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from typing import Any, Iterable, Mapping, MutableMapping

from engine.parse.agency import normalize_agency

ID_PREFIX = "F"
_HEX_DIGITS = 12
_SPACES = re.compile(r"\s+")


def agency_key(agency: str | None) -> str:
    """The ledger's key of a body: its normalised name ("" when the report names none)."""
    return normalize_agency(agency) or ""


def anchor_of(evidence: Mapping[str, Any] | None) -> str:
    """Where a finding points, in terms that survive re-runs and resubmissions."""
    ev = evidence or {}
    cells = sorted(ev.get("cells") or [])
    previous = sorted(ev.get("previous_cells") or [])
    if cells or previous:
        return f"{ev.get('table') or ''}:{','.join(cells)}|{','.join(previous)}"
    return f"part:{ev.get('part') or ''}|{ev.get('table') or ''}"


def _text(evidence: Mapping[str, Any] | None) -> str:
    ev = evidence or {}
    return _SPACES.sub("", unicodedata.normalize("NFKC", ev.get("excerpt") or ""))


def make_id(agency: str, year: int | None, rule_id: str, anchor: str) -> str:
    key = "\x1f".join((agency_key(agency), str(year or ""), rule_id, anchor))
    return ID_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HEX_DIGITS]


def assign_ids(items: Iterable[MutableMapping[str, Any]], agency: str | None, year: int | None) -> None:
    """Set `id` on each finding (dicts with rule_id and evidence) of one report, in place.

    Items must come in the report's deterministic order (as findings.json lists them): the
    ordinal that separates fully identical findings follows it."""
    items = list(items)
    anchors = [(it["rule_id"], anchor_of(it.get("evidence"))) for it in items]
    shared = Counter(anchors)
    full = [a if shared[a] == 1 else (a[0], f"{a[1]}|{_text(it.get('evidence'))}")
            for a, it in zip(anchors, items)]
    seen: Counter = Counter()
    for (rule_id, anchor), it in zip(full, items):
        seen[(rule_id, anchor)] += 1
        n = seen[(rule_id, anchor)]
        it["id"] = make_id(agency or "", year, rule_id, anchor if n == 1 else f"{anchor}#{n}")


def item_id(agency: str | None, year: int | None, rule_id: str, cells: Iterable[str] = ()) -> str:
    """Id of a not-assessable check item (the review queue): rule and the cells it could not read."""
    return make_id(agency or "", year, rule_id, "na:" + ",".join(sorted(cells)))
