"""The crash-resilient process pool: a task that kills or hangs its worker fails alone.

    run_resilient(fn, tasks, jobs, ...) -> {key: result | Crashed | TaskError}

A worker that dies (a native crash in the rule engine or a reader) breaks only the tasks it had in
flight: those are retried in fresh pools, halving the group each time, until a task that still
kills its worker when it runs alone is declared `Crashed`. Results therefore do not depend on
`jobs` or on scheduling. Each task also runs under a per-file time cap (time_cap: SIGALRM) and
memory cap (memory_cap: RLIMIT_DATA; both at once: file_caps; engine/run/caps.py, re-exported here), and a pool where nothing finishes
for `stall_seconds` (a worker stuck in native code, where the alarm cannot fire) has its workers
killed and is treated the same way.

    SharedPool(jobs, initializer, initargs, cluster)   one pool for the run's phases (parse, evaluate)

The run forks its workers once, early, while the main process holds no per-report state yet: a
worker's memory then does not grow with the batch (a pool forked after the parse phase would
inherit every record the main process keeps). A pool that breaks is replaced by a fresh one.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from engine.run.caps import (TimeCapExceeded, caps_scope, file_caps, in_caps_scope,  # noqa: F401 — re-exported
                             memory_cap, time_cap)
from engine.run.cluster import ClusterPool
from engine.run.lifeline import die_with_parent, name_process


# the worker's collector thresholds (generation 0, 1, 2): see _init_worker
WORKER_GC_THRESHOLD = (10_000, 20, 20)


@dataclass
class Crashed:
    """The task killed (or hung) its worker even when run alone in a fresh one."""
    message: str
    stalled: bool = False


@dataclass
class TaskError:
    """The task raised an exception in its worker (a bug, not a crash)."""
    message: str


class TaskTable(Mapping):
    """key -> task for run_resilient, each task built when it is asked for: the main process does
    not hold a task (with its copy of the record so far) for every report at once."""

    def __init__(self, keys: Iterable[str], build: Callable[[str], Any]):
        self._keys = list(keys)
        self._known = set(self._keys)
        self._build = build

    def __getitem__(self, key: str) -> Any:
        if key not in self._known:
            raise KeyError(key)
        return self._build(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def new_pool(jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = (),
             cluster: str | None = None) -> ProcessPoolExecutor | ClusterPool:
    if cluster:
        return ClusterPool(cluster, initializer, initargs)
    # fork: workers start in milliseconds and inherit the loaded modules. Each worker first ties its
    # life to this process (lifeline.py): a killed run leaves no worker behind.
    return ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=multiprocessing.get_context("fork"),
                               initializer=_init_worker, initargs=(os.getpid(), initializer, initargs))


class SharedPool:
    """The run's pool of workers, forked by start() and used by run_resilient for every phase; a
    broken pool is dropped (discard) and the next get() forks a fresh one."""

    def __init__(self, jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = (),
                 cluster: str | None = None):
        self.jobs, self.initializer, self.initargs, self.cluster = jobs, initializer, initargs, cluster
        self._pool: ProcessPoolExecutor | ClusterPool | None = None
        self._released: tuple[Any, list[Any]] | None = None   # stopping (release): its thread and processes

    def start(self) -> None:
        """Forks the workers now (a process pool forks them at its first task)."""
        pool = self.get()
        if isinstance(pool, ProcessPoolExecutor):
            pool.submit(int)

    def get(self) -> ProcessPoolExecutor | ClusterPool:
        if self._pool is None:
            self._pool = new_pool(self.jobs, self.initializer, self.initargs, self.cluster)
        return self._pool

    def discard(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.__exit__(None, None, None)       # a broken process pool shuts down at once

    def close(self) -> None:
        self.discard()
        released, self._released = self._released, None
        if released is not None:                  # long exited, as a rule: see release()
            thread, processes = released
            if thread is not None:
                thread.join()                     # the executor's thread joins the workers
            for process in processes:
                process.join()

    def release(self) -> None:
        """Done with the workers: they are told to stop and exit on their own while this process goes
        on (writing the run's outputs) instead of it waiting for each one to exit first (tens of ms
        at the end of every run); close() waits for them (they have exited by then, as a rule). A
        Dask cluster's pool is closed at once."""
        pool, self._pool = self._pool, None
        if isinstance(pool, ProcessPoolExecutor):
            # shutdown(wait=False) lets go of its thread and processes: kept here for close()
            held = (getattr(pool, "_executor_manager_thread", None),
                    list((getattr(pool, "_processes", None) or {}).values()))
            pool.shutdown(wait=False)
            self._released = held
        elif pool is not None:
            pool.__exit__(None, None, None)


