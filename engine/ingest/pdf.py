"""PDF reader: text lines with page numbers, and table rows where the page has ruled tables, in
reading order. Characters and ruling edges come from PDFium (engine/ingest/pdf_page.py), tables
from those edges (engine/ingest/pdf_grid.py), words and lines from the characters
(engine/ingest/pdf_text.py); the geometry is pdfplumber's, so the cells are those the reader gave
when it ran on pdfplumber, at a fraction of the time (no pdfminer objects per glyph).

Per page:
- tables are found by ruling lines (lines strategy). A found "table" counts
  only when it is a real grid: two or more columns in at least one row. Word's paragraph
  borders and shaded text boxes also produce ruled rectangles; rows at a table's start or end
  that are one full-width cell (paragraph lines in a box, a banner like 第二十条第（六）项 closing
  the page) are peeled off and read as text, so only the grid remains a table.
- each grid row is one line: cells joined by TAB; a merged cell's text in its first position and
  "" in the positions it spans; trailing positions no cell covers are left out (a short row).
  Characters inside the table but outside every detected cell (a cell whose border is missing,
  e.g. cut by a page break) are put back into their row/column instead of being lost.
- the page's text outside the kept tables is read as lines (`pdf_text.lines`) and merged
  with the table rows by vertical position. Page-number lines (- 3 -, 第3页) are dropped.
- a table that ends a page and a table that starts the next page with compatible columns are
  one table: the row numbering and table index continue, and header rows repeated on the new
  page are skipped.
A PDF with no text layer at all is "scanned"; pages without text in an otherwise readable PDF get
a note. Encrypted or damaged files are "broken". The page cap and the time cap are checked
between pages.
"""
from __future__ import annotations

import bisect
import operator
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.ingest import IngestError, Limits, sha256_of
from engine.ingest.grid import (ABSENT, SPANNED, Deadline, LineCollector, clean_cell, collapse_cjk_gaps,
                                join_wrapped, row_is_empty, row_text, spanned_positions)
from engine.ingest.pdf_aligned import Block, aligned_line, find_blocks
from engine.ingest.pdf_guard import check_pdf
from engine.ingest.pdf_page import (PASSWORD_ERRORS, cell_text, chars_in_box, chars_outside, find_tables, load_page,
                                    numbered_chars_in_box, open_document, table_cells_text, word_lines)
from engine.ingest.pdf_wrap import figures_going_on, fills_cell
from engine.model import Diagnostic, Document

# Beyond this many ruling edges on one page, table finding is skipped (it is quadratic in edges);
# the page is still read as text.
MAX_EDGES_PER_PAGE = 5000
# A report's tables have a few hundred cells; a grid beyond this is read as text instead.
MAX_CELLS_PER_TABLE = 3000
# Beyond this many characters one page is pathological.
MAX_CHARS_PER_PAGE = 200_000
# Geometry tolerances, in points.
X_TOLERANCE = 4.0
MARGIN_SHARE = 0.12          # top/bottom share of the page where page numbers live
HEADER_SHARE = 0.075         # top/bottom share where running headers and footers live (above the body)

# Possessive runs: adjacent blank runs never trade characters (a line of blanks stays linear).
_PAGE_NUMBER = re.compile(r"^\s*+(?:[-–—－_]*+\s*+\d{1,4}+\s*+[-–—－_]*+|第\s*+\d{1,4}+\s*+页"
                          r"(?:\s*+[，,/、]?\s*+共\s*+\d{1,4}+\s*+页)?"
                          r"|\d{1,4}+\s*+/\s*+\d{1,4}+|page\s*+\d{1,4}+(?:\s*+of\s*+\d{1,4}+)?)\s*+$", re.I)


