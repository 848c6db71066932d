"""Benchmark of the whole audit run: N synthetic text reports → `xxgk-audit audit` outputs.

    .venv/bin/python benchmarks/audit.py [-n 1000] [--jobs 2] [--sizes 250,1000] [--defects 0.2] [--keep DIR]
                                         [--two-phase] [--scratch DIR]
    .venv/bin/python benchmarks/audit.py --sizes 1000,10000 --rounds 6 --against HEAD~1    # issue 14's check

The reports are made from the five seeds (tests/fixtures/seeds): each copy gets its own agency name
and, where the seed's tables are laid out as text rows, its own consistent figures (every identity of
docs/template.md holds; the narrative's 未接收到申请 sentence is rewritten to the new count). A share
of them (--defects) gets an injected defect: a broken column total, or part 六's fee statement removed.

Prints, per size: reports/s for the whole run (parse, evaluate, score, letters, dashboard, tables),
the CPU time of all its processes per report (steadier than the wall time on a shared machine; then
split into the main process's, the workers' and the spreadsheet writer's), the peak RSS of the main
process and of the largest child, the main process's steps (wall seconds from the start of the run,
and its own CPU seconds in each: a step where the workers wait is serial time), and the statuses.
Target on a 2-core machine
(issue 14): ≥ 500 reports/s with --jobs 2 for 1,000 and 10,000 reports, the 10,000-report run within
10% of 10× the 1,000-report one. benchmarks/scale.py gives each process's peak memory and the fit.

--sizes runs each size in a fresh process. --rounds R runs every size R times; --against REV runs the
same for git commit REV (a temporary worktree, benchmarks/against.py) side by side: a warm-up run of
each tree first (not counted), then the trees alternate, the one going first alternating too, and a
tree's sizes run back to back. The summary gives each tree's median and range per size, how many runs
reach 500 reports/s, the time ratio of the largest size to the smallest in every round (a 1,000-report
run lasts about a second, so one slow second of the host moves one round's ratio: docs/scale.md) and
the ratio of the medians.

The reports and outputs go to a scratch folder deleted at exit: by default under /dev/shm when that
is a writable tmpfs (else the system temporary folder, or TMPDIR when it is set). A disk can charge
its own costs to the run (docs/scale.md, "The temporary folder's disk": on this VM's ext4 without a
journal, file creation costs up to 0.9 ms for minutes after a run deleted its files); --scratch DIR
measures on the disk of your choice. The first line printed names the folder and its file system, the
second the interpreter (its version, executable and whether libpython is a shared library).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "benchmarks"))       # last: its script names (parse, ledger) must shadow nothing

from against import checkout                                         # noqa: E402
from engine.run import AuditOptions, run_audit                      # noqa: E402
from engine.template import REVIEW_GROUPS, application_rows                  # noqa: E402

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
# the short agency name of each seed, replaced by a numbered one in every copy
SEED_NAMES = {"000": "金村镇", "001": "阎村镇", "002": "木厂镇", "003": "南岭镇", "004": "陈区镇"}
# the rows of the text-layout seeds, by how many there are: 2019-style （六） (23) or 2021 split (25)
ROWS_BY_COUNT = {len(rows): [r.key for r in rows] for rows in map(application_rows, ("single", "split"))}
# issue 14's targets on a 2-core machine: ≥ 500 reports/s, the 10k run within 10% of 10× the 1k run
TARGET_RATE = 500
RATIO_RANGE = (0.9, 1.1)        # × the ratio of the sizes (10 for 10,000 / 1,000)
NUM = re.compile(r"^\s*[0-9]+\s*$")


def numeric_tail(line: str, n: int) -> list[int] | None:
    """Indexes of the last n numeric tab fields of a line, when it ends with exactly such fields."""
    fields = line.rstrip("\n").split("\t")
    while fields and not fields[-1].strip():
        fields.pop()
    if len(fields) < n or not all(NUM.match(f) for f in fields[-n:]):
        return None
    return list(range(len(fields) - n, len(fields)))


def replace_tail(line: str, values: list[int]) -> str:
    fields = line.rstrip("\n").split("\t")
    while fields and not fields[-1].strip():
        fields.pop()
    fields[-len(values):] = [str(v) for v in values]
    return "\t".join(fields)


def application_figures(rng: random.Random, keys: list[str]) -> dict[str, list[int]]:
    """Rows → 7 values (six applicant columns + 总计) satisfying relations 1–3."""
    leaves = [k for k in keys if k not in ("一", "二", "三.七", "四")]
    rows = {k: [0] * 6 for k in keys}
    for c in range(6):
        new = rng.choice([0, 0, 1, 2, 3, 5, 8, 13]) if c in (0, 1, 5) else rng.choice([0, 0, 0, 1])
        carry = rng.choice([0, 0, 0, 1, 2])
        carry_next = rng.randint(0, min(2, new + carry))
        handled = new + carry - carry_next
        rows["一"][c], rows["二"][c], rows["四"][c], rows["三.七"][c] = new, carry, carry_next, handled
        for _ in range(handled):
            rows[rng.choice(leaves[:4] + leaves)][c] += 1
    return {k: v + [sum(v)] for k, v in rows.items()}


def review_figures(rng: random.Random) -> list[int]:
    out = []
    for _ in REVIEW_GROUPS:
        parts = [rng.choice([0, 0, 0, 1, 2]) for _ in range(4)]
        out += parts + [sum(parts)]
    return out


def vary(text: str, rng: random.Random, defect: str | None) -> str:
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines) if "收到和处理政府信息公开申请情况" in ln and "三" in ln[:6]), None)
    end = next((i for i, ln in enumerate(lines) if "行政复议、行政诉讼情况" in ln and i > (start or 0)), None)
    if start is None or end is None:
        return text
    rows = [i for i in range(start, end) if numeric_tail(lines[i], 7)]
    keys = ROWS_BY_COUNT.get(len(rows))
    if keys is None:
        return text
    figures = application_figures(rng, keys)
    if defect == "total":
        figures["三.七"][0] += 1
    for i, key in zip(rows, keys):
        lines[i] = replace_tail(lines[i], figures[key])
    review = next((i for i in range(end, min(end + 10, len(lines))) if numeric_tail(lines[i], 15)), None)
    if review is not None:
        lines[review] = replace_tail(lines[review], review_figures(rng))
    received = figures["一"][6]
    text = "\n".join(lines)
    if received:
        text = text.replace("未接收到依申请公开申请", f"共收到政府信息公开申请{received}件")
    if defect == "fee":
        text = re.sub(r"[^\n]*信息处理费[^\n]*", "", text)
    return text


def generate(n: int, folder: Path, defects: float, seed: int = 7) -> Counter:
    rng = random.Random(seed)
    seeds = sorted(SEEDS.glob("*.txt"))
    made: Counter = Counter()
    for i in range(n):
        src = seeds[i % len(seeds)]
        short = SEED_NAMES[src.name[:3]]
        defect = rng.choice(["total", "fee"]) if rng.random() < defects else None
        text = vary(src.read_text(encoding="utf-8"), rng, defect)
        text = text.replace(short, f"{short[:-1]}{i:05d}{short[-1]}")
        (folder / f"{i:05d}_{src.stem[:3]}.txt").write_text(text, encoding="utf-8")
        made[defect or "clean"] += 1
    return made


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024     # Linux: KiB


STEPS = ("load_rules", "list_inputs", "parse", "pair_and_name", "evaluate", "write_outputs")


class Steps:
    """The main process's steps of the run (engine/run/audit.py) timed from outside: wall start and
    length, and this process's CPU in each; and the spreadsheet writer's CPU (its process reports it
    on exit, through a file), so that the children's CPU splits into the writer's and the workers'."""

    def __init__(self, folder: Path):
        import engine.run.audit as audit
        import engine.run.outputs as outputs

        self.times: list[tuple[str, float, float, float]] = []
        self.t0 = time.perf_counter()
        self.writer_file = folder / "writer-cpu"
        for name in STEPS:
            owner = audit if name == "load_rules" else audit.Audit
            setattr(owner, name, self._timed(name, getattr(owner, name)))
        writer_main, writer_file = outputs._table_writer_main, self.writer_file

        def timed_writer(*args):       # the target of the forked writer process (never pickled)
            try:
                writer_main(*args)
            finally:
                t = os.times()
                writer_file.write_text(f"{t[0] + t[1]}")
        outputs._table_writer_main = timed_writer

    def _timed(self, name, fn):
        def timed(*args, **kwargs):
            w, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times.append((name, w - self.t0, time.perf_counter() - w, time.process_time() - c))
        return timed

    def writer_cpu(self) -> float | None:
        try:
            return float(self.writer_file.read_text())
        except (OSError, ValueError):
            return None

    def line(self) -> str:
        return "  ".join(f"{name} {start:.2f}+{wall:.2f}/{cpu:.2f}" for name, start, wall, cpu in self.times)