def _init_worker(parent_pid: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    die_with_parent(parent_pid)
    name_process("xxgk-worker")
    if initializer is not None:
        initializer(*initargs)
    # What the worker inherited and loaded once (modules, the catalog) lives as long as it does: out
    # of the collector's sight, collections neither walk it again and again nor write into its pages
    # (which fork shares with the main process until they are written).
    gc.freeze()
    # A report's objects are freed by reference counting as its task ends; the collector's default
    # (a pass every 700 net allocations) then costs ~2% of a worker's CPU in passes that find almost
    # nothing. Passes every WORKER_GC_THRESHOLD allocations keep cyclic garbage to a few MB.
    gc.set_threshold(*WORKER_GC_THRESHOLD)


def run_resilient(fn: Callable[[Any], Any], tasks: Mapping[str, Any], jobs: int,
                  initializer: Callable[..., None] | None = None, initargs: tuple = (),
                  on_done: Callable[[], None] | None = None,
                  stall_seconds: float | None = None,
                  keep: Callable[[str, Any], Any] | None = None,
                  cluster: str | None = None, pools: SharedPool | None = None) -> dict[str, Any]:
    """fn(task) for every task in worker processes (local, or a Dask cluster's at `cluster`);
    returns key -> result | Crashed | TaskError.

    `pools`: the run's shared pool (its own initializer and cluster apply); without it each attempt
    forks a pool of its own (a fresh worker for a retry).

    `keep(key, result)` gives what is kept of each result as it arrives (e.g. spilled to disk);
    `on_done()` is called after each (a progress bar).
    """
    results: dict[str, Any] = {}

    def finish(key: str, value: Any) -> None:
        results[key] = keep(key, value) if keep else value
        if on_done:
            on_done()

    def run_pool(queue: deque[str]) -> tuple[list[str], bool]:
        """Runs tasks from the front of `queue` in one pool, at most `window` in flight (each wait
        is then over a handful of futures, not all N, and a dying worker fails only the few tasks
        in flight, not the whole batch). Returns the tasks in flight when the pool broke or stalled;
        what was never submitted stays in `queue`."""
        broken: list[str] = []
        stalled = False
        pool_ok = True
        with _pool_from(pools, min(jobs, len(queue)), initializer, initargs, cluster) as (pool, alive):
            window = 2 * max(1, jobs, getattr(pool, "slots", 0))
            in_flight: dict[Any, str] = {}
            while in_flight or (pool_ok and queue):
                while pool_ok and queue and len(in_flight) < window:
                    key = queue[0]
                    try:
                        in_flight[pool.submit(fn, tasks[key])] = key
                    except BrokenProcessPool:
                        pool_ok = False
                        break
                    queue.popleft()
                if not in_flight:
                    break
                done, _ = wait(in_flight, timeout=stall_seconds, return_when=FIRST_COMPLETED)
                if not done:
                    stalled = True
                    pool_ok = False
                    kill_workers(pool)
                    done, still = wait(in_flight, timeout=60)
                    for fut in still:
                        broken.append(in_flight.pop(fut))
                for fut in done:
                    key = in_flight.pop(fut)   # drop the future: it holds the result (memory flat in N)
                    try:
                        finish(key, fut.result())
                    except BrokenProcessPool:
                        pool_ok = False
                        broken.append(key)
                    except Exception as exc:       # noqa: BLE001 — reported per task, never fatal
                        finish(key, TaskError(f"{type(exc).__name__}：{exc}"))
            alive[0] = pool_ok
        return broken, stalled

    def attempt(keys: list[str]) -> None:
        queue = deque(keys)
        broken: list[str] = []
        stalled = False
        while queue:                  # a fresh pool for what is left each time one breaks
            pool_broken, pool_stalled = run_pool(queue)
            broken.extend(pool_broken)
            stalled = stalled or pool_stalled
        if not broken:
            return
        broken.sort()
        if len(keys) == 1:
            finish(keys[0], Crashed("处理时间过长，工作进程被终止" if stalled else
                                    "工作进程异常退出（单独重试后仍然如此）", stalled))
            return
        if len(broken) == 1:
            attempt(broken)
            return
        half = len(broken) // 2
        attempt(broken[:half])
        attempt(broken[half:])

    keys = sorted(tasks)
    if keys:
        attempt(keys)
    return results


@contextmanager
def _pool_from(pools: SharedPool | None, jobs: int, initializer: Callable[..., None] | None, initargs: tuple,
               cluster: str | None) -> Iterator[tuple[Any, list[bool]]]:
    """The pool for one attempt and a flag the attempt clears when the pool broke: the shared pool
    (dropped if it broke or the attempt was interrupted), else a pool of its own, shut down after."""
    if pools is None:
        with new_pool(jobs, initializer, initargs, cluster) as pool:
            yield pool, [True]
        return
    alive = [False]
    try:
        yield pools.get(), alive
    finally:
        if not alive[0]:
            pools.discard()


def kill_workers(pool: ProcessPoolExecutor | ClusterPool) -> None:
    if isinstance(pool, ClusterPool):
        pool.kill()
        return
    # ProcessPoolExecutor has no public way to stop a running task; killing its processes makes
    # the pool broken, which fails the in-flight futures with BrokenProcessPool.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, AttributeError):
            pass
