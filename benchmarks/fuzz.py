"""The long fuzz run of the readers and the parser (issue 16): ≥ 100,000 mutated inputs.

    .venv/bin/python benchmarks/fuzz.py                      # 100,000 inputs, 2 processes
    .venv/bin/python benchmarks/fuzz.py -n 5000 --jobs 1 --seed 7

Prints the inputs tried, the outcome of each (parsed, not_a_report, the ingest statuses) and every
unexpected exception (zero is the target; their inputs are kept in the work folder). The mutation
engine is tests/fuzz_support.py (the suite's tests/test_fuzz.py runs a few hundred of the same).
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz_support import Tally, fuzz, load_seeds  # noqa: E402


def _part(args: tuple[int, int, str, float, float]) -> Tally:
    n, seed, workdir, binary_share, fragment_share = args
    folder = Path(workdir) / f"w{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    return fuzz(n, seed, folder, binary_share=binary_share, fragment_share=fragment_share)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000, help="inputs in all")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk", type=int, default=2_000, help="inputs per task")
    ap.add_argument("--binary-share", type=float, default=0.02, help="share of DOCX/PDF seeds")
    ap.add_argument("--fragment-share", type=float, default=0.85, help="share of text inputs cut to a fragment")
    ap.add_argument("--workdir", default=None, help="where inputs are written (default: a temporary folder)")
    args = ap.parse_args()
    shm = "/dev/shm" if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK) else None
    workdir = args.workdir or tempfile.mkdtemp(prefix="xxgk-fuzz-", dir=shm)   # tmpfs: no disk I/O
    seeds = load_seeds()
    print(f"种子 {len(seeds)} 个（{', '.join(sorted({s.suffix for s in seeds}))}）；工作目录 {workdir}", flush=True)
    tasks, left, k = [], args.n, 0
    while left > 0:
        tasks.append((min(args.chunk, left), args.seed * 100_000 + k, workdir, args.binary_share,
                      args.fragment_share))
        left -= args.chunk
        k += 1
    total = Tally()
    start = time.monotonic()
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=1) as pool:
        for part in pool.imap_unordered(_part, tasks):
            total.add(part)
            print(f"  {total.inputs:>7} 个输入，{time.monotonic() - start:6.0f} 秒，意外异常 {len(total.unexpected)}",
                  flush=True)
    print(f"\n输入 {total.inputs} 个，用时 {time.monotonic() - start:.0f} 秒")
    print("结果：" + "，".join(f"{k} {v}" for k, v in total.statuses.most_common()))
    print(f"意外异常：{len(total.unexpected)} 个")
    for text in total.unexpected[:20]:
        print(text)
    return 1 if total.unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
