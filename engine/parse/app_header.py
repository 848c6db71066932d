"""Table `applications`: the column order its header states, where the header can be read.

The template's columns are 自然人, the 法人或其他组织 group (商业企业, 科研机构, 社会公益组织, 法律服务机构,
其他), 总计. A report may print them in another order or add a column (a 小计/合计 of the 法人 group);
its values must then be placed by the header, not by the template.

The header is the text between the part's last sentence before the table and the first row label.
Its labels are matched fuzzily (spaces inside, the first characters of a label broken over two cells
or lines: "社 会 公 益" + "组 织", "商业" + "企业"). Two ways to order them:

- grid: every label sits in a TAB row at its own cell index (DOCX/HTML/ruled PDF, TAB text): the
  columns are ordered by cell index, whatever header line each label is on ("总计" printed on the
  first header line at the far right, the group members on the second);
- reading order otherwise (one cell per line, space-separated text): only the group's members (and a
  小计/合计) are ordered, by reading order; the top level stays 自然人, the group, 总计 — a label that
  spans the two header lines (总计, 自然人) is printed on either line, so its place in the text says
  nothing about its column.

`header_columns` returns None — the caller keeps the template order — when the header is absent or
does not show every template column exactly once (a header that cannot be read is never a failure).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from engine.parse.grid import Pos, Region
from engine.parse.normalize import label_pattern
from engine.template import APPLICANT_COLUMNS, LEGAL_PERSON_GROUP

GROUP = "法人或其他组织"
SUBTOTAL = "小计"          # an extra column (小计 / 合计) that is not part of the template
_MAX_HEADER_LINES = 40


def _opt(head: str, tail: str) -> str:
    return f"{label_pattern(head)}(?:[ ]*{label_pattern(tail)})?"


# Longer alternatives first: the group label contains 其他.
_SPECS = (
    (GROUP, f"{label_pattern('法人')}(?:[ ]*{label_pattern('或其他')}(?:[ ]*{label_pattern('组织')})?)?"),
    ("自然人", label_pattern("自然人")),
    ("商业企业", _opt("商业", "企业")),
    ("科研机构", _opt("科研", "机构")),
    ("社会公益组织", _opt("社会公益", "组织")),
    ("法律服务机构", _opt("法律服务", "机构")),
    ("其他", label_pattern("其他")),
    ("总计", label_pattern("总计")),
    (SUBTOTAL, label_pattern("小计")),
    (SUBTOTAL, label_pattern("合计")),
)


def _alternation(specs: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex of all the labels, in order, and its group names → column. Each alternative is a
    label's pattern (which starts with its first character and has no "|" of its own) ending with
    an empty named group that says which label matched: an alternation whose every branch starts
    with a literal lets the regex engine skip to those characters instead of trying every label at
    every position (the same matches)."""
    names = {f"c{i}": column for i, (column, _) in enumerate(specs)}
    return re.compile("|".join(f"{pattern}(?P<c{i}>)" for i, (_, pattern) in enumerate(specs))), names


_RX, _COLUMN = _alternation(_SPECS)
_MEMBERS = frozenset(LEGAL_PERSON_GROUP) | {SUBTOTAL}


class HeaderLabel(NamedTuple):
    """A header label found (a NamedTuple: immutable, and made at a fraction of a frozen
    dataclass's cost)."""
    column: str
    line: int             # 0-based index into Document.lines
    col: int              # character position in the line
    cell: int | None      # TAB cell index when the line is a TAB row
    end: int = 0          # character position just after the label


@dataclass(frozen=True)
class Header:
    columns: tuple[str, ...]      # the header's columns in order (template names, 小计 for an extra)
    line: int                     # 0-based line of the header's first label
    grid: bool


def header_columns(folded: list[str], region: Region, first_row: Pos,
                   labels: list[HeaderLabel] | None = None) -> Header | None:
    """The applications header's column order, or None when it cannot be read (see module doc).
    `labels`: header_labels(folded, region, first_row) when the caller has them already."""
    if labels is None:
        labels = _labels(folded, _header_start(folded, region, first_row), first_row)
    leaves = _first_of_each([x for x in labels if x.column != GROUP])
    if sorted(x.column for x in leaves if x.column != SUBTOTAL) != sorted(APPLICANT_COLUMNS):
        return None
    cells = [x.cell for x in leaves]
    if all(c is not None for c in cells) and len(set(cells)) == len(cells):
        order = sorted(leaves, key=lambda x: x.cell)
        grid = True
    else:
        order = _reading_order(leaves)
        grid = False
    return Header(tuple(x.column for x in order), min(x.line for x in leaves), grid)


def header_labels(folded: list[str], region: Region, first_row: Pos) -> list[HeaderLabel]:
    """Every label of the header (the group label and a 小计 included), in reading order."""
    return _labels(folded, _header_start(folded, region, first_row), first_row)


def _header_start(folded: list[str], region: Region, first_row: Pos) -> Pos:
    """After the last sentence end (。) before the first row label, within the region."""
    lo = max(region.start.line, first_row.line - _MAX_HEADER_LINES)
    for li in range(first_row.line, lo - 1, -1):
        text = folded[li]
        b = first_row.col if li == first_row.line else len(text)
        a = region.start.col if li == region.start.line else 0
        k = text.rfind("。", a, b)
        if k >= 0:
            return Pos(li, k + 1)
    return Pos(lo, region.start.col if lo == region.start.line else 0)


def _labels(folded: list[str], start: Pos, end: Pos) -> list[HeaderLabel]:
    out = []
    for li in range(start.line, min(end.line, len(folded) - 1) + 1):
        text = folded[li]
        a = start.col if li == start.line else 0
        b = end.col if li == end.line else len(text)
        tabbed = "\t" in text
        for m in _RX.finditer(text, a, b):
            s, e = m.span()
            # (HeaderLabel through tuple.__new__: the same tuple without the generated __new__'s frame)
            out.append(_new(HeaderLabel, (_COLUMN[m.lastgroup], li, s, text.count("\t", 0, s) if tabbed else None, e)))
    return out


_new = tuple.__new__


def _first_of_each(labels: list[HeaderLabel]) -> list[HeaderLabel]:
    seen: dict[str, HeaderLabel] = {}
    for x in labels:
        seen.setdefault(x.column, x)
    return list(seen.values())


def _reading_order(leaves: list[HeaderLabel]) -> list[HeaderLabel]:
    members = sorted((x for x in leaves if x.column in _MEMBERS), key=lambda x: (x.line, x.col))
    by_name = {x.column: x for x in leaves}
    return [by_name["自然人"], *members, by_name["总计"]]
