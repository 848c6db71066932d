"""The crash-resilient process pool: a task that kills or hangs its worker fails alone.

    run_resilient(fn, tasks, jobs, ...) -> {key: result | Crashed | TaskError}

A worker that dies (a native crash in the rule engine or a reader) breaks only the tasks it had in
flight: those are retried in fresh pools, halving the group each time, until a task that still
kills its worker when it runs alone is declared `Crashed`. Results therefore do not depend on
`jobs` or on scheduling. Each task also runs under a per-file time cap (time_cap: SIGALRM) and
memory cap (memory_cap: RLIMIT_DATA; both at once: file_caps), and a pool where nothing finishes
for `stall_seconds` (a worker stuck in native code, where the alarm cannot fire) has its workers
killed and is treated the same way.

    SharedPool(jobs, initializer, initargs, cluster)   one pool for the run's phases (parse, evaluate)

The run forks its workers once, early, while the main process holds no per-report state yet: a
worker's memory then does not grow with the batch (a pool forked after the parse phase would
inherit every record the main process keeps). A pool that breaks is replaced by a fresh one.
"""
from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from engine.run.cluster import ClusterPool
from engine.run.lifeline import die_with_parent, name_process


# the worker's collector thresholds (generation 0, 1, 2): see _init_worker
WORKER_GC_THRESHOLD = (10_000, 20, 20)


class TimeCapExceeded(BaseException):
    """Raised by the per-file alarm. A BaseException so that no `except Exception` swallows it."""


def _in_main_thread() -> bool:
    # SIGALRM can only be handled in a process's main thread, and RLIMIT_DATA is the whole
    # process's: a Dask worker runs its tasks in other threads (several at once)
    return threading.current_thread() is threading.main_thread()


class _Scope:
    """The state of caps_scope in this process (one task's files at a time, in the main thread).

    deadlines: the time.monotonic() deadline of each time cap in force, innermost last; armed: when
    the interval timer fires (None: not armed); previous: the SIGALRM handler to put back at the
    scope's end (_UNSET: ours is not installed yet); stack: VmData = statm's data - stack, read at
    the scope's start (statm's "data" counts the stack too)."""
    active = False
    deadlines: list[float] = []
    armed: float | None = None
    previous: Any = None
    stack: int | None = None


_UNSET = object()
_scope = _Scope()


def _scope_alarm(_signum: int, _frame: Any) -> None:
    """SIGALRM in a scope: past the innermost time cap's deadline (or an outer one's) -> TimeCapExceeded;
    else the timer fired for an earlier block's deadline (it is left armed between blocks): armed
    again for the earliest deadline in force."""
    _scope.armed = None
    if not _scope.deadlines:
        return                          # between two files: the next block arms it again
    first = min(_scope.deadlines)
    left = first - time.monotonic()
    if left <= 0:
        raise TimeCapExceeded()
    _scope.armed = first
    signal.setitimer(signal.ITIMER_REAL, left)


@contextmanager
def caps_scope() -> Iterator[None]:
    """The per-file caps (time_cap, memory_cap, file_caps) of the blocks inside it, for the price
    of one: a task of many files (a probe or group task) enters it once. Each block keeps its own
    limit from its own start, as outside a scope; what changes is what each block costs:

    - time: the SIGALRM handler is installed once, and the interval timer is armed when a block
      begins and finds it not armed (or armed for later than its deadline); a block that ends leaves
      it armed, and when it fires for a deadline no longer in force the handler arms it again for
      the block then running (or leaves it off between blocks). Blocks therefore make no system call
      as a rule — outside a scope each makes four (two setitimer, two sigaction). At the scope's
      end the timer is disarmed and the previous handler put back.
    - memory: what the process holds is read from /proc/self/statm through a descriptor kept open
      (one pread, ~1 µs) instead of /proc/self/status (an open, a read of ~1.5 KB the kernel
      formats, a close: ~18 µs); the two prlimit calls of each block stay.

    Off the main thread, or nested in another scope, it does nothing (the blocks then work alone)."""
    if _scope.active or not _in_main_thread():
        yield
        return
    _scope.active = True
    _scope.deadlines = []
    _scope.armed = None
    _scope.previous = _UNSET
    _scope.stack = None
    try:
        yield
    finally:
        if _scope.armed is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if _scope.previous is not _UNSET:
            signal.signal(signal.SIGALRM, _scope.previous)
        _scope.active = False
        _scope.deadlines = []
        _scope.armed = None
        _scope.previous = None


