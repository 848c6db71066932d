"""OUT/summary.xlsx and OUT/summary.csv, the tables an office filters and sorts.

summary.xlsx: sheet 报告 (a row per input: score, grade, counts, 待人工核对, main problems, points
deducted per scoring category, links to the HTML and Word letters), sheet 问题 (a row per finding,
cells and quotes bounded to what a cell can show), sheet 未报送单位 with a list of agencies. Every
sheet has its header row frozen and an autofilter; every value is in Chinese words (labels.py).
A sheet that would pass Excel's row limit (MAX_SHEET_ROWS) continues on "问题（2）", "问题（3）", …
with the same header. summary.csv holds the 报告 sheet's rows (same columns, the letters' relative
paths as text), UTF-8 with BOM so that Excel on a Chinese Windows opens it correctly.

The xlsx is made reproducible: workbook properties carry the run date and the zip members a fixed
timestamp, so two runs on the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import zipfile
from copy import copy
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from engine.model import AuditRecord, AuditSummary, Finding, RecordHead
from engine.render.docx_letter import docx_path
from engine.render.labels import CATEGORY_ORDER, SEVERITY_LABELS, STATUS_LABELS, TABLE_LABELS, part_label
from engine.render.letter_cells import bounded_quote, cell_anchors, shown_value
from engine.render.letter_content import public_basis
from engine.render.triage import main_problems
from engine.score import RuleInfo
from engine.template import describe_address

_CORE_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

# The 报告 columns; after 主要问题 come the points deducted per scoring category ("完整性扣分", …:
# report_columns), then the rest.
REPORT_HEAD = ("来源文件", "状态", "说明", "单位", "年度", "模板", "得分", "等级", "错误", "警告", "提示",
               "待人工核对", "无法核对", "主要问题")
REPORT_TAIL = ("意见书（网页）", "意见书（Word）", "文号", "审核引擎", "上年报告", "重复于", "SHA256")
LINK_COLUMNS = ("意见书（网页）", "意见书（Word）")
FINDING_COLUMNS = ("来源文件", "单位", "年度", "规则编号", "严重程度", "类别", "问题", "说明", "扣分", "部分", "表格",
                   "单元格", "数值", "行号", "位置", "原文", "整改要求", "依据", "问题编号", "复核状态")
ENGINE_LABELS = {"durable": "规则引擎", "reference": "参考引擎（备用）"}

# Excel's rows per sheet (header included). A module constant so that tests can lower it.
MAX_SHEET_ROWS = 1_048_576
# What a finding's row shows: the first cells (then "等 N 个单元格") and a window of the source
# text around them — a cell is read, not scrolled; findings.json has everything.
CELLS_SHOWN = 6
QUOTE_CHARS = 200
QUOTE_LEAD_CHARS = 60
VALUE_CHARS = 20

# Rows of the 报告 sheet and summary.csv are turned into frames this many at a time, so that a
# large audit never has all of them in one frame (memory flat in the number of reports).
REPORT_CHUNK = 500


# A text cell starting with one of these is read as a formula by spreadsheet programs (CSV
# injection: an agency named =HYPERLINK(…) would become a live link). In summary.csv such a cell
# gets a leading apostrophe (OWASP's advice: shown as text); in summary.xlsx every text cell is
# stored as a string, never as a formula (openpyxl otherwise writes "=…" as one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def frame_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if not text:
        return frame
    out = frame.copy()
    for c in text:
        out[c] = out[c].map(csv_safe)
    return out


def _xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Values as appended to a write-only sheet; a text starting with "=" becomes an explicit
    string cell (everything else is appended as is: the common case stays cheap)."""
    out = []
    for v in values:
        if isinstance(v, str) and v.startswith("="):
            cell = WriteOnlyCell(sheet, value=v)
            cell.data_type = "s"
            v = cell
        out.append(v)
    return out


def scoring_categories(rule_info: dict[str, RuleInfo] | None, reports: Iterable[RecordHead] = ()) -> list[str]:
    """The scoring categories the 报告 sheet has a column for: the usual ones (labels.CATEGORY_ORDER,
    the same columns in every run), then any other category of the catalog's rules (or, without the
    catalog, of the reports' deductions)."""
    if rule_info:
        extra = (info.category for info in rule_info.values())
    else:
        extra = (c for r in reports for c in (getattr(r, "deductions", None) or {}))
    return list(dict.fromkeys((*CATEGORY_ORDER, *(c for c in extra if c))))


def report_columns(categories: Iterable[str]) -> tuple[str, ...]:
    return (*REPORT_HEAD, *(f"{c}扣分" for c in categories), *REPORT_TAIL)


REPORT_COLUMNS = report_columns(CATEGORY_ORDER)     # the 报告 columns with the usual categories


