"""What index.html needs of every report, gathered in ONE pass over the reports, keeping only a few
compact numbers per audited report (docs/scale.md "Main process"): the batch runner's reports are
read back from disk, and a national run has 160,000 of them.

    DashboardIndex()            add(report) for each report in `reports` order, then finish()
    index_of(reports)           the same for a sequence at hand (a list, or one read from disk)

Per audited report it keeps, in arrays: its grade (a small id), its error count, its score, the hash
of its source path and where its ranking row is in a temporary file (the Row without rank and
score change, pickled) — 36 bytes. finish() sorts one packed integer per audited report (the whole
ranking key: grade band, errors, score, source order) and keeps the ranked order as an array. The
rows are read back from the temporary file as the pages are written: a page's rows at a time.

The score change of a row needs last year's report's score: its source path is looked up among the
audited reports' source hashes, and every candidate's row is read back to compare the path itself
(a hash never decides alone: "never a wrong number").

Everything else the page shows is a count (status, grade, score bucket, 待人工核对, rules failed) or
bounded (the first PAGE_ROWS inputs not audited; the reports off the list of agencies, which the
page lists in full).
"""
from __future__ import annotations

import os
import pickle
import struct
import tempfile
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.render import posix_names
from engine.render.letter_content import file_name
from engine.render.triage import main_problems
from engine.score import RuleInfo

# Score buckets of the distribution chart: (label, low inclusive, high exclusive)
BUCKETS = (("0–59", 0, 60), ("60–69", 60, 70), ("70–79", 70, 80), ("80–89", 80, 90), ("90–100", 90, 101))
TOP_RULES = 10

# A packed ranking key, low bits first: position j among the audited (32 bits; without source
# ranks it is also the source order), [source rank (32 bits)], score (64), errors (32), grade band.
_J_BITS = 32
_J_MASK = (1 << _J_BITS) - 1
_MAX_ERRORS = (1 << 32) - 1


@dataclass
class Row:
    """One row of the ranking table. The template renders the first page's rows from it, and its
    `data()` array is what the page's script renders every other view from (same cells)."""
    rank: int
    agency: str
    year: int | None
    score: Any
    change: float | None
    previous_source: str
    grade: str
    error: int
    warning: int
    info: int
    manual: int
    not_assessable: int
    problems: str                       # main_problems, joined
    letter: str
    reference_number: str
    file: str                           # file name shown
    source: str                         # display path (tooltip)
    rules: list[str] = field(default_factory=list)    # rule ids of its counted findings (the filter)
    fallback_note: str = ""             # why the reference engine evaluated it, if it did

    def data(self) -> list[Any]:
        # the order the script's F constants name (templates/_dashboard.js)
        return [self.rank, self.agency, self.year, self.score, self.change, self.previous_source, self.grade,
                self.error, self.warning, self.info, self.manual, self.not_assessable, self.problems,
                self.letter, self.reference_number, self.file, self.source, self.rules, self.fallback_note]


class _Stored(NamedTuple):
    """A Row as the temporary file holds it: every field but rank and change, plus the record's own
    (unrounded) score and previous source, which the change is computed from."""
    agency: str
    year: int | None
    score: Any
    previous_source: str | None
    grade: str
    error: int
    warning: int
    info: int
    manual: int
    not_assessable: int
    problems: str
    letter: str
    reference_number: str
    file: str
    source: str
    rules: list[str]
    fallback_note: str


def _file_name(source: str) -> str:
    """letter_content.file_name, without pathlib's parsing for a plain path (posix_names)."""
    return posix_names.name(source) if "\\" not in source else file_name(source)


class OffList(NamedTuple):
    """A report whose body is not on the list of agencies (the page lists them all)."""
    source: str
    agency: str | None


class NotInSourceOrder(Exception):
    """The reports are not in source-path order: the index is rebuilt with the source ranks."""


def _ordered(score: float) -> int:
    """A float as an unsigned 64-bit integer of the same order (IEEE 754 bits, negatives flipped)."""
    bits = struct.unpack(">q", struct.pack(">d", float(score) + 0.0))[0]     # + 0.0: -0.0 is 0.0
    return (bits ^ 0x7FFFFFFFFFFFFFFF if bits < 0 else bits) + (1 << 63)


@dataclass
class _RuleCount:
    reports: int = 0
    findings: int = 0
    first: dict[int, tuple[int, str, str]] = field(default_factory=dict)   # grade id -> (within-key, title, severity)


