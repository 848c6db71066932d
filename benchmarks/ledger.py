"""What the audit ledger adds to a run: per-report cost of dispatch (round + 文号) and remember
(the report's findings), and loading the decisions in force, on a fresh ledger and on a re-run.

    .venv/bin/python benchmarks/ledger.py [-n 1000] [--findings 8]
"""
from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from engine.ledger import Ledger
from engine.ledger.season import Season, SeasonOptions


def _findings(i: int, n: int) -> list[dict]:
    return [{"id": f"F{i:06x}{k:06x}", "rule_id": f"XXGK-R{k:03d}", "severity": "warning", "charge": "agency",
             "title": "t", "message": "m", "evidence": {"cells": [f"A{k}"]}, "counted": True} for k in range(n)]


def one_run(path: Path, n: int, per_report: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    season = Season.open(SeasonOptions(path, dt.date(2025, 5, 1)))
    t1 = time.perf_counter()
    ids = [season.dispatch(f"某县第{i}局", 2024, f"{i:064x}", f"in/{i}.txt", 2025, 1, lambda s: f"公开审〔2025〕{s:03d}号")
           .report_id for i in range(n)]
    t2 = time.perf_counter()
    for i, rid in enumerate(ids):
        season.remember(rid, _findings(i, per_report))
    t3 = time.perf_counter()
    season.close()
    return t1 - t0, (t2 - t1) / n * 1000, (t3 - t2) / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--findings", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "l.sqlite"
        for label in ("fresh ledger", "re-run"):
            opened, dispatch, remember = one_run(path, args.n, args.findings)
            print(f"{label:13s} N={args.n}: open {opened * 1000:.1f} ms, dispatch {dispatch:.2f} ms/report, "
                  f"remember {remember:.2f} ms/report ({args.findings} findings)")
        with Ledger(path) as led:
            t = time.perf_counter()
            led.decisions()
            print(f"decisions snapshot: {(time.perf_counter() - t) * 1000:.1f} ms; "
                  f"file {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
