"""A seeded mutation fuzzer for the readers and the parser (issue 16), shared by tests/test_fuzz.py
(a few hundred inputs in the suite) and benchmarks/fuzz.py (≥ 100,000 inputs).

Seeds: the seed reports (text, their DOCX and PDF forms, an HTML rendering made here), and the
real reports of ../shared/real when that folder is present (read there, never copied into the
project; mutated variants exist only in a temporary folder). Each input is one seed mutated a few
times — bytes flipped, inserted, deleted, duplicated, spliced from another seed, truncated, hostile
tokens inserted (long tab runs, 300-digit numbers, span bombs, odd charsets, nesting) — or, for a
DOCX, its document.xml mutated and re-zipped. Every input goes through read_document and
parse_document; IngestError (a status) and NotAReportError are expected outcomes, any other
exception is a finding of the fuzzer.
"""
from __future__ import annotations

import io
import random
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from engine.ingest import IngestError, Limits, read_document
from engine.parse import NotAReportError, parse_document

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "fixtures" / "seeds"
DOCUMENTS = HERE / "fixtures" / "documents"
REAL = HERE.parent.parent / "shared" / "real"
# A per-input cap far below the product's (the fuzzer must keep moving); a cap hit is a status.
LIMITS = Limits(max_seconds=20.0)
FRAGMENT_BYTES = 6000

TOKENS = [b"\t" * 2000, b" " * 2000, b"9" * 300, "亿元".encode(), "万元".encode(), "第".encode() * 50,
          "一、总体情况\n".encode(), "（一）".encode() * 200, "二五".encode() * 500, b"\x00", b"\xff\xfe",
          b'<td rowspan="0" colspan="1000">x</td>', b"<table><tr><td>", b"</td></tr></table>",
          b'<meta charset="uu">', b'<meta charset="undefined">', b"<div>" * 300, b"\r\n" * 50,
          "１２３，４５６".encode(), b"-" * 500, "合计\t".encode() * 50, b"%PDF-1.4\n", b"PK\x03\x04",
          "政府信息公开工作年度报告".encode("gb18030"), "\u202e".encode(), b"1,000,000,000,000,000,000"]


@dataclass
class Seed:
    name: str
    suffix: str
    data: bytes


@dataclass
class Tally:
    inputs: int = 0
    statuses: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.inputs += other.inputs
        self.statuses.update(other.statuses)
        self.unexpected.extend(other.unexpected)


def html_of(text: str) -> bytes:
    """A seed report as an HTML page: narrative lines as <p>, TAB rows as table rows."""
    out = ["<html><head><meta charset=\"utf-8\"></head><body>"]
    in_table = False
    for line in text.splitlines():
        if "\t" in line:
            if not in_table:
                out.append("<table>")
                in_table = True
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in line.split("\t")) + "</tr>")
        else:
            if in_table:
                out.append("</table>")
                in_table = False
            out.append(f"<p>{line}</p>")
    out.append("</table></body></html>" if in_table else "</body></html>")
    return "\n".join(out).encode("utf-8")


def load_seeds(real: bool = True) -> list[Seed]:
    seeds = []
    for p in sorted(SEEDS.glob("*.txt")):
        data = p.read_bytes()
        seeds.append(Seed(p.name, ".txt", data))
        seeds.append(Seed(p.stem + ".html", ".html", html_of(data.decode("utf-8"))))
    for p in sorted(DOCUMENTS.glob("seed-00[0-4].*")):
        seeds.append(Seed(p.name, p.suffix, p.read_bytes()))
    if real and REAL.is_dir():
        for p in sorted(REAL.iterdir()):
            if p.suffix in (".txt", ".html", ".docx", ".pdf"):
                seeds.append(Seed("real:" + p.name, p.suffix, p.read_bytes()))
    return seeds


