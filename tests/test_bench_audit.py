"""benchmarks/audit.py's scratch folder: where the generated reports and outputs go, and that the
run names it (a disk's own costs are not the engine's: docs/scale.md, "The temporary folder's disk")."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_audit", ROOT / "benchmarks" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_filesystem_of_reads_the_longest_mount_point():
    bench = bench_module()
    assert bench.filesystem_of(Path("/proc/self")) == "proc"
    assert bench.filesystem_of(Path("/")) not in ("", "?", "proc")


def test_default_scratch_respects_tmpdir(monkeypatch, tmp_path):
    bench = bench_module()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert bench.default_scratch() is None          # tempfile then uses TMPDIR


def test_default_scratch_is_shm_only_when_tmpfs(monkeypatch):
    bench = bench_module()
    monkeypatch.delenv("TMPDIR", raising=False)
    shm = Path("/dev/shm")
    expected = shm if shm.is_dir() and os.access(shm, os.W_OK) and bench.filesystem_of(shm) == "tmpfs" else None
    assert bench.default_scratch() == expected
    monkeypatch.setattr(bench, "filesystem_of", lambda path: "ext4")
    assert bench.default_scratch() is None


def test_a_small_run_names_its_scratch_folder_and_leaves_nothing(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "audit.py"), "-n", "3", "--jobs", "1",
                           "--scratch", str(scratch)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"scratch folder: {scratch} (")
    assert lines[1].startswith("python: 3.11.") and os.path.realpath(sys.executable) in lines[1]
    assert lines[2].startswith("N=    3  jobs=1")
    assert "statuses {'audited': 3}" in done.stdout
    assert list(scratch.iterdir()) == []            # the run's folder deleted at exit


def test_interpreter_names_version_executable_and_libpython_linkage(monkeypatch):
    bench = bench_module()
    line = bench.interpreter()
    assert line.startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    maps = Path("/proc/self/maps").read_text()
    assert ("libpython as a shared library" in line) == ("libpython" in maps)
    real_read = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (_ for _ in ()).throw(OSError("no /proc"))
                        if str(self) == "/proc/self/maps" else real_read(self, *a, **k))
    assert bench.interpreter().endswith("(libpython linkage unknown)")


def test_the_figures_line_of_a_run_is_read_back():
    bench = bench_module()
    line = ("N= 1000  jobs=2     1.07 s    936.1 reports/s  CPU   2.03 ms/report  peak RSS main   51.0 MB, "
            "largest child   42.0 MB")
    found = bench.FIGURES.search("scratch\n" + line + "\n         CPU ms/report: main 0.23")
    assert (found[1], found[2], found[3], found[4]) == ("1000", "936.1", "2.03", "51.0")
    run = bench.SizeRun("this", 1, 1000, 936.1, 2.03, 51.0)
    assert abs(run.seconds - 1000 / 936.1) < 1e-12


def _runs(bench, tree, timings):
    """SizeRuns of one tree from {round: (seconds at 1k, seconds at 10k)}."""
    return [bench.SizeRun(tree, rnd, n, n / s, 2.0, 50.0)
            for rnd, pair in timings.items() for n, s in zip((1000, 10000), pair)]


def test_rounds_summary_counts_the_runs_that_meet_the_targets():
    bench = bench_module()
    runs = (_runs(bench, "this", {1: (1.0, 9.5), 2: (1.2, 10.0), 3: (2.5, 20.0)})
            + _runs(bench, "abc123", {1: (1.0, 11.5), 2: (1.0, 10.0), 3: (1.0, 10.0)}))
    assert [round(x, 3) for x in bench.round_ratios(runs, "this", 1000, 10000)] == [9.5, 8.333, 8.0]
    lines = bench.rounds_summary(runs, ["this", "abc123"], [1000, 10000])
    assert lines[0] == "summary: 3 round(s), median (range)"
    this = next(ln for ln in lines if ln.strip().startswith("this ≥"))
    # 1k at 1000/s, 833/s, 400/s; 10k at 1053/s, 1000/s, 500/s: 5 of 6 runs at 500/s or more
    assert "5 of 6 runs" in this
    assert "by round 9.50 8.33 8.00, within 9–11 in 1 of 3" in this
    assert this.endswith("of the medians 8.33")          # median 10k 10.0 s / median 1k 1.2 s
    other = next(ln for ln in lines if ln.strip().startswith("abc123 ≥"))
    assert "6 of 6 runs" in other and "within 9–11 in 2 of 3" in other    # 11.5 is outside
    assert any("this N=  1000" in ln and "(400.0–1000.0)" in ln for ln in lines)


def test_rounds_and_against_need_sizes():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "audit.py"), "--rounds", "3"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--rounds and --against go with --sizes" in done.stderr


def test_checkout_makes_a_worktree_of_the_commit_and_removes_it(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_against", ROOT / "benchmarks" / "against.py")
    against = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(against)
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    (repo / "f.txt").write_text("old")
    git("add", "f.txt")
    git("commit", "-q", "-m", "old")
    (repo / "f.txt").write_text("new")
    git("commit", "-q", "-am", "new")
    with against.checkout(repo, "HEAD~1") as tree:
        assert (tree / "f.txt").read_text() == "old"
        assert str(tree) in git("worktree", "list")
    assert not tree.exists()
    assert str(tree) not in git("worktree", "list")
    assert (repo / "f.txt").read_text() == "new"
