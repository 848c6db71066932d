"""Reader for plain-text reports (.txt, .md): bytes -> Document, one SourceLine per physical line.

Encoding is detected, not assumed:
- a byte-order mark decides (UTF-8, UTF-16 LE/BE);
- otherwise strict UTF-8 is tried first (valid UTF-8 of any length is practically never another
  encoding by accident, and it is by far the commonest case);
- otherwise charset-normalizer chooses (GB18030/GBK, UTF-16 without BOM, Big5 …).
Line ends CRLF and CR become LF; line numbers are the physical line numbers of the file, so
`where` ("第N行") can be checked by opening the file in any editor.

Content that is not text raises IngestError("binary"); bytes no detector can decode raise
IngestError("unreadable"). Full-width characters are NOT changed here: the original text is kept for
evidence, normalisation for matching is the parser's business (engine/parse/normalize.py).
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from engine.ingest import DEFAULT_LIMITS, IngestError, Limits, path_text, sha256_of, suffix_of
from engine.model import Document, SourceLine

# Share of characters that must be ordinary text (letters, digits, punctuation, white space)
# for decoded content to count as a text file rather than binary data that happened to decode.
MIN_PRINTABLE_SHARE = 0.95


def read(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS, sha256: str | None = None) -> Document:
    """The text's Document (sha256: the bytes' digest when the caller has it: read_document's)."""
    text, encoding = decode_text(path, data)
    text = text.lstrip("\ufeff")
    if not text or text.isspace():        # (text.strip() without the copy)
        raise IngestError("empty", f"文件 {path} 没有任何文字内容", str(path))
    lines, joined = _split(text)
    fmt = "md" if suffix_of(path_text(path)) in (".md", ".markdown") else "txt"
    return TextDocument(
        path=str(path),
        format=fmt,
        lines=source_lines(lines),
        sha256=sha256_of(data) if sha256 is None else sha256,
        encoding=encoding,
        texts=lines,
        joined=joined,
    )


@dataclass
class TextDocument(Document):
    """A text's Document, with every line's text as a list (lines[i].text) and joined by line
    breaks, which the reader has anyway: the parser reads them here instead of collecting and
    joining them again."""
    texts: list[str] | None = field(default=None, repr=False, compare=False)
    joined: str | None = field(default=None, repr=False, compare=False)     # "\n".join(texts)


# "第i行" for the line numbers of ordinary reports, made once per process (formatting one is a good
# part of what a line costs); longer texts format the rest as they come
_WHERE_CACHED = 4096
_WHERE = [f"第{i}行" for i in range(_WHERE_CACHED)]
_TUPLE_NEW = tuple.__new__
# SourceLine's fields after no, text and where, with their defaults: what source_lines gives every line
_DEFAULTS = tuple(SourceLine._field_defaults[f] for f in SourceLine._fields[3:])


def source_lines(texts: list[str]) -> list[SourceLine]:
    """SourceLine(no=i, text=t, where="第i行") for each physical line, made at C speed: SourceLine is a
    NamedTuple, so each line is tuple.__new__(SourceLine, (i, t, "第i行", *defaults)) — what its
    constructor makes (tests/test_ingest_lines.py) — from zip and map, with no Python call per line
    (a report has hundreds of lines)."""
    n = len(texts)
    wheres = _WHERE[1:n + 1] if n < _WHERE_CACHED else [*_WHERE[1:], *(f"第{i}行" for i in range(_WHERE_CACHED, n + 1))]
    return list(map(_TUPLE_NEW, repeat(SourceLine, n),
                    zip(range(1, n + 1), texts, wheres, *map(repeat, _DEFAULTS, repeat(n)))))


def split_lines(text: str) -> list[str]:
    """Physical lines, whatever the line ends (CRLF, CR, LF); a final line end adds no empty line."""
    return _split(text)[0]