def filesystem_of(path: Path) -> str:
    """The type of the file system holding `path` (the longest mount point above it in /proc/mounts),
    or "?" where that is unknown."""
    best, kind = "", "?"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    target = str(path.resolve())
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    return kind


def default_scratch() -> Path | None:
    """Where the scratch folder goes unless --scratch says: TMPDIR when it is set (the user chose),
    else /dev/shm when it is a writable tmpfs, else the system temporary folder (None)."""
    if os.environ.get("TMPDIR"):
        return None
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and filesystem_of(shm) == "tmpfs":
        return shm
    return None


def interpreter() -> str:
    """Which Python runs the benchmark: builds of one version differ by 10–20% in CPU (docs/scale.md,
    "The interpreter"), so figures are compared only between runs on the same interpreter."""
    linked = "libpython in the executable"
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        maps = None
    if maps is None:
        linked = "libpython linkage unknown"
    elif "libpython" in maps:
        linked = "libpython as a shared library"
    return f"{platform.python_version()} {os.path.realpath(sys.executable)} ({linked})"


def run(n: int, jobs: int, defects: float, keep: Path | None, two_phase: bool = False,
        scratch: Path | None = None) -> None:
    if two_phase:          # parse everything, then evaluate (the Report pickled in between)
        import engine.run.audit
        engine.run.audit.ONE_PASS = False
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-", dir=scratch) as tmp:
        base = keep or Path(tmp)
        inputs = base / "reports"
        inputs.mkdir(parents=True, exist_ok=True)
        made = generate(n, inputs, defects)
        options = AuditOptions(jobs=jobs, run_date=dt.date(2026, 1, 5))
        steps = Steps(Path(tmp))
        cpu0 = os.times()
        t0 = steps.t0 = time.perf_counter()
        result = run_audit([inputs], base / "out", options)
        elapsed = time.perf_counter() - t0
        cpu1 = os.times()
        main_cpu = sum(cpu1[:2]) - sum(cpu0[:2])       # user + system, this process
        child_cpu = sum(cpu1[2:4]) - sum(cpu0[2:4])    # its children: workers, spreadsheet writer
        cpu = main_cpu + child_cpu
        statuses = result.count_by_status()
        findings = result.summary["findings"]
        print(f"N={n:>5}  jobs={jobs}  {elapsed:7.2f} s  {n / elapsed:7.1f} reports/s  CPU {cpu / n * 1000:6.2f} ms/report  "
              f"peak RSS main {peak_rss_mb(resource.RUSAGE_SELF):6.1f} MB, largest child "
              f"{peak_rss_mb(resource.RUSAGE_CHILDREN):6.1f} MB")
        writer = steps.writer_cpu()
        split = (f"workers {(child_cpu - writer) / n * 1000:.2f}, spreadsheet writer {writer / n * 1000:.2f}"
                 if writer is not None else "workers and the spreadsheet writer")
        print(f"         CPU ms/report: main {main_cpu / n * 1000:.2f}, children {child_cpu / n * 1000:.2f} ({split})")
        print(f"         main steps (start+wall/CPU s): {steps.line()}")
        print(f"         generated {dict(made)}; statuses {dict(statuses)}; findings {findings}; "
              f"reference-engine fallbacks {result.summary['engine_fallbacks']}")


