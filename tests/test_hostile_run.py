"""Hostile input and faults at the run level (issue 16): what an input folder may hold, OUT replaced
without loss, two runs on one OUT, kill -9 of the main process and at the swap. Every hostile file
is made at test time in tmp_path."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.ingest import DEFAULT_LIMITS
from engine.run.inputs import expand_inputs, input_records
from engine.run.outdir import FAULT_ENV, NO_EXCHANGE_ENV, OutputPathError, output_lock
from tests.hostile_support import ROOT, SEEDS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux file system semantics")


def _seed(n: int) -> Path:
    return sorted(SEEDS.glob("*.txt"))[n]


def _statuses(folder: Path) -> dict[str, str | None]:
    files = expand_inputs([folder])
    found = input_records(files, [], DEFAULT_LIMITS)
    return {r.source.split("/", 1)[1]: (r.status if r.status != "pending" else None)
            for r in found.records.values()}


def test_an_input_folder_with_special_entries_lists_each(tmp_path):
    inp = tmp_path / "in"
    (inp / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(_seed(0), inp / "a.txt")
    shutil.copy(_seed(1), inp / "sub" / "b.txt")
    shutil.copy(_seed(2), outside / "c.txt")
    os.mkfifo(inp / "fifo.txt")
    (inp / "zero.txt").symlink_to("/dev/zero")
    (inp / "sub" / "loop").symlink_to("..")                 # a folder loop
    (inp / "linked").symlink_to(inp / "sub")                # a linked folder inside the inputs
    (inp / "away").symlink_to(outside)                      # a linked folder outside the inputs
    (inp / "away.txt").symlink_to(outside / "c.txt")
    (inp / "dangling.txt").symlink_to(tmp_path / "nothing")
    (inp / "e1.txt").write_bytes(b"")
    (inp / "e2.txt").write_bytes(b"")
    (inp / "e3.txt").write_bytes(b" \n\t")
    statuses = _statuses(inp)
    assert statuses == {
        "a.txt": None, "sub/b.txt": None,                    # None: to be parsed
        "fifo.txt": "unsupported", "zero.txt": "unsupported", "sub/loop": "unsupported",
        "away": "unsupported", "away.txt": "unsupported", "dangling.txt": "unreadable",
        "e1.txt": None, "e2.txt": None, "e3.txt": None,      # parsed: "empty", never "duplicate"
    }


def test_a_symlinked_input_folder_is_followed(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(_seed(0), real / "a.txt")
    (tmp_path / "link").symlink_to(real)
    assert [f.display.split("/")[-1] for f in expand_inputs([tmp_path / "link"])] == ["a.txt"]


def _audit(args: list[str], env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", "audit", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def _sources(out: Path) -> list[str]:
    return [r["source"] for r in json.loads((out / "findings.json").read_text("utf-8"))["reports"]]


def test_an_input_inside_out_and_user_files_survive_every_run(tmp_path):
    out = tmp_path / "out"
    (out / "reports").mkdir(parents=True)
    shutil.copy(_seed(0), out / "reports" / "a.txt")
    (out / "findings.json").write_text("{}", encoding="utf-8")     # OUT is a previous audit
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    for _ in range(2):
        done = _audit([str(out / "reports"), "-o", str(out), "--jobs", "1"])
        assert done.returncode == 0, done.stderr
        assert (out / "reports" / "a.txt").read_bytes() == _seed(0).read_bytes()
        assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
        assert len(_sources(out)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


@pytest.mark.parametrize("fault, env", [("after-swap", {}), ("between-renames", {NO_EXCHANGE_ENV: "1"})])
def test_kill_at_the_swap_loses_nothing(tmp_path, fault, env):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(_seed(0), inp / "a.txt")
    out = tmp_path / "out"
    assert _audit([str(inp), "-o", str(out), "--jobs", "1"]).returncode == 0
    (out / "mine.txt").write_text("user", encoding="utf-8")
    shutil.copy(_seed(1), inp / "b.txt")
    killed = _audit([str(inp), "-o", str(out), "--jobs", "1"], env={FAULT_ENV: fault, **env})
    assert killed.returncode == -signal.SIGKILL
    if fault == "after-swap":        # the exchange is atomic: OUT is the new complete result at once
        assert len(_sources(out)) == 2
    # the next run puts back what the killed one left: the old result in place, the user's files
    done = _audit([str(inp), "-o", str(out), "--jobs", "1"])
    assert done.returncode == 0, done.stderr
    assert (out / "mine.txt").read_text(encoding="utf-8") == "user" and len(_sources(out)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "in", "out"]


def test_two_runs_on_one_out_exclude_each_other(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
from pathlib import Path
from engine.run.outdir import output_lock
with output_lock(Path({str(out)!r})):
    print("locked", flush=True)
    time.sleep(120)
"""], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputPathError, match="另一个审核"):
            with output_lock(out):
                pass
        done = _audit([str(_seed(0)), "-o", str(out)])
        assert done.returncode == 2 and "另一个审核" in done.stderr
    finally:
        holder.kill()
        holder.wait()
    with output_lock(out):          # released with its holder
        pass


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_kill_of_the_main_process_leaves_no_process_and_no_temporary_folder(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(40):                 # distinct files, so that the run lasts a few seconds
        text = _seed(i % 5).read_text(encoding="utf-8") + f"\n附：第{i}份\n"
        (inp / f"r{i:02d}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "engine", "audit", str(inp), "-o", str(out), "--jobs", "2"],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(children) < 3 and proc.poll() is None:
        children |= _children(proc.pid)        # the spreadsheet writer and two pool workers
        time.sleep(0.05)
    assert proc.poll() is None and len(children) >= 2, "the run ended before it could be killed"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(c) for c in children):
        time.sleep(0.1)
    assert not any(_alive(c) for c in children)
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out."))
    assert any(n.startswith((".out.tmp-", ".out.work-")) for n in left)     # what the kill left …
    done = _audit([str(_seed(0)), "-o", str(out), "--jobs", "1"])
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")) == [".out.lock"]  # … reclaimed


def test_two_empty_files_are_each_empty_never_a_duplicate(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(_seed(0), inp / "a.txt")
    (inp / "empty-1.txt").write_bytes(b"")
    (inp / "empty-2.txt").write_bytes(b"")
    out = tmp_path / "out"
    done = _audit([str(inp), "-o", str(out), "--jobs", "1"])
    assert done.returncode == 0, done.stderr
    reports = {Path(r["source"]).name: r for r in json.loads((out / "findings.json").read_text("utf-8"))["reports"]}
    for name in ("empty-1.txt", "empty-2.txt"):
        assert reports[name]["status"] == "empty" and not reports[name]["duplicate_of"], reports[name]
        assert "空文件" in reports[name]["message"]
    assert reports["a.txt"]["status"] == "audited"
