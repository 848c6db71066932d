"""Checks on a PDF's bytes before PDFium opens it (issue 16): a decompression bomb (a 1.5 MB file
whose Flate stream inflates to 1.5 GB took 3.1 GB of memory) and form XObjects that draw each other
exponentially often (below) are refused with the status too_large.

Every stream compressed with FlateDecode that is long enough to matter is inflated here once, in small steps and without keeping
the output (memory stays flat): a stream that inflates past MAX_STREAM_BYTES, or past BOMB_BYTES at
a ratio above MAX_RATIO, or streams that together pass MAX_TOTAL_BYTES, stop the read. A stream
that is not valid zlib data is left to PDFium (it reports a damaged file its own way). Linear in
the file's size: one scan for the `stream` keywords, one pass of zlib over each stream's bytes.
"""
from __future__ import annotations

import re
import zlib
from pathlib import Path

from engine.ingest import IngestError, Limits

MAX_STREAM_BYTES = 128 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
BOMB_BYTES = 16 * 1024 * 1024        # beyond this, a ratio above MAX_RATIO is a bomb
MAX_RATIO = 200
_STEP = 1024 * 1024                  # output produced per zlib call
_IN_CHUNK = 64 * 1024
_ZLIB_MAX_RATIO = 1032               # deflate cannot inflate more than this per input byte

_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_DICT_WINDOW = 2048                  # bytes before `stream` searched for the filter name


def check_pdf(path: Path, data: bytes, limits: Limits) -> None:
    """Raise IngestError("too_large") if a Flate stream of the file is a decompression bomb, or its
    form XObjects multiply (check_forms)."""
    check_streams(path, data)
    check_forms(path, data)


def check_streams(path: Path, data: bytes) -> None:
    total = 0
    for m in _STREAM.finditer(data):
        start = m.start()
        end = data.find(b"endstream", m.end())
        if end != -1 and (end - m.end()) * _ZLIB_MAX_RATIO < BOMB_BYTES:
            continue        # too short to inflate past BOMB_BYTES (most streams: fonts, pages)
        head = data[max(0, start - _DICT_WINDOW):start]
        head = head[head.rfind(b"obj") + 1:]           # this stream's dictionary (rfind -1: all)
        if b"/FlateDecode" not in head:
            continue
        total += _inflated_size(path, data, m.end(), total)


def _inflated_size(path: Path, data: bytes, pos: int, before: int) -> int:
    d = zlib.decompressobj()
    produced = consumed = 0
    pending = b""
    while not d.eof:
        if not pending:
            if pos >= len(data):
                break
            pending = data[pos:pos + _IN_CHUNK]
            consumed += len(pending)
            pos += len(pending)
        try:
            out = d.decompress(pending, _STEP)
        except zlib.error:
            break
        pending = d.unconsumed_tail
        produced += len(out)
        if produced > MAX_STREAM_BYTES or before + produced > MAX_TOTAL_BYTES or (
                produced > BOMB_BYTES and produced > MAX_RATIO * max(consumed, 1)):
            raise IngestError("too_large", f"PDF 文件 {path} 含有解压后超过 {produced // 1048576} MB 的数据流"
                              f"（压缩前约 {max(consumed, 1) // 1024} KB，可能是压缩炸弹），已停止读取", str(path))
        if not out and not pending and d.eof:
            break
    return produced


# ------------------------------------------------------------------------------------------
# Form XObjects drawing each other: PDFium parses a form once per use, so a form drawn twice by
# a form drawn twice … 30 levels deep is 2^30 parses (minutes and gigabytes from a 17 KB file).
# The uses are counted on the raw objects before PDFium sees them: for each form, the `Do`
# operators of its content times the largest count among the forms its dictionary (and the
# resource dictionaries it refers to, up to three levels) names. An over-approximation for the
# forms it can see (forms whose resources sit in compressed object streams are not followed).
# ------------------------------------------------------------------------------------------

MAX_FORM_USES = 100_000
_OBJ = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+obj\b")
_REF = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+R\b")
_FORM = re.compile(rb"/Subtype\s*/Form\b")
_DO = re.compile(rb"/[^\s/\[\]()<>{}%]{1,127}\s*Do\b")
_MAX_FORM_CONTENT = 16 * 1024 * 1024


def check_forms(path: Path, data: bytes) -> None:
    """Raise IngestError("too_large") if some form XObject would be drawn more than MAX_FORM_USES
    times, or draws itself."""
    dicts: dict[int, bytes] = {}
    forms: dict[int, int] = {}            # form object -> Do operators in its content
    for m in _OBJ.finditer(data):
        end = data.find(b"endobj", m.end())
        body = data[m.end():end if end != -1 else len(data)]
        s = _STREAM.search(body)
        head = body[:s.start()] if s else body
        num = int(m.group(1))
        dicts[num] = head
        if s and _FORM.search(head):
            forms[num] = len(_DO.findall(_stream_content(body, s.end(), head)))
    if not forms or not any(forms.values()):
        return
    memo: dict[int, int] = {}
    active: set[int] = set()

    def uses(form: int) -> int:
        if form in memo:
            return memo[form]
        if form in active:
            raise IngestError("too_large", f"PDF 文件 {path} 的表单对象（XObject）引用自身，无法读取", str(path))
        active.add(form)
        children = _forms_named(dicts, forms, dicts[form], form)
        inner = max((uses(c) for c in children), default=1)
        active.discard(form)
        memo[form] = n = 1 + forms[form] * inner
        if n > MAX_FORM_USES:
            raise IngestError("too_large", f"PDF 文件 {path} 的表单对象（XObject）层层互相引用，展开后超过 "
                              f"{MAX_FORM_USES} 次绘制，已停止读取", str(path))
        return n

    for form in forms:
        uses(form)


def _forms_named(dicts: dict[int, bytes], forms: dict[int, int], head: bytes, me: int) -> set[int]:
    found: set[int] = set()
    seen = {me}
    frontier = [head]
    for _level in range(3):
        nxt = []
        for text in frontier:
            for ref in (int(r) for r in _REF.findall(text)):
                if ref in seen:
                    continue
                seen.add(ref)
                if ref in forms:
                    found.add(ref)
                elif ref in dicts:
                    nxt.append(dicts[ref])
        frontier = nxt
    return found


def _stream_content(body: bytes, start: int, head: bytes) -> bytes:
    end = body.rfind(b"endstream")
    raw = body[start:end if end > start else len(body)]
    if b"/FlateDecode" not in head:
        return raw
    d = zlib.decompressobj()
    try:
        return d.decompress(raw, _MAX_FORM_CONTENT)
    except zlib.error:
        return b""
