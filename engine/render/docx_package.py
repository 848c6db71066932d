"""The DOCX letters' package: the template (templates/letter.docx, built by docx_template.py) with two
parts written per letter (the body and the core properties, both stored), as zipfile would write it
(fixed timestamps: deterministic bytes).

    template() -> Package                      read once per process (a forked worker inherits it)
    Package.write(document, core) -> bytes     the letter's package: its word/document.xml and the
                                               core properties' fields (title, subject, author)
    Package.write_body(body, core) -> bytes    the same, from the body between the template's start
                                               and end of word/document.xml (made UTF-8 once)
    Package.write_body_parts(body, core) -> [bytes, ...]   write_body in pieces (for os.writev)
    xml_text(text) -> str                      text content escaped as lxml serializes it
    zip_bytes(entries) -> bytes                the zip of deflated or stored entries (what write follows)
"""
from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).parent / "templates" / "letter.docx"
FIXED_DOS_TIME, FIXED_DOS_DATE = 0, (2000 - 1980) << 9 | 1 << 5 | 1      # 2000-01-01 00:00 (as the template)
# The parts written per letter are stored, not deflated. Deflating the body (~12 KB of XML, zlib level 1)
# was the largest single cost of writing a letter — more than building its content — for ~9 KB of
# file (a letter of ~50 KB instead of ~41 KB: the styles, numbering … parts that make most of it come
# deflated from the template). Word, WPS, LibreOffice and python-docx read stored parts as any zip
# tool does; what each part holds is the same either way. The core properties (under 1 KB) were
# always stored: setting up a deflate stream (~270 KB of zlib state) cost more than it saved.
STORED, DEFLATED = 0, 8


# Characters XML 1.0 cannot carry (a form feed from a PDF's text …): dropped, a letter is always written
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# what xml_text changes: most text has none of it and is its own XML form
_NOT_AS_IS = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text content escaped as lxml serializes it."""
    if _NOT_AS_IS.search(text) is None:
        return text
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


# --- the package -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    """A zip entry of the template, kept compressed: (name, crc, compressed size, size, deflated data)."""
    name: bytes
    crc: int
    compressed: bytes
    size: int
    method: int = DEFLATED       # STORED: `compressed` is the data as it is


class Package:
    """The template package: every part but the body and the core properties copied as stored."""

    DOCUMENT, CORE = "word/document.xml", "docProps/core.xml"

    def __init__(self, data: bytes):
        self.entries: list[_Entry | str] = []      # a name: a part written per letter
        document = core = ""
        for name, crc, size, raw in _read_zip(data):
            if name in (self.DOCUMENT, self.CORE):
                text = zlib.decompress(raw, -15).decode("utf-8")
                document, core = (text, core) if name == self.DOCUMENT else (document, text)
                self.entries.append(name)
            else:
                self.entries.append(_Entry(name.encode("ascii"), crc, raw, size))
        head, body, tail = document.partition("<w:body>")
        self.document_head = head + body
        self.document_tail = tail          # the section properties (page size, margins) and the end
        # write_body(): the document's fixed start and end as UTF-8, and the CRC of the start
        self._head = self.document_head.encode("utf-8")
        self._tail = self.document_tail.encode("utf-8")
        self._head_crc = zlib.crc32(self._head)
        self.core = re.split("@@(title|subject|author)@@", core)   # text, field, text, field …
        # _parts(): the core properties' fixed texts as UTF-8 (made once), each field's value encoded alone
        self._core = tuple((piece.encode("utf-8"), None) if i % 2 == 0 else (None, piece)
                           for i, piece in enumerate(self.core))
        # write(): the template's entries in runs between the parts written per letter, made on first use
        self._plan: list[_Part | _Run] | None = None

    def write(self, document: str, core: dict[str, str]) -> bytes:
        """zip_bytes of the template's entries with the two parts written here. The template's
        entries between those two parts are copied as runs of local records (header, name, data: the
        same for every letter, joined once); the central directory is each entry's record made once,
        with its offset filled in; a part written here has its records' fixed bytes made once too,
        around its CRC and sizes."""
        data = document.encode("utf-8")
        return self._write((data,), zlib.crc32(data), len(data), core)

    def write_body(self, body: str | bytes, core: dict[str, str]) -> bytes:
        """write(document_head + body + document_tail, core), with the document's fixed start and
        end made UTF-8 (and the start's CRC) once: only the body is encoded and checked per letter.
        `body`: the text, or its UTF-8."""
        return b"".join(self.write_body_parts(body, core))

    def write_body_parts(self, body: str | bytes, core: dict[str, str]) -> list[bytes]:
        """write_body's bytes in pieces, for os.writev: joined, they are write_body's."""
        data = body if body.__class__ is bytes else body.encode("utf-8")
        crc = zlib.crc32(self._tail, zlib.crc32(data, self._head_crc))
        return self._parts((self._head, data, self._tail), crc, len(self._head) + len(data) + len(self._tail), core)

    def _write(self, document: tuple[bytes, ...], crc: int, size: int, core: dict[str, str]) -> bytes:
        return b"".join(self._parts(document, crc, size, core))

    def _parts(self, document: tuple[bytes, ...], crc: int, size: int, core: dict[str, str]) -> list[bytes]:
        """The package with word/document.xml made of the pieces `document` (its CRC and size given),
        in pieces."""
        core_xml = b"".join(fixed if field is None else xml_text(core[field]).encode("utf-8") for fixed, field in self._core)
        plan = self._plan
        if plan is None:
            plan = self._plan = _plan(self.entries)
        out, central = [], []
        offset = 0
        for piece in plan:
            if piece.__class__ is _Part:       # stored: its data as it is
                if piece.name == self.DOCUMENT:
                    sizes = _SIZES.pack(crc, size, size)
                    out += (piece.local_head, sizes, piece.local_name, *document)
                else:
                    size_core = len(core_xml)
                    sizes = _SIZES.pack(zlib.crc32(core_xml), size_core, size_core)
                    out += (piece.local_head, sizes, piece.local_name, core_xml)
                central.append(b"".join((piece.central_head, sizes, piece.central_mid,
                                         offset.to_bytes(4, "little"), piece.encoded)))
                offset += piece.local_size + (size if piece.name == self.DOCUMENT else size_core)
            else:
                out.append(piece.local)
                central += [before + (offset + at).to_bytes(4, "little") + after for before, at, after in piece.central]
                offset += len(piece.local)
        out += central
        n = len(central)
        out.append(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, sum(map(len, central)), offset, 0))
        return out


_SIZES = struct.Struct("<3L")      # crc, compressed size, size: in the local and central records alike


@dataclass(frozen=True)
class _Run:
    """Consecutive template entries: their local records joined, and each one's central record
    before and after its offset, with its offset from the run's start."""
    local: bytes
    central: tuple[tuple[bytes, int, bytes], ...]


@dataclass(frozen=True)
class _Part:
    """A part written per letter (stored): the fixed bytes of its local record around the CRC and sizes
    (local_name: name length, extra length, name), of its central record (central_mid: from the
    name length to the offset), and the local record's size without the data."""
    name: str
    encoded: bytes
    local_head: bytes
    local_name: bytes
    central_head: bytes
    central_mid: bytes
    local_size: int


def _part(name: str) -> _Part:
    encoded = name.encode("ascii")
    local, before, _name = _records(_Entry(encoded, 0, b"", 0, STORED))
    # _records: local = 14 bytes, crc and sizes (12), name and extra lengths (4), name; central
    # before its offset = 16 bytes, crc and sizes (12), lengths, comment, disk, attributes (14)
    return _Part(name, encoded, local[:14], local[26:], before[:16], before[28:], len(local))


def _plan(entries: list[_Entry | str]) -> list[_Part | _Run]:
    plan: list[_Part | _Run] = []
    run_local: list[bytes] = []
    run_central: list[tuple[bytes, int, bytes]] = []

    def close() -> None:
        if run_local:
            plan.append(_Run(b"".join(run_local), tuple(run_central)))
            run_local.clear()
            run_central.clear()

    for entry in entries:
        if isinstance(entry, str):
            close()
            plan.append(_part(entry))
        else:
            local, before, after = _records(entry)
            run_central.append((before, sum(map(len, run_local)), after))
            run_local.append(local)
    close()
    return plan


def _records(e: _Entry) -> tuple[bytes, bytes, bytes]:
    """An entry's local record (header, name, data) and its central record before and after the
    entry's offset, as zip_bytes writes them."""
    head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, e.method, FIXED_DOS_TIME, FIXED_DOS_DATE,
                       e.crc, len(e.compressed), e.size, len(e.name), 0)
    record = struct.pack("<4s4B4H3L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, e.method, FIXED_DOS_TIME,
                         FIXED_DOS_DATE, e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0,
                         0o644 << 16, 0)
    return head + e.name + e.compressed, record[:-4], e.name


