"""The hostile batch (issue 16): one audit over the seeds and one file (or folder entry) of every
hostile class, all made at test time. It finishes within a generous timeout, lists every input with
a status, audits the seeds, and no process of the run (main, pool workers, spreadsheet writer)
goes over 1 GB of resident memory (the largest max RSS among them, from the kernel's accounting)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.hostile_support import (ADVERSARIAL_LINES, DOCUMENTS, ROOT, SEEDS, docx_with_compression, html_page,
                                   pdf_with_stream, seed_lines, with_line)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs, /dev/zero, rusage")]

ONE_GB_KB = 1024 * 1024


def _hostile_folder(root: Path) -> dict[str, str]:
    """The files; returns display name -> the status it must end with (None: any but broken)."""
    inp = root / "in"
    (inp / "seeds").mkdir(parents=True)
    expect: dict[str, str | None] = {}
    for p in sorted(SEEDS.glob("*.txt")):
        shutil.copy(p, inp / "seeds" / p.name)
        expect[f"seeds/{p.name}"] = "audited"
    for name in ("seed-000.docx", "seed-002.pdf"):
        shutil.copy(DOCUMENTS / name, inp / "seeds" / name)
        expect[f"seeds/{name}"] = "audited"
    lines = seed_lines(0)
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    fee = next(i for i, line in enumerate(lines) if line.startswith("行政事业性收费"))
    rule = next(i for i, line in enumerate(lines) if line.startswith("规章"))

    def text(name: str, body: str, status: str | None = None) -> None:
        (inp / name).write_text(body, encoding="utf-8")
        expect[name] = status

    os.mkfifo(inp / "fifo.txt")
    expect["fifo.txt"] = "unsupported"
    (inp / "zero.txt").symlink_to("/dev/zero")
    expect["zero.txt"] = "unsupported"
    text("tabs.txt", with_line(lines, 40, ADVERSARIAL_LINES["tabs"]))
    rows = "".join(f"<tr><td>第{i}行</td><td>{i}</td></tr>" for i in range(12_000))
    (inp / "big-table.html").write_bytes(html_page(f"<table>{rows}</table>"))
    expect["big-table.html"] = None
    bomb = "".join('<tr><td rowspan="0" colspan="1000">x</td></tr>' for _ in range(2000))
    (inp / "span-bomb.html").write_bytes(html_page(f"<table>{bomb}</table>"))
    expect["span-bomb.html"] = "too_large"
    for charset in ("uu", "rot13", "undefined"):
        (inp / f"charset-{charset}.html").write_bytes(
            html_page("<p>" + "</p><p>".join(lines) + "</p>", head=f'<meta charset="{charset}">'))
        expect[f"charset-{charset}.html"] = None
    text("yi-yuan.txt", with_line(lines, fee, "行政事业性收费\t1234567890123456789012345亿元"))
    (inp / "zip-method.docx").write_bytes(docx_with_compression(DOCUMENTS / "seed-000.docx", 99))
    expect["zip-method.docx"] = "unsupported"
    text("huge-integer.txt", with_line(lines, rule, "规章\t" + "9" * 5000 + "\t0\t0"))
    text("sixteen-digits.txt", with_line(lines, rule, "规章\t1234567890123456\t0\t0"), "audited")
    text("formula.txt", with_line(lines, title, "# +金村镇人民政府"), "audited")
    text("emoji.txt", with_line(lines, title, "# " + "😀" * 70 + "#\u202e镇人民政府"), "audited")
    (inp / "bomb.pdf").write_bytes(pdf_with_stream(inflated_zero_bytes=600 << 20))
    expect["bomb.pdf"] = "too_large"
    text("empty-1.txt", "", "empty")
    text("empty-2.txt", "", "empty")
    real = root / "linked-real"
    real.mkdir()
    shutil.copy(sorted(SEEDS.glob("*.txt"))[1], real / "linked.txt")
    (inp / "seeds" / "link").symlink_to(real)        # outside the inputs: listed, not read
    expect["seeds/link"] = "unsupported"
    (inp / "seeds" / "loop").symlink_to("..")
    expect["seeds/loop"] = "unsupported"
    return expect


def test_the_hostile_batch_finishes_lists_everything_and_stays_under_1_gb(tmp_path):
    expect = _hostile_folder(tmp_path)
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