def letter_links(letter: str | None) -> tuple[str, str]:
    """The HTML and Word letters' paths relative to OUT, from the record's own letter path."""
    if not letter:
        return "", ""
    return letter, docx_path(letter)


def report_row(r: AuditSummary | AuditRecord, categories: Iterable[str] = ()) -> dict[str, Any]:
    audited = r.status == "audited"
    counts = r.counts
    deductions = (r.deductions if isinstance(r, AuditSummary) else r.scoring.get("by_category") or {}) if audited else {}
    html, docx = letter_links(r.letter)
    return {
        "来源文件": r.source,
        "状态": STATUS_LABELS.get(r.status, r.status),
        "说明": r.message or (r.engine_note or ""),
        "单位": r.agency or "",
        "年度": r.year,
        "模板": r.template or "",
        "得分": r.score if audited else None,
        "等级": r.grade or "",
        "错误": counts.get("error") if audited else None,
        "警告": counts.get("warning") if audited else None,
        "提示": counts.get("info") if audited else None,
        "待人工核对": r.manual if audited else None,
        "无法核对": len(r.not_assessable) if audited else None,
        "主要问题": "；".join(main_problems(r.findings)) if audited else "",
        **{f"{c}扣分": (deductions.get(c, 0) if audited else None) for c in categories},
        "意见书（网页）": html,
        "意见书（Word）": docx,
        "文号": r.reference_number or "",
        "审核引擎": ENGINE_LABELS.get(r.engine or "", ""),
        "上年报告": r.previous_source or "",
        "重复于": r.duplicate_of or "",
        "SHA256": r.sha256 or "",
    }


_describe = functools.lru_cache(maxsize=8192)(describe_address)


def cells_cell(cells: list[str]) -> str:
    """The first CELLS_SHOWN cells in words, then how many there are."""
    shown = "；".join(_describe(c) for c in cells[:CELLS_SHOWN])
    return shown + (f" 等 {len(cells)} 个单元格" if len(cells) > CELLS_SHOWN else "")


def values_cell(values: dict[str, Any]) -> str:
    """Stated values in words: 表三“…”行“自然人”列：5；…（空白）— never a token such as "=blank"."""
    items = list(values.items())
    parts = []
    for address, value in items[:CELLS_SHOWN]:
        text = shown_value(value)
        if text is None:
            raw = "" if value is None else str(value)
            text = (raw[:VALUE_CHARS] + "…") if len(raw) > VALUE_CHARS else (raw or "（未填写）")
        parts.append(f"{_describe(address)}：{text}")
    return "；".join(parts) + (f" 等 {len(items)} 个单元格" if len(items) > CELLS_SHOWN else "")


def finding_rows(reports: Iterable[AuditRecord]) -> Iterator[dict[str, Any]]:
    for r in reports:
        for f in r.findings:
            ev = f.evidence
            cells = list(ev.cells or [])
            yield {
                "来源文件": r.source, "单位": r.agency or "", "年度": r.year,
                "规则编号": f.rule_id, "严重程度": SEVERITY_LABELS.get(f.severity, f.severity),
                "类别": f.category, "问题": f.title, "说明": f.message, "扣分": f.points,
                "部分": part_label(ev.part), "表格": TABLE_LABELS.get(ev.table or "", ""),
                "单元格": cells_cell(cells), "数值": values_cell(ev.values or {}),
                "行号": ev.line, "位置": ev.where or "",
                "原文": bounded_quote(ev.excerpt, cell_anchors(cells), QUOTE_CHARS, QUOTE_LEAD_CHARS) or "",
                "整改要求": f.remedy or "", "依据": public_basis(f.basis),
                "问题编号": f.id or "", "复核状态": review_label(f),
            }


def review_label(f: Finding) -> str:
    """The 问题 sheet's 复核状态: what a review decision (xxgk-audit review, by 问题编号) made of it."""
    d = f.decision or {}
    if d.get("status") == "dismissed":
        if d.get("expired"):
            return f"豁免已于 {d.get('until')} 到期，重新计入"
        return f"已排除（豁免至 {d['until']}）" if d.get("until") else "已排除"
    if d.get("status") == "confirmed":
        return "已确认"
    return "" if f.counted else "待人工核对"


