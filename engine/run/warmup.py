"""Each evaluation worker's lazily filled state made before its first group task, while the main
process has other work than handing out tasks.

    start_worker(EvalContext)   pool initializer: the worker's state (init_eval_worker), then the
                                signal and figure sets its catalog names (warm_extractors)
    warm_worker(tasks, budget)  worker: the first reports parsed and evaluated, everything but the caches dropped

The signal and figure sets (rules/signals.yaml read, its patterns from engine/regex_cache.py's store:
~10 ms) were loaded by the main process before the pool forked: on the path of every run, the main
process alone then. A worker loads them as it starts, while the main process lists the inputs and
the workers have no task yet (the core the main process leaves is idle then).

A worker's first evaluation fills per-process caches the later ones reuse: the signal groups'
regexes, the facts' required literals and forms, the sums extractor's batches, the legal sources,
the rule engine's ruleset (~12 ms of CPU in all, ~4x a report, in session 12). Done in the first
group task, that time comes after the probe phase and the main process's serial pairing step, on
the path of every run. Between the two phases the workers are idle while the main process pairs,
names and plans (pair_and_name, plan_groups: ~10 ms at 1,000 reports, ten times that at 10,000):
the run hands each worker the first probed reports to evaluate then (OnePassSteps.warm_workers),
and the caches are warm when the first group task comes. The first report fills most of them; each
further one (of another layout: ~1-3 ms more of filling, and a whole evaluation thrown away) is
begun only while the main process is still expected to be pairing (~10 µs a probed report: the
budget warm_workers hands over). Three reports at any size outlasted the pairing step below a few
thousand reports (~20 ms of warm-up against ~10 ms of pairing at 1,000) and were all of the
workers' time before their first group task in a small run.

Nothing of that evaluation leaves the worker: no record is spooled, no letter written, no result
returned; a failure is dropped (the report is evaluated again, for real, in its group task). The
outputs never depend on it: a worker's results do not depend on which reports it evaluated before
(outputs are the same whatever --jobs).
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import engine.run.workers as workers
from engine.model import AuditRecord
from engine.run.pool import TimeCapExceeded, time_cap
from engine.run.workers import EvalContext, EvalTask, ParseTask, init_eval_worker, parse_one, record_blobs

# The warm-up's time: each report's parse and evaluation capped at this (a probed text report takes a
# few milliseconds; one that takes longer is left to its group task), and no report begun after it.
# The group tasks queued behind the warm-up then never wait long (the pool's stall watchdog kills a
# pool that finishes nothing for max_seconds + a grace).
WARM_SECONDS = 1.0


def start_worker(ctx: EvalContext) -> None:
    """Pool initializer of the run's workers: init_eval_worker (nothing more to do when forked from
    the process that prepared it), then warm_extractors for its catalog."""
    init_eval_worker(ctx)
    warm_extractors(workers._worker.catalog)


def warm_extractors(catalog: Any) -> None:
    """The signal and figure sets the catalog's requests name, loaded into the extractors' own
    per-process caches (text_signals.signal_set: reloaded should the file change;
    text_figures.figure_set) as the worker starts, not on its first report."""
    # lazy: the extractors are loaded with the catalog anyway; a substitute catalog (tests) may have none
    from engine.facts.extractors import text_figures, text_signals
    requests = getattr(catalog, "requests", None) or {}
    for extractor, load in (("text_signals", lambda file: text_signals.signal_set(file or None)),
                            ("text_figures", text_figures.figure_set)):
        for file in sorted({req.get("file") or "" for req in requests.get(extractor, []) if isinstance(req, dict)}):
            load(file)          # as the extractor asks for it (extract: signal_set(file or None), figure_set(file))


def warm_worker(tasks: list[ParseTask], budget: float = WARM_SECONDS) -> None:
    """Worker: each task's report parsed, evaluated with durable-rules and rendered as the worker's
    spool would hold it, then dropped; a report after the first only while less than `budget`
    seconds have gone (the main process's expected pairing time: the module docstring)."""
    start = time.monotonic()
    if WARM_SECONDS <= 0:
        return
    for i, task in enumerate(tasks):
        elapsed = time.monotonic() - start
        if elapsed > WARM_SECONDS or (i and elapsed > budget):
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
