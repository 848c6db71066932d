"""A cheap first look at a text report: who published it and for which year, without parsing it.

    probe_text(path, limits) -> Probe | None
    probe_file(path, limits) -> (sha256 | None, Probe | None)   the probe task's question: the file read once

The run groups its reports by body and year before it evaluates them (each report is compared with
its body's report of the year before). The full parse is the expensive part of reading a report,
and today's two phases (parse everything, then evaluate) had to carry every parsed Report from one
worker to another through a pickle — costing most of what the parse itself costs. The probe lets the
run group first and then parse each report once, in the task that evaluates it (workers.group_task).

The probe reads the file's bytes and decodes them exactly as the text reader does (once), but splits
off only the head (NOTICE_LINES, or HEAD_SIZES' largest) and runs the parser's own heading, title and metadata functions on it
(extract_metadata's identity_only: the title, agency and year, nothing the prediction does not use).
It answers only when the answer is what the full parse will almost surely say — a title naming the
body, the year in it (or the statistics period below it), a part heading below it, the report words in the head, no notice's title —
and None otherwise (the file then takes the full parse at once, as a PDF or a Word file does).
The prediction is checked against the full parse in the group task; a report where they differ is
put right afterwards (engine/run/audit.py: Audit.correct), so outputs never depend on the probe.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from engine.ingest import IngestError, Limits, format_of, read_bytes_bounded
from engine.ingest.text import MIN_PRINTABLE_SHARE, printable_share, source_lines, utf8_is_text
from engine.model import Metadata
# the parser's own tests for a notice and for the report words (refusal, _looks_like_report)
from engine.parse import _NOTICE_LINES as NOTICE_LINES, notice_title
from engine.parse import _REPORT_WORDS as REPORT_WORDS
from engine.parse.metadata import extract_metadata, title_metadata
from engine.run.inputs import InputFile
from engine.run.keyed import PackedTable, key_code
from engine.parse.parts import build_parts, find_headings, fold_document

# Lines the probe reads: a title and the first part heading stand well within the first size; the
# second is for a year read from part 一, which must then be whole in them.
HEAD_SIZES = (24, 160)
# A larger text file is left to the full parse (its decoding may take the detector's time, and a
# large report is rare): the probe must stay cheap whatever the input.
MAX_PROBE_BYTES = 512 * 1024
# (the probe splits off the first NOTICE_LINES lines — those refusal() reads for a notice's title,
# no fewer than the first head size — and more only when the second size is asked for; the rest of
# the file is decoded, never split)


@dataclass(frozen=True, slots=True)
class Probe:
    """What the probe predicts of a report: its status is "audited", with this agency and year."""
    agency: str
    year: int
    format: str

    def __reduce__(self) -> tuple:
        # its values (a slotted dataclass pickles through dataclasses' Python-level __getstate__ and
        # __setstate__): a Probe crosses the pipe with every probed file and group task member
        return Probe, (self.agency, self.year, self.format)


class ProbeTable(PackedTable):
    """key -> (Probe, InputFile): the predictions the main process keeps until the group tasks have
    checked them, packed (keyed.PackedTable): the agency, format and paths as UTF-8, the year."""

    def __setitem__(self, key: str, value: tuple[Probe, InputFile | str]) -> None:
        probe, f = value
        if isinstance(f, str) and key_code(key) is None:      # kept as it is given: as an InputFile
            path, display = f.split("\0")
            value = (probe, InputFile(Path(path), display))
        super().__setitem__(key, value)

    def _pack(self, value: tuple[Probe, InputFile | str]) -> tuple[str, int]:
        probe, f = value       # the file, or its text as InputTable packs it ("path\0display": InputTable.take)
        packed = f if isinstance(f, str) else f"{os.fspath(f.path)}\0{f.display}"
        return f"{probe.agency}\0{probe.format}\0{packed}", probe.year

    def _unpack(self, text: str, year: int) -> tuple[Probe, InputFile]:
        agency, fmt, path, display = text.split("\0")
        return Probe(agency, year, sys.intern(fmt)), InputFile(Path(path), display)

    def agency_year(self, key: str) -> tuple[str, int]:
        """The predicted agency and year (what pairing reads), without the rest unpacked."""
        code = key_code(key)
        if code is None:
            probe = self._other[key][0]
            return probe.agency, probe.year
        index = self._index.get(code)
        if index < 0:
            raise KeyError(key)
        return self._strings[index].partition("\0")[0], self._number.get(code)

    def strings(self, key: str) -> tuple[Probe, str, str]:
        """(the prediction, the path to open, the display path): the value without a Path built."""
        code = key_code(key)
        if code is None:
            probe, f = self._other[key]
            return probe, os.fspath(f.path), f.display
        index = self._index.get(code)
        if index < 0:
            raise KeyError(key)
        agency, fmt, path, display = self._strings[index].split("\0")
        return Probe(agency, self._number.get(code), sys.intern(fmt)), path, display


def probe_text(path: str, limits: Limits) -> Probe | None:
    """The prediction for a UTF-8 text report, or None: parse it in full now."""
    return probe_file(path, limits)[1]


def probe_file(path: str, limits: Limits) -> tuple[str | None, Probe | None]:
    """(the file's sha256 as inputs.file_digest gives it, probe_text's prediction), the file read
    once for both."""
    path = os.fspath(path)
    try:
        data = read_bytes_bounded(path, limits)
    except IngestError:
        return None, None        # (file_digest: not a regular file, unreadable or over the size cap)
    if not data or data.isspace():
        return None, None        # (file_digest: a blank file is left to the parse)
    return sha256(data).hexdigest(), _probe_data(path, data, limits)


def _probe_data(path: str, data: bytes, limits: Limits) -> Probe | None:
    """probe_text of the file's bytes (neither empty nor blank)."""
    if len(data) > MAX_PROBE_BYTES or b"\x00" in data:
        return None
    suffix = _suffix(path)
    fmt = format_of(suffix, data[:4096])
    if fmt not in ("txt", "md"):
        return None
    text = _utf8_text(data)           # else the reader's detector decides: leave it to the full read
    if text is None or not text or text.isspace():
        return None
    if len(text) > limits.max_lines and _line_count(text) > limits.max_lines:
        return None                   # (a text has at most as many lines as characters)
    lines, more = head_lines(text, NOTICE_LINES)
    for size in HEAD_SIZES:
        if size > len(lines) and more:
            lines, more = head_lines(text, size)      # (the first size does, as a rule)
        # (more lines than `size` in the text: more than the head holds, or the head is `size` long
        # and more follow)
        found = _head_metadata(lines[:size], cut=len(lines) > size or more)
        if found is not None:
            break
    else:
        return None
    meta, folded = found
    squeezed = "".join(folded).replace(" ", "")
    if not any(w in squeezed for w in REPORT_WORDS):
        return None
    if notice_title(lines) is not None:
        return None
    return Probe(meta.agency, meta.year, "md" if suffix in (".md", ".markdown") else "txt")


