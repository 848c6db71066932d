"""engine/render/posix_names.py gives pathlib's answers by string operations (byte-identical outputs)."""
from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from engine.render import posix_names
from engine.render.json_out import letter_entry
from engine.model import RecordHead

PATHS = ["letters/a/b.html", "letters/a/b", "letters/a/.html", "letters/a/b.", "letters/a/b.c.html", "b.html", ".x",
         "a/..html", "letters//a/b.html", "./a.html", "a/./b.html", "letters/甲/乙-2024.html", "a/b.tar.gz", "a/.b.c",
         "x/y/z..", "..", "a/..", "/abs/x.html", "a/b/", "a/.", ".", "", "//x/y.html", "a\\b.html", "in/报告 (1).txt"]


@pytest.mark.parametrize("path", PATHS)
def test_names_are_pathlibs(path):
    p = PurePosixPath(path)
    assert posix_names.name(path) == p.name
    try:
        want = (p.stem, str(p.with_suffix(".docx")))
    except ValueError:                  # no name to give a suffix: pathlib's error either way
        with pytest.raises(ValueError):
            posix_names.stem_and_docx(path)
        return
    assert posix_names.stem_and_docx(path) == want
    assert not posix_names.kept_as_is(path) or str(p) == path     # conservative: pathlib decides the rest


@pytest.mark.parametrize("file", ["b.html", "b", ".html", "b.", "b.c.html", "..html", "x..", ".b.c", "乙-2024.html"])
def test_file_stem_is_pathlibs(file):
    assert posix_names.file_stem(file) == PurePosixPath(file).stem


def test_letter_entry_names_the_docx_beside_the_html():
    entry = letter_entry(RecordHead(source="in/a.txt", status="audited", agency="甲局", year=2024,
                                    letter="letters/甲/甲局-2024.html"))
    assert entry["docx"] == "letters/甲/甲局-2024.docx" and entry["name_changed"] is False
