"""The hostile batch (issue 16): one audit over the seeds and one file (or folder entry) of every
hostile class (tests/hostile_support.hostile_batch), with its wall time and the peak resident
memory of each process of the run (main, pool workers, spreadsheet writer).

    .venv/bin/python benchmarks/hostile.py                 # --jobs 2
    .venv/bin/python benchmarks/hostile.py --jobs 4

Peaks are each process's VmHWM (the kernel's high-water mark of resident memory), read from /proc
every 50 ms while the process lives, so a process shorter than that may be missed; the largest max
RSS over all of them (getrusage RUSAGE_CHILDREN) is printed too and catches any such one. Linux only.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_support import hostile_batch  # noqa: E402


def _descendants(pid: int) -> set[int]:
    found, frontier = set(), [pid]
    while frontier:
        p = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{t}/children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in found:
                    found.add(k)
                    frontier.append(k)
    return found


def _peak_kb(pid: int) -> tuple[int, str] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        cmd = Path(f"/proc/{pid}/comm").read_text().strip()     # xxgk-worker / xxgk-tables / python
    except OSError:
        return None
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return hwm, cmd


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="xxgk-hostile-"))
    expect = hostile_batch(root)
    out = root / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XXGK_AUDIT_LEDGER": str(root / "ledger.sqlite")}
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "engine", "audit", str(root / "in"), "-o", str(out),
                             "--jobs", str(args.jobs)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, tuple[int, str]] = {}
    while proc.poll() is None:
        for pid in {proc.pid} | _descendants(proc.pid):
            got = _peak_kb(pid)
            if got is not None and got[0] > 0 and got[0] >= peaks.get(pid, (0, ""))[0]:
                peaks[pid] = got
        time.sleep(0.05)
    wall = time.monotonic() - start
    stderr = proc.stderr.read().decode(errors="replace")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    reports = json.loads((out / "findings.json").read_text("utf-8"))["reports"] if proc.returncode == 0 else []
    got = {r["source"].split("/", 1)[1]: r["status"] for r in reports}
    wrong = {name: got.get(name) for name, status in expect.items()
             if name not in got or (status is not None and got[name] != status)}
    print(f"敌意批次：{len(expect)} 个输入（种子与各类敌意文件），--jobs {args.jobs}，退出码 {proc.returncode}，"
          f"用时 {wall:.1f} 秒")
    print("状态：" + "，".join(f"{k} {v}" for k, v in Counter(got.values()).most_common()))
    print(f"未列出或状态不符：{wrong or '无'}")
    print("各进程峰值常驻内存（VmHWM）：")
    for pid, (kb, cmd) in sorted(peaks.items(), key=lambda kv: -kv[1][0]):
        role = "主进程" if pid == proc.pid else "子进程"
        print(f"  {role} {pid:>7}  {kb / 1024:7.1f} MB  {cmd}")
    print(f"所有进程中最大的 max RSS（getrusage）：{largest / 1024:.1f} MB")
    if proc.returncode != 0:
        print(stderr[-2000:])
    return 0 if proc.returncode == 0 and not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
