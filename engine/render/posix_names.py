"""File names and stems of the POSIX paths the outputs print (a letter's file, a source's name),
by string operations where pathlib would keep the path as it is, with pathlib's own answer for
every other path.

pathlib parses a path into parts each time one is made: for the two or three paths of every report
the main process prints (findings.json's `letters`, the dashboard's file column) that parsing was
the largest part of its work per report.

    name(path)              PurePosixPath(path).name
    stem_and_docx(path)     PurePosixPath(path).stem, str(PurePosixPath(path).with_suffix(".docx"))
    file_stem(file)         PurePosixPath(file).stem, for a file name (no "/")
"""
from __future__ import annotations

from pathlib import PurePosixPath


def kept_as_is(path: str) -> bool:
    """Whether str(PurePosixPath(path)) == path: no empty or "." component, no trailing slash."""
    return bool(path) and path != "." and "//" not in path and "/./" not in path \
        and not path.startswith("./") and not path.endswith(("/", "/."))


def name(path: str) -> str:
    if not kept_as_is(path):
        return PurePosixPath(path).name
    return path.rpartition("/")[2]


def stem_and_docx(path: str) -> tuple[str, str]:
    if not kept_as_is(path):
        p = PurePosixPath(path)
        return p.stem, str(p.with_suffix(".docx"))
    file = path.rpartition("/")[2]
    stem = file_stem(file)
    return stem, path[:len(path) - len(file)] + stem + ".docx"


def file_stem(file: str) -> str:
    """pathlib's stem of a file name: without its suffix, the part from a dot that is neither first
    nor last."""
    dot = file.rfind(".")
    return file[:dot] if 0 < dot < len(file) - 1 else file