class DashboardIndex:
    """index.html's figures from one pass over the reports (module doc). `source_ranks`: each
    report's place in source order, when the reports are not in that order (None: their position
    is their source order; add() raises NotInSourceOrder when it is not)."""

    def __init__(self, source_ranks: list[int] | None = None, others_shown: int = 1000):
        self.source_ranks = source_ranks
        self.others_shown = others_shown             # inputs not audited the page lists (dashboard.PAGE_ROWS)
        self.count = 0                               # reports added (the next one's position)
        self.by_status: Counter = Counter()
        self.others: list[Any] = []                  # the first `others_shown` inputs not audited
        self.others_count = 0
        self.off_list: list[OffList] = []
        self.bucket_counts: Counter = Counter()
        self.manual_total = 0
        self._last_source: str | None = None
        # per audited report (position j among the audited)
        self._grade = array("i")
        self._errors = array("q")
        self._score = array("d")
        self._hash = array("q")
        self._row_at = array("q")
        self._row_length = array("i")
        self._src_rank = array("q") if source_ranks is not None else None
        self._grade_ids: dict[Any, int] = {}
        self._grade_names: list[Any] = []
        self._grade_count: list[int] = []
        self._grade_top: list[float] = []            # the best score of each grade (its band)
        self._grade_first: list[int] = []            # the least within-grade key of each grade
        self._rules: dict[str, _RuleCount] = {}
        self._rows = tempfile.TemporaryFile(prefix="xxgk-dashboard-")
        self._written = 0
        self.ranked: array = array("q")             # audited positions j, worst first (finish)
        self._hash_order: array = array("q")
        self._sorted_hashes: array = array("q")

    # ---------------------------------------------------------------- the pass

    def add(self, r: Any) -> None:
        """One report (AuditSummary or AuditRecord), in `reports` order."""
        i = self.count
        self.count += 1
        if self.source_ranks is None:
            if self._last_source is not None and r.source < self._last_source:
                raise NotInSourceOrder()
            self._last_source = r.source
        self.by_status[r.status] += 1
        if r.agency_list and r.agency_list.get("on_list") is False:
            self.off_list.append(OffList(r.source, r.agency))
        if r.status != "audited":
            self.others_count += 1
            if len(self.others) < self.others_shown:
                self.others.append(r)
            return
        self._add_audited(r, i)

    def _add_audited(self, r: Any, i: int) -> None:
        counts = r.counts or {}
        errors = counts.get("error", 0)
        score = r.score
        gid = self._grade_ids.get(r.grade)
        if gid is None:
            gid = self._grade_ids[r.grade] = len(self._grade_names)
            self._grade_names.append(r.grade)
            self._grade_count.append(0)
            self._grade_top.append(score)
            self._grade_first.append(-1)
        self._grade_count[gid] += 1
        self._grade_top[gid] = max(self._grade_top[gid], score)
        # the tie after the score is the source path, then the position: in source order the
        # audited reports' own order (j) is that order
        j = len(self._grade)
        src_rank = j if self.source_ranks is None else self.source_ranks[i]
        within = self._within(errors, score, src_rank)
        if self._grade_first[gid] < 0 or within < self._grade_first[gid]:
            self._grade_first[gid] = within
        self._grade.append(gid)
        self._errors.append(min(errors, _MAX_ERRORS))
        self._score.append(score)
        self._hash.append(hash(r.source))
        if self._src_rank is not None:
            self._src_rank.append(src_rank)
        self.manual_total += r.manual
        for label, low, high in BUCKETS:
            if low <= score < high:
                self.bucket_counts[label] += 1
                break                                # the bands do not overlap
        counted = [f for f in r.findings if getattr(f, "counted", True)]
        self._count_rules(counted, gid, within)
        self._put_row(r, counts, counted)

    @staticmethod
    def _within(errors: int, score: float, src_rank: int) -> int:
        """The ranking key within a grade band: most errors, then lowest score, then source order
        (src_rank < 2**32)."""
        return ((_MAX_ERRORS - min(errors, _MAX_ERRORS)) << 96) | (_ordered(score) << 32) | src_rank

    def _count_rules(self, counted: list[Any], gid: int, within: int) -> None:
        seen = set()
        for f in counted:
            rule = self._rules.get(f.rule_id)
            if rule is None:
                rule = self._rules[f.rule_id] = _RuleCount()
            rule.findings += 1
            if f.rule_id in seen:
                continue
            seen.add(f.rule_id)
            rule.reports += 1
            first = rule.first.get(gid)
            if first is None or within < first[0]:      # the title the worst-ranked report gives it
                rule.first[gid] = (within, f.title, f.severity)

    def _put_row(self, r: Any, counts: dict[str, int], counted: list[Any]) -> None:
        # _Stored's fields in its order, as the plain tuple the file holds (no named tuple made to be unmade)
        stored = (r.agency or "（未识别）", r.year, r.score, r.previous_source, r.grade or "", counts.get("error", 0),
                  counts.get("warning", 0), counts.get("info", 0), r.manual, len(r.not_assessable),
                  "；".join(main_problems(counted)), r.letter or "", r.reference_number or "", _file_name(r.source),
                  r.source, sorted({f.rule_id for f in counted}),
                  (r.engine_note or "参考引擎") if r.engine_fallback else "")
        data = pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL)
        self._rows.write(data)
        self._row_at.append(self._written)
        self._row_length.append(len(data))
        self._written += len(data)

    # ---------------------------------------------------------------- after the pass

    def finish(self) -> "DashboardIndex":
        """Sorts the audited reports worst first (grade band by its best score, then the
        within-grade key) and indexes their source hashes."""
        self._rows.flush()
        tops = sorted(set(self._grade_top))
        self._band = [bisect_left(tops, top) for top in self._grade_top]
        band = self._band
        if self._src_rank is None:        # the source rank is j itself: one field less to sort on
            keys = [(band[g] << 128) | self._within(e, s, j)
                    for j, (g, e, s) in enumerate(zip(self._grade, self._errors, self._score))]
        else:
            keys = [(band[g] << 160) | (self._within(e, s, r) << _J_BITS) | j
                    for j, (g, e, s, r) in enumerate(zip(self._grade, self._errors, self._score, self._src_rank))]
        keys.sort()
        self.ranked = array("q", (k & _J_MASK for k in keys))
        del keys
        # the source hashes in order, each packed with its j (one integer a report while sorting)
        pairs = sorted(((h + (1 << 63)) << _J_BITS) | j for j, h in enumerate(self._hash))
        self._hash_order = array("q", (k & _J_MASK for k in pairs))
        self._sorted_hashes = array("q", ((k >> _J_BITS) - (1 << 63) for k in pairs))
        del pairs
        return self

    # ---------------------------------------------------------------- reading back

    def rows(self, start: int = 0, stop: int | None = None) -> Iterator[Row]:
        """The ranking rows of ranks start+1 … stop (1 = worst)."""
        fd = self._rows.fileno()
        for rank, j in enumerate(self.ranked[start:stop], start + 1):
            stored = self._stored(fd, j)
            yield Row(rank, stored.agency, stored.year, stored.score, self._change(fd, j, stored),
                      stored.previous_source or "", *stored[4:])

    def _stored(self, fd: int, j: int) -> _Stored:
        return _Stored(*pickle.loads(os.pread(fd, self._row_length[j], self._row_at[j])))

    def _same_source(self, fd: int, source: str, known: tuple[int, _Stored] | None = None) -> list[tuple[int, _Stored]]:
        """The audited reports whose source is `source`, in `reports` order, with their rows."""
        h = hash(source)
        found = []
        at = bisect_left(self._sorted_hashes, h)
        while at < len(self._sorted_hashes) and self._sorted_hashes[at] == h:
            j = self._hash_order[at]
            stored = known[1] if known is not None and known[0] == j else self._stored(fd, j)
            if stored.source == source:
                found.append((j, stored))
            at += 1
        if len(found) > 1:                 # one report a source, as a rule: nothing to sort
            found.sort(key=lambda item: item[0])
        return found

    def _change(self, fd: int, j: int, stored: _Stored) -> float | None:
        """The score change since last year's report of the same body, when that report was audited
        in this run — as a mapping source -> change filled in `reports` order would give it (the
        last report of a source wins, and so does the last report of the previous source)."""
        change = None
        for _k, own in self._same_source(fd, stored.source, (j, stored)):
            if own.previous_source is None:
                continue
            previous = self._same_source(fd, own.previous_source)
            if previous:
                change = round(own.score - previous[-1][1].score, 2)
        return change

    def grades(self) -> list[tuple[Any, int]]:
        """(grade, number of reports) in ranked order of each grade's first report."""
        order = sorted(range(len(self._grade_names)), key=lambda g: (self._band[g], self._grade_first[g]))
        return [(self._grade_names[g], self._grade_count[g]) for g in order]

    def frequent_rules(self, rule_info: dict[str, RuleInfo]) -> list[dict[str, Any]]:
        """The TOP_RULES rules most reports fail (counted findings only: the agency's problems); a
        rule's title and severity as the worst-ranked report failing it gives them."""
        ranked = sorted(self._rules, key=lambda rid: (-self._rules[rid].reports, -self._rules[rid].findings, rid))
        out = []
        for rid in ranked[:TOP_RULES]:
            rule = self._rules[rid]
            _key, title, severity = min(((self._band[g], within), title, severity)
                                        for g, (within, title, severity) in rule.first.items())
            out.append({"rule_id": rid, "title": title or (rule_info.get(rid).title if rid in rule_info else rid),
                        "severity": severity, "reports": rule.reports, "findings": rule.findings})
        return out

    def __len__(self) -> int:
        return len(self._grade)

    def close(self) -> None:
        self._rows.close()
