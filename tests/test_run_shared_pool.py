"""The run's shared pool (engine/run/pool.py SharedPool): forked once, used by every phase; released
at the end of the evaluation (its workers exit while the run writes its outputs) and joined by
close(); a released pool is never handed out again."""
from __future__ import annotations

import os
import time

from engine.run.pool import SharedPool, run_resilient


def pid_task(_task: int) -> int:
    return os.getpid()


def test_released_workers_exit_on_their_own_and_close_joins_them():
    pool = SharedPool(2)
    pool.start()
    pids = set(run_resilient(pid_task, {f"t{i}": i for i in range(6)}, 2, pools=pool).values())
    assert pids and os.getpid() not in pids
    processes = list(pool.get()._processes.values())
    pool.release()
    deadline = time.monotonic() + 30
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(p.is_alive() for p in processes)          # exited without anyone waiting
    again = set(run_resilient(pid_task, {"t": 0}, 1, pools=pool).values())
    assert again and not again & pids                         # a fresh pool, never the released one
    pool.close()
    assert pool._released is None and pool._pool is None


def test_close_waits_for_a_released_pool():
    pool = SharedPool(1)
    pool.start()
    processes = list(pool.get()._processes.values())
    pool.release()
    pool.close()
    assert not any(p.is_alive() for p in processes)