def read(path: Path, data: bytes, limits: Limits) -> Document:
    deadline = Deadline(path, limits)
    check_pdf(path, data, limits)          # decompression bombs, before PDFium inflates anything
    try:
        pdf = open_document(data)
        page_count = len(pdf)
    except MemoryError:        # the worker's memory cap: too_large (read_document), not broken
        raise
    except Exception as exc:   # PdfiumError: a damaged file, a password, an unsupported security handler
        raise IngestError("broken", broken_message(path, exc), str(path)) from None
    try:
        if page_count > limits.max_pages:
            raise IngestError("too_large", f"文件 {path} 有 {page_count} 页，超过上限 {limits.max_pages} 页",
                              str(path))
        if page_count == 0:
            raise IngestError("broken", f"PDF 文件 {path} 没有页面", str(path))
        out = LineCollector(path, limits)
        reader = _Reader(path, out)
        text_chars = unmapped = 0
        for number in range(1, page_count + 1):
            deadline.check()
            try:
                page = load_page(pdf, number - 1)
            except MemoryError:
                raise
            except Exception as exc:
                raise IngestError("broken", f"PDF 文件 {path} 第{number}页无法读取：{type(exc).__name__}: {exc}",
                                  str(path)) from None
            try:
                visible, cids = reader.read_page(page, number, deadline)
                text_chars += visible
                unmapped += cids
            except (IngestError, MemoryError):
                raise
            except Exception as exc:
                raise IngestError("broken", f"PDF 文件 {path} 第{number}页无法读取：{type(exc).__name__}: {exc}",
                                  str(path)) from None
            finally:
                page.close()      # frees PDFium's page: memory stays flat over many pages
    finally:
        pdf.close()
    if text_chars == 0:
        raise IngestError("scanned",
                          f"PDF 文件 {path} 没有文字层（可能是扫描件或图片），无法读取其中的文字；"
                          f"请提供可复制文字的 PDF，或先做文字识别（OCR）", str(path))
    if unmapped * 2 >= text_chars:
        raise IngestError("unreadable",
                          f"PDF 文件 {path} 的文字无法解码（字体没有字符映射，提取出的是字形编号），无法读取；"
                          f"请提供可复制文字的 PDF，或先做文字识别（OCR）", str(path))
    if unmapped:
        out.notes.append(Diagnostic(code="PDF_UNMAPPED_GLYPHS", severity="warning",
                                    message=f"PDF 中有 {unmapped} 个字符无法解码（字体没有字符映射），相关文字可能缺失或显示为编号"))
    return Document(path=str(path), format="pdf", lines=out.lines, sha256=sha256_of(data), pages=page_count,
                    notes=out.notes)


def broken_message(path: Path, exc: Exception) -> str:
    if _is_password_error(exc):
        return f"PDF 文件 {path} 已加密，需要密码才能打开，无法读取"
    detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return f"PDF 文件 {path} 已损坏或不是有效的 PDF（{detail}）"


def _is_password_error(exc: BaseException) -> bool:
    """PDFium reports a missing or wrong password as FPDF_ERR_PASSWORD; an encryption it does not
    support as FPDF_ERR_SECURITY."""
    return getattr(exc, "err_code", None) in PASSWORD_ERRORS


# ------------------------------------------------------------------------------------------
# Tables on one page
# ------------------------------------------------------------------------------------------

@dataclass
class PageTable:
    rows: list[list[str | None]]       # grid texts: "" = empty or spanned, ABSENT = no cell there
    columns: list[float]               # x of the column boundaries
    bbox: tuple[float, float, float, float] = (0, 0, 0, 0)
    tail_bottom: float = 0.0           # bottom of the rows peeled off the end (read as text)
    positions: list[float] = field(default_factory=list)   # x of each grid position
    source: object = None              # the RuledTable, to lay it out again when it continues
    filled: frozenset[int] = frozenset()   # positions of the last row whose figure fills its cell


def page_tables(page) -> list[PageTable]:
    """The real grids of a page, banner rows peeled off, in top-to-bottom order."""
    if len(page.edges) > MAX_EDGES_PER_PAGE:
        return []
    found = []
    for table in find_tables(page):
        grid = table_grid(page, table)
        if grid is not None:
            found.append(grid)
    return sorted(found, key=lambda t: t.bbox[1])


