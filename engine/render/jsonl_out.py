"""OUT/findings.jsonl: every report record of findings.json's `reports`, one per line (JSON Lines),
described line by line by schemas/findings-line.schema.json.

Written as the records finish: each evaluated record is appended as soon as every record before it
in output order is final (the workers finish them in any order; the ones waiting keep only where
their text is spooled). When the run ends, the records that were never evaluated (duplicates, files
that are not reports, …) are merged in at their places by copying the streamed lines in ranges (no
record is parsed again), so the file is in `reports` order, byte-identical whatever --jobs and
whether the work ran locally or on a cluster. No record is ever held in memory, only one line's
length per evaluated report.

A line is the record's text exactly as the evaluation worker spooled it (record_text.report_text:
json.dumps(record, ensure_ascii=False), one line), so the main process only copies bytes; the same
text is the record's entry in findings.json's `reports`.
"""
from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from engine.render.json_out import REPORTS_FILE
from engine.render.output import FinishedRun, OutputContext, RunOutput
from engine.spool import Blob, SpoolReader, read_blob

PART_NAME = f".{REPORTS_FILE}.part"     # in the staging folder while streaming; gone before the swap
# a line is ~10 KiB, more than the default buffer: lines gathered in 1 MiB before each write
BUFFER = 1 << 20


def jsonl_line(text: bytes | str) -> bytes:
    """One record's line (with its newline) from its spooled text (report_text: already one line)."""
    data = (text.encode("utf-8") if isinstance(text, str) else text).strip()
    if b"\n" in data:
        raise ValueError("报告记录的 JSON 文本应为一行（record_text.report_text）")
    return data + b"\n"


class FindingsLines(RunOutput):
    """The Output that writes OUT/findings.jsonl (module doc)."""

    def __init__(self) -> None:
        self._fh: BinaryIO | None = None
        self._order: list[str] = []
        self._done = 0                              # order[:done] are in the part file
        self._waiting: dict[str, Blob] = {}         # final records whose predecessors are not
        self._lengths = array("q")                  # the byte length of each streamed line
        self._reader = SpoolReader()
    def start(self, ctx: OutputContext, order: list[str]) -> None:
        super().start(ctx, order)
        self._order = order
        self._fh = open(Path(ctx.out_dir) / PART_NAME, "wb", buffering=BUFFER)

    def ready(self, key: str, blob: Blob, rows: Blob | None = None) -> None:
        if self._fh is None:
            return
        self._waiting[key] = blob
        while self._done < len(self._order) and self._order[self._done] in self._waiting:
            self._append(self._waiting.pop(self._order[self._done]))

    def _append(self, blob: Blob) -> None:
        line = jsonl_line(self._reader.read(blob))
        assert self._fh is not None
        self._fh.write(line)
        self._lengths.append(len(line))
        self._done += 1

    def write(self, run: FinishedRun) -> None:
        out = Path(self.ctx.out_dir)
        if self._fh is None:                        # start was not called: nothing was streamed
            self._order = []
            self._fh = open(out / PART_NAME, "wb", buffering=BUFFER)
        # what never became ready (none in a normal run) is appended from the store now
        for key in self._order[self._done:]:
            self._append(run.blobs[key])
        self._fh.close()
        self._fh = None
        self._reader.close()
        # the streamed records must be those of findings.json, in its order: a walk over both
        # orders (no set or list of every key: docs/scale.md)
        report_keys = run.blobs
        if not is_subsequence(self._order, report_keys):
            raise RuntimeError("findings.jsonl 的报告顺序与 findings.json 不一致")
        part, final = out / PART_NAME, out / REPORTS_FILE
        if len(self._order) == len(report_keys):
            os.replace(part, final)                 # every record was streamed, in order
            return
        with open(part, "rb") as src, open(final, "wb", buffering=0) as dst:
            _merge(src.fileno(), dst, report_keys, self._order, self._lengths, run.blobs)
        part.unlink()

    def close(self) -> None:
        self._reader.close()
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def is_subsequence(order: Sequence[str], keys: Iterable[str]) -> bool:
    """True when `order` is `keys` with some keys left out (keys are distinct): then the keys of
    `keys` that are in `order` are exactly `order`, in its order."""
    same, keys_in_order = getattr(order, "same", None), getattr(keys, "keys_in_order", None)
    if same is not None and keys_in_order is not None and same(keys_in_order()):
        return True                  # the run's key lists, equal: compared as arrays (keyed.KeyList.same)
    i = 0
    for key in keys:
        if i < len(order) and key == order[i]:
            i += 1
    return i == len(order)


def _merge(src: int, dst: Any, keys: Iterable[str], order: Sequence[str], lengths: array,
           blobs: Mapping[str, Blob]) -> None:
    """dst (unbuffered) = the streamed lines (`order`, a subsequence of `keys`) of the file `src`
    with the other records' lines put in at their places; runs of consecutive streamed lines are
    copied as one range."""
    i = 0          # the next streamed line
    offset = 0     # where the streamed lines not yet copied start in src
    pending = 0    # how many bytes of them
    for key in keys:
        if i < len(order) and key == order[i]:
            pending += lengths[i]
            i += 1
            continue
        _copy(src, dst, offset, pending)
        offset, pending = offset + pending, 0
        _write_all(dst, jsonl_line(read_blob(blobs[key])))
    _copy(src, dst, offset, pending)


def _copy(src: int, dst: Any, offset: int, size: int) -> None:
    """size bytes of src from offset appended to dst: in the kernel where it can (copy_file_range),
    through memory otherwise."""
    while size > 0:
        try:
            sent = os.copy_file_range(src, dst.fileno(), size, offset)
        except OSError:                 # another file system or kernel
            sent = 0
        if sent <= 0:
            chunk = os.pread(src, min(size, 1 << 20), offset)
            if not chunk:
                raise RuntimeError("findings.jsonl 的暂存文件比预期短")
            _write_all(dst, chunk)
            sent = len(chunk)
        offset += sent
        size -= sent


def _write_all(dst: Any, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[dst.write(view):]
