"""Which reports belong to the same body: agency-name normalisation and grouping by body and year.

Interface used by the audit run (engine/run/audit.py):

    group_reports(items) -> Grouping
        items: list of (key, agency, year) or (key, agency, year, sha256) — key is the batch's own id
               for a report; sha256 (optional) lets two copies of the *same* file be told apart from
               two *different* reports of one body and year.
        reference_only (optional): keys of reports given only for comparison (--previous DIR):
               used as previous year, never counted as a same-year peer of an audited report.
        Grouping.previous: dict key -> key of the same body's report of the year before (if any)
        Grouping.same_year: dict key -> list of keys of *other, different* reports of the same body
               and year (both are audited; each gets a finding naming the other)
        Grouping.notes: list of AgencyNote (ambiguous matches, never merged silently; reports without
               an agency or a year; several candidate reports for last year)
        Grouping.body: dict key -> the body id the report was grouped under (the fullest spelling
               of the name seen in the batch, normalised)

How names meet (normalize_agency, then grouping):
- NFKC (full-width letters/digits/brackets to half-width), all whitespace removed, decorative
  quotes and brackets dropped, 人民政府 written 政府, 管理委员会 written 管委会;
- a name written without its county/city prefix meets the prefixed one: 金村镇政府 is the same body as
  泽州县金村镇政府 (and as 晋城市泽州县金村镇政府) when what the longer name adds in front is made of
  administrative divisions (…省/市/县/区/旗/州/盟/地区) and what the two share is itself a named body
  (not just 政府 or 县政府);
- a short name that fits two different prefixed bodies in the batch (教育局 with 泽州县教育局 and
  陵川县教育局) is NOT merged: it stays a body of its own and a note names the candidates.
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.dates import NO_YEAR


@dataclass
class AgencyNote:
    keys: list[str]
    message: str          # Chinese
    code: str = "AGENCY_NOTE"   # AGENCY_AMBIGUOUS | AGENCY_UNKNOWN | PREVIOUS_AMBIGUOUS | DUPLICATE_FILE


@dataclass
class Grouping:
    previous: dict[str, str] = field(default_factory=dict)
    same_year: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    notes: list[AgencyNote] = field(default_factory=list)

    def members(self, body: str) -> list[str]:
        """Keys grouped under one body, in input order."""
        return [k for k, b in self.body.items() if b == body]


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# Decoration that never distinguishes two bodies: quotes, book-title marks, the middle dot.
_DECORATION = re.compile(r"[\"'“”‘’《》〈〉「」『』·•・]")
_SYNONYMS = (
    ("人民政府", "政府"),
    ("管理委员会", "管委会"),
)

# Suffixes of administrative divisions, longest first: what a county/city prefix ends with.
_DIVISION_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "新区",
                      "省", "市", "县", "区", "旗", "州", "盟")
_DIVISION_CHARS = frozenset("省市县区旗州盟")
# What is left after the prefix must be a named body, not a generic word like these.
_GENERIC = frozenset({"政府", "政府办公室", "办公室", "管委会", "政府办", "人大", "政协"})


def normalize_agency(name: str | None) -> str | None:
    """Canonical spelling of an agency name: NFKC (full-width to half-width), no spaces or
    decorative quotes, 人民政府 written as 政府 and 管理委员会 as 管委会, so both spellings meet."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", name)
    text = _DECORATION.sub("", _SPACES.sub("", text))
    for long, short in _SYNONYMS:
        text = text.replace(long, short)
    # The committee that governs a zone reports as the zone: 平潭综合实验区管委会 = 平潭综合实验区.
    if text.endswith("区管委会"):
        text = text[: -len("管委会")]
    # A sub-district office reports as the sub-district: 南街街道办事处 = 南街街道.
    if text.endswith("街道办事处"):
        text = text[: -len("办事处")]
    return text or None


def _is_division_prefix(head: str) -> bool:
    """True when `head` reads as a chain of administrative divisions (泽州县, 晋城市泽州县, 福建省):
    at least two characters and ending in a division suffix."""
    return len(head) >= 2 and head.endswith(_DIVISION_SUFFIXES)