def table_grid(page, table, reference_xs: list[float] | None = None) -> PageTable | None:
    """The grid of one ruled table: one position per distinct cell left edge (as RuledTable.rows
    lays rows out), rows by distinct cell top. `reference_xs` are the positions of the table this
    one continues: a continuation whose rows happen to lack a column boundary (only merged label
    cells on the new page) still gets the full width, so its cells stay in their columns."""
    cells = table.cells
    if not cells or len(cells) > MAX_CELLS_PER_TABLE:
        return None      # read as text: the per-cell work below is quadratic in cells
    rows = table.rows
    if table.cell_texts is None:       # read once: a table that continues the previous page is laid out twice
        table.cell_texts = table_cells_text(page, table)
    texts, placed = table.cell_texts
    right = max(c[2] for c in cells)
    x0 = min(c[0] for c in cells)
    xs = _positions(sorted({c[0] for c in cells}), reference_xs or [], x0, right)
    x_ranges = [(x, xs[i + 1] if i + 1 < len(xs) else right) for i, x in enumerate(xs)]
    y_ranges = []
    for row in rows:
        present = [b for b in row.cells if b is not None]
        y_ranges.append((present[0][1], min(b[3] for b in present)))
    middles = [(a + b) / 2 for a, b in x_ranges]
    grid: list[list[str | None]] = []
    real: list[int] = []       # per row: number of cells that start in this row
    for r, (row, row_texts) in enumerate(zip(rows, texts)):
        starts = {_position_of(box[0], xs): _clean(text)
                  for box, text in zip(row.cells, row_texts) if box is not None}
        cy = (y_ranges[r][0] + y_ranges[r][1]) / 2
        across = [c for c in cells if c[1] <= cy < c[3]]      # the cells this row's middle crosses
        line: list[str | None] = []
        for i, cx in enumerate(middles):
            if i in starts:
                line.append(starts[i])
            elif any(c[0] <= cx < c[2] for c in across):
                # a merged cell from the left or from above spans this position: some cell holds
                # the position's centre (half-open on the right and bottom, as pdfplumber places a
                # character in a cell; the cells of `across` already hold the row's middle)
                line.append(SPANNED)
            else:
                line.append(ABSENT)
        grid.append(line)
        real.append(len(starts))
    _restore_orphans(page, table, grid, x_ranges, y_ranges, placed)
    # peel full-width single-cell rows (and empty rows) off the start and the end

    def banner(r: int) -> bool:
        """A row that is one cell across the whole table (or has no text): paragraph lines in a
        bordered box, or a sub-heading such as 第二十条第（六）项 that closes a page."""
        if row_is_empty(grid[r]):
            return True
        boxes = [b for b in rows[r].cells if b is not None]
        return len(boxes) == 1 and boxes[0][0] - x0 <= X_TOLERANCE and right - boxes[0][2] <= X_TOLERANCE

    start, end = 0, len(grid)
    while start < end and banner(start):
        start += 1
    while end > start and banner(end - 1):
        end -= 1
    if start >= end or max(real[start:end]) < 2:
        return None
    bbox = (x0, y_ranges[start][0], right, y_ranges[end - 1][1])
    boundaries = sorted({round(c[0], 1) for c in cells} | {round(c[2], 1) for c in cells})
    filled = frozenset(_position_of(box[0], xs) for box in rows[end - 1].cells
                       if box is not None and fills_cell(chars_in_box(page, box), box))
    return PageTable(rows=grid[start:end], columns=_merge_close(boundaries), bbox=bbox,
                     tail_bottom=y_ranges[-1][1], positions=xs, source=table, filled=filled)


def _clean(text: str | None) -> str:
    """clean_cell(text), which leaves a text without any blank as it is (most cells: one figure)."""
    if text:
        words = text.split()
        if len(words) == 1 and words[0] is text:
            return text
    return clean_cell(text)