def in_caps_scope(task_fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A task function whose every run is one caps_scope (a decorator: the function keeps its name,
    so the pool still pickles it by reference)."""
    @functools.wraps(task_fn)
    def run(task: Any) -> Any:
        with caps_scope():
            return task_fn(task)
    return run


@contextmanager
def time_cap(seconds: float | None) -> Iterator[None]:
    # SIGALRM can only be handled in a process's main thread; a Dask worker runs tasks in others.
    if not seconds or seconds <= 0 or not _in_main_thread():
        yield
        return
    if _scope.active:
        deadline = _arm(seconds)
        try:
            yield
        finally:
            _scope.deadlines.remove(deadline)
        return

    def _alarm(_signum: int, _frame: Any) -> None:
        raise TimeCapExceeded()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _arm(seconds: float) -> float:
    """A time cap of `seconds` begins inside caps_scope: its deadline, now in force (see there)."""
    deadline = time.monotonic() + seconds
    if _scope.previous is _UNSET:
        _scope.previous = signal.signal(signal.SIGALRM, _scope_alarm)
    _scope.deadlines.append(deadline)
    armed = _scope.armed
    if armed is None or armed > deadline:
        _scope.armed = deadline
        signal.setitimer(signal.ITIMER_REAL, seconds)
    return deadline


def _data_bytes() -> int | None:
    """What this process holds now as counted by RLIMIT_DATA (VmData: heap and private writable
    mappings), or None where /proc does not say (not Linux)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class _Statm:
    """/proc/self/statm of this process, kept open (reopened in a forked child: the path named the
    process that opened it)."""
    fd: int | None = None
    pid = 0


_statm = _Statm()
_PAGE = resource.getpagesize()


def _statm_data() -> int | None:
    """statm's "data" (VmData + VmStk) in bytes, or None where /proc does not say."""
    try:
        pid = os.getpid()
        if _statm.pid != pid:
            if _statm.fd is not None:
                os.close(_statm.fd)        # the parent's, inherited by fork
            _statm.fd = None
            _statm.pid = pid
            _statm.fd = os.open("/proc/self/statm", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        if _statm.fd is None:
            return None
        return int(os.pread(_statm.fd, 128, 0).split()[5]) * _PAGE
    except (OSError, ValueError, IndexError):
        _statm.fd = None
        return None


def _held_bytes() -> int | None:
    """_data_bytes(), cheaper inside caps_scope: statm's data less the stack as the scope's start
    measured it (the stack only grows with a deeper recursion: the cap is then as much looser)."""
    if not _scope.active:
        return _data_bytes()
    if _scope.stack is None:
        data, both = _data_bytes(), _statm_data()
        if data is None or both is None:
            return data
        _scope.stack = max(0, both - data)
        return data
    both = _statm_data()
    return None if both is None else both - _scope.stack


@contextmanager
def memory_cap(megabytes: float | None) -> Iterator[None]:
    """Within the block this process may take at most `megabytes` more memory than it held when
    the block began: one input that would take gigabytes (a reader's library expanding it) gets a
    MemoryError, which the caller records as too_large, and the worker lives on for the next file.

    RLIMIT_DATA (Linux ≥ 4.7 counts heap and private writable mappings: Python's, PDFium's and
    lxml's allocations, not the address space libraries merely reserve), set relative to the
    process's current data so that what a worker inherited or cached does not count against the
    file. The soft limit is restored afterwards (only the soft one is lowered, so raising it back is
    allowed). Not applied off the main thread (a Dask worker runs several tasks in one process) or
    where /proc/self/status is missing; the time cap and the pool's stall watchdog still hold there.
    """
    limit = _lower_data_limit(megabytes)
    try:
        yield
    finally:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_DATA, limit)


def _lower_data_limit(megabytes: float | None) -> tuple[int, int] | None:
    """memory_cap's start: the soft RLIMIT_DATA lowered to what the process holds + `megabytes`;
    returns the limit to put back after the block (None: nothing was lowered)."""
    if not megabytes or megabytes <= 0 or not _in_main_thread():
        return None
    held = _held_bytes()
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    except (OSError, ValueError, AttributeError):
        return None
    if held is None:
        return None
    cap = held + int(megabytes * 1024 * 1024)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)        # never loosen a limit the user set
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    return soft, hard


@contextmanager
def file_caps(limits: Any) -> Iterator[None]:
    """The per-file caps of engine.ingest.Limits around one file's work, in a worker or in `parse`:
    raises TimeCapExceeded past limits.max_seconds; an allocation past limits.max_memory_mb raises
    MemoryError (record them as timeout / too_large: workers.cap_status). Cheaper inside caps_scope."""
    if not _scope.active:
        with memory_cap(getattr(limits, "max_memory_mb", None)), time_cap(limits.max_seconds):
            yield
        return
    # inside a scope (main thread): both caps in one block, as the nested blocks would set them
    limit = _lower_data_limit(getattr(limits, "max_memory_mb", None))
    try:
        seconds = limits.max_seconds
        if not seconds or seconds <= 0:
            yield
            return
        deadline = _arm(seconds)
        try:
            yield
        finally:
            _scope.deadlines.remove(deadline)
    finally:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_DATA, limit)


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
