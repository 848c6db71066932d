"""Batches waiting and running: a small scheduler that starts one worker process per batch.

At most `concurrent_batches` audits run at once (each is already a pool of `jobs` processes); the
others wait in order. A worker that dies without reporting (killed, out of memory) leaves its batch
marked failed, and a server restart marks the batches the previous process left behind as failed:
nothing stays "审核中" forever.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from engine.web.db import WebDB, now_iso
from engine.web.settings import WebSettings


class BatchRunner:
    def __init__(self, settings: WebSettings, db: WebDB):
        self.settings = settings
        self.db = db
        self._queue: deque[tuple[str, int, str]] = deque()          # (batch, generation, by)
        self._running: dict[str, tuple[subprocess.Popen, int]] = {}
        self._lock = threading.Lock()
        self._mark_interrupted()

    def submit(self, batch_id: str, by: str) -> None:
        """Queue an audit (or a re-audit after a decision) of the batch; `by` is recorded in the ledger."""
        with self._lock:
            generation = self.db.next_generation(batch_id)
            self._queue.append((batch_id, generation, by))
        self._start_waiting()

    def batch_dir(self, batch_id: str) -> Path:
        return self.settings.batches / batch_id

    def shutdown(self) -> None:
        with self._lock:
            running = list(self._running.values())
            self._queue.clear()
        for proc, _ in running:
            proc.terminate()

    def _start_waiting(self) -> None:
        with self._lock:
            waiting = list(self._queue)
            self._queue.clear()
            for batch_id, generation, by in waiting:
                # one audit of a batch at a time: a re-audit waits for the running one to finish;
                # of several queued for one batch only the newest is worth running
                newest = max(g for b, g, _ in waiting if b == batch_id)
                if generation < newest:
                    continue
                if batch_id in self._running or len(self._running) >= self.settings.concurrent_batches:
                    self._queue.append((batch_id, generation, by))
                    continue
                self._running[batch_id] = (self._spawn(batch_id, generation, by), generation)
                threading.Thread(target=self._watch, args=(batch_id,), daemon=True).start()

    def _spawn(self, batch_id: str, generation: int, by: str) -> subprocess.Popen:
        s = self.settings
        cmd = [sys.executable, "-m", "engine.web.worker", str(self.batch_dir(batch_id)), str(s.ledger), batch_id,
               str(generation), "--jobs", str(s.jobs), "--timeout", str(s.file_timeout), "--by", by]
        # cwd = the batch folder: inputs then show as "in/<file>", never as a server path.
        log = open(self.batch_dir(batch_id) / "worker.log", "ab")
        try:
            # Own session: a signal meant for the server (Ctrl-C) does not kill a half-written audit.
            return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    cwd=self.batch_dir(batch_id), start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            log.close()

    def _watch(self, batch_id: str) -> None:
        proc, generation = self._running[batch_id]
        code = proc.wait()
        batch = self.db.batch(batch_id)
        if batch is not None and batch.generation == generation and batch.status in ("queued", "running"):
            self.db.update_batch(batch_id, generation, status="failed", finished_at=now_iso(),
                                      message=f"审核进程意外退出（退出码 {code}），请重新提交本批文件。")
        with self._lock:
            self._running.pop(batch_id, None)
        self._start_waiting()

    def _mark_interrupted(self) -> None:
        for batch_id in self.db.interrupted_batches():
            self.db.update_batch(batch_id, status="failed", message="服务重启，审核被中断，请重新提交本批文件。",
                                 finished_at=now_iso())

