"""The borderless-PDF layout variant (issue 11): a report's text and tables written as an HTML page
whose tables have no borders, printed to PDF by Debian's headless chromium — what a PDF printed
from a web page, or from WPS/Word without table borders, looks like to the reader: no ruling lines,
only words at their places.

Used by the layout corpus (built at test time into a temporary folder; variants of ../shared/real
are never committed). `document_html` renders any Document (a seed text, a real PDF, the HTML
page): lines that are table rows (a grid row, or a TAB-separated line of a text) become rows of a
table; a text cell followed by empty positions spans them (as the merged label and header cells of
the original do), so the value columns stay where the original has them.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

from lxml import html as lxml_html

from browser_support import Browser, chromium_path
from engine.model import Document

PAGE_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; line-height: 1.5; }
h1, h2, h3, h4 { font-size: 12pt; margin: 6pt 0; }
p { margin: 3pt 0; }
table { border-collapse: collapse; margin: 6pt 0; width: 100%; }
td { border: none; padding: 2pt 3pt; text-align: center; font-size: 9pt; }
"""
# Cell styles a borderless table comes in: centred (web pages), Word's defaults (left, top, tight
# padding), figures right-aligned in the middle of the row.
STYLES = {
    "centred": "",
    "word": "td { text-align: left; vertical-align: top; padding: 0 2pt; font-size: 10.5pt; }",
    "right": "td { text-align: right; vertical-align: middle; padding: 1pt 4pt; }",
}
_NUMBER = re.compile(r"^[-+]?\d[\d,，.]*$")


def is_row(line) -> bool:
    return line.table is not None or "\t" in line.text


def document_html(doc: Document, title: str = "报告", style: str = "centred") -> str:
    body: list[str] = []
    rows: list[list[str]] = []
    table_id = None
    for line in doc.lines:
        if is_row(line):
            key = line.table if line.table is not None else "text"
            if rows and key != table_id:
                body.append(_table(rows))
                rows = []
            table_id = key
            rows.append(line.text.split("\t"))
            continue
        if rows:
            body.append(_table(rows))
            rows, table_id = [], None
        text = line.text.strip()
        if not text:
            continue
        heading = re.match(r"^(#{1,6})\s*(.*)$", text)
        if heading:
            level = min(len(heading.group(1)), 4)
            body.append(f"<h{level}>{html.escape(heading.group(2))}</h{level}>")
        else:
            body.append(f"<p>{html.escape(text)}</p>")
    if rows:
        body.append(_table(rows))
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{PAGE_CSS}{STYLES[style]}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def _table(rows: list[list[str]]) -> str:
    width = max(len(r) for r in rows)
    out = ["<table>"]
    for row in rows:
        if len(row) < width and any(_NUMBER.match(c.strip()) for c in row):
            out.append(_short_row(row, width))
            continue
        cells = row + [""] * (width - len(row))
        tds = []
        i = 0
        while i < width:
            text = cells[i].strip()
            span = 1
            if text and not _NUMBER.match(text):
                while i + span < width and not cells[i + span].strip() and _spannable(cells, i + span):
                    span += 1
            attr = f' colspan="{span}"' if span > 1 else ""
            tds.append(f"<td{attr}>{html.escape(text)}</td>")
            i += span
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _short_row(row: list[str], width: int) -> str:
    """A row with fewer cells than the table (a text row whose columns the text does not show):
    its figures share one cell across the value columns, as they stand in the text, in order."""
    first = next(i for i, c in enumerate(row) if _NUMBER.match(c.strip()))
    label = "".join(f"<td>{html.escape(c.strip())}</td>" for c in row[:first])
    figures = " ".join(c.strip() for c in row[first:] if c.strip())
    return f"<tr>{label}<td colspan=\"{width - first}\">{html.escape(figures)}</td></tr>"


_ROW_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d+\s*[.、．])")


def _spannable(cells: list[str], i: int) -> bool:
    """An empty position after a text cell is part of it (a merged cell) unless the row's figures
    have started (a blank figure cell stays its own column), or the row is a numbered data row
    without any figure (1.属于国家秘密 with every cell blank: its cells stay cells)."""
    if any(_NUMBER.match(c.strip()) for c in cells[:i]):
        return False
    data_row = any(_ROW_LABEL.match(c) for c in cells) and not any(_NUMBER.match(c.strip()) for c in cells)
    return not data_row