# -- --sizes: fresh processes, rounds, another commit side by side -------------------------------------

# the first figure line of a run, as every tree's benchmark prints it
FIGURES = re.compile(r"N=\s*(\d+)\s+jobs=\d+\s+[\d.]+ s\s+([\d.]+) reports/s\s+CPU\s+([\d.]+) ms/report\s+"
                     r"peak RSS main\s+([\d.]+) MB")


@dataclass(frozen=True)
class SizeRun:
    tree: str
    round: int
    n: int
    rate: float          # reports/s
    cpu: float           # CPU ms per report, every process
    rss: float           # peak RSS of the main process, MB

    @property
    def seconds(self) -> float:
        # from the rate (printed to 0.1 report/s), not the 2-decimal seconds: a ratio needs the precision
        return self.n / self.rate


def size_run(tree: str, root: Path, n: int, rnd: int, extra: list[str]) -> SizeRun:
    """One run of N reports in a fresh process of `root`'s benchmark; its output passed through."""
    cmd = [sys.executable, str(root / "benchmarks" / "audit.py"), "-n", str(n), *extra, "--size-of-sizes"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    label = f"[{tree} round {rnd}]" if rnd else f"[{tree} warm-up]"
    for line in done.stdout.splitlines():
        print(f"{label} {line}" if line.startswith("N=") else line, flush=True)
    found = FIGURES.search(done.stdout)
    if found is None:
        raise SystemExit(f"no figures in the output of {cmd}:\n{done.stdout}")
    return SizeRun(tree, rnd, int(found[1]), float(found[2]), float(found[3]), float(found[4]))


def run_sizes(trees: dict[str, Path], sizes: list[int], rounds: int, extra: list[str]) -> list[SizeRun]:
    """Every size of every tree `rounds` times. With two trees, a warm-up run of each first (not counted:
    it fills the tree's byte code, catalog, code and regex caches), then the trees alternate and the one
    that goes first alternates too; a tree's sizes run one after the other, so its ratio compares runs
    made a few seconds apart."""
    if len(trees) > 1:
        for tree, root in trees.items():
            size_run(tree, root, min(sizes), 0, extra)
    runs = []
    for rnd in range(1, rounds + 1):
        order = list(trees) if rnd % 2 else list(reversed(trees))
        for tree in order:
            runs += [size_run(tree, trees[tree], n, rnd, extra) for n in sizes]
    return runs


def rounds_summary(runs: list[SizeRun], trees: list[str], sizes: list[int]) -> list[str]:
    """Median and range of every tree and size, the ratio of the largest size's time to the smallest's
    in each round and of the medians, and how many runs meet issue 14's targets."""
    small, large = min(sizes), max(sizes)
    lines = [f"summary: {len(runs) // max(1, len(trees) * len(sizes))} round(s), median (range)"]
    for tree in trees:
        for n in sizes:
            got = [r for r in runs if r.tree == tree and r.n == n]
            rates, cpus = [r.rate for r in got], [r.cpu for r in got]
            lines.append(f"  {tree:>12s} N={n:>6}  {statistics.median(rates):7.1f} reports/s "
                         f"({min(rates):.1f}–{max(rates):.1f})  CPU {statistics.median(cpus):5.2f} ms/report "
                         f"({min(cpus):.2f}–{max(cpus):.2f})  peak RSS main {max(r.rss for r in got):.1f} MB")
    for tree in trees:
        rates = [r.rate for r in runs if r.tree == tree]
        line = f"  {tree:>12s} ≥ {TARGET_RATE} reports/s: {sum(r >= TARGET_RATE for r in rates)} of {len(rates)} runs"
        if large > small:
            linear = large / small
            low, high = RATIO_RANGE[0] * linear, RATIO_RANGE[1] * linear
            ratios = round_ratios(runs, tree, small, large)
            medians = [statistics.median(r.seconds for r in runs if r.tree == tree and r.n == n) for n in (small, large)]
            line += (f"; time {large}/{small} by round {' '.join(f'{x:.2f}' for x in ratios)}, within "
                     f"{low:g}–{high:g} in {sum(low <= x <= high for x in ratios)} of {len(ratios)}; "
                     f"of the medians {medians[1] / medians[0]:.2f}")
        lines.append(line)
    return lines


def round_ratios(runs: list[SizeRun], tree: str, small: int, large: int) -> list[float]:
    seconds = {(r.round, r.n): r.seconds for r in runs if r.tree == tree}
    return [seconds[rnd, large] / seconds[rnd, small] for rnd in sorted({r for r, _ in seconds})]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--sizes", default=None, help="comma-separated N values, each run in a fresh process")
    ap.add_argument("--rounds", type=int, default=1,
                    help="with --sizes: run every size this many times, the trees alternating; then medians")
    ap.add_argument("--against", metavar="REV", default=None,
                    help="with --sizes: the same runs for git commit REV, side by side (alternating)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--defects", type=float, default=0.2)
    ap.add_argument("--keep", type=Path, default=None, help="keep the generated reports and outputs here")
    ap.add_argument("--two-phase", action="store_true",
                    help="the two-phase run (parse all, then evaluate) instead of one pass, to compare in one tree")
    ap.add_argument("--scratch", type=Path, default=None,
                    help="folder for the generated reports and outputs (default: /dev/shm when it is a tmpfs)")
    ap.add_argument("--size-of-sizes", action="store_true", help=argparse.SUPPRESS)   # a --sizes child: named once
    args = ap.parse_args()
    if (args.rounds != 1 or args.against) and not args.sizes:
        ap.error("--rounds and --against go with --sizes")
    scratch = args.scratch or default_scratch()
    if args.keep is None and not args.size_of_sizes:
        where = scratch or Path(tempfile.gettempdir())
        print(f"scratch folder: {where} ({filesystem_of(where)})", flush=True)
        print(f"python: {interpreter()}", flush=True)
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
        extra = ["--jobs", str(args.jobs), "--defects", str(args.defects), "--scratch",
                 str(scratch or tempfile.gettempdir())] + (["--two-phase"] if args.two_phase else [])
        with contextlib.ExitStack() as stack:
            trees = {"this": ROOT}
            if args.against:
                trees[args.against] = stack.enter_context(checkout(ROOT, args.against))
            runs = run_sizes(trees, sizes, max(1, args.rounds), extra)
        if args.rounds > 1 or args.against or len(sizes) > 1:
            print("\n".join(rounds_summary(runs, list(trees), sizes)))
        return
    run(args.n, args.jobs, args.defects, args.keep, args.two_phase, scratch)


if __name__ == "__main__":
    main()
