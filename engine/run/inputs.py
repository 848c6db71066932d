"""The run's inputs: every file under the INPUT paths, its display path and sha256, and a record
for each (byte-identical files are audited once: the others get the status `duplicate`).

Display path: the path as shown in every output — as the user gave it (relative stays relative),
or, for an absolute path outside the current directory, from the given folder's name on, so that
outputs never carry machine-specific absolute paths.
"""
from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from dataclasses import dataclass
from pathlib import Path

from engine.ingest import Limits
from engine.model import AuditRecord
from engine.run.keyed import KeyList, PackedStrings, PackedTable, key_code
from engine.run.outdir import tool_prefixes


class InputPathError(Exception):
    """An INPUT given on the command line does not exist (bad usage, not a batch status)."""


@dataclass
class InputFile:
    path: Path          # to open
    display: str        # as shown in every output: as given, or relative to the current directory
    # (status, Chinese message) for an entry that is listed but not read: a FIFO, a device, a
    # socket, a link leading outside the inputs or into a folder loop (see expand_inputs)
    refused: tuple[str, str] | None = None


class InputList(Sequence):
    """The listed inputs, in order, packed: the path and the display path as UTF-8 one after another
    (keyed.PackedStrings) — what expand_inputs returns, which the run keeps until every file is
    parsed: ~20 bytes and the text of the two paths a file instead of ~1 KB of pathlib objects."""

    def __init__(self) -> None:
        self._strings = PackedStrings()                    # path, display, path, display, …
        self._refused: dict[int, tuple[str, str]] = {}     # the few listed but not read

    def append(self, path: str | Path, display: str, refused: tuple[str, str] | None = None) -> None:
        if refused is not None:
            self._refused[len(self)] = refused
        self._strings.append(os.fspath(path))
        self._strings.append(display)

    def __len__(self) -> int:
        return len(self._strings) // 2

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return InputFile(Path(self._strings[2 * i]), self._strings[2 * i + 1], self._refused.get(i))


class InputTable(PackedTable):
    """key -> InputFile of a file to parse (never a refused one), packed (keyed.PackedTable)."""

    def _pack(self, f: InputFile) -> tuple[str, int]:
        if f.refused is not None:
            raise ValueError(f"{f.display}: a refused input is not parsed")
        return f"{os.fspath(f.path)}\0{f.display}", 0

    def _unpack(self, text: str, _number: int) -> InputFile:
        path, display = text.split("\0")
        return InputFile(Path(path), display)

    def take(self, key: str) -> str:
        """The file's packed text ("path\0display", as ProbeTable takes it), removed from the table."""
        code = key_code(key)
        if code is None:
            f = self._other.pop(key)
            return f"{os.fspath(f.path)}\0{f.display}"
        index = self._index.get(code)
        if index < 0:
            raise KeyError(key)
        text = self._strings[index]
        del self[key]
        return text

    def path_of(self, key: str) -> str:
        """The path to open, as a string (no Path built)."""
        code = key_code(key)
        if code is None:
            return os.fspath(self._other[key].path)
        if self._index.get(code) < 0:
            raise KeyError(key)
        return self._strings[self._index.get(code)].partition("\0")[0]


# An earlier run's output folder (findings.json beside its letters or overview) found inside an
# input folder is the tool's own output: its files are listed with this status, never audited.
OWN_OUTPUT = "own_output"
OUTPUT_MARKER = "findings.json"
OUTPUT_SIBLINGS = ("index.html", "letters", "summary.csv", "summary.xlsx")


def is_output_folder(folder: Path) -> bool:
    return (folder / OUTPUT_MARKER).is_file() and any((folder / n).exists() for n in OUTPUT_SIBLINGS)


def own_output(display: str) -> tuple[str, str]:
    return (OWN_OUTPUT, f"{display} 是本工具以前的审核输出（findings.json、审核意见书、总览等），不作为年度报告审核，已跳过")


