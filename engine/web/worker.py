"""One batch's audit, run as its own process: `python -m engine.web.worker BATCH_DIR LEDGER ...`.

The web server never audits in its own process: a hostile file that stalls a reader, or a native
crash in the rule engine, takes down at most this process, and the server marks the batch failed.
Progress is written to the batch's row in the web tables, which the pages poll.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.web.db import WebDB, now_iso
from engine.web.results_index import build_index
from engine.web.settings import REFUSED


class _Progress:
    """The run's progress callback: one phase at a time, written through to the batch row."""

    def __init__(self, db: WebDB, batch_id: str, generation: int, phase: str, total: int):
        self.db, self.batch_id, self.generation, self.done = db, batch_id, generation, 0
        db.update_batch(batch_id, generation, phase=phase, done=0, total=total)

    def update(self, n: int = 1) -> None:
        self.done += n
        self.db.update_batch(self.batch_id, self.generation, done=self.done)

    def close(self) -> None:
        pass


def run_batch(batch_dir: Path, ledger: Path, batch_id: str, generation: int, jobs: int, timeout: float,
              by: str) -> int:
    # Lazy: the engine's run machinery is heavy and only this process needs it.
    from engine.web.engine_api import audit_folder

    db = WebDB(ledger)
    # Every write is for this worker's generation only: when a newer audit of the batch is queued
    # (a decision came while this one ran), the batch stays "queued" for it, never "done" with
    # results that do not yet follow the decision.
    db.update_batch(batch_id, generation, status="running", phase="准备", message="")
    refused = batch_dir / REFUSED

    def progress(description: str, total: int) -> Any:
        return _Progress(db, batch_id, generation, description, total)

    try:
        summary = audit_folder(Path("in"), batch_dir / "out", ledger, jobs, timeout, by, progress)
    except Exception as exc:          # reported on the page; the server stays up
        db.update_batch(batch_id, generation, status="failed", message=f"审核未能完成：{exc}", finished_at=now_iso())
        return 1
    if refused.is_file():
        summary += refused.read_text(encoding="utf-8")
    # the pages' index of these results, built here once rather than by the first request after
    db.update_batch(batch_id, generation, phase="整理结果")
    build_index(batch_dir)
    db.update_batch(batch_id, generation, status="done", phase="完成", message=summary, finished_at=now_iso())
    return 0



def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.web.worker")
    p.add_argument("batch_dir", type=Path)
    p.add_argument("ledger", type=Path)
    p.add_argument("batch_id")
    p.add_argument("generation", type=int)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--by", default="web")
    args = p.parse_args(argv)
    return run_batch(args.batch_dir, args.ledger, args.batch_id, args.generation, args.jobs, args.timeout, args.by)


if __name__ == "__main__":
    raise SystemExit(main())
