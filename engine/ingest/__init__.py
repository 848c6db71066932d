"""Stage 1 — ingest: a file on disk becomes a `Document` (lines with their source locations).

Public interface (used by parse and the batch runner):
    read_document(path) -> Document       raises IngestError
    sniff_format(path, head) -> str        the format by content first, extension second

Each format has one reader module (text, pdf, docx, html) exposing `read(path, data, limits) -> Document`,
listed in READERS below by module name: a reader is imported when the first file of its format is
read (deliberately lazy: a run of text reports never loads PDFium, python-docx or lxml). A format
with no reader gets the status `unsupported`.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from engine.model import Document

# Statuses an input can end with before parsing. The batch runner adds audited / not_a_report /
# duplicate. Messages are Chinese and name the file.
INGEST_STATUSES = (
    "unreadable",     # missing, permission denied, I/O error, undecodable text
    "empty",          # zero bytes or only white space
    "binary",         # not text and not a known document format
    "unsupported",    # a known format we do not read (e.g. .doc, old Word), or no reader installed
    "scanned",        # a PDF without a text layer
    "too_large",      # over the size cap
    "timeout",        # over the time cap
    "broken",         # a damaged document (bad zip, corrupt PDF)
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024          # per input file
    max_unzipped_bytes: int = 200 * 1024 * 1024   # DOCX: total uncompressed size (zip bombs)
    max_zip_ratio: float = 200.0               # DOCX: compression ratio of any member
    max_pages: int = 300                       # PDF
    max_seconds: float = 60.0                  # per file, enforced by the batch runner
    # per file: memory a worker may take beyond what it held when the file began (the batch runner
    # and `parse` set it as a resource limit: an allocation past it raises MemoryError -> too_large)
    max_memory_mb: int = 1024
    max_lines: int = 200_000


DEFAULT_LIMITS = Limits()


class IngestError(Exception):
    """An input that cannot become a Document. `status` is one of INGEST_STATUSES."""

    def __init__(self, status: str, message: str, path: str | None = None):
        assert status in INGEST_STATUSES, status
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


# format -> reader module (each defines read(path: Path, data: bytes, limits: Limits) -> Document)
READERS = {
    "txt": "engine.ingest.text",
    "md": "engine.ingest.text",
    "pdf": "engine.ingest.pdf",
    "docx": "engine.ingest.docx",
    "html": "engine.ingest.html",
}

_TEXT_EXTENSIONS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
_HTML_EXTENSIONS = {".html", ".htm", ".shtml", ".xhtml"}


def sniff_format(path: Path, head: bytes) -> str:
    """The document format, judged by content first (a PDF renamed .txt is a PDF), then extension.

    Returns one of READERS' keys, or "doc" (old binary Word), "zip" (a zip that is not DOCX),
    or "unknown".
    """
    return format_of(path.suffix.lower(), head)


def format_of(suffix: str, head: bytes) -> str:
    """sniff_format of a file whose name ends with `suffix` (lower case, as Path.suffix gives it)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):   # OLE2: .doc / .xls / .ppt
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if suffix in (".docx", ".docm") or b"word/" in head else "zip"
    if suffix in _HTML_EXTENSIONS:
        return "html"
    # (the tags looked for in the first 2 KB, in any case; a search for "<" and a tag after it, not the
    # head lowered: a text report's head has none, a markdown one a link or two "<http…>")
    if head.find(b"<", 0, 2048) >= 0:
        if _HTML_TAG.search(head, 0, 2048) is not None or (
                _TABLE_TAG.search(head, 0, 2048) is not None and _TD_TAG.search(head, 0, 2048) is not None):
            return "html"
    return _TEXT_EXTENSIONS.get(suffix, "txt")


# (the tags format_of looks for, in any case)
_HTML_TAG = re.compile(rb"(?i)<(?:html|!doctype html)")
_TABLE_TAG = re.compile(rb"(?i)<table")
_TD_TAG = re.compile(rb"(?i)<td")

