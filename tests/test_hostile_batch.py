"""The hostile batch (issue 16): one audit over the seeds and one file (or folder entry) of every
hostile class, all made at test time. It finishes within a generous timeout, lists every input with
a status, audits the seeds, and no process of the run (main, pool workers, spreadsheet writer)
goes over 1 GB of resident memory (the largest max RSS among them, from the kernel's accounting)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.hostile_support import ROOT, hostile_batch

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs, /dev/zero, rusage")]

ONE_GB_KB = 1024 * 1024


def test_the_hostile_batch_finishes_lists_everything_and_stays_under_1_gb(tmp_path):
    expect = hostile_batch(tmp_path)
    out = tmp_path / "out"
    code = textwrap.dedent(f"""
        import json, resource, subprocess, sys
        done = subprocess.run([sys.executable, "-m", "engine", "audit", {str(tmp_path / "in")!r}, "-o",
                               {str(out)!r}, "--jobs", "2"], capture_output=True, text=True)
        print(json.dumps({{"rc": done.returncode, "stderr": done.stderr[-2000:],
                          "max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}}))
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rc"] == 0, result["stderr"]
    reports = json.loads((out / "findings.json").read_text("utf-8"))["reports"]
    got = {r["source"].split("/", 1)[1]: r for r in reports}
    assert set(got) == set(expect)
    for name, status in expect.items():
        r = got[name]
        assert "维护人员" not in (r.get("message") or ""), (name, r["message"])      # no internal error
        if status is not None:
            assert r["status"] == status, (name, r["status"], r.get("message"))
    assert result["max_rss_kb"] < ONE_GB_KB, f"a process of the run reached {result['max_rss_kb'] / 1024:.0f} MB"