def _is_named_body(tail: str) -> bool:
    """True when `tail` names a body on its own: 金村镇政府, 教育局 — not 政府, 县政府, 区政府办公室."""
    if len(tail) < 3 or tail in _GENERIC:
        return False
    return tail[0] not in _DIVISION_CHARS


def extends(longer: str, shorter: str) -> bool:
    """True when `longer` is `shorter` with a county/city prefix in front (both normalised)."""
    if len(longer) <= len(shorter) or not longer.endswith(shorter):
        return False
    head = longer[: len(longer) - len(shorter)]
    return _is_division_prefix(head) and _is_named_body(shorter)


# --------------------------------------------------------------------------------------------
# Grouping
# --------------------------------------------------------------------------------------------

def resolve_bodies(names: list[str]) -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
    """Map each normalised name to its body id; return (mapping, ambiguities).

    A name maps to the fullest spelling that extends it when all the names extending it lie on one
    chain (金村镇政府 < 泽州县金村镇政府 < 晋城市泽州县金村镇政府). When they branch (教育局 extended by
    both 泽州县教育局 and 陵川县教育局) the name keeps its own body and the branch is reported.

    Linear in the number of names (times their length): a name can only be extended by names that
    end with it, so each name looks up its own proper suffixes in a set instead of being compared
    with every other name (all pairs took ~24 minutes at 160,000 agencies)."""
    unique = sorted(set(names), key=lambda n: (-len(n), n))   # longest first
    extenders = extenders_by_name(unique)
    body: dict[str, str] = {}
    ambiguities: list[tuple[str, list[str]]] = []
    for name in unique:
        longer = extenders.get(name)
        if not longer:
            body[name] = name
            continue
        # The maximal extenders: the ones no other extender extends (already resolved: longer first).
        tops = sorted({body[n] for n in longer})
        if len(tops) == 1:
            body[name] = tops[0]
        else:
            body[name] = name
            ambiguities.append((name, tops))
    return body, ambiguities


def extenders_by_name(names: list[str]) -> dict[str, list[str]]:
    """For each name, the names in `names` that extend it (a county/city prefix in front of it)."""
    known = set(names)
    out: dict[str, list[str]] = defaultdict(list)
    for longer in names:
        for start in range(1, len(longer)):
            suffix = longer[start:]
            if suffix in known and extends(longer, suffix):
                out[suffix].append(longer)
    return out


def _unpack(item: tuple) -> tuple[str, str | None, int | None, str | None]:
    if len(item) == 4:
        return item[0], item[1], item[2], item[3]
    key, agency, year = item
    return key, agency, year, None


def group_reports(items: list[tuple], reference_only: set[str] | frozenset[str] = frozenset()) -> Grouping:
    """Group reports by body and year; see the module docstring for the contract.

    `reference_only`: keys of reports given only for comparison (`--previous DIR`): they can be a
    report's previous year, but they are never a "same-year peer" of an audited report, and when an
    audited report of the same body and year exists, it is the one used as previous year.
    (group_indexed does the work on the reports' positions in `items`.)"""
    rows = [_unpack(it) for it in items]
    keys = [key for key, _, _, _ in rows]
    indexed = group_indexed(((agency, year) for _, agency, year, _ in rows),
                            {i for i, k in enumerate(keys) if k in reference_only}, lambda i: rows[i][3])
    grouping = Grouping()
    grouping.previous = {keys[i]: keys[p] for i, p in indexed.previous.items()}
    grouping.same_year = {keys[i]: [keys[o] for o in others] for i, others in indexed.same_year.items()}
    grouping.body = {keys[i]: body for i, body in indexed.bodies()}
    grouping.notes = [AgencyNote([keys[i] for i in note.keys], note.message, note.code) for note in indexed.notes]
    return grouping


@dataclass
class IndexedGrouping:
    """group_indexed's answer, on the reports' positions (0, 1, … in the order given): the same as
    Grouping's, with AgencyNote.keys holding positions."""
    previous: dict[int, int]
    same_year: dict[int, list[int]]
    notes: list[AgencyNote]
    names: list[str]              # the distinct normalised names
    name_of: array                # per report: its name's number in `names`, -1 for none
    body_of: array                # per name: the number of its body's name

    def bodies(self) -> Iterator[tuple[int, str]]:
        """(position, body id) of each report that has a name, in order (Grouping.body)."""
        names, body_of = self.names, self.body_of
        return ((i, names[body_of[n]]) for i, n in enumerate(self.name_of) if n >= 0)