_SPECIAL_KINDS = ((stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
                  (stat.S_ISSOCK, "套接字"))


def read_bytes_bounded(path: Path, limits: Limits) -> bytes:
    """The file's bytes, read only if it is a regular file (after following links) of at most
    limits.max_bytes. Opened without blocking and checked on the open descriptor: a FIFO, a device
    (a link to /dev/zero) or a socket would otherwise block forever or never end."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise IngestError("unreadable", f"文件不存在：{path}", str(path)) from None
    except IsADirectoryError:
        raise IngestError("unreadable", f"{path} 是文件夹，不是文件", str(path)) from None
    except OSError as exc:
        raise IngestError("unreadable", f"无法读取文件 {path}：{exc.strerror or exc}", str(path)) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IngestError("unreadable", f"{path} 是文件夹，不是文件", str(path))
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _SPECIAL_KINDS if test(st.st_mode)), "特殊文件")
            raise IngestError("unsupported", f"{path} 是{kind}，不是普通文件，不读取", str(path))
        if st.st_size > limits.max_bytes:
            raise IngestError("too_large", f"文件 {path} 大小为 {st.st_size / 1048576:.1f} MB，超过上限 "
                              f"{limits.max_bytes / 1048576:.0f} MB", str(path))
        # st_size + 1, not max_bytes + 1: a read allocates its whole buffer first, 50 MB per file
        # under a memory cap; a file growing while read still stays bounded
        # (one read that returns st_size bytes, asked for one more, is the whole file: no second
        # read to find its end; a shorter one — shrunk, or interrupted — goes on to the end)
        data = os.read(fd, st.st_size + 1)
        if 0 < len(data) < st.st_size:
            data += _read_to(fd, st.st_size + 1 - len(data))
        if len(data) > st.st_size:
            data += _read_to(fd, limits.max_bytes + 1 - len(data))
    except OSError as exc:
        raise IngestError("unreadable", f"无法读取文件 {path}：{exc.strerror or exc}", str(path)) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limits.max_bytes:
        raise IngestError("too_large", f"文件 {path} 超过大小上限 {limits.max_bytes / 1048576:.0f} MB", str(path))
    return data


# readers loaded (importlib.import_module looks a module up through the import system each time)
_LOADED: dict[str, object] = {}
_TEXT_FORMATS = ("txt", "md")


def path_text(path: str | os.PathLike) -> str:
    """str(Path(path)) — the path as messages and Document.path give it (pathlib's normal form: no
    "." parts, repeated or trailing slashes) — without building the Path when `path` is a str
    already in that form (a batch's paths are)."""
    if type(path) is str and path and "//" not in path and "/./" not in path and not path.startswith("./") \
            and not path.endswith(("/", "/.")):
        return path
    return str(Path(path))


def suffix_of(path: str) -> str:
    """Path(path).suffix.lower() of a path in pathlib's normal form (path_text), without the Path."""
    name = path[path.rfind("/") + 1:]
    i = name.rfind(".")
    return name[i:].lower() if 0 < i < len(name) - 1 else ""


def _read_to(fd: int, size: int) -> bytes:
    """Up to `size` bytes of a regular file from its position, fewer only at its end: os.read on
    the descriptor (a regular file's read never blocks, O_NONBLOCK or not), without the buffered
    file object open() would build around it."""
    data = os.read(fd, size)
    if not data or len(data) == size:
        return data
    chunks = [data]
    got = len(data)
    while got < size:
        chunk = os.read(fd, size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_document(path: str | Path, limits: Limits = DEFAULT_LIMITS, sha256: str | None = None) -> Document:
    """The file's Document. sha256: the file's digest when the caller has it already (the run's
    probe took it, and the file's record says it): a text file is then not hashed again."""
    path = path_text(path)
    try:
        return _read(path, limits, sha256)
    except RecursionError:      # hostile nesting the reader's library walks recursively
        raise IngestError("broken", f"文件 {path} 的内部结构嵌套层级过深，无法读取", str(path)) from None
    except MemoryError:         # over the worker's memory cap (engine.run.caps.memory_cap)
        raise IngestError("too_large", f"文件 {path} 读取时所需内存超过上限（{limits.max_memory_mb} MB），"
                          f"已停止读取", str(path)) from None


def _read(path: str, limits: Limits, sha256: str | None = None) -> Document:
    data = read_bytes_bounded(path, limits)
    if not data or data.isspace():        # (data.strip() without the copy)
        raise IngestError("empty", f"文件 {path} 是空文件", str(path))

    fmt = format_of(suffix_of(path), data[:4096])
    if fmt == "doc":
        raise IngestError("unsupported",
                          f"文件 {path} 是旧版 Word（.doc）格式，暂不支持；请另存为 .docx 或 PDF 后再审核", str(path))
    if fmt in ("zip", "unknown"):
        raise IngestError("binary", f"文件 {path} 不是可识别的文本、PDF、Word 或网页文件", str(path))
    module_name = READERS.get(fmt)
    if module_name is None:
        raise IngestError("unsupported", f"暂不支持读取 {fmt.upper()} 格式的文件：{path}", str(path))
    module = _LOADED.get(module_name) or _LOADED.setdefault(module_name, importlib.import_module(module_name))
    # (the text reader takes the path as text: the others as a Path, which their libraries may want)
    if fmt in _TEXT_FORMATS:
        doc = module.read(path, data, limits, sha256)
    else:
        doc = module.read(Path(path), data, limits)
    if len(doc.lines) > limits.max_lines:
        raise IngestError("too_large", f"文件 {path} 有 {len(doc.lines)} 行，超过上限 {limits.max_lines} 行", str(path))
    return doc
