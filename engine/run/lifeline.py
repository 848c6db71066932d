"""Processes the run starts die with it (issue 16): a pool worker or the spreadsheet writer whose
main process is killed (kill -9, OOM killer) must not live on holding inherited pipe ends.

`die_with_parent(parent_pid)` runs first in every forked child: on Linux it asks the kernel for
SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG, through ctypes); elsewhere (or if prctl is
refused) a daemon thread checks the parent every second. Either way, a parent that died before the
child got this far is noticed at once (the child is re-parented, getppid() changes).

`name_process(name)` gives a child its own name in ps/top (xxgk-worker, xxgk-tables): what an
operator (and benchmarks/scale.py, measuring each process's peak memory) tells them apart by.
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time

_PR_SET_PDEATHSIG = 1


def c_library() -> ctypes.CDLL:
    """The C library's functions, as the process already has them (dlopen of the program itself:
    libc is among what it loaded). Not ctypes.util.find_library("c"): on Linux that runs
    `ldconfig -p` in a subprocess, ~1 ms in every forked worker as it starts. Raises OSError where
    the platform cannot open the program."""
    return ctypes.CDLL(None, use_errno=True)


def _prctl_pdeathsig() -> bool:
    if not os.uname().sysname == "Linux":
        return False
    try:
        return c_library().prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, every: float = 1.0) -> None:
    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(every)
    threading.Thread(target=watch, name="xxgk-audit-parent-watch", daemon=True).start()


def die_with_parent(parent_pid: int) -> None:
    if not _prctl_pdeathsig():
        _watch_parent(parent_pid)
    if os.getppid() != parent_pid:      # the parent died before the request took effect
        os._exit(1)


def name_process(name: str) -> None:
    """The process's name as ps and top show it (Linux: /proc/self/comm, at most 15 bytes)."""
    try:
        # bytes: a text file's codec ("ascii") is a module of its own to import, ~0.5–4 ms in each
        # forked child as it starts
        with open("/proc/self/comm", "wb") as comm:
            comm.write(name[:15].encode("ascii"))
    except OSError:          # not Linux, or /proc not mounted: the name is only a convenience
        pass