def _suffix(path: str) -> str:
    """Path(path).suffix.lower(), without building the Path (the probe runs for every input)."""
    name = os.path.basename(path.rstrip("/"))
    i = name.rfind(".")
    return name[i:].lower() if 0 < i < len(name) - 1 else ""


def _utf8_text(data: bytes) -> str | None:
    """The text the reader makes of UTF-8 bytes without NUL (decode_text, then the leading BOMs
    stripped), decoded once; None when they are not UTF-8 or the reader would refuse them as binary."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]               # decode_text reads a UTF-8 BOM as "utf-8-sig"
    if not utf8_is_text(data, text) and printable_share(text) < MIN_PRINTABLE_SHARE:
        return None
    return text.lstrip("\ufeff")


def head_lines(text: str, size: int) -> tuple[list[str], bool]:
    """(the first `size` lines split_lines(text) gives, whether it gives more) without splitting the
    rest or counting its lines."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = text.split("\n", size)
    if len(pieces) > size:
        return pieces[:size], pieces[size] != ""    # (the rest after the size-th line break)
    if pieces[-1] == "":
        pieces.pop()                  # a final line break adds no line
    return pieces, False


def _line_count(text: str) -> int:
    """len(split_lines(text))."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.count("\n") + (bool(text) and not text.endswith("\n"))


def _head_metadata(texts: list[str], cut: bool) -> tuple[Metadata, list[str]] | None:
    """The metadata the parser finds in these first lines (and their folded text), when the full text would give the same
    body and year: the title and the first part heading in them, and the year stated in the title
    — or, when it is read from part 一 (the statistics period, the commonest year), part 一 whole
    in them (part 二's heading found)."""
    f = fold_document(texts)
    # (the search stops at part 二: where the first heading is and whether 二's is found are all
    # that is asked of the later parts)
    headings = find_headings(f.folded, whole=f.folded_whole, enough="二")
    if not headings:
        return None
    first = min(h.line_index for h in headings.values())
    if cut and first >= len(texts) - 8:
        return None                   # the heading may be one the head cut off
    # the title is read from the lines above the first heading and the first 15 (made into
    # SourceLines only as far as that; all of them for a year read below the title)
    meta = title_metadata(source_lines(texts[:max(first, 15)]), first, f.pure)
    if not meta.agency:
        return None                   # (the agency is the title's: nothing below can give one)
    if meta.year is None:
        if "二" not in headings:
            return None               # a year read below the title needs part 一 whole
        head = source_lines(texts)
        meta = extract_metadata(head, build_parts(headings, head, texts), first, identity_only=True,
                                folded=f.pure, whole=f.whole)
        if meta.year is None:
            return None
    return meta, f.folded
