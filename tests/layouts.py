"""The layout corpus: each original report laid out the ways an office actually receives it.

    .venv/bin/python tests/layouts.py OUT_DIR        # build the corpus into OUT_DIR (for a look)

Originals: the seeds (tests/fixtures/seeds, with their committed PDF forms), and, where present, the
real PDFs and HTML page of ../shared/real. Those come from public repositories: their variants are
built at test time into a temporary folder and never committed.

Layout families (FAMILIES):
    pdftotext-layout   `pdftotext -layout` of the PDF (character columns stand for x-positions)
    pdftotext-raw      `pdftotext` without -layout: reading order, often one cell per line
    tabs               browser copy-paste of the page: paragraphs as lines, a table row's own cells
                       joined by TAB (a rowspan cell only on its first row, a colspan cell once)
    md-whole           a Markdown conversion with whole pipe tables (first row taken as header)
    md-per-row         a conversion that emits one small table per row, the row label as a ### heading
                       and placeholder column names (数据1…数据6/总计), the 四 table under a wrong header
    word-html          Word's "save as web page": the site's metadata table first, labels split into
                       <span> runs, rowspan/colspan, empty cells holding <o:p>&nbsp;</o:p>
    borderless-pdf     a PDF printed from the word-html page by headless chromium, without rules
                       (hook: BORDERLESS_PDF, filled by the PDF reader's owner)

The PDF of a non-PDF original is the seed's committed LibreOffice PDF, or for an HTML page its
print by headless chromium. The other families render the ORIGINAL'S PARSED GRID with the
template's labels (values as printed: blank, dash and 无 stay what they were; a row the original
could not read is rendered with the values it stated, so it stays unreadable).

`compare(original, variant)` counts the original's cells that the variant gives right, leaves
unknown, or gets wrong (a different value or kind, or a value where the original had none).
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import placements as P  # noqa: E402
from borderless_pdf import borderless_from_html  # noqa: E402
from browser_support import chromium_path  # noqa: E402
from engine.model import Report  # noqa: E402
from engine.template import (ACTIVE_ITEMS, APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS,  # noqa: E402
                             application_rows)

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
DOCUMENTS = ROOT / "tests" / "fixtures" / "documents"
REAL = ROOT.parent / "shared" / "real"

FAMILIES = ("pdftotext-layout", "pdftotext-raw", "tabs", "md-whole", "md-per-row", "word-html",
            "borderless-pdf")

# Hook for the borderless PDF printed from HTML by headless chromium: (html_path, out_pdf) -> the
# PDF path, or None when it cannot be made here. Filled by the owner of engine/ingest/pdf.py.
BORDERLESS_PDF: Callable[[Path, Path], Path | None] | None = borderless_from_html


# ------------------------------------------------------------------------------------------
# Originals
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Original:
    name: str            # short id: seed-000, huaian-shizhengfu-2024, ...
    path: Path           # the document itself
    pdf: Path | None     # its PDF form, when there is one without printing (seed / real PDF)


def originals(include_real: bool = True) -> list[Original]:
    out = []
    for seed in sorted(SEEDS.glob("*.txt")):
        name = f"seed-{seed.name[:3]}"
        pdf = DOCUMENTS / f"{name}.pdf"
        out.append(Original(name, seed, pdf if pdf.is_file() else None))
    if include_real and REAL.is_dir():
        for path in sorted(REAL.glob("*.pdf")):
            out.append(Original(path.stem, path, path))
        for path in sorted(REAL.glob("*.html")):
            out.append(Original(path.stem, path, None))
    return out


# ------------------------------------------------------------------------------------------
# The parsed grid, with the template's labels
# ------------------------------------------------------------------------------------------

@dataclass
class GCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    label: bool = False          # a label cell (split into span runs by word-html)


@dataclass
class Grid:
    name: str                    # active | applications | review
    width: int
    header: list[list[GCell]] = field(default_factory=list)
    rows: list[tuple[str, list[GCell]]] = field(default_factory=list)   # (row label, own cells)


def _value_texts(report: Report, addrs: list[str]) -> list[str] | None:
    """The row's cells as printed; a row the original could not read: the values it stated (so the
    variant cannot read it either); None when the original has nothing for the row."""
    table = report.tables[addrs[0].split(".")[0]]
    cells = [table.cells.get(a) for a in addrs]
    if any(c is None for c in cells):
        return None
    if all(c.kind == "missing" for c in cells):
        raw = cells[0].raw.split()
        return raw or None
    if any(c.kind == "missing" for c in cells):
        return None
    return [c.raw if c.kind != "blank" else "" for c in cells]


def _values(texts: list[str], width: int) -> list[GCell]:
    """Value cells; a row with one value fills the remaining width (the template's merged cell)."""
    if len(texts) == 1 and width > 1:
        return [GCell(texts[0], colspan=width)]
    return [GCell(t) for t in texts]


def active_grid(report: Report) -> Grid | None:
    table = report.tables["active"]
    if not table.present or table.template not in ACTIVE_ITEMS:
        return None
    items = ACTIVE_ITEMS[table.template]
    width = 1 + max(len(i.columns) for i in items)
    grid = Grid("active", width)
    for item in items:
        grid.rows.append(("", [GCell(item.label, colspan=width, label=True)]))
        heads = [GCell(item.label_of(c), label=True) for c in item.columns]
        if len(heads) < width - 1:
            heads[-1].colspan += width - 1 - len(heads)
        grid.rows.append(("", [GCell("信息内容", label=True), *heads]))
        for row in item.rows:
            addrs = [f"active.{item.key}.{row}.{c}" for c in item.columns]
            texts = _value_texts(report, addrs)
            if texts is None:
                continue
            cells = _values(texts, width - 1) if len(texts) == len(item.columns) else [GCell(t) for t in texts]
            if len(texts) == len(item.columns) and 1 < len(cells) < width - 1:
                cells[-1].colspan += width - 1 - len(cells)
            grid.rows.append((row, [GCell(row, label=True), *cells]))
    return grid


APP_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def applications_grid(report: Report) -> Grid | None:
    table = report.tables["applications"]
    if not table.present or table.variant is None:
        return None
    grid = Grid("applications", 10)
    grid.header = [
        [GCell(APP_NOTE, rowspan=3, colspan=3, label=True), GCell("申请人情况", colspan=7, label=True)],
        [GCell("自然人", rowspan=2, label=True), GCell("法人或其他组织", colspan=5, label=True),
         GCell("总计", rowspan=2, label=True)],
        [GCell(c, label=True) for c in APPLICANT_COLUMNS[1:6]],
    ]
    rows = [(r, _value_texts(report, [f"applications.{r.key}.{c}" for c in APPLICANT_COLUMNS]))
            for r in application_rows(table.variant)]
    rows = [(r, t) for r, t in rows if t is not None]
    part_rows = [r for r, _ in rows if r.group is not None]
    groups: dict[str, int] = {}
    for r, _ in rows:
        if r.group and r.group != "三、本年度办理结果":
            groups[r.group] = groups.get(r.group, 0) + 1
    seen: set[str] = set()
    for r, texts in rows:
        cells: list[GCell] = []
        if r.group is None:
            cells.append(GCell(r.label, colspan=3, label=True))
        else:
            if "三" not in seen:
                seen.add("三")
                cells.append(GCell("三、本年度办理结果", rowspan=len(part_rows), label=True))
            if r.group == "三、本年度办理结果":
                cells.append(GCell(r.label, colspan=2, label=True))
            else:
                if r.group not in seen:
                    seen.add(r.group)
                    cells.append(GCell(r.group, rowspan=groups[r.group], label=True))
                cells.append(GCell(r.label, label=True))
        cells.extend(GCell(t) for t in texts)
        grid.rows.append((r.label, cells))
    return grid


def review_grid(report: Report) -> Grid | None:
    table = report.tables["review"]
    if not table.present:
        return None
    addrs = [f"review.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]
    texts = _value_texts(report, addrs)
    if texts is None:
        return None
    grid = Grid("review", max(15, len(texts)))
    grid.header = [
        [GCell("行政复议", colspan=5, label=True), GCell("行政诉讼", colspan=10, label=True)],
        [*(GCell(c, rowspan=2, label=True) for c in REVIEW_COLUMNS),
         GCell("未经复议直接起诉", colspan=5, label=True), GCell("复议后起诉", colspan=5, label=True)],
        [GCell(c, label=True) for c in REVIEW_COLUMNS * 2],
    ]
    grid.rows.append(("", [GCell(t) for t in texts]))
    return grid


def grids(report: Report) -> dict[str, Grid]:
    out = {}
    for name, build in (("active", active_grid), ("applications", applications_grid), ("review", review_grid)):
        grid = build(report)
        if grid is not None:
            out[name] = grid
    return out


# ------------------------------------------------------------------------------------------
# The document around the tables
# ------------------------------------------------------------------------------------------

_HEADER_WORDS = ("第二十条", "信息内容", "本年制发件数", "本年新制作数量", "处理决定数量", "收费金额",
                 "申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织",
                 "法律服务机构", "勾稽关系", "行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果",
                 "尚未审结", "未经复议", "复议后起诉", "总计", "项目数量", "本年增", "采购")


def _is_table_debris(text: str) -> bool:
    """A line a table left in the text: its header labels, stray cells, a short fragment."""
    t = text.replace("\t", " ").strip()
    if not t:
        return True
    if len(t) <= 40 and any(w in t for w in _HEADER_WORDS) and "情况" not in t.replace("申请人情况", ""):
        return True
    return len(t.replace(" ", "")) <= 4 and not t.endswith("。")


def blocks(report: Report) -> list[tuple[str, object]]:
    """The original as ("text", line) and ("table", Grid) blocks, tables in place of their lines."""
    lines = report.lines
    spans = []
    for name, grid in grids(report).items():
        t = report.tables[name]
        if t.line_start is None or t.line_end is None:
            continue
        start, end = t.line_start - 1, t.line_end - 1
        heading = report.parts[{"active": "二", "applications": "三", "review": "四"}[name]]
        floor = heading.line_start if heading.present and heading.line_start else 0
        while start - 1 >= floor and (lines[start - 1].table is not None or _is_table_debris(lines[start - 1].text)):
            start -= 1
        nxt = end + 1
        while nxt < len(lines) and lines[nxt].table is not None:
            nxt += 1
        spans.append((start, nxt - 1, grid))
    spans.sort(key=lambda s: s[0])
    out: list[tuple[str, object]] = []
    i = 0
    for start, end, grid in spans:
        out.extend(("text", ln.text) for ln in lines[i:start] if ln.text.strip() and ln.table is None)
        out.append(("table", grid))
        i = max(i, end + 1)
    out.extend(("text", ln.text) for ln in lines[i:] if ln.text.strip() and ln.table is None)
    return out


# ------------------------------------------------------------------------------------------
# Renderers
# ------------------------------------------------------------------------------------------

def render_tabs(report: Report) -> str:
    out = []
    for kind, item in blocks(report):
        if kind == "text":
            out.append(item.replace("\t", " "))
            continue
        for row in [*item.header, *(cells for _, cells in item.rows)]:
            out.append("\t".join(c.text for c in row))
    return "\n".join(out) + "\n"


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "｜") for c in cells) + " |"