def _positions(own: list[float], reference: list[float], left: float, right: float) -> list[float]:
    """This table's column positions plus those of the table it continues that fall inside it."""
    out = list(own)
    shift = left - reference[0] if reference else 0.0    # the parts of a table may sit a little apart
    for x in (x + shift for x in reference):
        if left - X_TOLERANCE <= x < right - X_TOLERANCE and not any(abs(x - y) <= X_TOLERANCE for y in out):
            out.append(x)
    return sorted(out)


def _position_of(x: float, xs: list[float]) -> int:
    """The index of the position nearest to x (xs ascending; the first of two equally near)."""
    i = bisect.bisect_left(xs, x)
    if i == 0:
        return 0
    if i == len(xs):
        return len(xs) - 1
    return i if xs[i] - x < x - xs[i - 1] else i - 1


def _merge_close(xs: list[float]) -> list[float]:
    out: list[float] = []
    for x in xs:
        if out and x - out[-1] < 2.0:
            continue
        out.append(x)
    return out


def _restore_orphans(page, table, grid, x_ranges, y_ranges, placed: set[int]) -> None:
    """Put characters that fall inside the table but outside every cell into their grid position
    when that position has no text (pdfplumber drops them): a cell whose top border is missing,
    e.g. where a page break cut the table. `placed`: the characters already in a cell (their
    places in content order)."""
    x0, top, x1, bottom = table.bbox
    orphans = [ch for n, ch in numbered_chars_in_box(page, (x0, top, x1 + 1e-6, bottom + 1e-6))
               if n not in placed and ch["text"].strip()]
    if not orphans:
        return
    placed: dict[tuple[int, int], list] = {}
    for ch in orphans:
        r = next((k for k, (t, b) in enumerate(y_ranges) if t <= _cy(ch) < b), None)
        c = next((k for k, (a, b) in enumerate(x_ranges) if a <= _cx(ch) < b), None)
        if r is not None and c is not None:
            placed.setdefault((r, c), []).append(ch)
    for (r, c), chars in placed.items():
        if not grid[r][c]:
            grid[r][c] = clean_cell(cell_text(chars))


def _cx(obj) -> float:
    return (obj["x0"] + obj["x1"]) / 2


def _cy(obj) -> float:
    return (obj["top"] + obj["bottom"]) / 2


# ------------------------------------------------------------------------------------------
# Reading pages in order and joining tables across pages
# ------------------------------------------------------------------------------------------

@dataclass
class _OpenTable:
    number: int
    rows_emitted: int
    header: list[list[str | None]]
    columns: list[float]
    x_range: tuple[float, float]
    positions: list[float]
    last_cells: list[str | None] = field(default_factory=list)
    last_filled: frozenset[int] = frozenset()    # PageTable.filled of the page's last table