def _split(text: str) -> tuple[list[str], str]:
    """split_lines(text), and those lines joined by line breaks (the text with LF line ends, less a
    final one)."""
    if "\r" in text:          # (one scan finds none, as a rule: not two replace() passes)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
        text = text[:-1]
    return lines, text


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """The decoded text and the name of the encoding it was found in."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return _checked(path, data.decode(name), name)
            except UnicodeDecodeError:
                raise IngestError("unreadable", f"文件 {path} 以 {name} 标记开头，但内容无法按该编码解码",
                                  str(path)) from None
    if b"\x00" not in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return (text, "utf-8") if utf8_is_text(data, text) else _checked(path, text, "utf-8")
    return _detected(path, data)


def _detected(path: Path, data: bytes) -> tuple[str, str]:
    # a deliberate lazy load (like every reader's library): only for text that is not UTF-8
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        if b"\x00" in data:
            raise IngestError("binary", f"文件 {path} 含有二进制内容，不是文本文件", str(path))
        raise IngestError("unreadable", f"文件 {path} 的文字编码无法识别（已尝试 UTF-8、GB18030、UTF-16 等）",
                          str(path))
    return _checked(path, str(best), best.encoding)


def _checked(path: Path, text: str, encoding: str) -> tuple[str, str]:
    """Refuse decoded content that is really binary data (NUL characters, mostly control bytes)."""
    if "\x00" in text or printable_share(text) < MIN_PRINTABLE_SHARE:
        raise IngestError("binary", f"文件 {path} 含有二进制内容，不是文本文件", str(path))
    return text, encoding


# Control characters other than white space (C0 without \t\n\v\f\r, DEL and C1) and U+FFFD.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


# The bytes of the characters _NOT_TEXT finds that are one byte in UTF-8 (the C0 controls other than
# white space, DEL), and 0xC2, which leads the C1 controls' two bytes (and U+0080–U+00BF's only)
_BAD_BYTES = (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, 0xC2)


def utf8_is_text(data: bytes, text: str | None = None) -> bool:
    """True when the text these UTF-8 bytes decode to (`text`, when the caller has it) holds no
    character _NOT_TEXT finds (its printable_share is then 1.0), told at C speed: such a character
    is a C0 control or DEL (one byte each), a C1 control (0xC2 0x80–0x9F) or U+FFFD (0xEF 0xBF 0xBD).
    (The regex scan of the text costs several times more, on every input file; a `in` per byte
    value is a memchr each, less than one translate of the bytes.)"""
    if any(map(data.__contains__, _BAD_BYTES)):
        at = data.find(b"\xc2")
        if at < 0:
            return False                # a C0 control or DEL
        if data.translate(None, _TEXT_BYTES):
            return False
        while at >= 0:                  # (0xC2 leads U+0080–U+00BF only: rare in a report)
            if at + 1 < len(data) and 0x80 <= data[at + 1] <= 0x9F:
                return False
            at = data.find(b"\xc2", at + 2)
    # (U+FFFD: looked for in the decoded text, one code unit, when it is at hand — in the bytes, a
    # full-width character's 0xEF leads as often as a third of the text)
    return "\ufffd" not in text if text is not None else b"\xef\xbf\xbd" not in data


# Every byte but those of the characters _NOT_TEXT finds that are one byte in UTF-8 (the C0
# controls other than white space, DEL): deleted by bytes.translate, they leave those.
_TEXT_BYTES = bytes(b for b in range(256) if not (b <= 0x08 or 0x0E <= b <= 0x1F or b == 0x7F))


def printable_share(text: str) -> float:
    if not text:
        return 1.0
    sample = text[:20000]
    # a regex scan, not a per-character loop: this runs on every input file (and almost every one
    # has no such character: one search says so)
    if _NOT_TEXT.search(sample) is None:
        return 1.0
    bad = sum(1 for _ in _NOT_TEXT.finditer(sample))
    return 1.0 - bad / len(sample)