def write_tables(document: dict[str, Any], out_dir: Path, run_date: dt.date,
                 findings_of: Callable[[], Iterable[AuditRecord]] | None = None,
                 workbook: "SummaryWorkbook | None" = None,
                 rule_info: dict[str, RuleInfo] | None = None) -> None:
    """summary.csv and summary.xlsx. `document["reports"]` may be AuditSummary objects; `findings_of()`
    then yields the full AuditRecords one at a time for the 问题 sheet (default: document["reports"]).
    `workbook`: a SummaryWorkbook whose 问题 sheet already holds the findings of the first reports
    (filled while the run was still evaluating); `findings_of()` then yields the remaining ones.
    `rule_info` (the catalog's rules) names the scoring categories of the deduction columns."""
    book = workbook if workbook is not None else SummaryWorkbook(run_date)
    categories = scoring_categories(rule_info, document["reports"])
    book.start_reports(categories)
    # utf-8-sig: the BOM once, at the top; each frame adds its rows
    with open(out_dir / "summary.csv", "w", encoding="utf-8-sig", newline="") as csv_file:
        for i, frame in enumerate(report_frames(document["reports"], categories=categories)):
            # %g: scores read 85 and 99.5, as in the letters
            frame_for_csv(frame).to_csv(csv_file, index=False, header=(i == 0), lineterminator="\r\n",
                                        float_format="%g")
            book.add_report_frame(frame)
    full = findings_of() if findings_of else document["reports"]
    book.add_findings(full)
    if document.get("missing_agencies"):
        book.add_missing_agencies(document["missing_agencies"])
    book.save(out_dir / "summary.xlsx")


