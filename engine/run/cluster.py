"""The per-report work on a Dask distributed cluster (`audit --cluster tcp://scheduler:8786`).

    ClusterPool(address, jobs, initializer, initargs)   what pool.new_pool returns for a cluster

It stands where a ProcessPoolExecutor stands in pool.run_resilient: `submit(fn, task)` returns a
concurrent.futures.Future, so the same loop (a window of tasks in flight, crash retries, stalls)
drives both, and the outputs are the same byte for byte: tasks carry paths, not results, and
every output is written in key order by the main process as before.

What a cluster needs (README: 在多台机器上审核):
- the inputs, the output folder's parent and its temporary working folder on storage every worker
  sees at the same path (NFS, a shared disk): tasks name files by path, workers write their spools
  and letters there;
- the same version of xxgk-audit installed on every worker (the tasks are this package's functions).
A worker that dies fails its task with KilledWorker once the scheduler has given up on it: it is
reported as a broken pool, so run_resilient retries it alone and finally marks it crashed, as
locally. The per-file time cap (SIGALRM) needs a process's main thread, which a Dask worker's task
does not run in: on a cluster only the stall guard (no task finishing for a while) applies.
"""
from __future__ import annotations

import concurrent.futures
import threading
import uuid
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

# Lazy import of distributed below: it is heavy (tornado, the scheduler protocol) and only needed
# with --cluster; a local run never loads it.


class ClusterUnavailable(Exception):
    """The scheduler cannot be reached; the message is Chinese."""


class ClusterPool:
    def __init__(self, address: str, initializer: Callable[..., None] | None = None, initargs: tuple = ()):
        try:
            from distributed import Client   # deliberate lazy load (see the module note)
        except ImportError:
            raise ClusterUnavailable("未安装 Dask 分布式组件，无法使用 --cluster："
                                     "请先安装 pip install 'xxgk-audit[cluster]'") from None
        try:
            self.client = Client(address, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(f"无法连接 Dask 集群调度器 {address}：{exc}") from None
        # One token per pool: a worker runs the initializer again when a new pool's tasks reach it
        # (a long-lived cluster serves many runs); the arguments travel once per worker, not per task.
        self.token = uuid.uuid4().hex
        self.initializer = initializer
        self.initargs = self.client.scatter(list(initargs), broadcast=True) if initargs else []
        self._futures: set[Any] = set()
        # every worker thread of the cluster busy, and as many tasks queued behind them
        self.slots = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())

    def submit(self, fn: Callable[[Any], Any], task: Any) -> concurrent.futures.Future:
        outer: concurrent.futures.Future = concurrent.futures.Future()
        inner = self.client.submit(run_in_worker, self.token, self.initializer, self.initargs, fn, task,
                                   pure=False)
        self._futures.add(inner)
        inner.add_done_callback(lambda f: self._transfer(f, outer))
        return outer

    def _transfer(self, inner: Any, outer: concurrent.futures.Future) -> None:
        from distributed import KilledWorker   # deliberate lazy load (see the module note)

        self._futures.discard(inner)
        try:
            outer.set_result(inner.result())
        except KilledWorker as exc:
            outer.set_exception(BrokenProcessPool(f"Dask 工作进程异常退出：{exc}"))
        except BaseException as exc:       # the task's own exception, reported per task by the pool
            outer.set_exception(exc)

    def kill(self) -> None:
        """A stall: give up the tasks in flight (the pool loop then treats them as broken)."""
        for fut in list(self._futures):
            fut.cancel()

    def __enter__(self) -> "ClusterPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.client.close()


# -- in the worker ---------------------------------------------------------------------------------

_init_lock = threading.Lock()
_initialized: str | None = None      # the token of the pool whose initializer ran last in this process


def run_in_worker(token: str, initializer: Callable[..., None] | None, initargs: list, fn: Callable[[Any], Any],
                  task: Any) -> Any:
    global _initialized
    if initializer is not None and _initialized != token:
        with _init_lock:
            if _initialized != token:
                initializer(*initargs)
                _initialized = token
    return fn(task)
