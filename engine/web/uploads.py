"""Uploaded files onto disk, safely: names made harmless, sizes and counts bounded, zips unpacked
without bombs or paths that leave the batch folder.

Every refusal is an UploadError with a Chinese message; the app answers it with HTTP 400/413.
"""
from __future__ import annotations

import io
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable

from engine.web.settings import WebSettings

_CHUNK = 1024 * 1024
# Characters never kept in a stored name: controls, bidi overrides, and what Windows reserves.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\#%\u200e\u200f\u202a-\u202e\u2066-\u2069]')
_MAX_NAME_BYTES = 180


class UploadError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Upload:
    name: str            # the name the browser sent (may hold a relative path: folder uploads)
    stream: BinaryIO


@dataclass
class Stored:
    """What one batch received: files written under `folder`, and what was refused (name, why)."""
    folder: Path
    files: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    total_bytes: int = 0


def safe_relative_path(name: str) -> PurePosixPath | None:
    """A relative path made of harmless components, or None when nothing usable is left."""
    parts = []
    for raw in re.split(r"[\\/]+", unicodedata.normalize("NFC", name)):
        part = _UNSAFE.sub("", raw).strip().strip(".")
        if not part or part in (".", ".."):
            continue
        parts.append(_bounded(part))
    return PurePosixPath(*parts) if parts else None


def _bounded(part: str) -> str:
    if len(part.encode("utf-8")) <= _MAX_NAME_BYTES:
        return part
    stem, dot, ext = part.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = part, ""
    while len((stem + ("." + ext if ext else "")).encode("utf-8")) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + ("." + ext if ext else "")


def store_uploads(uploads: Iterable[Upload], folder: Path, settings: WebSettings) -> Stored:
    """Write every upload under folder (zips unpacked in a sub-folder named after the zip)."""
    folder.mkdir(parents=True, exist_ok=True)
    stored = Stored(folder)
    for upload in uploads:
        rel = safe_relative_path(upload.name)
        if rel is None:
            stored.refused.append((upload.name, "文件名无效"))
            continue
        data = _read_bounded(upload.stream, settings.max_file_bytes, upload.name)
        if rel.suffix.lower() == ".zip":
            _unpack_zip(data, rel, stored, settings)
        else:
            _write(stored, rel, data, settings)
    if not stored.files:
        raise UploadError("没有收到可以审核的文件。" + _refusals(stored))
    return stored


def _read_bounded(stream: BinaryIO, limit: int, name: str) -> bytes:
    buf = io.BytesIO()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return buf.getvalue()
        buf.write(chunk)
        if buf.tell() > limit:
            raise UploadError(f"文件“{name}”超过单个文件的大小上限（{limit // (1024 * 1024)} MB）。", 413)


def _write(stored: Stored, rel: PurePosixPath, data: bytes, settings: WebSettings) -> None:
    if len(stored.files) >= settings.max_files:
        raise UploadError(f"一批最多 {settings.max_files} 个文件。", 413)
    if stored.total_bytes + len(data) > settings.max_batch_bytes:
        raise UploadError(f"一批文件合计不能超过 {settings.max_batch_bytes // (1024 * 1024)} MB。", 413)
    target = _free_path(stored.folder, rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Refuse anything that would resolve outside the batch folder (defence in depth: the name is clean).
    if not target.resolve().is_relative_to(stored.folder.resolve()):
        stored.refused.append((str(rel), "路径不在本批次文件夹内"))
        return
    target.write_bytes(data)
    stored.files.append(target)
    stored.total_bytes += len(data)


def _free_path(folder: Path, rel: PurePosixPath) -> Path:
    target = folder.joinpath(*rel.parts)
    n = 2
    while target.exists():
        target = target.with_name(f"{rel.stem}-{n}{rel.suffix}")
        n += 1
    return target


def _unpack_zip(data: bytes, rel: PurePosixPath, stored: Stored, settings: WebSettings) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        stored.refused.append((str(rel), "压缩包已损坏，无法打开"))
        return
    if len(members) > settings.max_files:
        raise UploadError(f"压缩包“{rel.name}”内文件过多（{len(members)} 个，上限 {settings.max_files}）。", 413)
    declared = sum(m.file_size for m in members)
    if stored.total_bytes + declared > settings.max_batch_bytes:
        raise UploadError(f"压缩包“{rel.name}”解压后过大（{declared // (1024 * 1024)} MB）。", 413)
    base = rel.with_suffix("")
    with archive:
        for member in members:
            if member.is_dir() or stat.S_ISLNK(member.external_attr >> 16):
                continue
            name = _member_name(member)
            inner = safe_relative_path(name)
            if inner is None:
                stored.refused.append((name, "文件名无效"))
                continue
            if member.file_size > settings.max_file_bytes:
                stored.refused.append((name, "超过单个文件的大小上限"))
                continue
            if member.compress_size and member.file_size / member.compress_size > settings.max_zip_ratio:
                stored.refused.append((name, "压缩比异常（疑似压缩炸弹）"))
                continue
            try:
                content = _read_member(archive, member, settings.max_file_bytes)
            except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError, ValueError):
                stored.refused.append((name, "无法解压（已损坏、加密或使用了不支持的压缩方式）"))
                continue
            _write(stored, base / inner, content, settings)


def _member_name(member: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; zipfile decodes them as cp437.
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return member.filename


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes:
    # Read with our own bound: the declared size may lie.
    with archive.open(member) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError("member larger than declared")
    return data


def _refusals(stored: Stored) -> str:
    if not stored.refused:
        return ""
    return "未接收：" + "；".join(f"{name}（{why}）" for name, why in stored.refused[:10])
