"""Issue 16: the per-file memory cap. One input that would take more memory than the cap is
recorded `too_large` with a Chinese reason, the worker and the batch go on; `parse` stops with the
same reason. The cap is lowered here (--max-memory) so that a 3 MB text file is enough to hit it."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from engine.run.pool import memory_cap
from tests.hostile_support import ROOT, SEEDS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA as Linux counts it")

LOW_CAP_MB = 8


def _big_text(path: Path) -> Path:
    """3 MB of one repeated line: reading and splitting it takes well over LOW_CAP_MB."""
    line = "（二）其他事项说明 " + "政府信息公开" * 20 + "\n"
    path.write_text("某某市人民政府2023年政府信息公开工作年度报告\n" + line * (3 * 2**20 // len(line.encode())),
                    encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_memory_cap_refuses_an_allocation_past_it_and_restores_the_limit():
    before = resource.getrlimit(resource.RLIMIT_DATA)
    with pytest.raises(MemoryError):
        with memory_cap(16):
            bytearray(64 * 2**20)
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    assert len(bytearray(64 * 2**20)) == 64 * 2**20          # the process goes on as before
    with memory_cap(128):
        assert len(bytearray(16 * 2**20)) == 16 * 2**20      # within the cap: nothing refused


def test_a_file_over_the_memory_cap_is_too_large_and_the_batch_goes_on(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    _big_text(inp / "big.txt")
    seeds = sorted(SEEDS.glob("*.txt"))[:2]
    for seed in seeds:
        (inp / seed.name).write_bytes(seed.read_bytes())
    out = tmp_path / "out"
    done = _cli("audit", str(inp), "-o", str(out), "--jobs", "1", "--max-memory", str(LOW_CAP_MB))
    assert done.returncode == 0, done.stderr
    reports = {Path(r["source"]).name: r for r in json.loads((out / "findings.json").read_text("utf-8"))["reports"]}
    assert reports["big.txt"]["status"] == "too_large"
    assert f"内存超过上限（{LOW_CAP_MB} MB）" in reports["big.txt"]["message"]
    assert all(reports[seed.name]["status"] == "audited" for seed in seeds)   # the same worker went on


def test_parse_stops_at_the_memory_cap_with_a_chinese_reason(tmp_path):
    big = _big_text(tmp_path / "big.txt")
    done = _cli("parse", str(big), "--max-memory", str(LOW_CAP_MB))
    assert done.returncode == 4 and done.stdout == ""
    assert f"内存超过上限（{LOW_CAP_MB} MB）" in done.stderr and "Traceback" not in done.stderr