def display_path(path: Path, given_root: Path, inside: Path | None) -> str:
    """The display path of `path`, found as `inside` under the INPUT `given_root` (None: the INPUT
    itself)."""
    if given_root.is_absolute():
        try:
            base = given_root.relative_to(Path.cwd())
        except ValueError:
            base = Path(given_root.name)
    else:
        base = given_root
    full = base / inside if inside is not None else base
    return full.as_posix()


def expand_inputs(inputs: Iterable[str | Path], exclude: Path | None = None) -> InputList:
    """Every file under the inputs (folders recursively), sorted by display path; the same file
    reached twice (a folder and a file inside it) is listed once. `exclude` (the output folder, when
    it lies inside an input folder) and its temporary siblings are not inputs.

    What a hostile folder may hold is listed with a status instead of being read or skipped
    silently: FIFOs, devices and sockets (reading one blocks forever or never ends); symbolic links
    leading outside every INPUT the user named (followed only inside them); and a linked folder
    that leads back into a folder being walked (a loop). Linked folders inside the inputs are
    followed, each real folder walked once."""
    skip = os.path.realpath(exclude) if exclude is not None else None
    skip_prefixes = tool_prefixes(exclude) if exclude is not None else ()
    givens = [Path(raw) for raw in inputs]
    for raw, given in zip(inputs, givens):
        if not given.exists() and not given.is_symlink():
            raise InputPathError(f"输入路径不存在：{raw}")
    roots = [os.path.realpath(g) for g in givens]
    # display -> (path, refusal, its real path when known without asking the file system again)
    found: dict[str, tuple[str, tuple[str, str] | None, str | None]] = {}
    seen_real: set[str] = set()
    walked: set[str] = set()
    for given in givens:
        if given.is_dir():
            _walk(given, given, roots, skip, skip_prefixes, found, walked)
        else:
            display = display_path(given, given, None)
            _add_input(found, display, given, _refusal(given, display, None))
    out = InputList()
    for disp in sorted(found):
        path, refused, real = found.pop(disp)
        real = real or os.path.realpath(path)
        if refused is None and real in seen_real:
            continue
        seen_real.add(real)
        out.append(path, disp, refused)
    return out