def print_pdf(html_path: Path, pdf_path: Path, timeout: float = 60.0) -> None:
    """Print an HTML file to PDF with headless chromium (raises when it fails)."""
    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium is not installed (scripts/test.sh installs it)")
    profile = pdf_path.parent / f".chromium-{pdf_path.stem}"
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()],
                   check=True, timeout=timeout, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(profile, ignore_errors=True)
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"chromium did not print {html_path}")


NO_BORDERS = "<style>table, tr, td, th { border: none !important; }</style>"


def borderless_from_html(html_path: Path, out_pdf: Path) -> Path | None:
    """The layout corpus's borderless-PDF family (tests/layouts.py hook BORDERLESS_PDF): the page
    with every table border removed, printed by headless chromium; None without chromium.

    A row with fewer cells than its table (the values of a row the original could not place) would
    look, without borders, exactly like a row with blank cells at its end: its figures are put in
    one cell across the row's remaining width instead, as a run of figures whose columns the page
    does not show."""
    if chromium_path() is None:
        return None
    tree = lxml_html.fromstring(html_path.read_bytes())
    for table in tree.iter("table"):
        _merge_short_rows(table)
    head = tree.find(".//head")
    style = lxml_html.fragment_fromstring(NO_BORDERS)
    (head if head is not None else tree).append(style)
    page = out_pdf.with_suffix(".borderless.html")
    page.write_bytes(lxml_html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>"))
    print_pdf(page, out_pdf)
    return out_pdf


def _merge_short_rows(table) -> None:
    rows = [tr for tr in table.iter("tr") if tr.getparent() is not None and _own_table(tr) is table]
    taken: dict[tuple[int, int], bool] = {}
    widths: list[int] = []
    for r, tr in enumerate(rows):
        col = 0
        for td in tr.findall("td") + tr.findall("th"):
            while taken.get((r, col)):
                col += 1
            span, down = int(td.get("colspan", "1") or 1), int(td.get("rowspan", "1") or 1)
            for dr in range(down):
                for dc in range(span):
                    taken[(r + dr, col + dc)] = True
            col += span
        widths.append(max([c + 1 for (rr, c) in taken if rr == r], default=0))
    width = max(widths, default=0)
    for tr, used in zip(rows, widths):
        cells = tr.findall("td")
        figures = [td for td in cells if _NUMBER.match(td.text_content().strip())]
        if used >= width or not figures:
            continue
        first = cells.index(figures[0])
        run = " ".join(td.text_content().strip() for td in cells[first:] if td.text_content().strip())
        for td in cells[first + 1:]:
            tr.remove(td)
        keep = cells[first]
        for child in list(keep):
            keep.remove(child)
        keep.text = run
        keep.set("colspan", str(width - used + len(cells) - first))


def _own_table(tr):
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def has_rows(doc: Document, minimum: int = 10) -> bool:
    """Whether the document states its tables row by row (a line per row, cells apart): a text
    that puts every cell on a line of its own has no rows to lay out again."""
    return sum(1 for line in doc.lines if is_row(line) and len(line.text.split("\t")) >= 3) >= minimum


def borderless_pdf(doc: Document, folder: Path, stem: str, style: str = "centred") -> Path:
    """The borderless-PDF variant of a document, written into `folder` (one chromium run)."""
    page = folder / f"{stem}.borderless-{style}.html"
    page.write_text(document_html(doc, stem, style), encoding="utf-8")
    out = folder / f"{stem}.borderless-{style}.pdf"
    print_pdf(page, out)
    return out


def borderless_pdfs(docs: dict[str, Document], folder: Path, styles=tuple(STYLES)) -> dict[tuple[str, str], Path]:
    """The borderless-PDF variants of several documents in several cell styles, printed by one
    headless chromium driven over its DevTools pipe (tests/browser_support.py): (name, style) -> PDF."""
    browser = Browser(folder / ".chromium-profile", timeout=60.0)
    out: dict[tuple[str, str], Path] = {}
    try:
        browser.open_page()
        for name, doc in docs.items():
            for style in styles:
                page = folder / f"{name}.borderless-{style}.html"
                page.write_text(document_html(doc, name, style), encoding="utf-8")
                browser.navigate(page.resolve().as_uri())
                pdf = folder / f"{name}.borderless-{style}.pdf"
                pdf.write_bytes(browser.print_pdf())
                out[(name, style)] = pdf
    finally:
        browser.close()
        shutil.rmtree(folder / ".chromium-profile", ignore_errors=True)
    return out
