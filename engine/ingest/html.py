"""HTML reader: text blocks and table rows in document order.

Decoding follows the page's own declaration (BOM, <meta charset>, <meta http-equiv=Content-Type>,
XML declaration); GB2312/GBK declarations are read as GB18030, their superset, because real
"gb2312" pages use GBK characters. Without a usable declaration: UTF-8 if the bytes are valid
UTF-8, otherwise charset-normalizer's guess.

Tables are expanded into a grid with rowspan/colspan (a spanned position is "", see
engine.ingest.grid); each row is one line, cells joined by TAB. Text outside tables becomes one
line per block (p, div, li, h1…, br-separated runs). A layout table (one that holds other
tables, or a single cell) is not data: its content is read as blocks and tables.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from engine.ingest import IngestError, Limits, sha256_of
from engine.ingest.grid import (ABSENT, MAX_GRID_COLUMNS, MAX_TABLE_CELLS, SPANNED, Deadline, LineCollector,
                                clean_cell, join_wrapped, row_text, spanned_positions)
from engine.model import Diagnostic, Document

# Browsers clamp rowspan at 65534; we also stop it at the end of its table section.
MAX_ROWSPAN = 65534

_SKIP = {"script", "style", "noscript", "template", "head", "title", "iframe", "object", "svg",
         "select", "button", "textarea"}
_BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "li", "ul",
          "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "form",
          "fieldset", "address", "figure", "figcaption", "center", "hr", "caption", "body", "html"}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)["']""", re.I)
_NOT_ENCODINGS = {"undefined", "idna", "punycode", "unicode-escape", "raw-unicode-escape", "palmos"}
_GB_FAMILY = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936", "ms936", "euc-cn", "csgb2312",
              "windows-936", "hz-gb-2312"}


def read(path: Path, data: bytes, limits: Limits) -> Document:
    deadline = Deadline(path, limits)
    text, encoding, notes = decode(path, data)
    root = parse_html(path, text)
    out = LineCollector(path, limits)
    out.notes.extend(notes)
    walker = _Walker(out, deadline)
    try:
        walker.walk(root)
    except RecursionError:
        raise IngestError("broken", f"网页文件 {path} 的标签嵌套层级过深，无法读取", str(path)) from None
    walker.flush()
    return Document(path=str(path), format="html", lines=out.lines, sha256=sha256_of(data),
                    encoding=encoding, notes=out.notes)


# ------------------------------------------------------------------------------------------
# Decoding
# ------------------------------------------------------------------------------------------

def declared_charset(data: bytes) -> str | None:
    """The charset the page declares in its first 4 KB, as a Python codec name."""
    head = data[:4096]
    for pattern in (_XML_DECL, _META_CHARSET):
        m = pattern.search(head)
        if m:
            name = m.group(1).decode("ascii", "ignore").strip().lower()
            if name in _GB_FAMILY:
                return "gb18030"
            try:
                info = codecs.lookup(name)
            except LookupError:
                return None
            # bytes-to-bytes and str-to-str codecs (uu, hex, base64, zlib, rot13 …) and "undefined"
            # are codec names but not character encodings: the declaration is unusable.
            if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_ENCODINGS:
                return None
            return info.name
    return None


def decode(path: Path, data: bytes) -> tuple[str, str, list[Diagnostic]]:
    notes: list[Diagnostic] = []
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff"), enc, notes
    declared = declared_charset(data)
    if declared:
        try:
            return data.decode(declared), declared, notes
        except (UnicodeError, LookupError, ValueError):     # e.g. idna/punycode refuse some bytes
            notes.append(Diagnostic(code="HTML_CHARSET_MISMATCH", severity="info",
                                    message=f"网页声明的编码 {declared} 与内容不符，已自动识别编码"))
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    # a deliberate lazy load (like every reader's library): only for pages that are not UTF-8
    from charset_normalizer import from_bytes
    best = from_bytes(data).best()
    if best is None:
        raise IngestError("unreadable", f"无法识别网页文件 {path} 的文字编码", str(path))
    encoding = best.encoding
    if encoding.replace("_", "").lower() in ("gb2312", "gbk", "cp936"):
        encoding = "gb18030"
    return data.decode(encoding, errors="replace"), encoding, notes


def parse_html(path: Path, text: str):
    # a deliberate lazy load: the registry imports readers lazily, keep start-up light
    import lxml.html
    from lxml import etree
    # lxml refuses str input that carries an XML encoding declaration; the text is decoded already.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise IngestError("empty", f"网页文件 {path} 没有内容", str(path))
    try:
        # huge_tree: libxml2 otherwise drops, silently, everything nested deeper than 255 levels
        return lxml.html.document_fromstring(text, parser=lxml.html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError) as exc:
        raise IngestError("broken", f"网页文件 {path} 无法解析：{exc}", str(path)) from None


# ------------------------------------------------------------------------------------------
# Walking the tree
# ------------------------------------------------------------------------------------------

def _tag(el) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


