"""One pass from bytes to finished record: the probe tasks and the group tasks of the run.

    probe_chunk(ProbeChunk) -> {key: (sha256, Probe | None)}  the cheap first look at many files (probe.py)
    plan_groups(keys, previous_of, probed) -> [[Member]]  the reports to evaluate, with last year's
                                                       report in the same task
    group_task(GroupTask) -> {key: MemberOutcome}      parse each member once, evaluate each with its
                                                       predecessor in memory, return finished records

Why: carrying every parsed Report from the parse phase to the evaluation phase through a pickle cost
about as much CPU as the parse itself (a 41 KiB pickle for a 7 KiB text, written once and read up to
twice). With the probe's prediction of each report's body and year the run groups the reports
first; then a report is parsed in the task that evaluates it, and last year's report of the same
body is parsed in that same task (before it) and handed over in memory. Only finished records
(their summary and where their findings.json text is spooled) travel back.

A member's full parse is checked against the probe's prediction: a member whose parse disagrees
(another status, body or year) is not evaluated, and the run puts it right afterwards with the
two-phase path (Audit.correct in audit.py), so the outputs never depend on the probe.
"""
from __future__ import annotations

import heapq
import pickle
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.ingest import Limits
from engine.model import AuditRecord, Report
from engine.run.inputs import file_digest
from engine.run.caps import TimeCapExceeded, in_caps_scope, time_cap
from engine.run.keyed import KeyList
from engine.run.probe import Probe, probe_file
from engine.run.records import Finished
from engine.run.workers import (EngineFailed, EvalTask, Parsed, ParseTask, evaluate_record, parse_one, record_blobs,
                                spool_records, worker_context, write_letters)
from engine.spool import Blob, read_blob, spool_for

# Reports evaluated in one group task at most: a body's reports of many years still spread over
# the workers, and a task holds only the Reports a later member compares with (group_task). Each
# task costs the main process ~0.3 ms of CPU (submitting, pickling, waking on its result): 16 a task
# halved that against 8 (tail_size keeps the run's last tasks short).
MAX_GROUP = 16
# Files probed in one probe task: the probe costs a fraction of a millisecond, a task's round trip
# through the pool about as much.
PROBE_CHUNK = 64


# --------------------------------------------------------------------------------------------
# The probe tasks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeChunk:
    items: list[tuple[str, str]]      # (key, path to open)
    limits: Limits


@in_caps_scope
def probe_chunk(task: ProbeChunk) -> dict[str, tuple[str | None, Probe | None]]:
    """Worker: each file's sha256 (inputs.file_digest: the main process finds the duplicates from
    them) and the probe's prediction (None: parse it in full)."""
    out: dict[str, tuple[str | None, Probe | None]] = {}
    for key, path in task.items:
        try:
            with time_cap(task.limits.max_seconds):
                out[key] = probe_file(path, task.limits)     # the file read once for both
        except (Exception, TimeCapExceeded):   # noqa: BLE001 — the full parse gives such a file its status
            out[key] = (file_digest(path, task.limits), None)
    return out


# --------------------------------------------------------------------------------------------
# Planning the group tasks (main process)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One report of a group task: parsed from its file (`parse`, checked against `expected`) or
    read back from the first phase's spill; evaluated when it has a `base` record, with the member
    `previous` (earlier in the same task) as last year's report."""
    key: str
    parse: ParseTask | None
    spill: Blob | None
    expected: Probe | None
    previous: str | None
    base: AuditRecord | None


@dataclass(frozen=True)
class GroupTask:
    members: list[Member]

    def __reduce__(self) -> tuple:
        # pickled as one tuple of values a member (and the members' parse settings once): pickling
        # each Member and ParseTask as an object was a third of the main process's cost of a task
        shared, rows = None, []
        for m in self.members:
            p = m.parse
            if p is not None and shared is None:
                shared = (p.spill_dir, p.hooks, p.limits)
            if p is not None and p.spill_dir is shared[0] and p.hooks is shared[1] and p.limits is shared[2]:
                rows.append((m.key, p.key, p.path, p.display, m.spill, m.expected, m.previous, m.base))
            else:
                rows.append(m)           # any other member as it is
        return _group_task_of, (shared, rows)


