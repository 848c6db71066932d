"""Stage 2 — parse: a `Document` becomes a `Report` (parts, tables by canonical address, metadata).

Public interface:
    parse_document(doc: Document) -> Report      raises NotAReportError
    parse_file(path) -> Report                   ingest + parse (raises IngestError, NotAReportError)

The parser reads only `Document.lines`, so every input format is parsed the same way. Modules:
    normalize     folding text for matching (full-width, brackets, quotes, 其它) — evidence stays original
    parts         the six parts found by meaning (engine/parse/parts.py)
    metadata      title, agency, year, body kind, dates
    grid, cells   label anchoring, row segments, the value policy (blank / too few / too many)
    active, applications, review    one module per table
    app_header    the requests table's column order read from its header (another order, a 小计 column)
    digits        splitting values run together, only when the identities allow one split
    diagnostics   codes and Chinese messages
    rows          placing a row's tokens into cells (shared by the three tables)
    units         a unit printed with a value: converted exactly to the column's unit, or refused
(agency.py — grouping reports by body — belongs to the batch runner and is not used here.)
"""
from __future__ import annotations

import re
from functools import lru_cache, partial
from itertools import chain
from operator import attrgetter, countOf, is_not
from pathlib import Path

from engine.ingest import read_document
from engine.model import Document, Report, Table
from engine.parse import active as active_table
from engine.parse import applications as applications_table
from engine.parse import diagnostics as D
from engine.parse import review as review_table
from engine.parse.grid import Pos, Region
from engine.parse.metadata import extract_metadata
from engine.parse import review_stream, stream
from engine.parse.parts import Heading, build_parts, find_headings, fold_document, folded_part_text
from engine.template import (ACTIVE_ITEMS, APPLICANT_COLUMNS, DEFAULT_APPLICATION_VARIANT, PART_IDS,
                             application_rows, review_addresses)

__all__ = ["NotAReportError", "parse_document", "parse_file"]

_REPORT_WORDS = ("信息公开", "政务公开")


class NotAReportError(Exception):
    """The document is readable but is not a government information-disclosure annual report.
    `status`: "not_a_report", or "blank_template" for the template itself (no figure, no agency)."""

    def __init__(self, message: str, path: str | None = None, status: str = "not_a_report"):
        super().__init__(message)
        self.message = message
        self.path = path
        self.status = status


# A notice or circular about the annual reports ("关于做好2024年度政府信息公开工作年度报告编制发布工作
# 的通知") names the six parts but is not a report: its title says what it is.
_NOTICE_TITLE = re.compile(r"关于.{2,80}的(?:通知|通报|函|意见|工作方案|实施方案)$")
# the last character of every kind _NOTICE_TITLE names: a line whose last character (white space
# aside) is none of them is no notice's title
_NOTICE_LAST = "知报函见案"
_NOTICE_HEAD_LINES = 8
_NOTICE_LINES = 40          # ... among the first non-empty lines of these
_SPACE_RUN = re.compile(r"\s+")


def parse_file(path: str | Path) -> Report:

    return parse_document(read_document(path))


def parse_document(doc: Document) -> Report:
    lines = doc.lines
    texts = getattr(doc, "texts", None)            # (the text reader's TextDocument has them)
    joined = getattr(doc, "joined", None)
    if texts is None or len(texts) != len(lines):
        texts, joined = [ln.text for ln in lines], None
    folding = fold_document(texts, joined)
    pure, folded = folding.pure, folding.folded
    headings = find_headings(folded, lines, whole=folding.folded_whole)
    parts = build_parts(headings, lines, texts)
    end = _doc_end(folded)

    active_region = _region_of("二", headings, end)
    apps_region = _region_of("三", headings, end)
    review_region = _region_of("四", headings, end)

    diagnostics = list(doc.notes)        # what the reader noticed (charset mismatch, unmapped glyphs …)
    active_template, active_labels = active_table.detect_template(folded, active_region)
    variant, variant_evidence, app_anchors = applications_table.detect_variant(lines, folded, apps_region)
    template = active_template or ({"split": "2021", "single": "2019"}.get(variant) if variant else None)

    act, d = active_table.extract(lines, folded, active_region, active_template or template or "2021",
                                  has_columns=bool(active_labels))
    if active_template is None and act.present is False:
        act.template = None
    diagnostics.extend(d)
    apps_variant = variant or DEFAULT_APPLICATION_VARIANT.get(template or "2021", "split")
    apps, d = applications_table.extract(lines, folded, apps_region, apps_variant, template, app_anchors)
    diagnostics.extend(d)
    rev, d = review_table.extract(lines, folded, review_region, template)
    diagnostics.extend(d)
    tables: dict[str, Table] = {"active": act, "applications": apps, "review": rev}
    _complete_from_stream(tables, lines, folded, active_region, apps_region, review_region, apps_variant,
                          diagnostics)
    for table in tables.values():
        set_reading(table, lines)

    found_parts = sum(1 for p in parts.values() if p.present)
    found_tables = sum(1 for t in tables.values() if t.present)
    if not _looks_like_report(folded, found_parts, found_tables):
        raise NotAReportError(
            f"文件 {doc.path} 不是政府信息公开工作年度报告：找到 {found_parts} 个部分标题（应有“一、总体情况”至"
            f"“六、其他需要报告的事项”）、{found_tables} 张统计表", doc.path)

    if active_template and variant and active_template == "2019" and variant == "split":
        diagnostics.append(D.template_mixed("2019", "2021"))
    first_heading = min((h.line_index for h in headings.values()), default=None)
    meta = extract_metadata(lines, parts, first_heading, folded=pure, whole=folding.whole,
                            part_one=folded_part_text(headings, texts, pure, "一"))
    if (meta.year_source == "title" and meta.period_end and meta.period_start
            and int(meta.period_end[:4]) != meta.year):
        title_line = lines[meta.agency_line - 1] if meta.agency_line else None
        diagnostics.append(D.year_conflict(meta.year, meta.period_start, meta.period_end, title_line))
    meta.template = template
    meta.template_evidence = _evidence(active_labels, variant_evidence)
    return Report(source=doc.path, format=doc.format, sha256=doc.sha256, metadata=meta, parts=parts,
                  tables=tables, diagnostics=diagnostics, lines=list(lines))


