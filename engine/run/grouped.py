"""The main process's side of one pass (onepass.py): probing, the group tasks, putting right.

    OnePassSteps     the steps of engine/run/audit.py's Audit that one pass adds:
                     probe()               every text report's body and year predicted (probe.py)
                     evaluate_groups()     the audited reports parsed and evaluated in group tasks
                     correct(broken)       what a failed prediction or a failed task left undone,
                                           done again with the two-phase path

A failed prediction never shows in the outputs: the report's full parse is applied as the
two-phase run would have applied it, the pairing and naming are done again from the records, and
every record whose inputs changed (its record so far, last year's report) is made again; the run
outputs, which may have been handed records that were not final, start again (Audit.restart_outputs).
"""
from __future__ import annotations

import pickle
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from glob import escape as glob_escape
from pathlib import Path
from typing import Any, Iterable

from engine.run.inputs import duplicate_record, duplicates_of, file_digest
from engine.run.keyed import KeyList
from engine.run.onepass import (GroupTask, Member, MemberOutcome, ProbeChunk, agrees, group_task, in_key_order,
                                iter_groups, probe_chunk, probe_size)
from engine.run.pool import TaskTable, run_resilient
from engine.run.records import STORED
from engine.run.options import Hooks
from engine.run.warmup import warm_worker
from engine.run.workers import EngineFailed, ParseTask, eval_task, parse_task
from engine.spool import read_blob

# Each worker evaluates the first probed report between the probe and the group tasks, and the next
# ones (up to WARM_REPORTS) while this process is expected to be still pairing and planning:
# PAIRING_SECONDS a probed report (warmup.py); off for tests that compare with a run without it.
WARM_WORKERS = True
WARM_REPORTS = 3
PAIRING_SECONDS = 10e-6         # pair_and_name and plan_groups: ~10 ms at 1,000 reports (session 12)