def zip_bytes(entries: list[_Entry]) -> bytes:
    """The zip archive of deflated (or stored) entries, byte for byte what zipfile writes for them
    with the fixed timestamp (engine/render/docx_template._fixed_zip): local headers and data, the
    central directory, the end record."""
    out, central = [], []
    offset = 0
    for e in entries:
        head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, e.method, FIXED_DOS_TIME, FIXED_DOS_DATE,
                           e.crc, len(e.compressed), e.size, len(e.name), 0)
        out += [head, e.name, e.compressed]
        central.append(struct.pack("<4s4B4H3L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, e.method, FIXED_DOS_TIME,
                                   FIXED_DOS_DATE, e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0,
                                   0o644 << 16, offset) + e.name)
        offset += len(head) + len(e.name) + len(e.compressed)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(out) + directory + end


def _read_zip(data: bytes):
    """(name, crc, size, deflated data) of each entry of a zip this module or zipfile wrote."""
    _sig, _disk, _disk_cd, _here, count, _size, directory, _comment = struct.unpack_from("<4s4H2LH", data, len(data) - 22)
    pos = directory
    for _ in range(count):
        (crc, csize, size, nlen, xlen, clen, offset) = struct.unpack_from("<16x3L3H8xL", data, pos)
        name = data[pos + 46:pos + 46 + nlen].decode("utf-8")
        pos += 46 + nlen + xlen + clen
        lnlen, lxlen = struct.unpack_from("<26x2H", data, offset)
        start = offset + 30 + lnlen + lxlen
        yield name, crc, size, data[start:start + csize]


_template: Package | None = None


def template() -> Package:
    """The package template, read once per process (a forked worker inherits it)."""
    global _template
    if _template is None:
        _template = Package(TEMPLATE.read_bytes())
    return _template
