"""The per-file caps: a file's work stopped past its time (time_cap: SIGALRM) or memory (memory_cap:
RLIMIT_DATA) limit, both at once: file_caps — each raising in the worker, which records the file as
timeout / too_large and goes on with the next one (workers.cap_status).

    time_cap(seconds), memory_cap(megabytes), file_caps(limits)   around one file's work
    caps_scope(), @in_caps_scope                                  the caps of a task's many files
                                                                  paid once for the task

(engine/run/pool.py re-exports them: the pool runs every task under them.)
"""
from __future__ import annotations

import functools
import os
import resource
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator


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
            _release(deadline)
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
    now = time.monotonic()
    deadline = now + seconds
    if _scope.previous is _UNSET:
        _scope.previous = signal.signal(signal.SIGALRM, _scope_alarm)
    deadlines = _scope.deadlines
    if deadlines and min(deadlines) <= now:
        # a deadline already past is a block's that ended as its alarm came (the alarm raised in
        # its `finally`, before _release): dropped, or it would stop this block at the timer's
        # next firing
        deadlines[:] = [d for d in deadlines if d > now]
    deadlines.append(deadline)
    armed = _scope.armed
    if armed is None or armed > deadline:
        _scope.armed = deadline
        signal.setitimer(signal.ITIMER_REAL, seconds)
    return deadline


def _release(deadline: float) -> None:
    """A time cap inside caps_scope ends: its deadline is no longer in force (dropped already when
    a later block found it past)."""
    if deadline in _scope.deadlines:
        _scope.deadlines.remove(deadline)


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
            _release(deadline)
    finally:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_DATA, limit)
