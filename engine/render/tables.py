"""OUT/summary.xlsx and OUT/summary.csv, the tables an office filters and sorts.

summary.xlsx: sheet 报告 (a row per input: score, grade, counts, 待人工核对, main problems, points
deducted per scoring category, links to the HTML and Word letters), sheet 问题 (a row per finding,
cells and quotes bounded to what a cell can show), sheet 未报送单位 with a list of agencies. Every
sheet has its header row frozen and an autofilter; every value is in Chinese words (labels.py).
A sheet that would pass Excel's row limit (MAX_SHEET_ROWS) continues on "问题（2）", "问题（3）", …
with the same header. summary.csv holds the 报告 sheet's rows (same columns, the letters' relative
paths as text), UTF-8 with BOM so that Excel on a Chinese Windows opens it correctly.

The xlsx is written by engine/render/xlsx_stream.py (rows streamed to temporary files, nothing kept
per row, hyperlinks included) and made reproducible: a fixed date in its properties and on every zip
member, so two runs on the same inputs give the same bytes. summary.csv is written row by row with
the csv module, in the format pandas' DataFrame.to_csv gave it (floats with %g, empty for none).
Neither pandas nor openpyxl is imported here: the writer process starts without them.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.model import AuditRecord, AuditSummary, RecordHead
from engine.render import posix_names
# the 问题 rows (finding_rows.py); their names stay importable from here
from engine.render.finding_rows import (CELLS_SHOWN, FINDING_COLUMNS, QUOTE_CHARS, QUOTE_LEAD_CHARS,  # noqa: F401
                                        VALUE_CHARS, cells_cell, finding_rows, finding_values, review_label,
                                        values_cell)
from engine.render.labels import CATEGORY_ORDER, STATUS_LABELS
from engine.render.triage import main_problems
from engine.render.xlsx_stream import STYLE_BOLD, XlsxBook, XlsxSheet
from engine.score import RuleInfo


# The 报告 columns; after 主要问题 come the points deducted per scoring category ("完整性扣分", …:
# report_columns), then the rest.
REPORT_HEAD = ("来源文件", "状态", "说明", "单位", "年度", "模板", "得分", "等级", "错误", "警告", "提示",
               "待人工核对", "无法核对", "主要问题")
REPORT_TAIL = ("意见书（网页）", "意见书（Word）", "文号", "审核引擎", "上年报告", "重复于", "SHA256")
LINK_COLUMNS = ("意见书（网页）", "意见书（Word）")
ENGINE_LABELS = {"durable": "规则引擎", "reference": "参考引擎（备用）"}

# Excel's rows per sheet (header included) and hyperlinks per sheet (the 报告 sheet has two per
# report: it continues on 报告（2） after 32,765 reports). Module constants so that tests can lower them.
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_LINKS = 65_530

# A text cell starting with one of these is read as a formula by spreadsheet programs (CSV
# injection: an agency named =HYPERLINK(…) would become a live link). In summary.csv such a cell
# gets a leading apostrophe (OWASP's advice: shown as text); in summary.xlsx every text cell is
# stored as a string, never as a formula (xlsx_stream writes text as inline strings only).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def csv_cell(value: Any) -> Any:
    """A 报告 value as summary.csv shows it: none empty, a float with %g (scores read 85 and 99.5, as
    in the letters), text guarded against formulas (csv_safe)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else "%g" % value
    return csv_safe(value)


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
    """The HTML and Word letters' paths relative to OUT, from the record's own letter path
    (docx_letter.docx_path, by string operations: posix_names)."""
    if not letter:
        return "", ""
    return letter, posix_names.stem_and_docx(letter)[1]


def report_row(r: AuditSummary | AuditRecord, categories: Iterable[str] = ()) -> dict[str, Any]:
    """The 报告 row of a report, keyed by its columns (report_columns(categories))."""
    categories = list(categories)
    return dict(zip(report_columns(categories), report_values(r, categories)))


def report_values(r: AuditSummary | AuditRecord, categories: list[str]) -> list[Any]:
    """The 报告 row's values in the order of report_columns(categories)."""
    audited = r.status == "audited"
    html, docx = letter_links(r.letter)
    head = [r.source, STATUS_LABELS.get(r.status, r.status), r.message or (r.engine_note or ""), r.agency or "",
            r.year, r.template or ""]
    if audited:
        counts = r.counts
        deductions = r.deductions if isinstance(r, AuditSummary) else r.scoring.get("by_category") or {}
        head += [r.score, r.grade or "", counts.get("error"), counts.get("warning"), counts.get("info"), r.manual,
                 len(r.not_assessable), "；".join(main_problems(r.findings))]
        head += [deductions.get(c, 0) for c in categories]
    else:
        head += [None, r.grade or "", None, None, None, None, None, ""]
        head += [None] * len(categories)
    head += [html, docx, r.reference_number or "", ENGINE_LABELS.get(r.engine or "", ""), r.previous_source or "",
             r.duplicate_of or "", r.sha256 or ""]
    return head