def report_frames(reports: Iterable[AuditSummary | AuditRecord], chunk: int | None = None,
                  categories: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The per-report rows as frames of at most `chunk` (REPORT_CHUNK) rows; at least one frame."""
    chunk = chunk or REPORT_CHUNK
    categories = categories or []
    rows: list[dict[str, Any]] = []
    first = True
    for r in reports:
        rows.append(report_row(r, categories))
        if len(rows) == chunk:
            yield report_frame(rows, categories)
            rows, first = [], False
    if rows or first:
        yield report_frame(rows, categories)


def report_frame(rows: list[dict[str, Any]], categories: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(report_columns(categories or [])))
    for column in ("年度", "错误", "警告", "提示", "待人工核对", "无法核对"):
        frame[column] = frame[column].astype("Int64")
    return frame


def write_xlsx(path: Path, reports: pd.DataFrame, findings: Iterable[dict[str, Any]], run_date: dt.date) -> None:
    """Sheet 报告 from the per-report frame, sheet 问题 from the finding rows (finding_rows)."""
    book = SummaryWorkbook(run_date)
    book.add_finding_rows(findings)
    book.start_reports([c[:-2] for c in reports.columns if c.endswith("扣分")])
    book.save(path, reports)


class SheetSeries:
    """One logical sheet of a write-only workbook: the header row bold and frozen, an autofilter
    over all rows, and — before Excel's row limit (MAX_SHEET_ROWS) — a continuation sheet
    "名称（2）", "名称（3）", … with the same header. The first sheet is created at once (so it keeps
    its place among the sheets); the header may come later (`begin`), before the first row."""

    def __init__(self, book: Workbook, name: str, widths: tuple[int, ...], columns: Iterable[str] | None = None):
        self._book, self.name, self._widths = book, name, widths
        self.sheets: list[tuple[Any, int]] = []      # (sheet, rows written: header included)
        self._sheet = self._new_sheet(name)
        self._rows = 0
        self.columns: tuple[str, ...] = ()
        if columns is not None:
            self.begin(columns)

    def _new_sheet(self, name: str) -> Any:
        sheet = self._book.create_sheet(name)
        for i, width in enumerate(self._widths):
            sheet.column_dimensions[get_column_letter(i + 1)].width = width
        sheet.freeze_panes = "A2"
        return sheet

    def begin(self, columns: Iterable[str]) -> None:
        self.columns = tuple(str(c) for c in columns)
        self._header()

    def _header(self) -> None:
        bold = Font(bold=True)
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self._sheet, value=column)
            cell.font = bold
            header.append(cell)
        self._sheet.append(header)
        self._rows = 1

    @property
    def sheet(self) -> Any:
        """The sheet the next row goes to (cells are made for it)."""
        if self._rows >= MAX_SHEET_ROWS:
            self._close_sheet()
            self._sheet = self._new_sheet(f"{self.name}（{len(self.sheets) + 1}）")
            self._header()
        return self._sheet

    def append(self, values: list[Any]) -> None:
        """Appends a row made for `self.sheet` (ask for it first when the row holds cells)."""
        self.sheet.append(values)
        self._rows += 1

    def _close_sheet(self) -> None:
        if self.columns:
            self._sheet.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self._rows}"
        self.sheets.append((self._sheet, self._rows))

    def close(self) -> None:
        self._close_sheet()


class SummaryWorkbook:
    """summary.xlsx built in two steps: the 问题 sheet is filled report by report as records become
    available (add_findings, in output order), the 报告 sheet when every record is known (save).

    openpyxl's write-only mode streams each sheet to its own temporary file (three times faster than
    DataFrame.to_excel on thousands of findings and flat in memory) and writes strings inline, so the
    order in which the two sheets receive their rows does not change the bytes: the workbook is the
    same as when 报告 is written first. 报告 is created first so it stays the first sheet (its
    continuation sheets, if a run ever needs them, come after the 问题 sheets)."""

    def __init__(self, run_date: dt.date):
        self._stamp = dt.datetime.combine(run_date, dt.time())
        self._book = Workbook(write_only=True)
        self._book.properties.creator = self._book.properties.lastModifiedBy = "xxgk-audit"
        self._book.properties.created = self._book.properties.modified = self._stamp
        self._reports = SheetSeries(self._book, "报告", (34, 12, 40, 24))
        self._findings = SheetSeries(self._book, "问题", (34, 24, 8, 22, 8, 10, 30, 60), FINDING_COLUMNS)
        self._series = [self._reports, self._findings]
        self._link_style: Any = None

    def start_reports(self, categories: Iterable[str]) -> None:
        """The 报告 sheet's header: its deduction columns are the scoring categories."""
        if not self._reports.columns:
            self._reports.begin(report_columns(categories))

    def add_findings(self, reports: Iterable[AuditRecord]) -> None:
        """The findings of these full records (in output order) as rows of the 问题 sheet."""
        self.add_finding_rows(finding_rows(reports))

    def add_finding_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        series = self._findings
        for row in rows:
            series.append(_xlsx_row(series.sheet, (row[c] for c in FINDING_COLUMNS)))

    def add_missing_agencies(self, agencies: Iterable[dict[str, Any]]) -> None:
        """Sheet 未报送单位: the listed agencies with no audited report (findings.json's missing_agencies)."""
        series = SheetSeries(self._book, "未报送单位", (40, 8, 50), ("单位名称", "类型", "链接"))
        self._series.append(series)
        for a in agencies:
            series.append(_xlsx_row(series.sheet, (a["name"], a["kind"], a.get("url") or "")))

    def add_report_frame(self, reports: pd.DataFrame) -> None:
        """Rows of the 报告 sheet from a per-report frame (columns report_columns), in output order."""
        self.start_reports([c[:-2] for c in reports.columns if c.endswith("扣分")])
        if tuple(reports.columns) != self._reports.columns:
            raise ValueError(f"报告表的列与表头不一致：{list(reports.columns)}")
        links = [i for i, c in enumerate(reports.columns) if c in LINK_COLUMNS]
        series = self._reports
        for row in reports.astype(object).itertuples(index=False, name=None):
            sheet = series.sheet
            values = _xlsx_row(sheet, (None if pd.isna(v) else v for v in row))
            for i in links:
                if values[i]:
                    values[i] = self._link(sheet, values[i])
            series.append(values)

    def _link(self, sheet: Any, target: str) -> WriteOnlyCell:
        """A cell showing the letter's relative path, linked to it (opens from the unpacked folder)."""
        cell = WriteOnlyCell(sheet, value=target)
        cell.data_type = "s"
        cell.hyperlink = target.replace(" ", "%20")
        if self._link_style is None:         # one style lookup; then each link copies its index
            cell.font = Font(color="0563C1", underline="single")
            self._link_style = copy(cell._style)
        else:
            cell._style = copy(self._link_style)
        return cell

    def save(self, path: Path, reports: pd.DataFrame | None = None) -> None:
        """Saves the workbook; `reports`: a last (or the only) per-report frame to add first."""
        if reports is not None:
            self.add_report_frame(reports)
        self.start_reports(())
        for series in self._series:
            series.close()
        save_reproducibly(self._book, path, self._stamp)


def save_reproducibly(book: Any, path: Path, stamp: dt.datetime) -> None:
    """Save through openpyxl's own writer into an archive that stamps every member with the run
    date as it is written, so the workbook is compressed once (a rewrite pass used to cost a
    decompress and a second deflate of the whole file)."""

    with FixedTimeZip(path, stamp) as archive:
        ExcelWriter(book, archive).save()


class FixedTimeZip(zipfile.ZipFile):
    """A zip for writing whose members all carry one timestamp and plain file permissions;
    docProps/core.xml gets its save-time stamp replaced by the same date."""

    def __init__(self, path: Path, stamp: dt.datetime):
        super().__init__(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._stamp = stamp
        self._date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # noqa: D102
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if name == "docProps/core.xml":   # openpyxl stamps the save time here
            data = _CORE_MODIFIED.sub(rb"\g<1>" + self._stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                                      + rb"\g<2>", data)
        super().writestr(self._info(name), data)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # noqa: D102

        info = self._info(arcname or Path(filename).name)
        info.file_size = Path(filename).stat().st_size   # lets zipfile decide on zip64 as write() does
        with open(filename, "rb") as fin, self.open(info, "w") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