def group_indexed(rows: Iterable[tuple[str | None, int | None]], reference_only: set[int] | frozenset[int],
                  sha_of: Callable[[int], str | None]) -> IndexedGrouping:
    """group_reports on the reports' positions: `rows` gives each report's (agency, year) in order
    (read once, as it is iterated); `reference_only` the positions of the --previous reports;
    `sha_of(i)` a report's sha256, asked only of reports that share a body and year with another.

    What it keeps per report is two array slots (its name's number, its year) and, while the
    reports are put in body-and-year order, one integer; per distinct normalised name, the name and
    its dict entry: the main process groups the reports of a national batch at once (docs/scale.md),
    and a dict or list per report was ~1 KB a report (group_reports before session 12)."""
    ids: dict[str, int] = {}                 # normalised name -> its number
    name_of, year_of = array("l"), array("q")
    notes: list[AgencyNote] = []
    for i, (agency, year) in enumerate(rows):
        name = normalize_agency(agency)
        if name is None:
            name_of.append(-1)
            year_of.append(NO_YEAR)
            notes.append(AgencyNote([i], "未能识别报告的发布机关，无法与其他年度或同年度报告对应", "AGENCY_UNKNOWN"))
            continue
        n = ids.get(name)
        if n is None:
            n = ids[name] = len(ids)
        name_of.append(n)
        year_of.append(NO_YEAR if year is None else year)
        if year is None:
            notes.append(AgencyNote([i], f"未能识别{agency}报告的年度，无法进行跨年度比对", "YEAR_UNKNOWN"))
    names = list(ids)
    body_of, ambiguities = _resolve_ids(names, ids)
    del ids
    notes.extend(_ambiguity_notes(ambiguities, names, name_of, body_of))
    grouping = IndexedGrouping({}, {}, notes, names, name_of, body_of)
    _pair_years(grouping, year_of, reference_only, sha_of)
    return grouping


def _resolve_ids(names: list[str], ids: dict[str, int]) -> tuple[array, list[tuple[int, list[int]]]]:
    """resolve_bodies on the names' numbers: each name's body (a name's number) and the ambiguities
    (name, its candidate bodies sorted by name), in resolve_bodies' order (longest name first)."""
    unique = sorted(range(len(names)), key=names.__getitem__)
    unique.sort(key=lambda n: len(names[n]), reverse=True)        # stable: (-len, name)
    extenders: dict[int, list[int]] = {}
    for longer in unique:
        text = names[longer]
        for start in range(1, len(text)):
            suffix = ids.get(text[start:])
            if suffix is not None and extends(text, names[suffix]):
                extenders.setdefault(suffix, []).append(longer)
    body_of = array("l", range(len(names)))
    ambiguities: list[tuple[int, list[int]]] = []
    for n in unique:
        longer = extenders.get(n)
        if not longer:
            continue
        tops = sorted({body_of[m] for m in longer}, key=names.__getitem__)
        if len(tops) == 1:
            body_of[n] = tops[0]
        else:
            ambiguities.append((n, tops))
    return body_of, ambiguities


def _ambiguity_notes(ambiguities: list[tuple[int, list[int]]], names: list[str], name_of: array,
                     body_of: array) -> list[AgencyNote]:
    """An AGENCY_AMBIGUOUS note per ambiguity: the reports of the short name and of every candidate
    body, in input order."""
    if not ambiguities:
        return []
    wanted_names = {n for n, _ in ambiguities}
    wanted_bodies = {t for _, tops in ambiguities for t in tops}
    by_name: dict[int, list[int]] = {}
    by_body: dict[int, list[int]] = {}
    for i, n in enumerate(name_of):
        if n < 0:
            continue
        if n in wanted_names:
            by_name.setdefault(n, []).append(i)
        if body_of[n] in wanted_bodies:
            by_body.setdefault(body_of[n], []).append(i)
    notes = []
    for n, tops in ambiguities:
        positions = sorted(set(by_name.get(n, ())).union(*(by_body.get(t, ()) for t in tops)))
        notes.append(AgencyNote(positions, f"发布机关“{names[n]}”可能是{'、'.join(f'“{names[t]}”' for t in tops)}"
                                           f"中的任一个，未予合并，请核实", "AGENCY_AMBIGUOUS"))
    return notes


