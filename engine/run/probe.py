"""A cheap first look at a text report: who published it and for which year, without parsing it.

    probe_text(path, limits) -> Probe | None

The run groups its reports by body and year before it evaluates them (each report is compared with
its body's report of the year before). The full parse is the expensive part of reading a report,
and today's two phases (parse everything, then evaluate) had to carry every parsed Report from one
worker to another through a pickle — costing most of what the parse itself costs. The probe lets the
run group first and then parse each report once, in the task that evaluates it (workers.group_task).

The probe reads the file's bytes and decodes them exactly as the text reader does, but builds lines
only for the head (HEAD_SIZES) and runs the parser's own heading, title and metadata functions on it.
It answers only when the answer is what the full parse will almost surely say — a title naming the
body, the year in it (or the statistics period below it), a part heading below it, the report words in the head, no notice's title —
and None otherwise (the file then takes the full parse at once, as a PDF or a Word file does).
The prediction is checked against the full parse in the group task; a report where they differ is
put right afterwards (engine/run/audit.py: Audit.correct), so outputs never depend on the probe.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.ingest import IngestError, Limits, read_bytes_bounded, sniff_format
from engine.ingest.text import decode_text, split_lines
from engine.model import Metadata, SourceLine
# the parser's own tests for a notice and for the report words (refusal, _looks_like_report)
from engine.parse import _NOTICE_HEAD_LINES as NOTICE_HEAD_LINES, _NOTICE_TITLE as NOTICE_TITLE
from engine.parse import _REPORT_WORDS as REPORT_WORDS
from engine.parse.metadata import extract_metadata
from engine.run.inputs import InputFile
from engine.run.keyed import PackedTable
from engine.parse.parts import build_parts, find_headings, fold_lines

# Lines the probe reads: a title and the first part heading stand well within the first size; the
# second is for a year read from part 一, which must then be whole in them.
HEAD_SIZES = (24, 160)
# A larger text file is left to the full parse (its decoding may take the detector's time, and a
# large report is rare): the probe must stay cheap whatever the input.
MAX_PROBE_BYTES = 512 * 1024
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Probe:
    """What the probe predicts of a report: its status is "audited", with this agency and year."""
    agency: str
    year: int
    format: str


class ProbeTable(PackedTable):
    """key -> (Probe, InputFile): the predictions the main process keeps until the group tasks have
    checked them, packed (keyed.PackedTable): the agency, format and paths as UTF-8, the year."""

    def _pack(self, value: tuple[Probe, InputFile]) -> tuple[str, int]:
        probe, f = value
        return f"{probe.agency}\0{probe.format}\0{os.fspath(f.path)}\0{f.display}", probe.year

    def _unpack(self, text: str, year: int) -> tuple[Probe, InputFile]:
        agency, fmt, path, display = text.split("\0")
        return Probe(agency, year, sys.intern(fmt)), InputFile(Path(path), display)


def probe_text(path: str, limits: Limits) -> Probe | None:
    """The prediction for a UTF-8 text report, or None: parse it in full now."""
    p = Path(path)
    try:
        data = read_bytes_bounded(p, limits)
    except IngestError:
        return None
    if len(data) > MAX_PROBE_BYTES or b"\x00" in data or not data.strip():
        return None
    fmt = sniff_format(p, data[:4096])
    if fmt not in ("txt", "md"):
        return None
    try:
        data.decode("utf-8")          # else the reader's detector decides: leave it to the full read
        text, _encoding = decode_text(p, data)
    except (UnicodeDecodeError, IngestError):
        return None
    text = text.lstrip("\ufeff")
    if not text.strip():
        return None
    lines = split_lines(text)
    if len(lines) > limits.max_lines:
        return None
    for size in HEAD_SIZES:
        found = _head_metadata(lines[:size], cut=len(lines) > size)
        if found is not None:
            break
    else:
        return None
    meta, folded = found
    squeezed = "".join(folded).replace(" ", "")
    if not any(w in squeezed for w in REPORT_WORDS):
        return None
    notice_head = [_SPACES.sub("", t) for t in lines[:40] if t.strip()][:NOTICE_HEAD_LINES]
    if any(NOTICE_TITLE.search(h) for h in notice_head):
        return None
    return Probe(meta.agency, meta.year, "md" if p.suffix.lower() in (".md", ".markdown") else "txt")


def _head_metadata(texts: list[str], cut: bool) -> tuple[Metadata, list[str]] | None:
    """The metadata the parser finds in these first lines (and their folded text), when the full text would give the same
    body and year: the title and the first part heading in them, and the year stated in the title
    — or, when it is read from part 一 (the statistics period, the commonest year), part 一 whole
    in them (part 二's heading found)."""
    head = [SourceLine(no=i, text=t, where=f"第{i}行") for i, t in enumerate(texts, start=1)]
    folded = fold_lines(head)
    headings = find_headings(folded, head)
    if not headings:
        return None
    first = min(h.line_index for h in headings.values())
    if cut and first >= len(head) - 8:
        return None                   # the heading may be one the head cut off
    meta = extract_metadata(head, build_parts(headings, head), first)
    if not meta.agency or meta.year is None:
        return None
    if meta.year_source != "title" and "二" not in headings:
        return None
    return meta, folded
