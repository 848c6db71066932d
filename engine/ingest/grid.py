"""Shared pieces of the document readers (pdf, docx, html): cell text clean-up, table rows as
TAB-joined lines, and the line collector that numbers lines and enforces the per-file caps.

The contract with the parser: a row of a real table grid is ONE SourceLine whose text is the row's
cells joined by TAB. A merged cell's text appears once, in its first grid position; the positions
it spans are empty strings (SPANNED, listed in SourceLine.spanned: layout, not blank cells), so
blank cells stay visible between tabs. A position where the row
has no cell at all (a short row: DOCX gridAfter, fewer <td> than the grid, an unruled area of a
PDF row) is not a blank cell: trailing absent positions are left out of the line, so the parser
sees a row with too few values instead of a blank value it would otherwise invent.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.ingest import IngestError, Limits
from engine.model import Diagnostic, SourceLine

# Word's own maximum is 63 columns; browsers clamp colspan at 1000. A wider grid is hostile input.
MAX_GRID_COLUMNS = 1000
# Cells of all tables of one file: beyond this a file is pathological, not a report.
MAX_TABLE_CELLS = 400_000

ABSENT = None   # a grid position the row has no cell for (as opposed to "" = an empty or spanned cell)


class _Spanned(str):
    """The "" of a grid position that a merged cell covers beyond its first position (its text is
    in the first). Equal to "" everywhere; `spanned_positions` tells it from an empty cell."""
    __slots__ = ()


SPANNED = _Spanned("")

_CJK = r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t\u00a0]+(?=[{_CJK}])")
_WS_RUN = re.compile(r"[ \t\u00a0]{2,}")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def collapse_cjk_gaps(text: str) -> str:
    """Text without the spaces a layout put between two CJK characters (justified lines, letter
    spacing in table headers: 结 果 → 结果). Spaces next to Latin letters or digits stay."""
    return _CJK_GAP.sub("", text)


def join_wrapped(pieces: list[str]) -> str:
    """One cell's text from its visual lines or paragraphs: Chinese wraps join without a space,
    Latin words and numbers keep one."""
    out = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        if out and not (_CJK_CHAR.match(out[-1]) or _CJK_CHAR.match(piece[0])):
            out += " "
        out += piece
    return out


def clean_cell(text: str | None) -> str:
    """A cell's text as one line: wrapped lines joined, tabs and runs of spaces made single spaces,
    full-width spaces (used as padding in Word templates) stripped at the ends."""
    if not text:
        return ""
    text = join_wrapped(re.split(r"[\r\n\v\f\u2028\u2029]+", text))
    text = text.replace("\t", " ")
    text = _WS_RUN.sub(" ", text)
    return collapse_cjk_gaps(text).strip(" \u3000\u00a0")


def row_text(cells: list[str | None]) -> str:
    """The TAB-joined line of a grid row; trailing absent positions are left out (see module doc),
    absent positions before a present cell become empty strings to keep the columns aligned."""
    end = len(cells)
    while end and cells[end - 1] is ABSENT:
        end -= 1
    return "\t".join("" if c is ABSENT else c for c in cells[:end])


def spanned_positions(cells: list[str | None]) -> tuple[int, ...]:
    """The positions of a grid row that a merged cell covers beyond its first (SourceLine.spanned)."""
    return tuple(i for i, c in enumerate(cells) if type(c) is _Spanned)


def row_is_empty(cells: list[str | None]) -> bool:
    return not any(cells)


class Deadline:
    """The per-file time cap, checked between pages, paragraphs and rows. A single library call
    cannot be interrupted from here; the batch runner's wall-clock cap covers that case."""

    def __init__(self, path: Path, limits: Limits):
        self.path = path
        self.seconds = limits.max_seconds
        self.start = time.monotonic()

    def check(self) -> None:
        if time.monotonic() - self.start > self.seconds:
            raise IngestError("timeout", f"读取文件 {self.path} 超过时间上限 {self.seconds:g} 秒，已停止读取",
                              str(self.path))


@dataclass
class LineCollector:
    """Builds Document.lines: numbers them, keeps the caps, and counts tables."""
    path: Path
    limits: Limits
    lines: list[SourceLine] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    tables: int = 0
    cells: int = 0

    def add(self, text: str, where: str, page: int | None = None, table: int | None = None,
            row: int | None = None, spanned: tuple[int, ...] = ()) -> SourceLine:
        if len(self.lines) >= self.limits.max_lines:
            raise IngestError("too_large", f"文件 {self.path} 超过 {self.limits.max_lines} 行上限，已停止读取",
                              str(self.path))
        line = SourceLine(no=len(self.lines) + 1, text=text, where=where, page=page, table=table, row=row,
                          spanned=spanned)
        self.lines.append(line)
        return line

    def new_table(self) -> int:
        self.tables += 1
        return self.tables

    def count_cells(self, n: int) -> None:
        self.cells += n
        if self.cells > MAX_TABLE_CELLS:
            raise IngestError("too_large", f"文件 {self.path} 的表格单元格超过 {MAX_TABLE_CELLS} 个上限，已停止读取",
                              str(self.path))