def _complete_from_stream(tables: dict[str, Table], lines: list, folded: list[str], active_region: Region,
                          apps_region: Region, review_region: Region, apps_variant: str,
                          diagnostics: list) -> None:
    """Reading-order text: cells the row reader left unknown, where the stream of labels and values
    is certain (engine/parse/stream.py)."""
    act, apps, rev = tables["active"], tables["applications"], tables["review"]
    # stream.complete fills only cells the row reader left unknown, and only in reading-order text
    # (never in a region with a TAB): a table with no unknown cell, or a TAB region, is not searched
    # for its labels again (the shapes depend on the template only: built once per process)
    if act.present and act.template in ACTIVE_ITEMS:
        shape = _active_shape(act.template)
        if _unread(shape, act):
            region = active_table.table_start(folded, active_region) or active_region
            if not stream.tabbed(lines, region):
                stream.complete(shape, act, lines, folded, region,
                                active_table.ANCHORS[act.template].find(folded, region), diagnostics)
    if apps.present:
        by_header = any(d.code == "HEADER_COLUMNS" and d.table == "applications" for d in diagnostics)
        shape = _applications_shape(apps_variant, not by_header)
        if _unread(shape, apps) and not stream.tabbed(lines, apps_region):
            stream.complete(shape, apps, lines, folded, apps_region,
                            applications_table.ANCHORS[apps_variant].find(folded, apps_region), diagnostics)
    shape = _review_shape()
    if (not rev.present or _unread(shape, rev)) and not stream.tabbed(lines, review_region):
        header = review_table.header_anchors(folded, review_region)
        if rev.present or header:
            stream.complete(shape, rev, lines, folded, review_region, header, diagnostics, may_find=True)
    review_stream.complete(rev, lines, folded, review_region, diagnostics)


@lru_cache(maxsize=None)
def _active_shape(template: str) -> stream.Shape:
    items = ACTIVE_ITEMS[template]
    return stream.Shape("active", [(f"{it.key}.{r}", [f"active.{it.key}.{r}.{c}" for c in it.columns])
                                   for it in items for r in it.rows],
                        group={f"{it.key}.{r}": it.key for it in items for r in it.rows}, opens_group="item",
                        heads=frozenset({"信息内容", *(it.label_of(c) for it in items for c in it.columns)}),
                        labels={f"{it.key}.{r}": r for it in items for r in it.rows},
                        groups=tuple(it.label for it in items))


@lru_cache(maxsize=None)
def _applications_shape(variant: str, adds_up: bool) -> stream.Shape:
    return stream.Shape("applications", [(r.key, [f"applications.{r.key}.{c}" for c in APPLICANT_COLUMNS])
                                         for r in application_rows(variant)], adds_up=adds_up,
                        labels={r.key: r.label for r in application_rows(variant)},
                        groups=tuple(sorted({r.group for r in application_rows(variant) if r.group})))


@lru_cache(maxsize=None)
def _review_shape() -> stream.Shape:
    return stream.Shape("review", [("data", review_addresses())], labelled=False)


def _unread(shape: stream.Shape, table: Table) -> bool:
    """Some cell of the shape the row reader left unknown (the only cells stream.complete fills)."""
    addrs, wanted = _addresses(shape)
    cells = table.cells
    if not wanted <= cells.keys():
        return True
    # (map and `in` run in C: a complete table's hundreds of cells are looked at without a Python loop)
    return "missing" in map(_KIND, map(cells.__getitem__, addrs))


_KIND = attrgetter("kind")
_LINE = attrgetter("line")
_NOT_NONE = partial(is_not, None)
_SHAPE_ADDRESSES: dict[int, tuple[stream.Shape, tuple[str, ...], frozenset[str]]] = {}


