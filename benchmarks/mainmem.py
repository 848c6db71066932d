"""Where the main process's memory goes: its peak RSS at each step of the run, and what it holds.

    .venv/bin/python benchmarks/mainmem.py [-n 20000] [--pairs 0.1] [--trace] [--top 12]

Audits benchmarks/scale.py's reports (N reports, a share with last year's report) in this process
and prints, at the end of each of Audit's steps (as benchmarks/audit.py's Steps wraps them), the
step's wall time and this process's VmHWM (peak RSS so far) and VmRSS. With --trace, tracemalloc
runs in this process only (not in the forked workers): each step also prints the traced memory at
its end, the traced peak within it, and the largest allocation sites still alive at its end — the
per-report holders show as sites whose size grows with N (compare two sizes). tracemalloc's own
tables add to the RSS figures: read VmHWM from a run without --trace.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import linecache
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from audit import STEPS, default_scratch, generate   # noqa: E402
from scale import add_previous_years                 # noqa: E402


def memory_mb() -> dict[str, float]:
    """VmHWM and VmRSS of this process, in MB."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(("VmHWM", "VmRSS")):
                name, value = line.split(":")
                out[name] = int(value.split()[0]) / 1024
    return out


def top_sites(limit: int) -> list[str]:
    """The largest live allocation sites (file:line, size, blocks), tracemalloc's own left out."""
    snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__),
                                                          tracemalloc.Filter(False, linecache.__file__)])
    lines = []
    for stat in snapshot.statistics("lineno")[:limit]:
        frame = stat.traceback[0]
        where = frame.filename.replace(str(ROOT) + "/", "")
        code = linecache.getline(frame.filename, frame.lineno).strip()[:80]
        lines.append(f"      {stat.size / 2**20:7.2f} MB {stat.count:8d} blocks  {where}:{frame.lineno}  {code}")
    return lines


def wrap_steps(trace: bool, top: int) -> None:
    import engine.run.audit as audit

    def wrapped(name, fn):
        def step(*args, **kwargs):
            if trace:
                tracemalloc.reset_peak()
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                m = memory_mb()
                line = f"{name:>14}: {time.perf_counter() - t0:7.2f} s  VmHWM {m['VmHWM']:6.1f}  VmRSS {m['VmRSS']:6.1f}"
                if trace:
                    now, peak = tracemalloc.get_traced_memory()
                    line += f"  traced {now / 2**20:6.1f}, step's peak {peak / 2**20:6.1f} MB"
                print(line, flush=True)
                if trace:
                    print("\n".join(top_sites(top)), flush=True)
        return step

    for name in STEPS:
        if name != "load_rules":
            setattr(audit.Audit, name, wrapped(name, getattr(audit.Audit, name)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=20000, help="reports (and --pairs of them last year's)")
    ap.add_argument("--pairs", type=float, default=0.1)
    ap.add_argument("--defects", type=float, default=0.2)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--trace", action="store_true", help="tracemalloc in this process: traced figures and sites")
    ap.add_argument("--top", type=int, default=12, help="allocation sites shown per step with --trace")
    args = ap.parse_args()
    from engine.run import AuditOptions, run_audit

    wrap_steps(args.trace, args.top)
    with tempfile.TemporaryDirectory(prefix="xxgk-mainmem-", dir=default_scratch()) as tmp:
        inputs = Path(tmp) / "reports"
        inputs.mkdir()
        generate(args.n, inputs, args.defects)
        files = args.n + add_previous_years(inputs, args.pairs)
        gc.collect()
        print(f"N={args.n} ({files} files), before the run: {memory_mb()}", flush=True)
        if args.trace:
            os.register_at_fork(after_in_child=tracemalloc.stop)    # the workers and the writer untraced
            tracemalloc.start(1)
        t0 = time.perf_counter()
        result = run_audit([inputs], Path(tmp) / "out", AuditOptions(jobs=args.jobs, run_date=dt.date(2026, 1, 5)))
        print(f"run {time.perf_counter() - t0:.1f} s, {dict(result.count_by_status())}; at the end: {memory_mb()}")
        if args.trace:
            print(f"traced peak of the run: {tracemalloc.get_traced_memory()[1] / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