@dataclass
class _Reader:
    path: Path
    out: LineCollector
    open_table: _OpenTable | None = None     # the table that ended the previous page
    carry: list = field(default_factory=list)  # column headers a borderless table may continue under
    notes: list[Diagnostic] = field(default_factory=list)

    def read_page(self, page, number: int, deadline: Deadline) -> tuple[int, int]:
        """Emit the page's lines; returns (text characters, characters without a Unicode mapping)."""
        chars = page.chars
        if len(chars) > MAX_CHARS_PER_PAGE:
            raise IngestError("too_large", f"PDF 文件 {self.path} 第{number}页有 {len(chars)} 个字符，超过上限",
                              str(self.path))
        texts = [ch["text"] for ch in chars]
        visible = sum(map(bool, map(str.strip, texts)))           # counted in C: every character of every page
        unmapped = sum(map(_IS_CID, texts))
        if visible == 0:
            if page.has_images:
                self.out.notes.append(Diagnostic(
                    code="PDF_PAGE_WITHOUT_TEXT", severity="warning", where=f"第{number}页",
                    message=f"第{number}页没有文字层（可能是扫描图片），该页内容未能读取"))
            self.open_table = None
            return 0, 0
        try:
            tables = page_tables(page)
        except MemoryError:
            raise
        except Exception as exc:   # a malformed drawing must not cost the page its text
            self.out.notes.append(Diagnostic(
                code="PDF_TABLES_UNREADABLE", severity="warning", where=f"第{number}页",
                message=f"第{number}页的表格线无法识别（{type(exc).__name__}），该页按文字读取"))
            tables = []
        deadline.check()
        elements = self._elements(page, tables)
        self._emit(elements, number, page)
        return visible, unmapped

    def _elements(self, page, tables: list[PageTable]) -> list[tuple[float, str, object]]:
        rest = chars_outside(page, [t.bbox for t in tables]) if tables else page.chars
        elements: list[tuple[float, str, object]] = []
        height = page.height
        kept: list[tuple[dict, list[dict], str]] = []
        for line, words in word_lines(rest):
            text = collapse_cjk_gaps(line["text"]).strip()
            if not text:
                continue
            in_margin = line["top"] < height * MARGIN_SHARE or line["bottom"] > height * (1 - MARGIN_SHARE)
            if in_margin and _PAGE_NUMBER.match(text):
                continue
            kept.append((line, words, text))
        # tables without ruling lines: rows and columns from the words' places (pdf_aligned.py)
        blocks, self.carry = find_blocks([aligned_line(line, words, text) for line, words, text in kept],
                                         page.width, self.carry, footer=height * (1 - HEADER_SHARE))
        in_block = {i for start, end, _ in blocks for i in range(start, end + 1)}
        for start, _, block in blocks:
            elements.append((kept[start][0]["top"], "aligned", block))
        for i, (line, _, text) in enumerate(kept):
            if i in in_block:
                continue
            tail = any(t.bbox[3] - 1 <= line["top"] <= t.tail_bottom for t in tables)
            running = line["bottom"] < height * HEADER_SHARE or line["top"] > height * (1 - HEADER_SHARE)
            elements.append((line["top"], "tail" if tail else "margin" if running else "text", text))
        for t in tables:
            elements.append((t.bbox[1], "table", t))
        elements.sort(key=lambda e: e[0])
        return elements

    def _emit(self, elements, page_no: int, page) -> None:
        line_on_page = 0
        current: _OpenTable | None = None
        ends_with_table = False
        for index, (_, kind, item) in enumerate(elements):
            if kind == "aligned":
                line_on_page = self._emit_aligned(item, page_no, line_on_page)
                ends_with_table = False
                continue
            if kind != "table":
                line_on_page += 1
                self.out.add(item, f"第{page_no}页第{line_on_page}行", page=page_no)
                # neither a peeled closing row of the table (第二十条第（六）项 at the page end) nor a
                # running header or footer ends the table
                ends_with_table = ends_with_table and kind in ("tail", "margin")
                continue
            table: PageTable = item
            rows = table.rows
            first = all(kind == "margin" for _, kind, _ in elements[:index])
            if first and self._continues(table):
                current = self.open_table
                if table.positions != current.positions:
                    table = table_grid(page, table.source, current.positions) or table
                rows = table.rows[_repeated_header(current.header, table.rows):]
                rows = self._join_split_row(current, rows)
            else:
                current = _OpenTable(self.out.new_table(), 0, table.rows[:3], table.columns,
                                     (table.bbox[0], table.bbox[2]), table.positions)
            current.last_filled = table.filled
            for cells in rows:
                self.out.count_cells(len(cells))
                current.last_cells = cells
                current.rows_emitted += 1
                line_on_page += 1
                self.out.add(row_text(cells), f"第{page_no}页（第{current.number}个表格第{current.rows_emitted}行）",
                             page=page_no, table=current.number, row=current.rows_emitted,
                             spanned=spanned_positions(cells))
            ends_with_table = True
        self.open_table = current if ends_with_table else None

    def _emit_aligned(self, block: Block, page_no: int, line_on_page: int) -> int:
        """A table without ruling lines: each row whose cells are certain as one line of TAB-joined
        cells (label cells, then one cell per value column, "" where the row shows no value), its
        other lines as text. These are not grid rows (SourceLine.table stays None: the table is not
        structured, a blank there is not the agency's, CONTRACTS.md), so the parser reads their TAB
        positions as "aligned"."""
        for kind, entry in block.entries:
            line_on_page += 1
            where = f"第{page_no}页第{line_on_page}行"
            if kind == "text":
                self.out.add(entry.text, where, page=page_no)
                continue
            cells = [clean_cell(c) for c in entry]
            self.out.count_cells(len(cells))
            self.out.add(row_text(cells), where, page=page_no)
        for text in block.uncertain:
            self.out.notes.append(Diagnostic(
                code="PDF_ROW_NOT_ALIGNED", severity="warning", where=f"第{page_no}页",
                message=f"第{page_no}页无框线表格中的一行无法确定其所在行或列，已按文字读取：{text}"))
        return line_on_page

    def _join_split_row(self, current: _OpenTable, rows: list[list[str | None]]) -> list[list[str | None]]:
        """When the page break fell inside a row (Word and LibreOffice let a row break across
        pages), the new page starts with the rest of that row: join it to the row already read."""
        last = self.out.lines[-1] if self.out.lines else None
        if not rows or last is None or last.table != current.number:
            return rows
        merged = (_merge_rows(current.last_cells, rows[0]) if _is_fragment(current.last_cells, rows[0])
                  else figures_going_on(current.last_cells, rows[0], current.last_filled))
        if merged is None:
            return rows
        current.last_cells = merged
        self.out.lines[-1] = last._replace(text=row_text(merged))
        return rows[1:]

    def _continues(self, table: PageTable) -> bool:
        """Whether a table at the top of a page continues the table that ended the previous page:
        same horizontal extent, and the column boundaries of one are among those of the other."""
        prev = self.open_table
        if prev is None:
            return False
        if abs(prev.x_range[0] - table.bbox[0]) > X_TOLERANCE or abs(prev.x_range[1] - table.bbox[2]) > X_TOLERANCE:
            return False
        a, b = prev.columns[1:-1], table.columns[1:-1]
        small, large = (a, b) if len(a) <= len(b) else (b, a)
        return all(any(abs(x - y) <= X_TOLERANCE for y in large) for x in small)