def render_md_whole(report: Report) -> str:
    out = []
    for kind, item in blocks(report):
        if kind == "text":
            out.extend([item.replace("\t", " "), ""])
            continue
        rows = [[c.text for c in row] for row in [*item.header, *(cells for _, cells in item.rows)]]
        width = max(len(r) for r in rows)
        out.append(_md_row(rows[0]))
        out.append(_md_row(["---"] * len(rows[0])))
        out.extend(_md_row(r) for r in rows[1:])
        out.append("")
        del width
    return "\n".join(out) + "\n"


def render_md_per_row(report: Report) -> str:
    out = []
    for kind, item in blocks(report):
        if kind == "text":
            out.extend([item.replace("\t", " "), ""])
            continue
        if item.name == "review":
            # one run of 15 numbers under a broken header: the converter kept only the first header row
            out.append(_md_row([c.text for c in item.header[0]]))
            out.append(_md_row(["---"] * len(item.header[0])))
            out.extend(_md_row([c.text for c in cells]) for _, cells in item.rows)
            out.append("")
            continue
        for label, cells in item.rows:
            values = [c.text for c in cells if not c.label]
            if not label:
                out.extend([" ".join(c.text for c in cells), ""])
                continue
            names = ([f"数据{i}" for i in range(1, len(values))] + ["总计"]) if item.name == "applications" \
                else [f"数据{i}" for i in range(1, len(values) + 1)]
            out.extend([f"### {label}", "", _md_row(names), _md_row(["---"] * len(names)), _md_row(values), ""])
    return "\n".join(out) + "\n"