def _addresses(shape: stream.Shape) -> tuple[tuple[str, ...], frozenset[str]]:
    """The shape's cell addresses (in its rows' order, and as a set); the shapes are built once per
    process (above), and so is this."""
    known = _SHAPE_ADDRESSES.get(id(shape))
    if known is None or known[0] is not shape:
        addrs = tuple(a for _, row in shape.rows for a in row)
        known = _SHAPE_ADDRESSES[id(shape)] = (shape, addrs, frozenset(addrs))
    return known[1], known[2]


def set_reading(table: Table, lines: list) -> None:
    """Table.structured and Table.reading from the cells as read (contract: engine/model.py).

    structured: the table was found and every cell located in it sits on a line a grid reader emitted
    (SourceLine.table: HTML, DOCX, ruled PDF), unreadable rows included. reading: "complete" when every template cell was read
    (a number, a blank, a dash, 无 or text), "unreadable" when the table was not found or no cell was
    read, "partial" otherwise (some cells unknown, each with a diagnostic saying why).
    """
    cells = table.cells.values()
    # (kinds and lines looked at by map, in C: a table has a couple of hundred cells)
    unread = countOf(map(_KIND, cells), "missing")
    if table.present:
        # the lines of the cells located (unreadable rows keep their line); a text's first one
        # already says no
        located = filter(_NOT_NONE, map(_LINE, cells))
        first = next(located, None)
        table.structured = first is not None and all(
            0 < n <= len(lines) and lines[n - 1].table is not None for n in chain((first,), located))
    else:
        table.structured = False
    if not table.present or unread == len(table.cells):
        table.reading = "unreadable"
    elif not unread:
        table.reading = "complete"
    else:
        table.reading = "partial"


def refusal(report: Report) -> NotAReportError | None:
    """What has the six parts but is not an agency's report is not audited (the run gives it this
    error's status): the blank template — no figure in any table and no agency — and a notice or
    circular that merely names the parts. None for a report. The parser itself still reads both
    (`xxgk-audit parse` shows what it found)."""
    # (the figures are counted only as far as the answer needs: does the report state any?)
    if not report.metadata.agency and not _any_figure(report):
        return NotAReportError(
            f"文件 {report.source} 是未填写的年度报告模板：统计表中没有任何数字，也没有写明发布机关，不作审核",
            report.source, status="blank_template")
    notice = notice_title([ln.text for ln in report.lines[:_NOTICE_LINES]])
    if notice and not _any_figure(report):
        return NotAReportError(
            f"文件 {report.source} 是通知或文件（“{notice[:60]}”），只列出了年度报告的组成部分，不是年度报告，不作审核",
            report.source)
    return None


def _any_figure(report: Report) -> bool:
    return any(c.kind == "number" for t in report.tables.values() for c in t.cells.values())


def notice_title(texts: list[str]) -> str | None:
    """A notice's title (white space removed) among the first _NOTICE_HEAD_LINES non-empty lines of
    these first lines of a text (refusal's test; the probe's too, engine/run/probe.py)."""
    seen = 0
    for t in texts[:_NOTICE_LINES]:
        if not t.strip():
            continue
        # (a title "关于…的通知" has these characters whatever spaces stand between them, and ends with
        # the last character of a kind of notice: a report's paragraph that names a notice goes on)
        if "关" in t and "的" in t and t.rstrip()[-1:] in _NOTICE_LAST:
            head = _SPACE_RUN.sub("", t)
            if _NOTICE_TITLE.search(head):
                return head
        seen += 1
        if seen == _NOTICE_HEAD_LINES:
            break
    return None


def _looks_like_report(folded: list[str], found_parts: int, found_tables: int) -> bool:
    if found_parts < 2 and found_tables == 0:
        return False
    if found_tables >= 2:
        return True
    head = "".join(folded[:400]).replace(" ", "")
    return any(w in head for w in _REPORT_WORDS)


def _evidence(active_labels: list[str], variant_evidence: str) -> str | None:
    bits = []
    if active_labels:
        bits.append("表二列名：" + "、".join(active_labels))
    if variant_evidence:
        bits.append(variant_evidence)
    return "；".join(bits) or None


def _doc_end(folded: list[str]) -> Pos:
    if not folded:
        return Pos(0, 0)
    return Pos(len(folded) - 1, len(folded[-1]))


# each part's id and those before it, nearest first; the ids after it, nearest first
_FROM = {pid: PART_IDS[i::-1] for i, pid in enumerate(PART_IDS)}
_AFTER = {pid: PART_IDS[i + 1:] for i, pid in enumerate(PART_IDS)}


def _region_of(pid: str, headings: dict[str, Heading], end: Pos) -> Region:
    """From the part's heading (or the previous heading found) to the next heading found."""
    start = stop = None
    for p in _FROM[pid]:
        h = headings.get(p)
        if h is not None:
            start = Pos(h.line_index, h.end)
            break
    for p in _AFTER[pid]:
        h = headings.get(p)
        if h is not None:
            stop = Pos(h.line_index, h.start)
            break
    if start is None:
        start = Pos(0, 0)
    if stop is None or (stop.line, stop.col) < (start.line, start.col):
        stop = end
    return Region(start, stop)