def write_tables(document: dict[str, Any], out_dir: Path, run_date: dt.date,
                 findings_of: Callable[[], Iterable[AuditRecord]] | None = None,
                 workbook: "SummaryWorkbook | None" = None,
                 rule_info: dict[str, RuleInfo] | None = None,
                 reports: "ReportStream | None" = None) -> None:
    """summary.csv and summary.xlsx. `document["reports"]` may be AuditSummary objects; `findings_of()`
    then yields the full AuditRecords one at a time for the 问题 sheet (default: document["reports"]).
    `workbook`: a SummaryWorkbook whose 问题 sheet already holds the findings of the first reports
    (filled while the run was still evaluating); `findings_of()` then yields the remaining ones.
    `reports`: the ReportStream (of `workbook`) that already wrote the 报告 rows of the first
    `reports.rows` reports of `document["reports"]` (and their summary.csv rows) while the run was
    evaluating; the rest are written here (all of them again, should its columns not be this run's).
    `rule_info` (the catalog's rules) names the scoring categories of the deduction columns.
    One pass over the reports: each row goes to the csv and the 报告 sheet, then is dropped."""
    book = workbook if workbook is not None else SummaryWorkbook(run_date)
    try:
        categories = scoring_categories(rule_info, document["reports"])
        if reports is None or reports.categories != categories:
            if reports is not None:
                reports.close()
                book.restart_reports()
            reports = ReportStream(book, out_dir, categories)
        rest = document["reports"]
        with reports:
            for r in rest[reports.rows:] if reports.rows else rest:
                reports.add(r)
        full = findings_of() if findings_of else document["reports"]
        book.add_findings(full)
        if document.get("missing_agencies"):
            book.add_missing_agencies(document["missing_agencies"])
        book.save(out_dir / "summary.xlsx")
    finally:
        if reports is not None:
            reports.close()
        book.close()