def mutate_bytes(data: bytes, rng: random.Random, pool: list[Seed]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        n = len(buf)
        op = rng.randrange(8)
        pos = rng.randrange(n + 1) if n else 0
        if op == 0 and n:                       # flip bytes
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(n)
                buf[i] = rng.randrange(256)
        elif op == 1:                           # insert random bytes
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        elif op == 2 and n:                     # delete a span
            buf[pos:pos + rng.randint(1, max(1, n // 8))] = b""
        elif op == 3 and n:                     # duplicate a span
            a = rng.randrange(n)
            buf[pos:pos] = buf[a:a + rng.randint(1, 4096)] * rng.randint(1, 4)
        elif op == 4:                           # splice from another seed
            other = rng.choice(pool).data
            a = rng.randrange(len(other))
            buf[pos:pos] = other[a:a + rng.randint(1, 2048)]
        elif op == 5 and n:                     # truncate
            del buf[rng.randrange(n):]
        else:                                   # a hostile token
            buf[pos:pos] = rng.choice(TOKENS) * rng.randint(1, 3)
    return bytes(buf)


def mutate_docx(data: bytes, rng: random.Random, pool: list[Seed]) -> bytes:
    """document.xml mutated as bytes, the package re-zipped (so the mutation reaches the XML)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            members = [(i, zin.read(i.filename)) for i in zin.infolist()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return mutate_bytes(data, rng, pool)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, body in members:
            if info.filename == "word/document.xml":
                body = mutate_bytes(body, rng, pool)
            zout.writestr(info.filename, body)
    return out.getvalue()


def mutate_text(data: bytes, rng: random.Random, pool: list[Seed]) -> bytes:
    """Mutations that keep the text valid UTF-8 (random bytes mostly make a text file undecodable:
    a status, but no work for the parser): lines duplicated, dropped, swapped, cut, and hostile
    tokens or lines of other seeds inserted."""
    lines = data.decode("utf-8", "replace").split("\n")
    for _ in range(rng.randint(1, 5)):
        n = len(lines)
        i = rng.randrange(n)
        op = rng.randrange(6)
        if op == 0:
            lines[i:i] = lines[i:i + rng.randint(1, 20)] * rng.randint(1, 5)
        elif op == 1:
            del lines[i:i + rng.randint(1, 10)]
        elif op == 2:
            j = rng.randrange(n)
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            cut = rng.randrange(len(lines[i]) + 1)
            lines[i:i + 1] = [lines[i][:cut], lines[i][cut:]]
        elif op == 4:
            other = rng.choice(pool)
            if other.suffix in (".txt", ".html"):
                src = other.data.decode("utf-8", "replace").split("\n")
                a = rng.randrange(len(src))
                lines[i:i] = src[a:a + rng.randint(1, 10)]
        else:
            token = rng.choice(TOKENS).decode("utf-8", "replace") * rng.randint(1, 3)
            cut = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:cut] + token + lines[i][cut:]
        if not lines:
            lines = [""]
    return "\n".join(lines).encode("utf-8")


def make_input(seed: Seed, rng: random.Random, pool: list[Seed], fragment_share: float = 0.5) -> bytes:
    if seed.suffix == ".docx" and rng.random() < 0.7:
        return mutate_docx(seed.data, rng, pool)
    data = seed.data
    if seed.suffix not in (".txt", ".html"):
        return mutate_bytes(data, rng, pool)
    if rng.random() < fragment_share:       # a fragment: fast, and odd
        lines = data.split(b"\n")
        a = rng.randrange(len(lines))
        data = b"\n".join(lines[a:a + rng.randint(3, 80)])
        if len(data) > FRAGMENT_BYTES:      # a report on one physical line: a window of it
            text = data.decode("utf-8", "replace")
            a = rng.randrange(len(text))
            data = text[a:a + FRAGMENT_BYTES // 3].encode("utf-8")
    return mutate_text(data, rng, pool) if rng.random() < 0.8 else mutate_bytes(data, rng, pool)


def run_one(path: Path) -> str:
    """The outcome of one input: "parsed", "not_a_report", an IngestError status, or raises."""
    try:
        parse_document(read_document(path, LIMITS))
        return "parsed"
    except IngestError as exc:
        return exc.status
    except NotAReportError:
        return "not_a_report"


def fuzz(n: int, seed: int, workdir: Path, seeds: list[Seed] | None = None,
         binary_share: float = 0.1, fragment_share: float = 0.5) -> Tally:
    """n inputs from random.Random(seed); DOCX/PDF seeds are chosen with probability binary_share
    (they cost ten times a text input), a text input is a fragment of its seed with probability
    fragment_share (a few lines to a few dozen: cheap, and odd)."""
    rng = random.Random(seed)
    seeds = seeds or load_seeds()
    text = [s for s in seeds if s.suffix in (".txt", ".html")]
    binary = [s for s in seeds if s.suffix not in (".txt", ".html")] or text
    tally = Tally()
    for i in range(n):
        s = rng.choice(binary if rng.random() < binary_share else text)
        data = make_input(s, rng, seeds, fragment_share)
        path = workdir / f"fuzz{s.suffix}"
        path.write_bytes(data)
        tally.inputs += 1
        try:
            tally.statuses[run_one(path)] += 1
        except Exception as exc:     # noqa: BLE001 — what the fuzzer is for
            tally.statuses["UNEXPECTED"] += 1
            (workdir / f"unexpected-{seed}-{i}{s.suffix}").write_bytes(data)
            tally.unexpected.append(f"seed {seed} #{i} ({s.name}): {type(exc).__name__}: {exc}\n"
                                    + "".join(traceback.format_exc(limit=-3)))
    return tally
