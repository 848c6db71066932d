"""Each evaluation worker's lazily filled state made before its first group task, while the main
process pairs and names the reports.

    warm_worker(ParseTask)      worker: one report parsed and evaluated, everything but the caches dropped

A worker's first evaluation fills per-process caches the later ones reuse: the signal groups'
regexes, the facts' required literals and forms, the sums extractor's batches, the legal sources
(~60 ms of CPU in all, ~15× a report). Done in the first group task, that time comes after the
probe phase and the main process's serial pairing step, on the path of every run. Between the two
phases the workers are idle while the main process pairs, names and plans (pair_and_name,
plan_groups: ~45 ms at 1,000 reports, more at 10,000): the run hands each worker one probed report
to evaluate then (OnePassSteps.warm_workers), and the caches are warm when the first group task
comes.

Nothing of that evaluation leaves the worker: no record is spooled, no letter written, no result
returned; a failure is dropped (the report is evaluated again, for real, in its group task). The
outputs never depend on it: a worker's results do not depend on which reports it evaluated before
(outputs are the same whatever --jobs).
"""
from __future__ import annotations

import time
from dataclasses import replace

import engine.run.workers as workers
from engine.model import AuditRecord
from engine.run.pool import TimeCapExceeded, time_cap
from engine.run.workers import EvalTask, ParseTask, parse_one, record_blobs

# The warm-up's time: each report's parse and evaluation capped at this (a probed text report takes a
# few milliseconds; one that takes longer is left to its group task), and no report begun after it.
# The group tasks queued behind the warm-up then never wait long (the pool's stall watchdog kills a
# pool that finishes nothing for max_seconds + a grace).
WARM_SECONDS = 1.0


def warm_worker(tasks: list[ParseTask]) -> None:
    """Worker: each task's report parsed, evaluated with durable-rules and rendered as the worker's
    spool would hold it, then dropped."""
    start = time.monotonic()
    if WARM_SECONDS <= 0:
        return
    for task in tasks:
        if time.monotonic() - start > WARM_SECONDS:
            return
        _warm(task)


def _warm(task: ParseTask) -> None:
    cap = min(WARM_SECONDS, task.limits.max_seconds or WARM_SECONDS)
    try:
        parsed, report = parse_one(replace(task, limits=replace(task.limits, max_seconds=cap)))
        if report is None or parsed.status != "audited":
            return
        base = AuditRecord(source=task.display, status="pending")
        parsed.apply_to(base)
        with time_cap(cap):         # not evaluate_to_blobs: its cap is the run's, per file
            record = workers._worker.record(EvalTask(task.key, None, None, base), report, None, "durable")
            record_blobs(record)
    except (Exception, TimeCapExceeded):     # noqa: BLE001 — the group task evaluates it for real
        return