_IS_CID = operator.methodcaller("startswith", "(cid:")
_NUMBER = re.compile(r"^[-+]?\d[\d,，.]*\s*(?:万元|元|件|个)?$")


def _is_fragment(previous: list[str | None], first: list[str | None]) -> bool:
    """Whether `first` is the rest of `previous` cut by a page break: it fills positions the row
    above left empty and leaves empty some the row above filled, and where both have text it is
    label text going on. A figure never meets
    a figure or a label there: a new row states its own figures in the columns of the row above.
    (Two label-only rows cannot be told from a split label, so they are left apart.)"""
    if len(previous) != len(first):
        return False
    for a, b in zip(previous, first):
        if a and b and (_NUMBER.match(a) or _NUMBER.match(b)):
            return False
    # each half has cells the other lacks (the figures on one page, the rest on the next); two
    # rows whose texts only meet (a header cut inside a tall merged cell) are different rows
    return any(b and not a for a, b in zip(previous, first)) and any(a and not b for a, b in zip(previous, first))


def _merge_rows(previous: list[str | None], rest: list[str | None]) -> list[str | None]:
    out: list[str | None] = []
    for a, b in zip(previous, rest):
        if a is ABSENT and b is ABSENT:
            out.append(ABSENT)
        else:
            out.append(join_wrapped([a or "", b or ""]))
    return out


def _repeated_header(header: list[list[str | None]], rows: list[list[str | None]]) -> int:
    """How many leading rows of a continued table repeat the table's first rows (a header
    repeated on each page)."""
    k = 0
    while k < len(header) and k < len(rows) and rows[k] == header[k] and any(rows[k]):
        k += 1
    return k