def _pair_years(grouping: IndexedGrouping, year_of: array, reference_only: set[int] | frozenset[int],
                sha_of: Callable[[int], str | None]) -> None:
    """Each report with a body and a year: its same-year peers and last year's report (group_reports'
    rules). The reports are put in (body, year, position) order as one integer each, sorted: a body's
    year and the year before are then neighbouring runs. What group_reports gave in the order of each
    (body, year)'s first report (notes, pairs) is put back in that order."""
    name_of, body_of, names = grouping.name_of, grouping.body_of, grouping.names
    years = [y for y in year_of if y != NO_YEAR]
    if not years:
        return
    low, span, n = min(years), max(years) - min(years) + 2, len(year_of)
    del years
    order = [(body_of[name_of[i]] * span + (year_of[i] - low)) * n + i
             for i in range(n) if year_of[i] != NO_YEAR and name_of[i] >= 0]
    order.sort()
    later: list[tuple[int, int, Any]] = []       # (first position of the group, kind, what) to put in order
    last_group, last_members = -1, []
    at = 0
    while at < len(order):
        group = order[at] // n
        members = []
        while at < len(order) and order[at] // n == group:
            members.append(order[at] - group * n)
            at += 1
        first = members[0]
        body, year = names[body_of[name_of[first]]], year_of[first]
        audited = [k for k in members if k not in reference_only]
        if len(audited) > 1:
            shas = {k: sha_of(k) for k in members}
            dup_notes: list[AgencyNote] = []
            distinct = _distinct_reports(audited, shas, dup_notes, body, year)
            for note in dup_notes:
                later.append((first, 0, note))
            for k in audited:
                others = [o for o in distinct.get(k, []) if o != k]
                if others:
                    later.append((first, 1, (k, others)))
        prev = last_members if last_group == group - 1 else []
        prev_audited = [k for k in prev if k not in reference_only]
        prev_distinct = _representatives(prev_audited or prev, sha_of)
        if len(prev_distinct) == 1:
            for k in audited:
                later.append((first, 2, (k, prev_distinct[0])))
        if len(prev_distinct) > 1 and audited:
            later.append((first, 0, AgencyNote(
                [*audited, *prev_distinct],
                f"“{body}”{year - 1}年有{len(prev_distinct)}份不同的报告，无法确定与哪一份进行跨年度比对",
                "PREVIOUS_AMBIGUOUS")))
        last_group, last_members = group, members
    del order
    later.sort(key=lambda item: item[0])         # stable: within a group, as made
    for _first, kind, what in later:
        if kind == 0:
            grouping.notes.append(what)
        elif kind == 1:
            grouping.same_year[what[0]] = what[1]
        else:
            grouping.previous[what[0]] = what[1]


def _representatives(keys: list, sha_of: Callable[[Any], str | None]) -> list:
    """One key per distinct file (same sha256 = same file), in input order."""
    if len(keys) < 2:
        return list(keys)
    seen: set[str] = set()
    out = []
    for key in keys:
        sha = sha_of(key)
        if sha is not None and sha in seen:
            continue
        if sha is not None:
            seen.add(sha)
        out.append(key)
    return out


def _distinct_reports(keys: list, sha_of: dict[Any, str | None], notes: list[AgencyNote],
                      body: str, year: int) -> dict[Any, list]:
    """For each key, the other keys of the same body and year that are different files; copies of one
    file are noted once and not treated as two reports."""
    by_sha: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if sha_of.get(key) is not None:
            by_sha[sha_of[key]].append(key)
    for copies in by_sha.values():
        if len(copies) > 1:
            notes.append(AgencyNote(
                copies, f"“{body}”{year}年度报告的同一文件出现了{len(copies)}次", "DUPLICATE_FILE"))
    out: dict[str, list[str]] = {}
    for key in keys:
        sha = sha_of.get(key)
        out[key] = [k for k in keys if k != key and (sha is None or sha_of.get(k) != sha)]
    return out
