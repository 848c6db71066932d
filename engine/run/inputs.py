"""The run's inputs: every file under the INPUT paths, its display path and sha256, and a record
for each (byte-identical files are audited once: the others get the status `duplicate`).

Display path: the path as shown in every output — as the user gave it (relative stays relative),
or, for an absolute path outside the current directory, from the given folder's name on, so that
outputs never carry machine-specific absolute paths.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.ingest import Limits
from engine.model import AuditRecord


class InputPathError(Exception):
    """An INPUT given on the command line does not exist (bad usage, not a batch status)."""


@dataclass
class InputFile:
    path: Path          # to open
    display: str        # as shown in every output: as given, or relative to the current directory


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


def expand_inputs(inputs: Iterable[str | Path], exclude: Path | None = None) -> list[InputFile]:
    """Every file under the inputs (folders recursively), sorted by display path; the same file
    reached twice (a folder and a file inside it) is listed once. `exclude` (the output folder, when
    it lies inside an input folder) and its temporary siblings are not inputs."""
    skip = os.path.realpath(exclude) if exclude is not None else None
    skip_prefixes = (f".{exclude.name}.tmp-", f".{exclude.name}.old-") if exclude is not None else ()
    found: dict[str, InputFile] = {}
    seen_real: set[str] = set()
    for raw in inputs:
        given = Path(raw)
        if not given.exists() and not given.is_symlink():
            raise InputPathError(f"输入路径不存在：{raw}")
        if given.is_dir():
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(n for n in dirnames if not n.startswith(skip_prefixes)
                                     and os.path.realpath(os.path.join(dirpath, n)) != skip)
                for name in sorted(filenames):
                    p = Path(dirpath) / name
                    _add_input(found, display_path(p, given, p.relative_to(given)), p)
        else:
            _add_input(found, display_path(given, given, None), given)
    out = []
    for disp in sorted(found):
        item = found[disp]
        real = os.path.realpath(item.path)
        if real in seen_real:
            continue
        seen_real.add(real)
        out.append(InputFile(item.path, disp))
    return out


def _add_input(found: dict[str, InputFile], display: str, path: Path) -> None:
    """Two different files that would show the same display path (two absolute folders outside the
    current directory with the same name) are both kept: the second is shown by its full path."""
    existing = found.get(display)
    if existing is not None and os.path.realpath(existing.path) != os.path.realpath(path):
        display = Path(os.path.abspath(path)).as_posix()
    found.setdefault(display, InputFile(path, ""))


def file_digest(path: Path, limits: Limits) -> str | None:
    """sha256 of a file, or None when it cannot be read or is over the size cap (the worker then
    gives it its proper status)."""
    try:
        if path.stat().st_size > limits.max_bytes:
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


@dataclass
class Inputs:
    """A record for every input file, by key ("in:000001" for INPUT files, "prev:000001" for the
    --previous ones, numbered in display-path order), and the files that are to be parsed."""
    records: dict[str, AuditRecord]
    to_parse: dict[str, InputFile]


def input_records(files: list[InputFile], previous_files: list[InputFile], limits: Limits) -> Inputs:
    """Records for the inputs; a file byte-identical to an earlier one (display-path order) is a
    duplicate and is not parsed (a --previous file is never a duplicate: it is not audited)."""
    inputs = Inputs({}, {})
    first_of_digest: dict[str, str] = {}
    keyed = [(f"in:{i:06d}", f, False) for i, f in enumerate(files)] + \
            [(f"prev:{i:06d}", f, True) for i, f in enumerate(previous_files)]
    for key, f, is_previous in keyed:
        sha = file_digest(f.path, limits)
        # "pending" until the parse worker gives the file its status
        record = inputs.records[key] = AuditRecord(source=f.display, status="pending", sha256=sha,
                                                   previous_only=is_previous)
        if sha is not None and not is_previous:
            if sha in first_of_digest:
                first = inputs.records[first_of_digest[sha]].source
                record.status, record.duplicate_of = "duplicate", first
                record.message = f"与 {first} 内容完全相同，只审核 {first}"
                continue
            first_of_digest[sha] = key
        inputs.to_parse[key] = f
    return inputs
