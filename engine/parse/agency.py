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
from collections import defaultdict
from dataclasses import dataclass, field


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
    audited report of the same body and year exists, it is the one used as previous year."""
    grouping = Grouping()
    rows = [_unpack(it) for it in items]
    normalised = {key: normalize_agency(agency) for key, agency, _, _ in rows}
    bodies, ambiguities = resolve_bodies([n for n in normalised.values() if n])

    for key, agency, year, _ in rows:
        if normalised[key] is None:
            grouping.notes.append(AgencyNote(
                [key], "未能识别报告的发布机关，无法与其他年度或同年度报告对应", "AGENCY_UNKNOWN"))
            continue
        grouping.body[key] = bodies[normalised[key]]
        if year is None:
            grouping.notes.append(AgencyNote(
                [key], f"未能识别{agency}报告的年度，无法进行跨年度比对", "YEAR_UNKNOWN"))
    position = {k: i for i, k in enumerate(normalised)}
    keys_by_body: dict[str, list[str]] = defaultdict(list)     # an index: no scan of every key per note
    for k, n in normalised.items():
        if n:
            keys_by_body[bodies[n]].append(k)
    keys_by_name: dict[str, list[str]] = defaultdict(list)
    for k, n in normalised.items():
        if n:
            keys_by_name[n].append(k)
    for name, tops in ambiguities:
        wanted = set(keys_by_name[name]).union(*(keys_by_body[t] for t in tops))
        keys = sorted(wanted, key=position.__getitem__)      # input order, as before
        grouping.notes.append(AgencyNote(
            keys, f"发布机关“{name}”可能是{'、'.join(f'“{t}”' for t in tops)}中的任一个，"
                  f"未予合并，请核实", "AGENCY_AMBIGUOUS"))

    by_body_year: dict[tuple[str, int], list[str]] = defaultdict(list)
    sha_of = {key: sha for key, _, _, sha in rows}
    for key, _, year, _ in rows:
        if key in grouping.body and year is not None:
            by_body_year[(grouping.body[key], year)].append(key)

    for (body, year), keys in by_body_year.items():
        audited = [k for k in keys if k not in reference_only]
        distinct = _distinct_reports(audited, sha_of, grouping, body, year)
        for key in audited:
            others = [k for k in distinct.get(key, []) if k != key]
            if others:
                grouping.same_year[key] = others
        prev = by_body_year.get((body, year - 1), [])
        prev_audited = [k for k in prev if k not in reference_only]
        prev_distinct = _representatives(prev_audited or prev, sha_of)
        for key in audited:
            if len(prev_distinct) == 1:
                grouping.previous[key] = prev_distinct[0]
        if len(prev_distinct) > 1 and audited:
            grouping.notes.append(AgencyNote(
                [*audited, *prev_distinct],
                f"“{body}”{year - 1}年有{len(prev_distinct)}份不同的报告，无法确定与哪一份进行跨年度比对",
                "PREVIOUS_AMBIGUOUS"))
    return grouping


def _representatives(keys: list[str], sha_of: dict[str, str | None]) -> list[str]:
    """One key per distinct file (same sha256 = same file), in input order."""
    seen: set[str] = set()
    out = []
    for key in keys:
        sha = sha_of.get(key)
        if sha is not None and sha in seen:
            continue
        if sha is not None:
            seen.add(sha)
        out.append(key)
    return out


def _distinct_reports(keys: list[str], sha_of: dict[str, str | None], grouping: Grouping,
                      body: str, year: int) -> dict[str, list[str]]:
    """For each key, the other keys of the same body and year that are different files; copies of one
    file are noted once and not treated as two reports."""
    by_sha: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if sha_of.get(key) is not None:
            by_sha[sha_of[key]].append(key)
    for copies in by_sha.values():
        if len(copies) > 1:
            grouping.notes.append(AgencyNote(
                copies, f"“{body}”{year}年度报告的同一文件出现了{len(copies)}次", "DUPLICATE_FILE"))
    out: dict[str, list[str]] = {}
    for key in keys:
        sha = sha_of.get(key)
        out[key] = [k for k in keys if k != key and (sha is None or sha_of.get(k) != sha)]
    return out