class ReportStream:
    """The 报告 sheet of a SummaryWorkbook and summary.csv (its rows), written one report at a time in
    output order — while the run evaluates, as far as the reports are final (the spreadsheet writer:
    engine/run/outputs.py), and the rest when the run ends (write_tables). `rows`: reports written."""

    def __init__(self, book: "SummaryWorkbook", out_dir: Path, categories: list[str]):
        self.book, self.categories = book, list(categories)
        book.start_reports(self.categories)
        self.rows = 0
        # utf-8-sig: the BOM once, at the top
        self._file = open(Path(out_dir) / "summary.csv", "w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file, lineterminator="\r\n")
        self._csv.writerow(report_columns(self.categories))

    def add(self, r: AuditSummary | AuditRecord) -> None:
        values = report_values(r, self.categories)
        # csv_cell, with its commonest cases (text that is no formula, an int) inline
        self._csv.writerow([v if type(v) is int or (type(v) is str and not v.startswith(FORMULA_START))
                            else csv_cell(v) for v in values])
        self.book.add_report_values(values)
        self.rows += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "ReportStream":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


def write_xlsx(path: Path, reports: Iterable[dict[str, Any]], findings: Iterable[dict[str, Any]],
               run_date: dt.date) -> None:
    """Sheet 报告 from per-report rows (report_row), sheet 问题 from the finding rows (finding_rows)."""
    book = SummaryWorkbook(run_date)
    book.add_finding_rows(findings)
    book.save(path, reports)


class SheetSeries:
    """One logical sheet: the header row bold and frozen, an autofilter over all rows, and — before
    Excel's row limit (MAX_SHEET_ROWS) or its hyperlink limit (MAX_SHEET_LINKS) — a continuation
    sheet "名称（2）", "名称（3）", … with the same header. The first sheet is created at once (so it
    keeps its place among the sheets); the header may come later (`begin`), before the first row."""

    def __init__(self, book: XlsxBook, name: str, widths: tuple[int, ...], columns: Iterable[str] | None = None):
        self._book, self.name, self._widths = book, name, widths
        self.sheets: list[XlsxSheet] = [book.add_sheet(name, widths)]
        self.columns: tuple[str, ...] = ()
        if columns is not None:
            self.begin(columns)

    def begin(self, columns: Iterable[str]) -> None:
        self.columns = tuple(str(c) for c in columns)
        self._header(self.sheets[-1])

    def _header(self, sheet: XlsxSheet) -> None:
        sheet.write_row(self.columns, STYLE_BOLD)
        sheet.autofilter = True

    def append(self, values: list[Any], links: dict[int, str] | None = None) -> None:
        """The next row; `links`: column index → hyperlink target."""
        sheet = self.sheets[-1]
        if sheet.rows >= MAX_SHEET_ROWS or (links and sheet.links + len(links) > MAX_SHEET_LINKS):
            sheet = self._book.add_sheet(f"{self.name}（{len(self.sheets) + 1}）", self._widths)
            self.sheets.append(sheet)
            self._header(sheet)
        sheet.write_row(values, links=links)


class SummaryWorkbook:
    """summary.xlsx built in two steps: the 问题 sheet is filled report by report as records become
    available (add_findings, in output order), the 报告 sheet when every record is known.

    Each sheet streams to its own temporary files (xlsx_stream), so the order in which the two sheets
    receive their rows does not change the bytes: the workbook is the same as when 报告 is written
    first. 报告 is created first so it stays the first sheet (its continuation sheets, if a run ever
    needs them, come after the 问题 sheets)."""

    def __init__(self, run_date: dt.date):
        self._stamp = dt.datetime.combine(run_date, dt.time())
        self._book = XlsxBook(self._stamp, creator="xxgk-audit")
        self._reports = SheetSeries(self._book, "报告", (34, 12, 40, 24))
        self._findings = SheetSeries(self._book, "问题", (34, 24, 8, 22, 8, 10, 30, 60), FINDING_COLUMNS)
        self._links: tuple[int, ...] = ()

    def start_reports(self, categories: Iterable[str]) -> None:
        """The 报告 sheet's header: its deduction columns are the scoring categories."""
        if not self._reports.columns:
            self._reports.begin(report_columns(categories))
            self._links = tuple(i for i, c in enumerate(self._reports.columns) if c in LINK_COLUMNS)

    def restart_reports(self) -> None:
        """The 报告 sheet emptied (its rows are to be written again, perhaps with other columns)."""
        old = self._reports
        for sheet in old.sheets:
            sheet.close()
            self._book.sheets.remove(sheet)
        self._reports = SheetSeries(self._book, "报告", old._widths)
        self._links = ()

    def add_findings(self, reports: Iterable[AuditRecord]) -> None:
        """The findings of these full records (in output order) as rows of the 问题 sheet."""
        self.add_finding_rows(finding_rows(reports))

    def add_finding_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        append = self._findings.append
        for row in rows:
            append([row[c] for c in FINDING_COLUMNS])

    def add_finding_values(self, rows: Iterable[list[Any]]) -> None:
        """Rows of the 问题 sheet as finding_values gives them (values in FINDING_COLUMNS order)."""
        append = self._findings.append
        for values in rows:
            if len(values) != len(FINDING_COLUMNS):
                raise ValueError(f"问题表的列数与表头不一致：{len(values)} ≠ {len(FINDING_COLUMNS)}")
            append(values)

    def add_missing_agencies(self, agencies: Iterable[dict[str, Any]]) -> None:
        """Sheet 未报送单位: the listed agencies with no audited report (findings.json's missing_agencies)."""
        series = SheetSeries(self._book, "未报送单位", (40, 8, 50), ("单位名称", "类型", "链接"))
        for a in agencies:
            series.append([a["name"], a["kind"], a.get("url") or ""])

    def add_report_values(self, values: list[Any]) -> None:
        """One row of the 报告 sheet, its values in the order of its columns (report_row's), in
        output order. The letters' paths link to the letters (relative: they open from the unpacked
        folder)."""
        if len(values) != len(self._reports.columns):
            raise ValueError(f"报告表的列数与表头不一致：{len(values)} ≠ {len(self._reports.columns)}")
        links = {i: values[i].replace(" ", "%20") for i in self._links if values[i]}
        self._reports.append(values, links or None)

    def add_reports(self, rows: Iterable[dict[str, Any]]) -> None:
        """Rows of the 报告 sheet as report_row gives them (keys: its columns; without a header yet,
        the first row's keys make it)."""
        for row in rows:
            if not self._reports.columns:
                self.start_reports([c[:-2] for c in row if c.endswith("扣分")])
            if tuple(row) != self._reports.columns:
                raise ValueError(f"报告表的列与表头不一致：{list(row)}")
            self.add_report_values(list(row.values()))

    def save(self, path: Path, reports: Iterable[dict[str, Any]] | None = None) -> None:
        """Saves the workbook; `reports`: last (or the only) rows of the 报告 sheet to add first."""
        if reports is not None:
            self.add_reports(reports)
        self.start_reports(())
        # 报告 first, then 问题 and its continuation sheets, then 报告's, then any other (未报送单位):
        # the same order whichever sheet received its rows first (the run streams both)
        first, series = self._reports.sheets, (self._reports.sheets, self._findings.sheets)
        others = [s for s in self._book.sheets if not any(s is t for sheets in series for t in sheets)]
        self._book.sheets = [first[0], *self._findings.sheets, *first[1:], *others]
        self._book.save(path)

    def close(self) -> None:
        """Drops the temporary files (save does it; for a run that stops before saving)."""
        self._book.close()