class OnePassSteps:
    """Mixed into Audit (audit.py), whose state these steps read and fill in."""

    def probe(self) -> None:
        # --previous reports are parsed at once: one that is never last year's report of an audited
        # one would have no group task to check its prediction
        keys = in_key_order(KeyList(k for k in self.to_parse if not k.startswith("prev:")))
        bounds, start = {}, 0
        while start < len(keys):
            # PROBE_CHUNK files a task, fewer towards the end (and for a small batch), so that every
            # worker probes and they finish together
            end = start + probe_size(len(keys) - start, self.options.jobs)
            bounds[f"p:{len(bounds):06d}"] = (start, end)
            start = end
        # each chunk's (key, path) list made as its task is submitted, not every file's at once
        chunks = TaskTable(bounds, lambda chunk: ProbeChunk(
            [(k, self.to_parse.path_of(k)) for k in keys[bounds[chunk][0]:bounds[chunk][1]]], self.options.limits))
        bar = self.progress("预读", len(chunks))
        run_resilient(probe_chunk, chunks, self.options.jobs, on_done=bar.update,
                      stall_seconds=self.options.stall_seconds, keep=self.probed, pools=self.pool)
        bar.close()
        self.drop_duplicates(keys)
        self.warm_workers()

    def warm_workers(self) -> None:
        """Each worker given the first probed reports to evaluate and drop while this process pairs and
        names the reports (warmup.py: its caches are then warm for its first group task); not waited for.
        Local workers with the real stages only (a test's stand-ins keep their own count of calls)."""
        pool, options = self.pool, self.options
        if not WARM_WORKERS or options.cluster or options.hooks != Hooks() or not self.probes:
            return
        tasks = []
        for key in self.probes:
            _probe, path, display = self.probes.strings(key)
            tasks.append(ParseTask(key, path, display, str(self.work), options.hooks, options.limits))
            if len(tasks) == WARM_REPORTS:
                break
        budget = PAIRING_SECONDS * len(self.probes)     # reports after the first: while this process pairs
        executor = pool.get()
        try:
            for _ in range(pool.jobs):
                executor.submit(warm_worker, tasks, budget)     # each idle worker takes one (the queue is in order)
        except (BrokenProcessPool, RuntimeError):       # broken or shut down: the group tasks fork a new one
            pass

    def probed(self, _chunk: str, outcome: Any) -> Any:
        """A probe's digests and predictions applied as parse outcomes (a failed chunk: its files
        are hashed here and parsed)."""
        if not isinstance(outcome, dict):
            return None
        records, probes, to_parse = self.records, self.probes, self.to_parse
        for key, (sha, probe) in outcome.items():
            records.digest_taken(key, sha)          # listed without it (digest_later)
            if probe is None:
                continue
            # the record itself is not saved here: it stays "pending" until it is next read and saved,
            # and takes the prediction then (Audit.predicted, record_so_far); pairing reads the
            # prediction from the probe table and the digest from the listing (no copy of them here)
            probes[key] = (probe, to_parse.take(key))
        return None

    def drop_duplicates(self, keys: list[str]) -> None:
        """The INPUT files listed without their sha256 (input_records' digest_later) given it — by the
        probe, or here for a file whose probe task failed — and each file byte-identical to an earlier
        one recorded as its duplicate (and neither probed nor parsed any further): as input_records
        would have found them."""
        records = self.records
        listed = records.listed
        for key in keys:
            if key in self.to_parse and listed.digest(key) is None:
                records.digest_taken(key, file_digest(self.to_parse.path_of(key), self.options.limits))
        digests = ((k, listed.digest(k)) for k in keys if records.statuses[k] == "pending")
        for key, first in list(duplicates_of(digests)):
            records.save(key, duplicate_record(records.sources[key], records.sha256(key), records.sources[first]))
            self.probes.pop(key, None)
            self.to_parse.pop(key, None)

    # -- one pass (onepass.py) ------------------------------------------------------------------

    def evaluate_groups(self) -> dict[str, Any]:
        """The audited reports evaluated in group tasks; then what a failed prediction or a failed
        task left undone is put right (correct). Returns the reports durable-rules failed on."""
        options = self.options
        # each task's keys packed (keyed.KeyList) with its evaluate flags: a few bytes a report
        groups = {f"g:{i:06d}": (KeyList(k for k, _ in members), bytes(e for _, e in members))
                  for i, members in enumerate(iter_groups(self.audited, self.previous_of, options.jobs))}
        bar = self.progress("审核", len(groups))
        done = run_resilient(group_task, TaskTable(groups, lambda g: self.group_task(groups[g])), options.jobs,
                             on_done=bar.update, stall_seconds=options.stall_seconds, keep=self.kept_group,
                             pools=self.pool)
        bar.close()
        broken = sorted(k for g, v in done.items() if v is not STORED for k in groups[g][0])
        if broken:
            self.diverged = True
        self.save_names(groups.values())
        self.correct(broken)
        self.naming = None
        return dict(self.failed)

    def group_task(self, members: tuple[KeyList, bytes]) -> GroupTask:
        out = []
        spills = self.spills
        work, hooks, limits = str(self.work), self.options.hooks, self.options.limits
        for key, evaluate in zip(*members):
            spill = spills.get(key) if spills else None     # none in a run of text reports only
            probe = parse = None
            if spill is None:
                probe, path, display = self.probes.strings(key)       # unpacked once for the three uses
                parse = ParseTask(key, path, display, work, hooks, limits)     # as Audit.parse_task makes it
            out.append(Member(key, parse, spill, probe, self.previous_of.get(key) if evaluate else None,
                              self.name(key, probe, save=False) if evaluate else None))
        return GroupTask(out)

    def save_names(self, groups: Iterable[tuple[KeyList, bytes]]) -> None:
        """The named records of the group tasks' members not finished (their task failed, durable-rules
        failed on them, their prediction was wrong) saved: the correction steps read them. (A member's
        named record is not saved when its task is made: the finished record is what the run keeps;
        pair_again saves the finished ones' should it need them.)"""
        store = self.store
        for keys, evaluate in groups:
            for key, flag in zip(keys, evaluate):
                if flag and key not in store:
                    self.name(key)

    def kept_group(self, _group: str, value: Any) -> Any:
        """A group task's outcomes: finished records to the store, failed predictions and rule-engine
        failures noted for correct()."""
        if not isinstance(value, dict):
            return value                            # the task crashed or raised: correct() parses its files
        outcome: MemberOutcome
        for key, outcome in value.items():
            if outcome.parsed is not None and key in self.probes and not agrees(outcome.parsed, self.probes[key][0]):
                self.mismatched[key] = outcome.parsed
                self.diverged = True
            if isinstance(outcome.result, EngineFailed):
                self.failed[key] = outcome.result
            elif outcome.result is not None:
                self.keep(key, outcome.result)
        return STORED

    def correct(self, broken: list[str]) -> None:
        """What the group tasks left undone, put right with the two-phase path: the files of a
        failed task parsed one by one (a crash is that file's alone), the full parse's outcome
        where the probe was wrong, then the pairing and naming done again and every report whose
        record so far or last year's report changed evaluated again (its stale letters removed);
        reports not finished yet are evaluated from spills."""
        unsure = [k for k in broken if k in self.probes and k not in self.spills]
        self.forget_naming(unsure + sorted(self.mismatched))
        self.parse_keys(unsure)
        for key, parsed in sorted(self.mismatched.items()):
            self.parsed(key, parsed)
        for _attempt in range(3):
            if self.diverged:
                self.pair_again()
            redo = [k for k in self.audited if k not in self.store and k not in self.failed]
            need = sorted({k for r in redo + sorted(self.failed) for k in (r, self.previous_of.get(r))
                           if k is not None and k not in self.spills})
            statuses = [self.records.statuses[k] for k in need]
            self.parse_keys(need)
            if statuses == [self.records.statuses[k] for k in need]:
                break
            self.diverged = True        # a file parsed differently this time (a time cap): pair again
        tasks = TaskTable(redo, self.eval_task)
        bar = self.progress("审核（补充）", len(tasks)) if tasks else None
        done = run_resilient(eval_task, tasks, self.options.jobs, on_done=bar.update if bar else None,
                             stall_seconds=self.options.stall_seconds, keep=self.keep, pools=self.pool)
        if bar:
            bar.close()
        self.failed.update({k: v for k, v in done.items() if v is not STORED})

    def forget_naming(self, keys: list[str]) -> None:
        """The letter, 文号 and pairing given on a prediction: gone (pair_again names what is audited)."""
        for key in keys:
            self.records.save(key, replace(self.record_so_far(key), letter=None, sequence=None, reference_number=None,
                                           previous_source=None, same_year_sources=[], agency_notes=[]))

    def parse_keys(self, keys: list[str]) -> None:
        if keys:
            tasks = TaskTable(keys, self.parse_task)
            run_resilient(parse_task, tasks, self.options.jobs, stall_seconds=self.options.stall_seconds,
                          keep=self.parsed, pools=self.pool)

    def pair_again(self) -> None:
        """Pairing and naming from the records as parsed; a finished record whose record so far or
        last year's report changed is dropped (and its letters), to be evaluated again."""
        if self.naming is not None:          # the finished records' as named for their tasks, saved first
            for key in self.audited:
                if key in self.store:
                    self.name(key)
        old_blobs, old_previous = dict(self.records.blobs), dict(self.previous_of)
        self.pair_and_name()
        audited = set(self.audited)
        for key in list(self.store.blobs):
            old = pickle.loads(read_blob(old_blobs[key]))
            if key in audited and old_previous.get(key) == self.previous_of.get(key) and old == self.records[key]:
                continue
            self.store.discard(key)
            letter = old.letter
            if letter:
                remove_letters(self.out.out_dir, letter)
        self.failed = {k: v for k, v in self.failed.items() if k in audited}


def remove_letters(out_dir: Path, letter: str) -> None:
    """Every per-report file written for a letter path (letters/<folder>/<name>.html, .docx …)."""
    path = Path(out_dir) / letter
    for stale in path.parent.glob(glob_escape(path.stem) + ".*"):
        if "." not in stale.name[len(path.stem) + 1:]:
            stale.unlink(missing_ok=True)
