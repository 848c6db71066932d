"""How the audit run scales: time, CPU and peak memory of every process at N synthetic text reports.

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000] [--50k] [--jobs 2] [--pairs 0.1]

The reports are benchmarks/audit.py's (the five seeds, each copy its own agency and consistent
figures, a share with an injected defect); a share (--pairs) also gets last year's report of the
same agency, so the cross-year comparison runs too. Each size is audited in a fresh process while
this one samples the peak RSS (VmHWM) of that process's children by name: the main process, the
largest evaluation worker (xxgk-worker) and the spreadsheet writer (xxgk-tables).

Prints one line per size, then the least-squares fit time = fixed + per_report × N (wall and CPU of
all processes) and the growth of each process's peak memory per 1,000 reports. Targets (issue 14):
≥ 500 reports/s with --jobs 2, the 10,000/1,000 time ratio within 10% of 10×, memory flat in N.
50,000 reports take a while on a shared machine: --50k adds that size.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from audit import generate                                          # noqa: E402

YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def add_previous_years(folder: Path, share: float) -> int:
    """For every 1/share-th report, last year's report of the same agency beside it: the same text
    with every year one less (its figures then differ from this year's carry-over: the cross-year
    rules have something to say)."""
    if share <= 0:
        return 0
    step = max(1, round(1 / share))
    made = 0
    for i, path in enumerate(sorted(folder.glob("*.txt"))):
        if i % step:
            continue
        text = path.read_text(encoding="utf-8")
        years = [int(y) for y in YEAR.findall(text[:400])]
        if not years:
            continue
        year = max(years)
        earlier = YEAR.sub(lambda m: str(int(m.group(1)) - 1) if int(m.group(1)) <= year else m.group(1), text)
        path.with_name(path.stem + "_previous.txt").write_text(earlier, encoding="utf-8")
        made += 1
    return made


def one_run(n: int, jobs: int, pairs: float, defects: float) -> None:
    """In the child process: generate, audit, print one JSON line."""
    from engine.run import AuditOptions, run_audit

    with tempfile.TemporaryDirectory(prefix="xxgk-scale-") as tmp:
        inputs = Path(tmp) / "reports"
        inputs.mkdir()
        generate(n, inputs, defects)
        previous = add_previous_years(inputs, pairs)
        files = n + previous
        before = os.times()
        t0 = time.perf_counter()
        result = run_audit([inputs], Path(tmp) / "out", AuditOptions(jobs=jobs, run_date=dt.date(2026, 1, 5)))
        elapsed = time.perf_counter() - t0
        after = os.times()
        cpu = sum(after[:4]) - sum(before[:4])     # user + system, this process and its children
        print(json.dumps({"n": n, "files": files, "previous": previous, "seconds": elapsed, "cpu": cpu,
                          "main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          "statuses": result.count_by_status()}), flush=True)


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _peak(pid: int) -> tuple[str, float] | None:
    """(name, peak RSS in MB) of a process, None once it is gone."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
            name = f.read().strip()
        with open(f"/proc/{pid}/status", encoding="utf-8") as f:
            hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
    return name, hwm / 1024


def measure(n: int, jobs: int, pairs: float, defects: float) -> dict:
    """Runs one size in a child process, sampling its children's peak memory by process name."""
    proc = subprocess.Popen([sys.executable, __file__, "--one", str(n), "--jobs", str(jobs), "--pairs", str(pairs),
                             "--defects", str(defects)], stdout=subprocess.PIPE, text=True)
    peaks: dict[str, float] = {}
    while proc.poll() is None:
        for child in _children(proc.pid):
            found = _peak(child)
            if found:
                peaks[found[0]] = max(peaks.get(found[0], 0.0), found[1])
        time.sleep(0.2)
    out = proc.stdout.read()
    if proc.returncode:
        raise SystemExit(f"N={n}: the run failed (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["worker_mb"] = peaks.get("xxgk-worker", 0.0)
    result["tables_mb"] = peaks.get("xxgk-tables", 0.0)
    return result


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = a + b·x → (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of reports")
    ap.add_argument("--50k", dest="fifty", action="store_true", help="add N = 50,000")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--pairs", type=float, default=0.1, help="share of reports that also get last year's report")
    ap.add_argument("--defects", type=float, default=0.2)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        one_run(args.one, args.jobs, args.pairs, args.defects)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([50000] if args.fifty else [])
    rows = []
    print(f"jobs={args.jobs}, pairs={args.pairs:g}, defects={args.defects:g}; peak RSS per process in MB")
    for n in sizes:
        r = measure(n, args.jobs, args.pairs, args.defects)
        rows.append(r)
        print(f"N={n:>6} ({r['files']} files)  {r['seconds']:8.2f} s  {r['files'] / r['seconds']:7.1f} files/s  "
              f"CPU {r['cpu'] / r['files'] * 1000:6.2f} ms/file   main {r['main_mb']:6.1f}  worker {r['worker_mb']:6.1f}  "
              f"tables {r['tables_mb']:6.1f}   {r['statuses']}", flush=True)
    if len(rows) < 2:
        return
    files = [r["files"] for r in rows]
    fixed, per = fit(files, [r["seconds"] for r in rows])
    cpu_fixed, cpu_per = fit(files, [r["cpu"] for r in rows])
    print(f"fit: wall = {fixed:.2f} s + {per * 1000:.3f} ms × files ({1 / per if per > 0 else float('inf'):.0f} files/s "
          f"at scale); CPU = {cpu_fixed:.2f} s + {cpu_per * 1000:.3f} ms × files")
    growth = ", ".join(f"{name} {fit(files, [r[key] for r in rows])[1] * 1000:+.2f}"
                       for name, key in (("main", "main_mb"), ("worker", "worker_mb"), ("tables", "tables_mb")))
    print(f"peak RSS growth, MB per 1,000 files: {growth}")
    if len(rows) > 2:       # the target is flat memory at scale: the two largest sizes alone
        a, b = rows[-2], rows[-1]
        per_k = 1000 / (b["files"] - a["files"])
        top = ", ".join(f"{name} {(b[key] - a[key]) * per_k:+.2f}"
                        for name, key in (("main", "main_mb"), ("worker", "worker_mb"), ("tables", "tables_mb")))
        print(f"  between {a['files']} and {b['files']} files: {top}")
    small, large = rows[0], rows[-1]
    ratio = large["seconds"] / small["seconds"]
    print(f"time ratio {large['files']}/{small['files']} files: {ratio:.2f} (linear: {large['files'] / small['files']:.2f}); "
          f"CPU ratio {large['cpu'] / small['cpu']:.2f}")


if __name__ == "__main__":
    main()
