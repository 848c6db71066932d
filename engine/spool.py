"""Append-only spool files: the batch runner's intermediate blobs, many to a file.

The runner hands every parsed Report (a pickle) and every finished record (its findings.json text)
from one process to another through disk, so that no process holds all of them in memory. Creating
a file is the costly part of that on common file systems (on ext4 it costs more CPU than writing
20 KB into an open file), so each writing process appends its blobs to one file of its own and hands
on a `Blob` (file, offset, length) instead of a path.

A file is owned by the process that created it (its name carries that pid and a random token): a
forked child never appends to its parent's file. A writer that dies mid-write leaves a torn tail
that no Blob points at, so what was handed on is always complete.
"""
from __future__ import annotations

import os
import pickle
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple


class SpoolError(Exception):
    """A blob that cannot be read back whole (the spool file was truncated or removed)."""


class Blob(NamedTuple):
    """Where one blob is: a tuple, because the main process keeps one or two per report."""
    path: str
    offset: int
    length: int


class Spool:
    """A writer of blobs into `folder`, one file per writing process, created on first use."""

    def __init__(self, folder: str | Path, prefix: str = "spool"):
        self.folder = str(folder)
        self.prefix = prefix
        self._pid: int | None = None
        self._fd: int | None = None
        self._path = ""
        self._offset = 0

    def put(self, data: bytes) -> Blob:
        if self._pid != os.getpid():
            self._open()
        offset = self._offset
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except BaseException:
            # part of the blob may be in the file: later offsets would be wrong, so the next
            # blob goes to a new file (nothing points at this one's torn tail)
            self.close()
            raise
        self._offset += len(data)
        return Blob(self._path, offset, len(data))

    def put_text(self, text: str) -> Blob:
        return self.put(text.encode("utf-8"))

    def put_many(self, items: list[bytes]) -> list[Blob]:
        """Several blobs written with one system call (a finished record's few blobs): each one's
        Blob, in order."""
        first = self.put(b"".join(items))
        blobs, offset = [], first.offset
        for data in items:
            blobs.append(Blob(first.path, offset, len(data)))
            offset += len(data)
        return blobs

    def _open(self) -> None:
        # a forked child inherits the parent's descriptor: it is left alone (the parent owns it)
        self._pid = os.getpid()
        self._path = os.path.join(self.folder, f"{self.prefix}-{self._pid}-{secrets.token_hex(4)}.bin")
        self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._offset = 0

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd, self._pid = None, None


def shared_path(blob: Blob) -> Blob:
    """The same Blob with its file name interned: a process keeping many Blobs received from other
    processes (each with its own copy of the name) then keeps one name per spool file."""
    return blob._replace(path=sys.intern(blob.path))


def read_blob(blob: Blob) -> bytes:
    with open(blob.path, "rb") as fh:
        return _checked(blob, os.pread(fh.fileno(), blob.length, blob.offset))


def _checked(blob: Blob, data: bytes) -> bytes:
    if len(data) != blob.length:
        raise SpoolError(f"暂存文件 {blob.path} 不完整：偏移 {blob.offset} 处应有 {blob.length} 字节，"
                         f"只读到 {len(data)} 字节")
    return data


def read_text(blob: Blob) -> str:
    return read_blob(blob).decode("utf-8")


class SpoolReader:
    """Reads blobs keeping one descriptor open per spool file (read_blob opens and closes the file
    each time, which costs more than reading a record): for a process reading thousands of blobs.
    close() drops the descriptors (the spool files may then be removed)."""

    def __init__(self) -> None:
        self._fds: dict[str, int] = {}
        self._pid = os.getpid()

    def read(self, blob: Blob) -> bytes:
        fd = self._fds.get(blob.path)
        if fd is None:
            if self._pid != os.getpid():       # forked: the descriptors are the parent's to close
                self._fds, self._pid = {}, os.getpid()
            fd = self._fds[blob.path] = os.open(blob.path, os.O_RDONLY)
        return _checked(blob, os.pread(fd, blob.length, blob.offset))

    def text(self, blob: Blob) -> str:
        return self.read(blob).decode("utf-8")

    def object(self, blob: Blob) -> Any:
        return pickle.loads(self.read(blob))

    def close(self) -> None:
        fds, self._fds = self._fds, {}
        if self._pid == os.getpid():
            for fd in fds.values():
                os.close(fd)

    def __enter__(self) -> "SpoolReader":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


_SPOOLS: dict[tuple[str, str], Spool] = {}


def spool_for(folder: str | Path, prefix: str = "spool") -> Spool:
    """This process's spool in `folder` (one per folder and prefix, kept for the process's life)."""
    key = (str(folder), prefix)
    spool = _SPOOLS.get(key)
    if spool is None:
        spool = _SPOOLS[key] = Spool(folder, prefix)
    return spool


class SpooledSequence(Sequence):
    """A read-only sequence of objects pickled into spools, unpickled each time one is fetched: a
    pass over it holds one item at a time. It pickles as its list of Blobs (a few dozen bytes an
    item), so it can be handed to another process cheaply."""

    def __init__(self, blobs: list[Blob]):
        self.blobs = blobs

    def __len__(self) -> int:
        return len(self.blobs)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return SpooledSequence(self.blobs[i])
        return pickle.loads(read_blob(self.blobs[i]))

    def __iter__(self):
        # one descriptor per spool file for the whole pass (a pass reads thousands of blobs)
        with SpoolReader() as reader:
            for blob in self.blobs:
                yield reader.object(blob)


def put_object(spool: Spool, obj: Any) -> Blob:
    return spool.put(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
