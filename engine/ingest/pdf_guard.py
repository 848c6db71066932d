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

import bisect
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from engine.ingest import IngestError, Limits

MAX_STREAM_BYTES = 128 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
BOMB_BYTES = 16 * 1024 * 1024        # beyond this, a ratio above MAX_RATIO is a bomb
MAX_RATIO = 200
_STEP = 1024 * 1024                  # output produced per zlib call
_IN_CHUNK = 64 * 1024
_ZLIB_MAX_RATIO = 1032               # deflate cannot inflate more than this per input byte

# `stream` and its line end, not `endstream`: the literal comes first (the look-behind after it), so
# the regex engine jumps from one `stream` to the next instead of trying every byte of the file
_STREAM = re.compile(rb"stream(?<!endstream)(?:\r\n|\n|\r)")
_DICT_WINDOW = 2048                  # bytes before `stream` searched for the filter name


def check_pdf(path: Path, data: bytes, limits: Limits) -> None:
    """Raise IngestError("too_large") if a Flate stream of the file is a decompression bomb, or its
    form XObjects multiply (check_forms)."""
    streams = _stream_keywords(data)       # found once for both checks
    check_streams(path, data, streams)
    check_forms(path, data, streams)


def _stream_keywords(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every `stream` keyword with its line end, in file order."""
    return [m.span() for m in _STREAM.finditer(data)]


def check_streams(path: Path, data: bytes, streams: list[tuple[int, int]] | None = None) -> None:
    total = 0
    endstreams = [m.start() for m in _ENDSTREAM.finditer(data)]
    for start, data_start in streams if streams is not None else _stream_keywords(data):
        j = bisect.bisect_left(endstreams, data_start)
        end = endstreams[j] if j < len(endstreams) else -1      # data.find(b"endstream", data_start)
        if end != -1 and (end - data_start) * _ZLIB_MAX_RATIO < BOMB_BYTES:
            continue        # too short to inflate past BOMB_BYTES (most streams: fonts, pages)
        head = data[max(0, start - _DICT_WINDOW):start]
        head = head[head.rfind(b"obj") + 1:]           # this stream's dictionary (rfind -1: all)
        if b"/FlateDecode" not in head:
            continue
        total += _inflated_size(path, data, data_start, total)


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
# Content: form XObjects drawing each other, and operators per page. PDFium parses a form once per
# use, so a form drawn twice by a form drawn twice … 30 levels deep is 2^30 parses (minutes and
# gigabytes from a 17 KB file); and it builds an object for each drawing operator of a page
# (1,000,000 path operators: 20 s and 600 MB). Both are counted on the raw objects before PDFium
# sees them. For each form: uses = 1 + (its `Do` operators) × the largest uses among the forms its
# dictionary (and the dictionaries it refers to, up to three levels) names; operators = its own +
# `Do` × the largest among those forms. A page's operators are its content streams' plus its `Do`
# operators times the largest among the forms its dictionary names. Over-approximations: a form
# named but never drawn still counts. Dictionaries inside compressed object streams (/Type /ObjStm:
# resources, XObject maps, the pages themselves in most PDF 1.5+ files) are read too. Content is
# counted for unfiltered and FlateDecode streams (what PDF writers produce); other filters are left
# to the time and memory caps of the worker.
# ------------------------------------------------------------------------------------------

MAX_FORM_USES = 100_000
MAX_FORM_NESTING = 40                # PDFium itself stops drawing deeper than this
MAX_OPERATORS_PER_PAGE = 300_000     # the real reports' densest page has ~5,000
_OBJ = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+obj\b")
# _OBJ's matches are found from their `obj` keyword (a literal: fast to find) backwards
_OBJ_KEYWORD = re.compile(rb"obj\b")
_OBJ_BEFORE = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+\Z")
_OBJ_WINDOW = 48
_DIGITS_OR_SPACE = re.compile(rb"[\d\s]*\Z")
_ENDSTREAM = re.compile(rb"endstream")
_REF = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+R\b")
_FORM = re.compile(rb"/Subtype\s*/Form\b")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm\b")
_CONTENTS = re.compile(rb"/Contents\s*+(\[[^\]]{0,100000}+\]|\d{1,10}\s+\d{1,5}\s+R)")
_DO = re.compile(rb"/[^\s/\[\](){}<>%]{1,127}\s*Do\b")
# An operator: a short keyword token (Tj, re, f*, BDC, ', ") after a delimiter — not a /Name, not a
# number, not true/false/null. Letters inside strings may add a few: an over-count, the safe side.
_OPERATOR = re.compile(rb"(?<![^\s)\]>}])[A-Za-z'\"][A-Za-z0-9*]{0,2}(?![A-Za-z0-9*])")
# _OPERATOR counted faster: the delimiter before the keyword matched instead of looked behind at (no
# match ever needs the delimiter another consumed: a keyword ends before a delimiter), and the
# keyword at the very start of the text, which has none, tested on its own (_count_operators)
_OPERATOR_AFTER = re.compile(rb"[\s)\]>}][A-Za-z'\"][A-Za-z0-9*]{0,2}(?![A-Za-z0-9*])")
_OPERATOR_FIRST = re.compile(rb"[A-Za-z'\"][A-Za-z0-9*]{0,2}(?![A-Za-z0-9*])")
_MAX_OBJSTM_BYTES = 16 * 1024 * 1024
_COUNT_STEP = 1024 * 1024


@dataclass
class _Objects:
    heads: dict[int, bytes] = field(default_factory=dict)                 # object -> its dictionary
    streams: dict[int, tuple[bytes, int, int]] = field(default_factory=dict)   # object -> (head, start, end)


@dataclass
class _Content:
    operators: int
    draws: int                        # `Do` operators
    inflated: int = 0                 # bytes inflated to count them


class _Over(Exception):
    """A page's bound on its operators passes the limit: count them exactly."""


def check_forms(path: Path, data: bytes, streams: list[tuple[int, int]] | None = None) -> None:
    """Raise IngestError("too_large") if some form XObject would be drawn more than MAX_FORM_USES
    times, draws itself, nests deeper than MAX_FORM_NESTING, or a page would have more than
    MAX_OPERATORS_PER_PAGE operators. `streams`: _stream_keywords(data) when already found.

    Operators are first bounded by their content's length (an operator takes two bytes with the
    delimiter before it): a page of ordinary size is then clear of the limit without the regular
    expression looking at every byte. Only when a page's bound passes the limit is everything
    checked again with the operators counted; nothing else depends on them, so the outcome (and
    its message) is the counted check's."""
    try:
        _check_forms(path, data, streams, exact=False)
    except _Over:
        _check_forms(path, data, streams, exact=True)


def _check_forms(path: Path, data: bytes, streams: list[tuple[int, int]] | None, exact: bool) -> None:
    objects = _scan_objects(data, streams)
    _read_object_streams(objects, data)
    contents: dict[int, _Content] = {}

    inflated = [0]

    def content(num: int) -> _Content:
        if num not in contents:
            head, start, end = objects.streams[num]
            contents[num] = counted = _count_content(data, start, end, head, exact)
            inflated[0] += counted.inflated
            if inflated[0] > MAX_TOTAL_BYTES:    # many small streams that each inflate a lot
                raise IngestError("too_large", f"PDF 文件 {path} 的页面和表单内容解压后超过 "
                                  f"{MAX_TOTAL_BYTES // 1048576} MB，已停止读取", str(path))
        return contents[num]

    forms = {num for num, (head, _s, _e) in objects.streams.items() if _FORM.search(head)}
    names = _Names(path, objects.heads, forms)
    memo: dict[int, tuple[int, int, int]] = {}    # form -> (uses, operators, nesting)
    active: set[int] = set()

    def expand(form: int, depth: int) -> tuple[int, int, int]:
        if form in memo:
            return memo[form]
        if form in active:
            raise IngestError("too_large", f"PDF 文件 {path} 的表单对象（XObject）引用自身，无法读取", str(path))
        if depth > MAX_FORM_NESTING:
            raise _nesting_error(path)
        active.add(form)
        own = content(form)
        inner = [expand(c, depth + 1) for c in names.forms_named(objects.heads[form], form)]
        active.discard(form)
        uses = 1 + own.draws * max((u for u, _o, _n in inner), default=1)
        operators = own.operators + own.draws * max((o for _u, o, _n in inner), default=0)
        nesting = 1 + max((n for _u, _o, n in inner), default=0)
        if uses > MAX_FORM_USES:
            raise IngestError("too_large", f"PDF 文件 {path} 的表单对象（XObject）层层互相引用，展开后超过 "
                              f"{MAX_FORM_USES} 次绘制，已停止读取", str(path))
        if nesting > MAX_FORM_NESTING:
            raise _nesting_error(path)
        memo[form] = result = (uses, operators, nesting)
        return result

    for form in sorted(forms):
        expand(form, 1)
    for page, head in sorted(objects.heads.items()):
        if _PAGE.search(head) is None or page in objects.streams:
            continue
        own = _Content(0, 0)
        for ref in _content_refs(head):
            if ref in objects.streams:
                c = content(ref)
                own = _Content(own.operators + c.operators, own.draws + c.draws)
        drawn = [memo[f] for f in names.forms_named(head, page)] if own.draws else []
        operators = own.operators + own.draws * max((o for _u, o, _n in drawn), default=0)
        if operators > MAX_OPERATORS_PER_PAGE:
            if not exact:
                raise _Over
            raise IngestError("too_large", f"PDF 文件 {path} 有一页的绘制指令约 {operators} 条，超过每页上限 "
                              f"{MAX_OPERATORS_PER_PAGE} 条，已停止读取", str(path))


def _nesting_error(path: Path) -> IngestError:
    return IngestError("too_large", f"PDF 文件 {path} 的表单对象（XObject）嵌套超过 {MAX_FORM_NESTING} 层，"
                       f"已停止读取", str(path))


def _scan_objects(data: bytes, streams: list[tuple[int, int]] | None = None) -> _Objects:
    """Every top-level `N G obj … endobj`: its dictionary, and for a stream where its data lies.
    Keyword positions are found once and looked up by bisection: linear in the file however many
    objects lack an `endobj` or a `stream`."""
    heads: dict[int, list[bytes]] = {}
    spans: dict[int, tuple[int, int]] = {}
    stream_at = streams if streams is not None else _stream_keywords(data)
    stream_starts = [a for a, _b in stream_at]
    endstreams = [m.start() for m in _ENDSTREAM.finditer(data)]
    end = -1
    starts = _object_keywords(data)
    for k, (m_start, m_end, num) in enumerate(starts):
        if end < m_end:
            end = data.find(b"endobj", m_end)
            end = end if end != -1 else len(data)
        # an object ends at its `endobj`, or where the next begins if that comes first (a file
        # without `endobj`s must not make every object span the rest of the file)
        stop = min(end, starts[k + 1][0]) if k + 1 < len(starts) else end
        i = bisect.bisect_left(stream_starts, m_end)
        has_stream = i < len(stream_at) and stream_at[i][0] < stop
        # several definitions of one number (incremental updates): all kept, an over-count
        heads.setdefault(num, []).append(data[m_end:stream_at[i][0] if has_stream else stop])
        if has_stream:
            start = stream_at[i][1]
            j = bisect.bisect_left(endstreams, start)
            spans[num] = (start, min(endstreams[j], end) if j < len(endstreams) else end)
    objects = _Objects({num: b"".join(parts) for num, parts in heads.items()})
    objects.streams = {num: (objects.heads[num], a, b) for num, (a, b) in spans.items()}
    return objects


def _object_keywords(data: bytes) -> list[tuple[int, int, int]]:
    """(start, end, object number) of each match of _OBJ.finditer(data), found from the `obj`
    keywords backwards. A match is digits, blanks, digits, blanks right before an `obj`: it starts
    after the previous `obj` (neither digit nor blank), so each keyword is looked at alone, in a
    short window before it; only a window that is all digits and blanks (the number may begin
    before it) is searched again from the previous keyword on, as finditer would."""
    out: list[tuple[int, int, int]] = []
    previous = 0           # end of the previous `obj` keyword: no match starts before it
    for keyword in _OBJ_KEYWORD.finditer(data):
        at, after = keyword.span()
        lo = max(previous, at - _OBJ_WINDOW)
        window = data[lo:at]
        m = _OBJ_BEFORE.search(window)
        if lo > previous and (m.start() == 0 if m else _DIGITS_OR_SPACE.match(window)):
            full = _OBJ.search(data, previous, after)     # the number may begin before the window
            if full is not None:
                out.append((full.start(), full.end(), int(full.group(1))))
        elif m is not None:
            out.append((lo + m.start(), after, int(m.group(1))))
        previous = after
    return out


def _read_object_streams(objects: _Objects, data: bytes) -> None:
    """Adds the objects stored in compressed object streams (PDF 1.5+: /Type /ObjStm, /N objects,
    /First the offset of the first) to `objects.heads`. None of them is a stream itself."""
    found: dict[int, list[bytes]] = {}
    for num, (head, start, end) in list(objects.streams.items()):
        if _OBJSTM.search(head) is None:
            continue
        first = re.search(rb"/First\s+(\d{1,10})", head)
        body = _decoded(data, start, end, head, _MAX_OBJSTM_BYTES)
        if first is None or body is None:
            continue
        first_at = int(first.group(1))
        numbers = [int(t) for t in body[:first_at].split()[:2 * 1_000_000] if t.isdigit()]
        pairs = sorted(zip(numbers[1::2], numbers[0::2]))        # (offset, object number)
        for i, (offset, inner) in enumerate(pairs):
            if inner in objects.streams:
                continue          # a stream is never stored in an object stream: a forged entry
            stop = pairs[i + 1][0] if i + 1 < len(pairs) else len(body) - first_at
            found.setdefault(inner, []).append(body[first_at + offset:first_at + stop])
    for inner, parts in found.items():
        objects.heads[inner] = b"".join([objects.heads.get(inner, b""), *parts])


def _content_refs(page_head: bytes) -> list[int]:
    m = _CONTENTS.search(page_head)
    return [int(r) for r in _REF.findall(m.group(1))] if m else []


class _Names:
    """The forms an object's dictionary names, directly or through the dictionaries it refers to
    (up to three levels: /Resources -> /XObject -> the form), and, for a page or form, through the
    /Parent chain (resources inherited from /Pages nodes). /Kids and /Parent are not followed as
    references, so a page never reaches every other page of the tree. All calls share one budget
    of references looked at: a file whose dictionaries refer to each other millions of times is
    refused instead of scanned for minutes."""

    BUDGET = 2_000_000
    _SKIP = re.compile(rb"/(?:Parent|P)\s*+\d{1,10}\s+\d{1,5}\s+R|/Kids\s*+\[[^\]]{0,10000000}+\]")
    _PARENT = re.compile(rb"/Parent\s*+(\d{1,10})\s+\d{1,5}\s+R")

    def __init__(self, path: Path, heads: dict[int, bytes], forms: set[int]):
        self.path, self.heads, self.forms = path, heads, forms
        self.left = self.BUDGET

    def refs(self, text: bytes) -> list[int]:
        found = [int(r) for r in _REF.findall(self._SKIP.sub(b" ", text))]
        self.left -= len(found) + 1
        if self.left < 0:
            raise IngestError("too_large", f"PDF 文件 {self.path} 的对象之间互相引用过多（结构异常复杂），已停止读取",
                              str(self.path))
        return found

    def forms_named(self, head: bytes, me: int) -> set[int]:
        found: set[int] = set()
        seen = {me}
        frontier = [head, *self._ancestors(head, seen)]
        for _level in range(3):
            nxt = []
            for text in frontier:
                for ref in self.refs(text):
                    if ref in seen:
                        continue
                    seen.add(ref)
                    if ref in self.forms:
                        found.add(ref)
                    elif ref in self.heads:
                        nxt.append(self.heads[ref])
            frontier = nxt
        return found

    def _ancestors(self, head: bytes, seen: set[int]) -> list[bytes]:
        out = []
        for _level in range(MAX_FORM_NESTING):
            m = self._PARENT.search(head)
            if m is None or int(m.group(1)) in seen or int(m.group(1)) not in self.heads:
                break
            seen.add(int(m.group(1)))
            head = self.heads[int(m.group(1))]
            out.append(head)
        return out


def _decoded(data: bytes, start: int, end: int, head: bytes, limit: int) -> bytes | None:
    """A stream's data (FlateDecode inflated), at most `limit` bytes; None when it cannot be decoded here."""
    raw = data[start:end]
    if b"/FlateDecode" not in head:
        return None if b"/Filter" in head else raw[:limit]
    try:
        return zlib.decompressobj().decompress(raw, limit)
    except zlib.error:
        return None


def _count_content(data: bytes, start: int, end: int, head: bytes, exact: bool = True) -> _Content:
    """Operators and `Do` operators of a content stream, inflated step by step (memory stays flat;
    a token split across two steps is counted twice: an over-count of one per megabyte). Not
    `exact`: the operators bounded instead of counted (_operator_bound)."""
    count = _count_operators if exact else _operator_bound
    if b"/Filter" in head and b"/FlateDecode" not in head:
        return _Content(0, 0)
    if b"/FlateDecode" not in head:
        chunk = data[start:end]
        return _Content(count(chunk), len(_DO.findall(chunk)))
    d = zlib.decompressobj()
    operators = draws = 0
    pending = data[start:end]
    produced = 0
    while pending and not d.eof and produced <= MAX_STREAM_BYTES:
        try:
            chunk = d.decompress(pending, _COUNT_STEP)
        except zlib.error:
            break
        if not chunk:
            break
        produced += len(chunk)
        operators += count(chunk)
        draws += len(_DO.findall(chunk))
        pending = d.unconsumed_tail
    return _Content(operators, draws, produced)


def _count_operators(chunk: bytes) -> int:
    """len(_OPERATOR.findall(chunk)), at two thirds of its cost."""
    return len(_OPERATOR_AFTER.findall(chunk)) + (_OPERATOR_FIRST.match(chunk) is not None)


def _operator_bound(chunk: bytes) -> int:
    """At least _count_operators(chunk): an operator after a delimiter takes two bytes (the
    matches do not overlap), one at the very start one."""
    return (len(chunk) + 1) // 2
