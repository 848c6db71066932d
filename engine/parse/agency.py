"""Which reports belong to the same body: agency-name normalisation and grouping by body and year.

Interface used by the batch runner (engine/batch.py):

    group_reports(items) -> Grouping
        items: list of (key, agency, year) — key is the batch's own id for a report
        Grouping.previous: dict key -> key of the same body's report of the year before (if any)
        Grouping.same_year: dict key -> list of keys of *other* reports of the same body and year
        Grouping.notes: list of AgencyNote (ambiguous matches, never merged silently)
        Grouping.body: dict key -> the normalised body id the report was grouped under

This first version normalises conservatively; the cross-year work (issue 6) refines it.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class AgencyNote:
    keys: list[str]
    message: str          # Chinese


@dataclass
class Grouping:
    previous: dict[str, str] = field(default_factory=dict)
    same_year: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    notes: list[AgencyNote] = field(default_factory=list)


_SPACES = re.compile(r"\s+")


def normalize_agency(name: str | None) -> str | None:
    """Canonical spelling of an agency name: NFKC (full-width to half-width), no spaces,
    人民政府 written as 政府 so both spellings meet."""
    if not name:
        return None
    text = _SPACES.sub("", unicodedata.normalize("NFKC", name))
    text = text.replace("人民政府", "政府")
    return text or None


def group_reports(items: list[tuple[str, str | None, int | None]]) -> Grouping:
    grouping = Grouping()
    by_body: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for key, agency, year in items:
        body = normalize_agency(agency)
        if body is None:
            continue
        grouping.body[key] = body
        by_body[body].append((key, year))
    for body, members in by_body.items():
        by_year: dict[int, list[str]] = defaultdict(list)
        for key, year in members:
            if year is not None:
                by_year[year].append(key)
        for year, keys in by_year.items():
            for key in keys:
                others = sorted(k for k in keys if k != key)
                if others:
                    grouping.same_year[key] = others
                prev = sorted(by_year.get(year - 1, []))
                if len(prev) == 1:
                    grouping.previous[key] = prev[0]
                elif len(prev) > 1:
                    grouping.notes.append(AgencyNote(
                        [key, *prev], f"{body} {year - 1} 年有多份报告，无法确定与哪一份进行跨年度比对"))
    return grouping