def _inside(real: str, roots: list[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _walk(top: Path, given: Path, roots: list[str], skip: str | None, skip_prefixes: tuple[str, ...],
          found: dict[str, tuple[str, tuple[str, str] | None, str | None]], walked: set[str]) -> None:
    """Walk one INPUT folder: real sub-folders first, then the linked ones (so a file reached both
    ways is shown by its real path); a linked folder is walked once, only inside the inputs, and
    a link leading back to one of its own ancestors (a loop) is listed, not walked."""
    pending: list[Path] = [top]
    links: list[Path] = []
    outputs: list[str] = []      # earlier output folders met so far (real paths)
    while pending or links:
        if pending:
            folder = pending.pop()
        else:
            link = links.pop(0)
            display = display_path(link, given, link.relative_to(given))
            real = os.path.realpath(link)
            parent = os.path.realpath(link.parent)
            if parent == real or parent.startswith(real.rstrip(os.sep) + os.sep):
                _add_input(found, display, link, ("unsupported", f"{display} 是指回上级文件夹的符号链接（循环），未读取"))
                continue
            if not _inside(real, roots):
                _add_input(found, display, link, ("unsupported", f"{display} 是指向输入之外的文件夹的符号链接，未读取"))
                continue
            folder = link
        real_folder = os.path.realpath(folder)
        if real_folder in walked or real_folder == skip:
            continue
        walked.add(real_folder)
        if is_output_folder(folder):
            outputs.append(real_folder)
        in_output = _inside(real_folder, outputs)
        # a plain file's display path is its folder's (pathlib's answer, once a folder) and its name;
        # its path as pathlib would give it (os.scandir joins "." and a name as "./name")
        shown = display_path(folder, given, folder.relative_to(given))
        folder_str = os.fspath(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            _add_input(found, display_path(folder, given, folder.relative_to(given)), folder,
                       ("unreadable", f"无法读取文件夹 {folder}：{exc.strerror or exc}"))
            continue
        for entry in entries:
            if entry.name.startswith(skip_prefixes):
                continue
            try:
                is_dir = entry.is_dir()           # follows links
            except OSError:
                is_dir = False
            if is_dir:
                (links if entry.is_symlink() else pending).append(Path(entry.path))
                continue
            # a plain regular file (the directory entry's type says so: no stat) is shown and opened
            # by strings, and its real path is its real folder's and its name; anything else (a
            # link, a special file) takes pathlib's and the file system's answers
            if entry.is_file(follow_symlinks=False):
                display = f"{shown}/{entry.name}" if shown != "." else entry.name
                refused = None
                path: str | Path = entry.path if folder_str != "." else entry.name
                known_real: str | None = os.path.join(real_folder, entry.name)
            else:
                path = Path(entry.path)
                display = display_path(path, given, path.relative_to(given))
                refused = _refusal(path, display, roots)
                known_real = None
            if refused is None and (in_output or entry.name == OUTPUT_MARKER):
                refused = own_output(display)
            _add_input(found, display, path, refused, known_real)


_SPECIAL = ((stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
            (stat.S_ISSOCK, "套接字"))


def _refusal(path: Path, display: str, roots: list[str] | None) -> tuple[str, str] | None:
    """Why a file is listed but not read, or None. A link the user named (roots None) is followed to
    a regular file; a link found inside a folder only when it stays inside the inputs."""
    try:
        st = path.stat()
    except OSError:
        return ("unreadable", f"{display} 是无效的符号链接（目标不存在），无法读取") if path.is_symlink() else None
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _SPECIAL if test(st.st_mode)), "特殊文件")
        return ("unsupported", f"{display} 是{kind}，不是普通文件，未读取")
    if roots is not None and path.is_symlink() and not _inside(os.path.realpath(path), roots):
        return ("unsupported", f"{display} 是指向输入之外的文件的符号链接，未读取")
    return None


def _add_input(found: dict[str, tuple[str, tuple[str, str] | None, str | None]], display: str, path: str | Path,
               refused: tuple[str, str] | None = None, real: str | None = None) -> None:
    """Two different files that would show the same display path (two absolute folders outside the
    current directory with the same name) are both kept: the second is shown by its full path.
    `real`: the file's real path, when the caller knows it."""
    existing = found.get(display)
    if existing is not None and os.path.realpath(existing[0]) != os.path.realpath(path):
        display = Path(os.path.abspath(path)).as_posix()
    found.setdefault(display, (os.fspath(path), refused, real))


def file_digest(path: Path, limits: Limits) -> str | None:
    """sha256 of a file, or None when it cannot be read, is not a regular file, is over the size cap
    or is blank (zero bytes or only white space: its status is "empty", never "duplicate" of another
    blank file); the worker then gives it its proper status."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limits.max_bytes:
            return None
        h = hashlib.sha256()
        blank = True
        remaining = limits.max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(1 << 20, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            blank = blank and not chunk.strip()
            h.update(chunk)
        return None if blank or remaining <= 0 else h.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


@dataclass
class Inputs:
    """A record for every input file, by key ("in:000001" for INPUT files, "prev:000001" for the
    --previous ones, numbered in display-path order), and the files that are to be parsed."""
    records: dict[str, AuditRecord]
    to_parse: InputTable


def input_records(files: Sequence[InputFile], previous_files: Sequence[InputFile], limits: Limits,
                  save: Callable[[str, AuditRecord], None] | None = None,
                  pending: Callable[[str, str, str | None, bool], None] | None = None,
                  digest_later: bool = False) -> Inputs:
    """Records for the inputs; a file byte-identical to an earlier one (display-path order) is a
    duplicate and is not parsed (a --previous file is never a duplicate: it is not audited).
    `save`: called with each finished record instead of keeping them all in `records` (the run
    spools each at once: the records of a whole batch are never in memory together); `pending`:
    called as pending(key, source, sha256, previous_only) for a file listed "pending" (its record
    is nothing more), instead of `save`.
    `digest_later`: the INPUT files are not hashed here (their sha256 is None, none is found a
    duplicate): the worker that reads each file first hashes it (the one pass's probe), and the run
    finds the duplicates from those digests (duplicates_of) — this process does not read every
    file while the workers wait. --previous files are hashed here all the same."""
    inputs = Inputs({}, InputTable())
    put = save or inputs.records.__setitem__
    if pending is None:
        def pending(key: str, source: str, sha: str | None, is_previous: bool) -> None:
            put(key, AuditRecord(source=source, status="pending", sha256=sha, previous_only=is_previous))
    # sha256 (32 bytes) -> the position of its first file in `files` (~0.15 KB a distinct file,
    # while the inputs are listed)
    first_of_digest: dict[bytes, int] = {}
    keyed = chain(((f"in:{i:06d}", i, f, False) for i, f in enumerate(files)),
                  ((f"prev:{i:06d}", i, f, True) for i, f in enumerate(previous_files)))
    for key, i, f, is_previous in keyed:
        if f.refused is not None:
            status, message = f.refused
            put(key, AuditRecord(source=f.display, status=status, sha256=None, message=message,
                                 previous_only=is_previous))
            continue
        # "pending" until the parse worker gives the file its status
        sha = None if digest_later and not is_previous else file_digest(f.path, limits)
        if sha is not None and not is_previous:
            digest = bytes.fromhex(sha)
            if digest in first_of_digest:
                put(key, duplicate_record(f.display, sha, files[first_of_digest[digest]].display))
                continue
            first_of_digest[digest] = i
        pending(key, f.display, sha, is_previous)
        inputs.to_parse[key] = f
    return inputs


def duplicate_record(source: str, sha: str, first: str) -> AuditRecord:
    """The record of an INPUT file byte-identical to `first`, an earlier one in display-path order."""
    return AuditRecord(source=source, status="duplicate", sha256=sha, duplicate_of=first,
                       message=f"与 {first} 内容完全相同，只审核 {first}")


def duplicates_of(digests: Iterable[tuple[str, bytes | None]]) -> Iterator[tuple[str, str]]:
    """(key, key of its first file) for each duplicate among (key, sha256 as 32 bytes) given in
    display-path order (input_records' rule, for digests taken later: digest_later).

    The digests are packed (32 bytes and the key's 8 a file) and put in order by one integer each
    (their first 8 bytes and the position): the main process finds a national batch's duplicates
    at once, and a dict of digest and key objects was ~0.2 KB a file."""
    keys, packed = KeyList(), bytearray()
    for key, digest in digests:
        if digest is not None:
            keys.append(key)
            packed += digest
    order = [int.from_bytes(packed[32 * i:32 * i + 8], "big") << 32 | i for i in range(len(keys))]
    order.sort()
    found: list[tuple[int, int]] = []         # (position of a duplicate, position of its first file)
    at = 0
    while at < len(order):
        end, prefix = at + 1, order[at] >> 32
        while end < len(order) and order[end] >> 32 == prefix:
            end += 1
        if end - at > 1:                       # the same first 8 bytes: compare the whole digests
            first_of: dict[bytes, int] = {}
            for i in sorted(p & 0xFFFFFFFF for p in order[at:end]):
                first = first_of.setdefault(bytes(packed[32 * i:32 * i + 32]), i)
                if first != i:
                    found.append((i, first))
        at = end
    del order, packed
    found.sort()
    for i, first in found:
        yield keys[i], keys[first]