def _runs(text: str) -> str:
    """A label as Word writes it: several <span> runs (split where Word's spell/lang runs break)."""
    if len(text) < 4:
        return f'<span style="font-family:仿宋_GB2312">{html.escape(text)}</span>'
    cuts = [0, len(text) // 3, 2 * len(text) // 3, len(text)]
    parts = [text[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
    return "".join(f'<span lang=EN-US style="font-size:10.5pt">{html.escape(p)}</span>' for p in parts)


def _td(cell: GCell) -> str:
    span = (f' rowspan={cell.rowspan}' if cell.rowspan > 1 else "") + \
        (f' colspan={cell.colspan}' if cell.colspan > 1 else "")
    body = _runs(cell.text) if cell.text else '<span lang=EN-US><o:p>&nbsp;</o:p></span>'
    return f'<td valign=top{span} style="border:solid windowtext 1.0pt"><p class=MsoNormal align=center>{body}</p></td>'


def render_word_html(report: Report) -> str:
    meta = report.metadata
    out = ['<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word">',
           '<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">',
           '<meta name=Generator content="Microsoft Word 15"></head><body lang=ZH-CN>',
           # the site's own metadata table, before the report
           '<table class="xxgk-meta" border=0><tr><td>索引号：</td><td>000014349/2025-00012</td>'
           f'<td>发布机构：</td><td>{html.escape(meta.agency or "")}</td></tr>'
           '<tr><td>发文日期：</td><td>2025-01-20</td><td>主题分类：</td><td>政务公开</td></tr></table>',
           '<div class=WordSection1>']
    for kind, item in blocks(report):
        if kind == "text":
            out.append(f"<p class=MsoNormal>{_runs(item)}</p>")
            continue
        out.append('<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style="border-collapse:collapse">')
        for row in [*item.header, *(cells for _, cells in item.rows)]:
            out.append("<tr>" + "".join(_td(c) for c in row) + "</tr>")
        out.append("</table>")
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------
# Building the corpus
# ------------------------------------------------------------------------------------------

def pdftotext(pdf: Path, target: Path, layout: bool) -> Path | None:
    exe = shutil.which("pdftotext")
    if not exe:
        return None
    args = [exe, "-enc", "UTF-8", *(["-layout"] if layout else []), str(pdf), str(target)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return target


def chromium_pdf(html_path: Path, target: Path) -> Path | None:
    """The page printed to PDF by headless chromium (what "print to PDF" of the page gives)."""
    exe = chromium_path()
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={target}", html_path.as_uri()],
                       check=True, capture_output=True, timeout=120)
    return target if target.is_file() else None


def build_variants(original: Original, report: Report, out: Path) -> dict[str, Path]:
    """Every family's variant of one original, written under `out`; families that cannot be made
    here (no pdftotext, no chromium, no borderless hook) are left out."""
    out.mkdir(parents=True, exist_ok=True)
    variants: dict[str, Path] = {}
    stem = original.name
    (out / f"{stem}.tabs.txt").write_text(render_tabs(report), encoding="utf-8")
    variants["tabs"] = out / f"{stem}.tabs.txt"
    (out / f"{stem}.whole.md").write_text(render_md_whole(report), encoding="utf-8")
    variants["md-whole"] = out / f"{stem}.whole.md"
    (out / f"{stem}.rows.md").write_text(render_md_per_row(report), encoding="utf-8")
    variants["md-per-row"] = out / f"{stem}.rows.md"
    word = out / f"{stem}.word.html"
    word.write_text(render_word_html(report), encoding="utf-8")
    variants["word-html"] = word
    pdf = original.pdf
    if pdf is None and original.path.suffix.lower() in (".html", ".htm"):
        pdf = chromium_pdf(original.path, out / f"{stem}.print.pdf")
    if pdf is not None:
        for family, layout in (("pdftotext-layout", True), ("pdftotext-raw", False)):
            made = pdftotext(pdf, out / f"{stem}.{family}.txt", layout)
            if made is not None:
                variants[family] = made
    if BORDERLESS_PDF is not None:
        made = BORDERLESS_PDF(word, out / f"{stem}.borderless.pdf")
        if made is not None:
            variants["borderless-pdf"] = made
    return variants


# ------------------------------------------------------------------------------------------
# Comparing a variant with its original
# ------------------------------------------------------------------------------------------

@dataclass
class Tally:
    right: int = 0
    unknown: int = 0
    wrong: int = 0
    wrong_cells: list[str] = field(default_factory=list)
    silent_unknown: list[str] = field(default_factory=list)   # unknown without a diagnostic naming it
    # cells the variant's text does not determine (tests/placements.py: several placements of its
    # figures fit every identity and the layout's order, giving the cell different values)
    undetermined: int = 0
    determinable_right: int = 0                                # right cells among the determined ones
    guessed: list[str] = field(default_factory=list)          # a value read where the text determines none
    unanalysed: list[str] = field(default_factory=list)       # tables beyond the analysis (counted determined)
    unconfirmed: int = 0       # cells of tables whose figures the text shows in no order the analysis knows

    def add(self, other: "Tally") -> None:
        self.right += other.right
        self.unknown += other.unknown
        self.wrong += other.wrong
        self.wrong_cells += other.wrong_cells
        self.silent_unknown += other.silent_unknown
        self.undetermined += other.undetermined
        self.determinable_right += other.determinable_right
        self.guessed += other.guessed
        self.unanalysed += other.unanalysed
        self.unconfirmed += other.unconfirmed

    @property
    def total(self) -> int:
        return self.right + self.unknown + self.wrong

    @property
    def determinable(self) -> int:
        return self.total - self.undetermined


def _same(a, b) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == "number":
        return a.value == b.value
    return True


def compare(original: Report, variant: Report, family: str | None = None) -> Tally:
    """The original's cells as the variant gives them. Unknown = the variant left the cell "missing"
    where the original read it; a cell the original could not read must stay unknown. With the
    variant's `family`, a family whose text loses blank cells (ORDER_FAMILIES) also counts the cells
    its text does not determine (`determination`)."""
    tally = Tally()
    named = {a for d in variant.diagnostics for a in d.cells}
    tables_flagged = {d.table for d in variant.diagnostics if d.table and not d.cells}
    open_cells: set[str] = set()
    if family in ORDER_FAMILIES:
        det = determination(original, variant)
        open_cells = det.undetermined
        tally.unanalysed += [f"{original.metadata.agency} {n}: {why}" for n, why in det.unanalysed.items()]
        tally.unconfirmed += sum(len(original.tables[n].cells) for n, how in det.order.items() if how == UNCONFIRMED)
    for name, table in original.tables.items():
        vtable = variant.tables.get(name)
        for addr, cell in table.cells.items():
            vcell = vtable.cells.get(addr) if vtable else None
            undetermined = addr in open_cells
            tally.undetermined += undetermined
            if undetermined and vcell is not None and vcell.kind != "missing":
                tally.guessed.append(f"{addr}: 文本不能确定此格，变体读出 {vcell.kind} {vcell.raw}")
            if cell.kind == "missing":
                if vcell is not None and vcell.kind != "missing":
                    tally.wrong += 1
                    tally.wrong_cells.append(f"{addr}: 原文无法读出，变体读出 {vcell.kind} {vcell.raw}")
                else:
                    tally.right += 1
                    tally.determinable_right += not undetermined
                continue
            if vcell is None or vcell.kind == "missing":
                tally.unknown += 1
                if addr not in named and name not in tables_flagged and not (vtable and not vtable.present):
                    tally.silent_unknown.append(addr)
            elif _same(cell, vcell):
                tally.right += 1
                tally.determinable_right += not undetermined
            else:
                tally.wrong += 1
                tally.wrong_cells.append(f"{addr}: 原文 {cell.kind} {cell.raw}，变体 {vcell.kind} {vcell.raw}")
    return tally


# ------------------------------------------------------------------------------------------
# What the text determines (families whose text loses blank cells)
# ------------------------------------------------------------------------------------------

# Families where a blank cell prints nothing and the figures stand in reading order: which cells the
# text leaves open is decided by tests/placements.py. In the others a cell keeps its place (a pipe or
# a tab between cells, a character column, a grid cell): the text determines every cell.
ORDER_FAMILIES = ("pdftotext-raw", "pdftotext-raw-wide")

_FIGURE = re.compile(r"[0-9０-９][0-9０-９,，]*(?:\.[0-9０-９]+)?(?:元|万元|件|个|项|%)?|[—–\-/／]{1,2}|无")
UNCONFIRMED = "not confirmed by the text: rows taken in column order"
_PART_AFTER = {"active": ("二", "三"), "applications": ("三", "四"), "review": ("四", "五")}


@dataclass
class Determination:
    undetermined: set[str] = field(default_factory=set)
    values: dict[str, set] = field(default_factory=dict)         # cell -> its values across the fits
    dropped: list[str] = field(default_factory=list)            # identities the original itself breaks
    order: dict[str, str] = field(default_factory=dict)         # table -> how the text orders its figures
    unanalysed: dict[str, str] = field(default_factory=dict)    # table -> why no answer (caps)


def _figure_of(cell) -> tuple[str, object] | None:
    """The cell as the analysis sees it: None for blank, else (kind, value)."""
    return None if cell.kind == "blank" else (cell.kind, cell.value)


def identities(table) -> list[P.Identity]:
    """The template's sums over the table's cells (docs/template.md relations 1, 2, 3 and 4); the
    总计 cells waive (a 总计 left blank is a sum not written)."""
    out: list[P.Identity] = []
    if table.name == "applications" and table.variant:
        keys = [r.key for r in application_rows(table.variant)]
        leaves = [k for k in keys if k not in ("一", "二", "三.七", "四")]
        total = APPLICANT_COLUMNS[-1]
        for k in keys:
            row = [f"applications.{k}.{c}" for c in APPLICANT_COLUMNS]
            out.append(P.Identity((row[-1],), tuple(row[:-1]), frozenset({row[-1]})))
        for c in APPLICANT_COLUMNS:
            for left, right in (((f"applications.三.七.{c}",), tuple(f"applications.{k}.{c}" for k in leaves)),
                                ((f"applications.一.{c}", f"applications.二.{c}"),
                                 (f"applications.三.七.{c}", f"applications.四.{c}"))):
                out.append(P.Identity(left, right, frozenset(left + right) if c == total else frozenset()))
    elif table.name == "review":
        for g in REVIEW_GROUPS:
            cells = [f"review.{g}.{c}" for c in REVIEW_COLUMNS]
            out.append(P.Identity((cells[-1],), tuple(cells[:-1]), frozenset({cells[-1]})))
    return out


def _rows(table) -> list[tuple[str, list[str]]]:
    """The table's units of order: each row's cells in column order (表四: its fifteen cells)."""
    if table.name == "review":
        return [("表四", [f"review.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS])]
    if table.name == "applications":
        return [(r.key, [f"applications.{r.key}.{c}" for c in APPLICANT_COLUMNS])
                for r in application_rows(table.variant)]
    items = ACTIVE_ITEMS.get(table.template or "", ())
    return [(f"{i.key}.{r}", [f"active.{i.key}.{r}.{c}" for c in i.columns]) for i in items for r in i.rows]


def _text_figures(variant: Report, name: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """The figure tokens of the variant's text between the table's part heading and the next, in
    text order: (token, True when other text stands between it and the figure before); and the
    lines after that holding one figure alone (a cell pdftotext put at the end of the page)."""
    first, nxt = (variant.parts[p] for p in _PART_AFTER[name])
    if not first.present or not first.line_start:
        return [], []
    end = nxt.line_start if nxt.present and nxt.line_start and nxt.line_start > first.line_start else len(variant.lines) + 1
    out: list[tuple[str, bool]] = []
    gap = False
    for ln in variant.lines[first.line_start:end - 1]:
        for tok in ln.text.split():
            if _FIGURE.fullmatch(tok):
                out.append((tok, gap))
                gap = False
            else:
                gap = True
    later = [ln.text.strip() for ln in variant.lines[end - 1:] if _FIGURE.fullmatch(ln.text.strip())]
    return out, later


def _units(original: Report, variant: Report, name: str, det: Determination) -> list[P.Unit]:
    """The table's units with the segments the variant's text shows: when the text gives every row's
    figures in column order, one row after the other, each row is one segment; when it gives the one
    unit's figures (表四) in another order, the runs between other text are the segments, in any
    order; otherwise (not seen in the corpus) the rows' figures in column order, noted."""
    table = original.tables[name]
    rows = [(key, cells) for key, cells in _rows(table) if all(a in table.cells for a in cells)
            and not any(table.cells[a].kind == "missing" for a in cells)]
    figs = {key: tuple(f for f in (_figure_of(table.cells[a]) for a in cells) if f is not None) for key, cells in rows}
    raws = [table.cells[a].raw.strip() for _, cells in rows for a in cells if table.cells[a].kind != "blank"]
    text, later = _text_figures(variant, name)
    tokens = [t for t, _ in text]
    at = next((i for i in range(len(tokens) - len(raws) + 1) if tokens[i:i + len(raws)] == raws), None)
    if raws and at is not None:
        det.order[name] = "column order, row by row"
        return [P.Unit(key, tuple(cells), (figs[key],) if figs[key] else ()) for key, cells in rows]
    if len(rows) == 1 and raws:
        key, cells = rows[0]
        segments = _segments(table, cells, raws, text, later)
        if segments is not None:
            det.order[name] = f"runs in text order: {[len(s) for s in segments]}"
            return [P.Unit(key, tuple(cells), tuple(tuple(s) for s in segments))]
    det.order[name] = UNCONFIRMED
    return [P.Unit(key, tuple(cells), (figs[key],) if figs[key] else ()) for key, cells in rows]


def _segments(table, cells: list[str], raws: list[str], text: list[tuple[str, bool]],
              later: list[str]) -> list[list] | None:
    """One unit's figures as the text shows them: a stretch of the table's region holding exactly
    its figures, cut into runs where other text stands between; when the region holds only some of
    them, the others as figures standing alone on later lines, each a run of its own."""
    by_raw = {}
    for a in cells:
        if table.cells[a].kind != "blank":
            by_raw.setdefault(table.cells[a].raw.strip(), _figure_of(table.cells[a]))
    tokens = [t for t, _ in text]
    window = next((i for i in range(len(tokens) - len(raws) + 1)
                   if sorted(tokens[i:i + len(raws)]) == sorted(raws)), None)
    stray: list[str] = []
    if window is None:
        rest = list(raws)
        for t in tokens:
            if t not in rest:
                return None
            rest.remove(t)
        for t in reversed(later):                  # the page's last lines first
            if t in rest:
                rest.remove(t)
                stray.append(t)
        if rest:
            return None
        window = 0
    segments: list[list] = []
    for n, (tok, gap) in enumerate(text[window:window + len(raws) - len(stray)]):
        if n == 0 or gap:
            segments.append([])
        segments[-1].append(by_raw[tok])
    return segments + [[by_raw[t]] for t in stray]


_DETERMINATIONS: dict[tuple[int, int], tuple[Report, Report, Determination]] = {}


def determination(original: Report, variant: Report) -> Determination:
    """Which of the original's cells the variant's reading-order text determines (tests/placements.py):
    the original's figures, in the order the variant's text shows them, placed every way that keeps
    the identities the original itself keeps."""
    key = (id(original), id(variant))
    if key in _DETERMINATIONS and _DETERMINATIONS[key][0] is original and _DETERMINATIONS[key][1] is variant:
        return _DETERMINATIONS[key][2]
    det = Determination()
    for name, table in original.tables.items():
        if not table.present:
            continue
        units = _units(original, variant, name, det)
        covered = {a for u in units for a in u.cells}
        kept = []
        for ident in identities(table):
            if not set(ident.members) <= covered:
                continue
            if not P.holds(ident, {a: _figure_of(table.cells[a]) for a in ident.members}):
                det.dropped.append(f"{name}: {'+'.join(ident.left)} = {'+'.join(ident.right)}")
                continue
            kept.append(ident)
        try:
            analysis = P.analyse(units, kept)
        except P.TooLarge as exc:
            det.unanalysed[name] = str(exc)
            continue
        truth = {a: _figure_of(table.cells[a]) for a in analysis.values}
        if not analysis.fits or any(truth[a] not in v for a, v in analysis.values.items()):
            det.unanalysed[name] = "the original's own placement does not fit (order model wrong)"
            continue
        det.values.update(analysis.values)
        det.undetermined |= analysis.undetermined()
    _DETERMINATIONS[key] = (original, variant, det)
    return det


def _where(finding) -> tuple[str, str]:
    """A finding by rule and the place it points at (table and cells, else the part): the ledger's
    anchor (engine/ledger/ids.py), so a finding on another row is another finding."""
    from engine.ledger.ids import anchor_of, evidence_map

    return finding.rule_id, anchor_of(evidence_map(finding.evidence))


def error_findings(results) -> set[tuple[str, str]]:
    """Findings that count against the agency — charged to it and counted (a finding without
    `charge` counts), of severity error or scored (a warning with points is in the letter too) —
    by rule and place."""
    return {_where(f) for r in results if r.outcome == "fail" for f in r.findings
            if (f.severity == "error" or f.points) and getattr(f, "charge", "agency") == "agency"
            and getattr(f, "counted", True)}


def new_error_findings(original: Report, variant: Report, catalog) -> set[tuple[str, str]]:
    """Error findings charged to the agency that the variant gets and its original does not, by rule
    and place (reading limits must not become the agency's defects)."""
    from engine.evaluate import evaluate

    # what the original has at all (even 待人工核对: a row of six values in copied text) is not new
    # when a variant laid out as a grid charges it to the agency
    seen = {_where(f) for r in evaluate(original, catalog) if r.outcome == "fail" for f in r.findings}
    return error_findings(evaluate(variant, catalog)) - seen


def main(argv: list[str]) -> int:
    from engine.parse import parse_file

    if len(argv) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    out = Path(argv[0])
    for original in originals():
        report = parse_file(original.path)
        for family, path in sorted(build_variants(original, report, out / original.name).items()):
            print(original.name, family, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
