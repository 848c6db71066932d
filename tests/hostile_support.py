"""Helpers of the hostile-input tests (issue 16): running a piece of work in a child process with a
generous wall-clock timeout (completion, never a speed target), and building hostile files."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).parent / "fixtures" / "seeds"
DOCUMENTS = Path(__file__).parent / "fixtures" / "documents"
# Far above what the linear code needs (well under a second or two on an idle machine), far below
# what the super-linear code took (minutes): a timeout means a quadratic or worse path is back.
GENEROUS_SECONDS = 120


# Lines that made a regex on report text backtrack super-linearly (or could).
ADVERSARIAL_LINES = {
    "tabs": "\t" * 40_000,                                  # made parse/parts.py backtrack for minutes
    "tabs_after_numeral": "一" + "\t" * 40_000,
    "tabs_after_di": "第" + "\t" * 40_000 + "x",
    "hash_then_tabs": "#" * 20_000 + "\t" * 20_000,
    "spaces": " " * 40_000 + "x",
    "numerals": "二五" * 20_000,
    "open_brackets": "（" * 20_000 + "x",
    "paren_numerals": "(一" * 20_000,
    "digits_commas": "1," * 20_000,
    "enumerators": "一是" * 20_000,
}


def run_bounded(code: str, timeout: float = GENEROUS_SECONDS) -> dict:
    """Run `code` (Python source that prints one JSON object last) in a child process; fail the
    test if it does not finish within `timeout` seconds or exits non-zero."""
    import pytest
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"did not finish within {timeout} s (super-linear behaviour?)")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def seed_path(n: int = 0) -> Path:
    return sorted(SEEDS.glob("*.txt"))[n]


def seed_lines(n: int = 0) -> list[str]:
    return seed_path(n).read_text(encoding="utf-8").splitlines()


def with_line(lines: list[str], index: int, replacement: str) -> str:
    out = list(lines)
    out[index] = replacement
    return "\n".join(out) + "\n"


def docx_with_compression(source: Path, method: int) -> bytes:
    """A copy of a DOCX whose members claim compression `method` (e.g. 99, AES, or an unknown id)."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
    data = bytearray(out.getvalue())
    # patch the method field of every local header (offset 8) and central directory entry (offset 10)
    for sig, off in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + off:i + off + 2] = method.to_bytes(2, "little")
            start = i + 4
    return bytes(data)


def html_page(body: str, head: str = "") -> bytes:
    return (f"<html><head>{head}</head><body>{body}</body></html>").encode("utf-8")
