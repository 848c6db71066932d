"""DOCX reader: body paragraphs and table rows in document order.

Tables are read from the underlying grid, not from python-docx's `row.cells` (which repeats a
merged cell's text in every position it spans): `w:gridBefore` / `w:gridAfter` and `w:gridSpan`
place cells on the grid, `w:vMerge` continuations are empty strings below the cell that starts
the merge. A row is one line, cells joined by TAB (see engine.ingest.grid).

The package is checked as a zip before python-docx opens it: member count, total uncompressed
size and compression ratios against Limits (zip bombs), so a hostile file gets a status, not an
exhausted machine.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from engine.ingest import IngestError, Limits, sha256_of
from engine.ingest.grid import (ABSENT, MAX_GRID_COLUMNS, SPANNED, Deadline, LineCollector, clean_cell,
                                join_wrapped, row_is_empty, row_text, spanned_positions)
from engine.model import Document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_ZIP_MEMBERS = 10_000
# Compression methods Python's zipfile can inflate (Word writes only stored and deflated members);
# any other method would raise NotImplementedError deep inside python-docx.
_READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# Ratios are judged only for members large enough to matter: small XML parts compress very well.
RATIO_MIN_BYTES = 1024 * 1024


def read(path: Path, data: bytes, limits: Limits) -> Document:
    deadline = Deadline(path, limits)
    check_zip(path, data, limits)
    body = open_body(path, data)
    out = LineCollector(path, limits)
    read_blocks(body, out, deadline, [0])
    return Document(path=str(path), format="docx", lines=out.lines, sha256=sha256_of(data),
                    notes=out.notes)


def read_blocks(container, out: LineCollector, deadline: Deadline, paragraph_no: list[int]) -> None:
    """Paragraphs and tables of a container (the body, or a layout table's cell) in order."""
    for block in body_blocks(container):
        deadline.check()
        if block.tag == W + "p":
            texts = paragraph_lines(block)
            if any(t.strip() for t in texts):
                paragraph_no[0] += 1
                for text in texts:
                    if text.strip():
                        out.add(text, f"第{paragraph_no[0]}段")
        elif is_layout_table(block):
            for tc in block.iter(W + "tc"):
                if tc.getparent() is not None and _owning_table(tc) is block:
                    read_blocks(tc, out, deadline, paragraph_no)
        else:
            emit_table(block, out, deadline)


def is_layout_table(tbl) -> bool:
    """A table used for layout, not data: it holds other tables, or it is a single cell (a box
    around text). Its content is read as paragraphs and tables."""
    if tbl.find(".//" + W + "tbl") is not None:
        return True
    return len([tc for tc in tbl.iter(W + "tc")]) <= 1


def _owning_table(el):
    parent = el.getparent()
    while parent is not None and parent.tag != W + "tbl":
        parent = parent.getparent()
    return parent


# ------------------------------------------------------------------------------------------
# Opening safely
# ------------------------------------------------------------------------------------------

def check_zip(path: Path, data: bytes, limits: Limits) -> None:
    """Raise IngestError unless the package is a readable zip within the size limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise IngestError("broken", f"文件 {path} 不是有效的 Word（.docx）文件：压缩包已损坏（{exc}）",
                          str(path)) from None
    for m in members:
        if m.flag_bits & 0x1:
            raise IngestError("unsupported", f"文件 {path} 是加密的 Word 文件（内部文件 {m.filename} 有密码保护），"
                              "无法读取；请另存为未加密的 .docx 后再审核", str(path))
        if m.compress_type not in _READABLE_COMPRESSION:
            raise IngestError("unsupported", f"文件 {path} 的内部文件 {m.filename} 使用了不支持的压缩方式"
                              f"（编号 {m.compress_type}），无法读取；请用 Word 或 WPS 重新另存为 .docx 后再审核",
                              str(path))
    if len(members) > MAX_ZIP_MEMBERS:
        raise IngestError("too_large", f"文件 {path} 包含 {len(members)} 个内部文件，超过上限 {MAX_ZIP_MEMBERS}",
                          str(path))
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise IngestError("too_large",
                          f"文件 {path} 解压后共 {total / 1048576:.0f} MB，超过上限 "
                          f"{limits.max_unzipped_bytes / 1048576:.0f} MB（可能是压缩炸弹）", str(path))
    for m in members:
        if m.file_size >= RATIO_MIN_BYTES and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
            raise IngestError("too_large",
                              f"文件 {path} 的内部文件 {m.filename} 压缩比为 "
                              f"{m.file_size / max(m.compress_size, 1):.0f}:1，超过上限 "
                              f"{limits.max_zip_ratio:.0f}:1（可能是压缩炸弹）", str(path))
    if "word/document.xml" not in {m.filename for m in members} and not any(
            m.filename.startswith("word/") for m in members):
        raise IngestError("broken", f"文件 {path} 是压缩包，但不含 Word 文档正文（word/document.xml）", str(path))


def open_body(path: Path, data: bytes):
    """The w:body element, via python-docx. Any failure inside the package is a broken file."""
    import docx   # imported here: the registry imports readers lazily, keep start-up light
    try:
        document = docx.Document(io.BytesIO(data))
        return document.element.body
    except MemoryError:        # the worker's memory cap: too_large (read_document), not broken
        raise
    except Exception as exc:   # python-docx raises KeyError, ValueError, lxml errors, ... for bad parts
        raise IngestError("broken", f"文件 {path} 不是有效的 Word（.docx）文件：{type(exc).__name__}: {exc}",
                          str(path)) from None


# ------------------------------------------------------------------------------------------
# Walking the body
# ------------------------------------------------------------------------------------------

def body_blocks(container):
    """Paragraphs and tables in document order, looking through content controls and tracked
    insertions (w:sdt, w:customXml, w:ins), which wrap ordinary blocks."""
    for child in container:
        tag = child.tag
        if tag in (W + "p", W + "tbl"):
            yield child
        elif tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from body_blocks(content)
        elif tag in (W + "customXml", W + "ins", W + "smartTag"):
            yield from body_blocks(child)


def paragraph_lines(p) -> list[str]:
    """A paragraph's text, split at manual line breaks (w:br, w:cr); w:tab is a TAB as in the text
    a copy-paste would give. Deleted text (w:delText) and field codes (w:instrText) are not text."""
    lines = [""]
    for el in _text_elements(p):
        tag = el.tag
        if tag == W + "t":
            lines[-1] += el.text or ""
        elif tag == W + "tab":
            if el.getparent() is not None and el.getparent().tag == W + "r":   # not a tab-stop definition
                lines[-1] += "\t"
        elif tag in (W + "br", W + "cr"):
            if el.get(W + "type") in (None, "textWrapping"):
                lines.append("")
        elif tag == W + "noBreakHyphen":
            lines[-1] += "-"
    return lines


_TEXT_TAGS = frozenset({W + "t", W + "tab", W + "br", W + "cr", W + "noBreakHyphen"})
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _text_elements(p):
    """The paragraph's text-bearing elements in order, skipping mc:Fallback: a text box is stored
    twice (DrawingML in mc:Choice, VML in mc:Fallback) and must be read once."""
    stack = [iter(p)]
    while stack:
        el = next(stack[-1], None)
        if el is None:
            stack.pop()
            continue
        if el.tag in _TEXT_TAGS:
            yield el
        elif el.tag != MC_FALLBACK and len(el):
            stack.append(iter(el))


def cell_text(tc) -> str:
    """A cell's text: its paragraphs (and the text of any nested table) as one line."""
    pieces: list[str] = []
    for p in tc.iter(W + "p"):
        pieces.extend(paragraph_lines(p))
    return clean_cell(join_wrapped(pieces))


def _int_attr(el, name: str, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(W + name, default))
    except ValueError:
        return default


def table_grid(tbl) -> list[list[str | None]]:
    """The table as a grid of cell texts: spanned and vertically merged positions are SPANNED (""),
    positions the row has no cell for are ABSENT."""
    grid: list[list[str | None]] = []
    open_vmerge: dict[int, bool] = {}   # column -> a merge started above and may continue
    for tr in tbl.iterchildren(W + "tr"):
        trpr = tr.find(W + "trPr")
        before = min(_int_attr(trpr.find(W + "gridBefore") if trpr is not None else None, "val", 0),
                     MAX_GRID_COLUMNS)
        row: list[str | None] = [ABSENT] * before
        for tc in _row_cells(tr):
            tcpr = tc.find(W + "tcPr")
            span = 1
            vmerge = None
            if tcpr is not None:
                span = max(1, min(_int_attr(tcpr.find(W + "gridSpan"), "val", 1), MAX_GRID_COLUMNS))
                vm = tcpr.find(W + "vMerge")
                if vm is not None:
                    vmerge = vm.get(W + "val") or "continue"
            col = len(row)
            if vmerge == "continue" and open_vmerge.get(col):
                text = SPANNED   # the merged cell's text is in the row where the merge starts
            else:
                text = cell_text(tc)
            for k in range(span):
                open_vmerge[col + k] = vmerge is not None
            row.append(text)
            row.extend([SPANNED] * (span - 1))
            if len(row) > MAX_GRID_COLUMNS:
                break
        grid.append(row)
    return grid


def _row_cells(tr):
    """w:tc elements of a row, including those wrapped in content controls or custom XML."""
    for child in tr:
        if child.tag == W + "tc":
            yield child
        elif child.tag == W + "sdt":
            content = child.find(W + "sdtContent")
            if content is not None:
                yield from content.iterchildren(W + "tc")
        elif child.tag == W + "customXml":
            yield from child.iterchildren(W + "tc")


def emit_table(tbl, out: LineCollector, deadline: Deadline) -> None:
    grid = table_grid(tbl)
    if not any(not row_is_empty(r) for r in grid):
        return
    number = out.new_table()
    for index, row in enumerate(grid, 1):
        deadline.check()
        out.count_cells(len(row))
        # Empty rows stay: an all-blank data row (e.g. the review table's only row) is blank, not missing.
        out.add(row_text(row), f"第{number}个表格第{index}行", table=number, row=index,
                spanned=spanned_positions(row))