def _group_task_of(shared: tuple | None, rows: list) -> GroupTask:
    """The GroupTask of GroupTask.__reduce__'s form."""
    members = []
    for row in rows:
        if type(row) is not tuple:
            members.append(row)
            continue
        key, parse_key, path, display, spill, expected, previous, base = row
        parse = object.__new__(ParseTask)
        parse.__dict__.update(key=parse_key, path=path, display=display, spill_dir=shared[0], hooks=shared[1],
                              limits=shared[2])
        member = object.__new__(Member)
        member.__dict__.update(key=key, parse=parse, spill=spill, expected=expected, previous=previous, base=base)
        members.append(member)
    return GroupTask(members)


def plan_groups(keys: list[str], previous_of: dict[str, str], jobs: int = 1) -> list[list[tuple[str, bool]]]:
    """The group tasks for evaluating `keys` (in key order): each a list of (key, evaluate) in an
    order where last year's report comes before the reports it is compared with. A body's chain
    of years is one task (up to MAX_GROUP evaluated reports; a longer one is cut, and the report
    before the cut is parsed again, not evaluated, in the next task); small groups share a task,
    fewer of them towards the end (tail_size: the `jobs` workers then finish together)."""
    return list(iter_groups(keys, previous_of, jobs))


def iter_groups(keys: Sequence[str], previous_of: dict[str, str], jobs: int = 1) -> Iterator[list[tuple[str, bool]]]:
    """plan_groups' tasks one at a time. What it holds per report is nothing for a report that has
    no last year's report and is no other's (most of a batch: each is a group of its own, taken
    in key order as `keys` are iterated); the linked reports' groups (union-find over the "previous
    of" links) are built in dicts, as the main process plans a national batch at once."""
    # the keys in a link: a report with last year's report, and that report
    candidates = set(previous_of).union(previous_of.values())
    wanted = {k for k in keys if k in candidates}            # those of them that are evaluated
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        root = k
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(k, k) != root:
            parent[k], k = root, parent[k]
        return root

    members: dict[str, list[str]] = defaultdict(list)
    links = sorted((k, p) for k, p in previous_of.items() if k in wanted)
    linked = {k for link in links for k in link}
    for k, p in links:
        a, b = find(k), find(p)
        if a != b:
            parent[max(a, b)] = min(a, b)
    for k, p in links:
        members[find(k)].append(k)
        members[find(p)].append(p)     # evaluated or reference only (parsed, never evaluated)
    del links
    # a group's place is its first key: a linked group's root (union by the smaller root), any
    # other report's own key
    roots = sorted(members)
    depth: dict[str, int] = {}

    def depth_of(k: str) -> int:
        chain = []
        while k not in depth and k in previous_of:
            chain.append(k)
            k = previous_of[k]
        d = depth.setdefault(k, 0)
        for c in reversed(chain):
            d += 1
            depth[c] = d
        return depth[chain[0]] if chain else d

    current: list[tuple[str, bool]] = []
    left = len(keys) if isinstance(keys, KeyList) else len(set(keys))   # evaluated reports not in a task before `current`
    for first in _group_order(keys, linked, roots):
        if first in members:
            group = sorted(set(members[first]), key=lambda k: (depth_of(k), k))
            evaluated = [k for k in group if k in wanted]
        else:
            group = evaluated = [first]
        if current and _count(current) + len(evaluated) > tail_size(left, jobs):
            yield current
            left -= _count(current)
            current = []
        if len(evaluated) <= MAX_GROUP:
            current.extend((k, first not in members or k in wanted) for k in group)
            continue
        for start in range(0, len(evaluated), MAX_GROUP):
            piece = evaluated[start:start + MAX_GROUP]
            inside = set(piece)
            task: list[tuple[str, bool]] = []
            for k in piece:
                p = previous_of.get(k)
                if p is not None and p not in inside:
                    inside.add(p)
                    task.append((p, False))
                task.append((k, True))
            yield sorted(task, key=lambda m: (depth_of(m[0]), m[0]))
            left -= len(piece)
    if current:
        yield current


def _group_order(keys: Sequence[str], linked: set[str], roots: list[str]) -> Iterator[str]:
    """Each group's first key, in key order: the unlinked keys (each its own group) merged with the
    linked groups' roots; the keys sorted here only when they are not given in order."""
    alone = (k for k in keys if k not in linked)
    if not _ascending(keys):
        alone = iter(sorted(set(alone)))
    return heapq.merge(alone, roots)


def _ascending(keys: Sequence[str]) -> bool:
    if isinstance(keys, KeyList):
        return in_key_order(keys) is keys
    return all(a < b for a, b in zip(keys, keys[1:]))


