"""The main process's interpreter, set for the length of an audit run and put back after it
(engine/run/audit.py), so that a caller that lives on (a test session, a server) keeps its own.

    collector_paused()    the cyclic garbage collector off while the rules load, then what they
                          loaded frozen for the run
    quick_handoffs()      a thread waiting for the GIL gets it within SWITCH_SECONDS, not 5 ms

A task submitted to the pool reaches a worker through two threads of this process (the executor's
manager thread, then the call queue's feeder thread), each of which needs the GIL. While the main
thread computes (pairing and naming the reports right after it handed each worker its warm-up,
engine/run/grouped.py), each waits for Python's switch interval, 5 ms by default: ~10 ms before a
worker has the task (measured: 9.6 ms with the main thread busy, 0.5 ms with it idle; 1.5 ms at
0.5 ms), while the worker sits idle. The threads otherwise sleep, so switching more often costs
nothing measurable.
"""
from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_SECONDS = 0.0005


@contextmanager
def collector_paused(then_freeze: bool = False) -> Iterator[None]:
    """The cyclic garbage collector off for a while (as it was after): loading the rules imports
    most of the engine, whose objects are all alive, and a collection in the middle walks them for
    nothing. `then_freeze`: once the block has run (without an exception), everything the process
    holds is frozen (gc.freeze) before the collector is back on — else the first allocation after
    would start a collection of the young generation, all that the block made (~2 ms after the
    rules); the caller unfreezes (gc.unfreeze)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
        if then_freeze:
            gc.freeze()
    finally:
        if was:
            gc.enable()


@contextmanager
def quick_handoffs() -> Iterator[None]:
    """The GIL's switch interval at most SWITCH_SECONDS for a while (as it was after)."""
    was = sys.getswitchinterval()
    sys.setswitchinterval(min(was, SWITCH_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(was)
