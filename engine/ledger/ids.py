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

from engine.model import Evidence
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
    return _keyed_id(_id_head(agency, year), rule_id, anchor)


def _id_head(agency: str, year: int | None) -> str:
    # the agency's and year's part of an id's key (normalising the name is most of an id's cost)
    return f"{agency_key(agency)}\x1f{year or ''}"


def _keyed_id(head: str, rule_id: str, anchor: str) -> str:
    key = f"{head}\x1f{rule_id}\x1f{anchor}"
    return ID_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HEX_DIGITS]


def evidence_map(evidence: Any) -> Mapping[str, Any]:
    """Evidence as a mapping, whether given as findings.json's dict or as an Evidence object."""
    if evidence is None:
        return {}
    cls = evidence.__class__
    if cls is dict:
        return evidence
    if cls is Evidence:          # the usual case, without the slow ABC check below
        return evidence.__dict__
    return evidence if isinstance(evidence, Mapping) else vars(evidence)


def finding_ids(items: list[tuple[str, Any]], agency: str | None, year: int | None,
                tiebreak: list[tuple] | None = None) -> list[str]:
    """Ids of one report's findings, given as (rule_id, evidence) pairs, in the order given.

    `tiebreak` (per item, e.g. (line, message)) orders findings that point at the very same place
    with the same text before they are numbered, so the numbering does not follow the input order."""
    evs = [evidence_map(ev) for _, ev in items]
    anchors = [(rule_id, anchor_of(ev)) for (rule_id, _), ev in zip(items, evs)]
    if len(set(anchors)) == len(anchors):
        # every finding points at a place of its own (the usual case): no text, no numbering, so
        # the order below does not matter
        head = _id_head(agency or "", year) if items else ""
        return [_keyed_id(head, rule_id, anchor) for rule_id, anchor in anchors]
    shared = Counter(anchors)
    full = [a if shared[a] == 1 else (a[0], f"{a[1]}|{_text(ev)}") for a, ev in zip(anchors, evs)]
    ties = tiebreak or [(ev.get("line") or 0,) for ev in evs]
    order = sorted(range(len(items)), key=lambda i: (full[i], tuple(str(t) for t in ties[i])))
    ids: list[str] = [""] * len(items)
    seen: Counter = Counter()
    head = _id_head(agency or "", year) if items else ""     # make_id's, computed once per report
    for i in order:
        seen[full[i]] += 1
        n = seen[full[i]]
        rule_id, anchor = full[i]
        ids[i] = _keyed_id(head, rule_id, anchor if n == 1 else f"{anchor}#{n}")
    return ids


def assign_ids(items: Iterable[MutableMapping[str, Any]], agency: str | None, year: int | None) -> None:
    """Set `id` on each finding of one report given in findings.json's form (dicts), in place."""
    items = list(items)
    ids = finding_ids([(it["rule_id"], it.get("evidence")) for it in items], agency, year,
                      [((it.get("evidence") or {}).get("line") or 0, it.get("message") or "") for it in items])
    for it, fid in zip(items, ids):
        it["id"] = fid


def item_id(agency: str | None, year: int | None, rule_id: str, cells: Iterable[str] = ()) -> str:
    """Id of a not-assessable check item (the review queue): rule and the cells it could not read."""
    return make_id(agency or "", year, rule_id, "na:" + ",".join(sorted(cells)))