class _Walker:
    """Collects inline text into the current block and emits a line at each block boundary."""

    def __init__(self, out: LineCollector, deadline: Deadline):
        self.out = out
        self.deadline = deadline
        self.buffer: list[str] = []
        self.blocks = 0

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
        self.buffer = []
        if text:
            self.blocks += 1
            self.out.add(text, f"第{self.blocks}段")

    def walk(self, el) -> None:
        tag = _tag(el)
        if tag in _SKIP or not tag:   # comments and processing instructions have no str tag
            if el.tail:
                self.buffer.append(el.tail)
            return
        if tag == "table" and not is_layout_table(el):
            self.flush()
            self.deadline.check()
            self.emit_table(el)
        elif tag == "br":
            self.flush()
        else:
            block = tag in _BLOCK or tag in ("tr", "td", "th", "table")   # (a layout table's cells are blocks)
            if block:
                self.flush()
            if el.text:
                self.buffer.append(el.text)
            for child in el:
                self.walk(child)
            if block:
                self.flush()
        if el.tail:
            self.buffer.append(el.tail)

    def emit_table(self, table) -> None:
        try:
            grid = table_grid(table, MAX_TABLE_CELLS - self.out.cells)
        except GridTooLarge:
            raise IngestError("too_large", f"网页文件 {self.out.path} 的表格合并单元格展开后超过 {MAX_TABLE_CELLS} 个"
                              "单元格上限，已停止读取", str(self.out.path)) from None
        if not any(any(c for c in row if c) for row in grid):
            return
        number = self.out.new_table()
        for index, row in enumerate(grid, 1):
            self.deadline.check()
            self.out.count_cells(len(row))
            self.out.add(row_text(row), f"第{number}个表格第{index}行", table=number, row=index,
                         spanned=spanned_positions(row))


def is_layout_table(table) -> bool:
    """A table used for page layout, not data: it holds other tables, or it is one single cell
    (a box around text). Government sites often wrap the whole report in one; its content is
    read as ordinary blocks and its inner tables as tables."""
    if table.find(".//table") is not None:
        return True
    cells = table.xpath("./tr/td|./tr/th|./*/tr/td|./*/tr/th")
    return len(cells) <= 1


def _span(el, name: str, cap: int) -> int:
    try:
        value = int(re.match(r"\s*(\d+)", el.get(name, "1") or "1").group(1))
    except (AttributeError, ValueError):
        return 1
    return max(1, min(value, cap))


def table_rows(table) -> list[tuple[list, int]]:
    """(cells, section id) for each row of this table, not of tables nested in its cells."""
    rows = []
    section = 0
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append((child, section))
        elif tag in ("thead", "tbody", "tfoot"):
            section += 1
            rows.extend((tr, section) for tr in child if _tag(tr) == "tr")
            section += 1
    return [([c for c in tr if _tag(c) in ("td", "th")], sec) for tr, sec in rows]


def cell_text(cell) -> str:
    """A cell's text with <br> and block boundaries as wraps, joined the Chinese way."""
    pieces: list[str] = [""]

    def visit(el):
        tag = _tag(el)
        if tag in _SKIP or not tag:
            pass
        elif tag == "br":
            pieces.append("")
        else:
            block = tag in _BLOCK or tag in ("tr", "table")
            if block:
                pieces.append("")
            if el.text:
                pieces[-1] += el.text
            for child in el:
                visit(child)
            if block:
                pieces.append("")
        if el is not cell and el.tail:
            pieces[-1] += el.tail

    visit(cell)
    return clean_cell(join_wrapped([re.sub(r"\s+", " ", p) for p in pieces]))


class GridTooLarge(Exception):
    """A table whose spans would expand beyond the cell cap (raised before expanding)."""


def _section_ends(rows: list[tuple[list, int]]) -> list[int]:
    """For each row, the index of the last row of its table section (one pass from the end)."""
    ends = [0] * len(rows)
    for r in range(len(rows) - 1, -1, -1):
        ends[r] = ends[r + 1] if r + 1 < len(rows) and rows[r + 1][1] == rows[r][1] else r
    return ends


def table_grid(table, max_cells: int = MAX_TABLE_CELLS) -> list[list[str | None]]:
    """Rows of cell texts with rowspan/colspan expanded: a spanning cell's text in its first
    position, "" in the others; ABSENT where the row has no cell.

    Linear in the grid's size: section ends are computed once, and the positions a cell would fill
    (rowspan × colspan) are counted against `max_cells` before anything is expanded, so rowspan=0
    on every row or colspan=1000 cannot build a huge grid first (GridTooLarge)."""
    rows = table_rows(table)
    ends = _section_ends(rows)
    grid: list[list[str | None]] = [[] for _ in rows]
    filled = 0
    for r, (cells, _section) in enumerate(rows):
        col = 0
        for cell in cells:
            while col < len(grid[r]) and grid[r][col] is not ABSENT:
                col += 1   # skip positions filled by rowspans from above
            colspan = _span(cell, "colspan", MAX_GRID_COLUMNS)
            # a rowspan stops at the end of its section (as browsers do); 0 means "to the end"
            rowspan = _span(cell, "rowspan", MAX_ROWSPAN) if cell.get("rowspan", "1").strip() != "0" else MAX_ROWSPAN
            rowspan = min(rowspan, ends[r] - r + 1)
            filled += rowspan * colspan
            if filled > max_cells:
                raise GridTooLarge(filled)
            text = cell_text(cell)
            for dr in range(rowspan):
                target = grid[r + dr]
                if len(target) < col + colspan:
                    target.extend([ABSENT] * (col + colspan - len(target)))
                for dc in range(colspan):
                    target[col + dc] = text if (dr == 0 and dc == 0) else SPANNED
            col += colspan
            if col >= MAX_GRID_COLUMNS:
                break
    return grid
