"""Helpers of the hostile-input tests (issue 16): running a piece of work in a child process with a
generous wall-clock timeout (completion, never a speed target), and building hostile files."""
from __future__ import annotations

import io
import json
import os
import shutil
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


def pdf_with_stream(content: bytes | None = None, inflated_zero_bytes: int = 0) -> bytes:
    """A one-page PDF whose page content stream is `content`, or a Flate stream inflating to
    `inflated_zero_bytes` zero bytes (built in steps: the bomb never exists inflated here)."""
    import zlib
    if content is None:
        z = zlib.compressobj(9)
        parts = [z.compress(b"\0" * (1 << 20)) for _ in range(inflated_zero_bytes >> 20)]
        body, filt = b"".join(parts) + z.flush(), b"/Filter /FlateDecode "
    else:
        body, filt = content, b""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< " + filt + b"/Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_with_nested_forms(levels: int) -> bytes:
    """A one-page PDF whose page draws form `levels`-1, each form drawing the one below twice."""
    objs = {}
    # 1 catalog, 2 pages, 3 page, 4 page content, forms from 5
    n0 = 5
    for i in range(levels):
        num = n0 + i
        if i == 0:
            content = b"0 0 m 10 10 l S BT /F1 12 Tf 0 0 Td (x) Tj ET"
            res = b"<< >>"
        else:
            content = b"q /X Do Q q /X Do Q"
            res = b"<< /XObject << /X " + str(num - 1).encode() + b" 0 R >> >>"
        objs[num] = b"<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources " + res + b" /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream"
    top = n0 + levels - 1
    page_content = b"q /X Do Q"
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    objs[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /X " + str(top).encode() + b" 0 R >> >> >>"
    objs[4] = b"<< /Length " + str(len(page_content)).encode() + b" >>\nstream\n" + page_content + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n"); offsets = {}
    for k in sorted(objs):
        offsets[k] = len(out); out += f"{k} 0 obj\n".encode() + objs[k] + b"\nendobj\n"
    xref = len(out); size = max(objs) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offsets[k]:010d} 00000 n \n".encode() for k in range(1, size))
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_with_object_stream(levels: int, draws: int = 2, page_content: bytes | None = None,
                           bottom: bytes = b"BT /F1 12 Tf 72 720 Td (nested) Tj ET") -> bytes:
    """A PDF 1.5 file whose dictionaries (catalog, pages, page, resources, font) sit in a compressed
    object stream with a cross-reference stream, as modern writers save them; only the streams
    (page content, forms) are top-level objects. The page draws form `levels`-1; each form draws
    the one below `draws` times through a resource dictionary that lives in the object stream;
    the bottom form draws `bottom` (a word). `page_content` replaces the page's content when given."""
    import zlib
    font, page_res = 1, 2                     # in the object stream: 1..4 and the forms' resources
    catalog, pages, page = 3, 4, 5
    content = 6
    forms = [7 + i for i in range(levels)]
    form_res = [7 + levels + i for i in range(levels)]
    objstm, xref = 7 + 2 * levels, 8 + 2 * levels
    packed = {
        font: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        catalog: f"<< /Type /Catalog /Pages {pages} 0 R >>".encode(),
        pages: f"<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>".encode(),
        page: f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
              f"/Resources {page_res} 0 R >>".encode(),
        page_res: f"<< /Font << /F1 {font} 0 R >> /XObject << /X {forms[-1]} 0 R >> >>".encode(),
    }
    for i in range(levels):
        below = f"/XObject << /X {forms[i - 1]} 0 R >> " if i else ""
        packed[form_res[i]] = f"<< /Font << /F1 {font} 0 R >> {below}>>".encode()
    streams = {content: page_content if page_content is not None else b"q /X Do Q"}
    for i in range(levels):
        body = bottom if i == 0 else b"q /X Do Q " * draws
        streams[forms[i]] = body
    order = sorted(packed)
    offsets, blob = [], b""
    for num in order:
        offsets.append((num, len(blob)))
        blob += packed[num] + b"\n"
    header = b" ".join(f"{n} {o}".encode() for n, o in offsets) + b"\n"
    stm = zlib.compress(header + blob)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    where: dict[int, tuple[int, int, int]] = {n: (2, objstm, i) for i, n in enumerate(order)}
    for num in sorted(streams):
        extra = b" /Type /XObject /Subtype /Form /BBox [0 0 595 842]" if num in forms else b""
        extra += f" /Resources {form_res[forms.index(num)]} 0 R".encode() if num in forms else b""
        where[num] = (1, len(out), 0)
        body = zlib.compress(streams[num])
        out += f"{num} 0 obj\n<< /Filter /FlateDecode /Length {len(body)}".encode() + extra
        out += b" >>\nstream\n" + body + b"\nendstream\nendobj\n"
    where[objstm] = (1, len(out), 0)
    out += (f"{objstm} 0 obj\n<< /Type /ObjStm /N {len(order)} /First {len(header)} /Filter /FlateDecode "
            f"/Length {len(stm)} >>\nstream\n").encode() + stm + b"\nendstream\nendobj\n"
    where[xref] = (1, len(out), 0)
    rows = b"\x00\x00\x00\x00\x00\xff\xff" + b"".join(
        bytes([where[n][0]]) + where[n][1].to_bytes(4, "big") + where[n][2].to_bytes(2, "big")
        for n in range(1, xref + 1))
    start = len(out)
    out += (f"{xref} 0 obj\n<< /Type /XRef /Size {xref + 1} /W [1 4 2] /Root {catalog} 0 R "
            f"/Length {len(rows)} >>\nstream\n").encode() + rows + b"\nendstream\nendobj\n"
    out += f"startxref\n{start}\n%%EOF\n".encode()
    return bytes(out)


def hostile_batch(root: Path) -> dict[str, str | None]:
    """The hostile batch of issue 16 in root/in: the seeds and one file (or folder entry) of every
    hostile class; returns display name -> the status it must end with (None: any but broken).
    Used by tests/test_hostile_batch.py and benchmarks/hostile.py."""
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
    (inp / "forms.pdf").write_bytes(pdf_with_nested_forms(30))
    expect["forms.pdf"] = "too_large"
    (inp / "objstm-forms.pdf").write_bytes(pdf_with_object_stream(30))
    expect["objstm-forms.pdf"] = "too_large"
    (inp / "operators.pdf").write_bytes(pdf_with_stream(b"1 1 2 2 re f\n" * 200_000))
    expect["operators.pdf"] = "too_large"
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