def in_key_order(keys: KeyList) -> KeyList:
    """`keys` in their string order, as sorted(keys) gives it: `keys` itself, with no key string
    made, when they already are in it (run keys of six digits, a prefix's keys in number order: as
    a table's keys are iterated); else a new KeyList."""
    last = -1
    for c in keys._codes if not keys._other else (-1,):
        k = (c & 1) << 40 | c >> 1                   # "in:…" before "prev:…", then by number
        if c < 0 or c >= 10**6 * 2 or k < last:
            return KeyList(sorted(keys))
        last = k
    return keys


def tail_size(left: int, jobs: int) -> int:
    """Reports per shared task when `left` reports are still to be handed out: MAX_GROUP, and less
    once fewer are left than two such tasks per worker, down to one — the run's last tasks are short,
    so no worker is left waiting long for another finishing a full task."""
    return max(1, min(MAX_GROUP, left // (2 * max(1, jobs))))


def probe_size(left: int, jobs: int) -> int:
    """Files per probe task when `left` are still to be handed out: PROBE_CHUNK, less once fewer are
    left than two such tasks per worker (tail_size's reason)."""
    return max(1, min(PROBE_CHUNK, left // (2 * max(1, jobs))))


def _count(task: list[tuple[str, bool]]) -> int:
    return sum(1 for _k, evaluate in task if evaluate)


# --------------------------------------------------------------------------------------------
# The group task (worker)
# --------------------------------------------------------------------------------------------


@dataclass
class MemberOutcome:
    """What a group task sends back for one member: `parsed`, the full parse's outcome of a member
    read from its file when it disagrees with the probe or is not evaluated (None otherwise: the
    prediction held); `result`, the finished record (or the rule engine's failure), None when the
    member was not evaluated."""
    parsed: Parsed | None
    result: Finished | EngineFailed | None


def agrees(parsed: Parsed, expected: Probe | None) -> bool:
    """True when the full parse says what the probe predicted."""
    return (expected is not None and parsed.status == "audited" and parsed.agency == expected.agency
            and parsed.year == expected.year and parsed.format == expected.format)


@in_caps_scope
def group_task(task: GroupTask) -> dict[str, MemberOutcome]:
    """Worker: each member parsed once (or read back from its spill), then each member to evaluate
    evaluated with its predecessor in memory, then the finished records encoded, their letters
    written and the records spooled. Stage by stage over the task's members, not member by member:
    each stage's code and data (the parser's, the rule engine's, the encoders', the letters') stay
    in the processor's caches from one report to the next."""
    parsed_members: list[tuple[Member, Parsed | None, Report | None]] = []
    for m in task.members:
        parsed = None
        if m.spill is not None:
            report: Report | None = pickle.loads(read_blob(m.spill))
        else:
            # (a member to evaluate has its named record: its file's digest is the probe's, not taken again)
            parsed, report = parse_one(m.parse, m.base.sha256 if m.base is not None else None)
            if not agrees(parsed, m.expected):
                report = None
        parsed_members.append((m, parsed, report))
    reports = {m.key: report for m, _, report in parsed_members}
    out: dict[str, MemberOutcome] = {}
    evaluated: list[tuple[MemberOutcome, AuditRecord]] = []
    for m, parsed, report in parsed_members:
        result = None
        previous = reports.get(m.previous) if m.previous is not None else None
        if m.base is not None and report is not None and (m.previous is None or previous is not None):
            parsed_sources = report.same_year_sources
            report.same_year_sources = list(m.base.same_year_sources)
            result = evaluate_record(EvalTask(m.key, None, None, m.base), report, previous)
            report.same_year_sources = parsed_sources     # as parsed: it may be next year's previous
        keep_parsed = parsed is not None and (m.base is None or report is None)
        out[m.key] = outcome = MemberOutcome(parsed if keep_parsed else None, result)
        if isinstance(result, AuditRecord):
            evaluated.append((outcome, result))
    parsed_members.clear()
    reports.clear()
    if evaluated:
        blobs = [record_blobs(record) for _, record in evaluated]
        write_letters([record for _, record in evaluated])
        # one write for the task's records (the main process reads them only once the task is back)
        finished = spool_records(spool_for(worker_context().records_dir, "record"), blobs)
        for (outcome, _), f in zip(evaluated, finished):
            outcome.result = f
    return out
