"""OUT/summary.xlsx (sheet 报告: a row per input; sheet 问题: a row per finding) and OUT/summary.csv
(the per-input rows, UTF-8 with BOM so that Excel on a Chinese Windows opens it correctly).

The xlsx is made reproducible: workbook properties carry the run date and the zip members a fixed
timestamp, so two runs on the same inputs give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from engine.model import AuditRecord, AuditSummary, Finding
from engine.render.labels import SEVERITY_LABELS, STATUS_LABELS, TABLE_LABELS, part_label
from engine.template import describe_address

_CORE_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")

REPORT_COLUMNS = ("来源文件", "状态", "说明", "单位", "年度", "模板", "得分", "等级", "错误", "警告", "提示",
                  "无法核对", "审核意见书", "文号", "审核引擎", "上年报告", "重复于", "SHA256")
FINDING_COLUMNS = ("来源文件", "单位", "年度", "规则编号", "严重程度", "类别", "问题", "说明", "扣分", "部分", "表格",
                   "单元格", "数值", "行号", "位置", "原文", "整改要求", "依据", "问题编号", "复核状态")


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


def report_row(r: AuditSummary | AuditRecord) -> dict[str, Any]:
    audited = r.status == "audited"
    counts = r.counts
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
        "无法核对": len(r.not_assessable) if audited else None,
        "审核意见书": r.letter or "",
        "文号": r.reference_number or "",
        "审核引擎": {"durable": "durable-rules", "reference": "参考引擎"}.get(r.engine or "", ""),
        "上年报告": r.previous_source or "",
        "重复于": r.duplicate_of or "",
        "SHA256": r.sha256 or "",
    }


def finding_rows(reports: Iterable[AuditRecord]) -> Iterator[dict[str, Any]]:
    for r in reports:
        for f in r.findings:
            ev = f.evidence
            values = ev.values or {}
            yield {
                "来源文件": r.source, "单位": r.agency or "", "年度": r.year,
                "规则编号": f.rule_id, "严重程度": SEVERITY_LABELS.get(f.severity, f.severity),
                "类别": f.category, "问题": f.title, "说明": f.message, "扣分": f.points,
                "部分": part_label(ev.part), "表格": TABLE_LABELS.get(ev.table or "", ""),
                "单元格": "；".join(describe_address(c) for c in ev.cells or []),
                "数值": "；".join(f"{describe_address(k)}={v}" for k, v in values.items()),
                "行号": ev.line, "位置": ev.where or "", "原文": ev.excerpt or "",
                "整改要求": f.remedy or "", "依据": f.basis or "",
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
                 workbook: "SummaryWorkbook | None" = None) -> None:
    """summary.csv and summary.xlsx. `document["reports"]` may be AuditSummary objects; `findings_of()`
    then yields the full AuditRecords one at a time for the 问题 sheet (default: document["reports"]).
    `workbook`: a SummaryWorkbook whose 问题 sheet already holds the findings of the first reports
    (filled while the run was still evaluating); `findings_of()` then yields the remaining ones."""
    book = workbook if workbook is not None else SummaryWorkbook(run_date)
    # utf-8-sig: the BOM once, at the top; each frame adds its rows
    with open(out_dir / "summary.csv", "w", encoding="utf-8-sig", newline="") as csv_file:
        for i, frame in enumerate(report_frames(document["reports"])):
            # %g: scores read 85 and 99.5, as in the letters
            frame_for_csv(frame).to_csv(csv_file, index=False, header=(i == 0), lineterminator="\r\n",
                                        float_format="%g")
            book.add_report_frame(frame)
    full = findings_of() if findings_of else document["reports"]
    book.add_findings(full)
    if document.get("missing_agencies"):
        book.add_missing_agencies(document["missing_agencies"])
    book.save(out_dir / "summary.xlsx")


def report_frames(reports: Iterable[AuditSummary | AuditRecord], chunk: int | None = None) -> Iterator[pd.DataFrame]:
    """The per-report rows as frames of at most `chunk` (REPORT_CHUNK) rows; at least one frame."""
    chunk = chunk or REPORT_CHUNK
    rows: list[dict[str, Any]] = []
    first = True
    for r in reports:
        rows.append(report_row(r))
        if len(rows) == chunk:
            yield report_frame(rows)
            rows, first = [], False
    if rows or first:
        yield report_frame(rows)


def report_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    for column in ("年度", "错误", "警告", "提示", "无法核对"):
        frame[column] = frame[column].astype("Int64")
    return frame


def write_xlsx(path: Path, reports: pd.DataFrame, findings: Iterable[dict[str, Any]], run_date: dt.date) -> None:
    """Sheet 报告 from the per-report frame, sheet 问题 from the finding rows (finding_rows)."""
    book = SummaryWorkbook(run_date)
    book.add_finding_rows(findings)
    book.save(path, reports)


class SummaryWorkbook:
    """summary.xlsx built in two steps: the 问题 sheet is filled report by report as records become
    available (add_findings, in output order), the 报告 sheet when every record is known (save).

    openpyxl's write-only mode streams each sheet to its own temporary file (three times faster than
    DataFrame.to_excel on thousands of findings and flat in memory) and writes strings inline, so the
    order in which the two sheets receive their rows does not change the bytes: the workbook is the
    same as when 报告 is written first. 报告 is created first so it stays the first sheet; the
    header rows are bold and frozen."""

    def __init__(self, run_date: dt.date):

        self._stamp = dt.datetime.combine(run_date, dt.time())
        self._book = Workbook(write_only=True)
        self._book.properties.creator = self._book.properties.lastModifiedBy = "xxgk-audit"
        self._book.properties.created = self._book.properties.modified = self._stamp
        self._reports = self._sheet_with_header("报告", REPORT_COLUMNS, (34, 12, 40, 24))
        self._findings = self._sheet_with_header("问题", FINDING_COLUMNS, (34, 24, 8, 22, 8, 10, 30, 60))

    def _sheet_with_header(self, name: str, columns: Iterable[str], widths: tuple[int, ...]) -> Any:

        bold = Font(bold=True)
        sheet = self._book.create_sheet(name)
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=str(column))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        return sheet

    def add_findings(self, reports: Iterable[AuditRecord]) -> None:
        """The findings of these full records (in output order) as rows of the 问题 sheet."""
        self.add_finding_rows(finding_rows(reports))

    def add_finding_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        append, sheet = self._findings.append, self._findings
        for row in rows:
            append(_xlsx_row(sheet, (row[c] for c in FINDING_COLUMNS)))

    def add_missing_agencies(self, agencies: Iterable[dict[str, Any]]) -> None:
        """Sheet 未报送单位: the listed agencies with no audited report (findings.json's missing_agencies)."""
        sheet = self._sheet_with_header("未报送单位", ("单位名称", "类型", "链接"), (40, 8, 50))
        for a in agencies:
            sheet.append([a["name"], a["kind"], a.get("url") or ""])

    def add_report_frame(self, reports: pd.DataFrame) -> None:
        """Rows of the 报告 sheet from a per-report frame (columns REPORT_COLUMNS), in output order."""
        if tuple(reports.columns) != REPORT_COLUMNS:
            raise ValueError(f"报告表的列与 REPORT_COLUMNS 不一致：{list(reports.columns)}")
        for row in reports.astype(object).itertuples(index=False, name=None):
            self._reports.append(_xlsx_row(self._reports, (None if pd.isna(v) else v for v in row)))

    def save(self, path: Path, reports: pd.DataFrame | None = None) -> None:
        """Saves the workbook; `reports`: a last (or the only) per-report frame to add first."""
        if reports is not None:
            self.add_report_frame(reports)
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
