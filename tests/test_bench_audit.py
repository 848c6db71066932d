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
