"""summary.xlsx opened by a real spreadsheet program: LibreOffice Calc (headless) reads every sheet
of a real run's workbook — 报告, 问题 and their continuation sheets — with the same cells openpyxl
reads, and each letter link it resolves opens a file the run wrote. (engine/render/xlsx_stream.py
writes the workbook's XML itself, for speed: this is its check against an application.)"""
from __future__ import annotations

import csv
import html.parser
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from openpyxl import load_workbook

from engine.cli import main
from engine.render import tables

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice 未安装（scripts/test.sh 会自动安装）"),
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    with pytest.MonkeyPatch.context() as mp:
        # 6 rows a sheet (header included): the run's findings continue on 问题（2）, 问题（3）, …
        mp.setattr(tables, "MAX_SHEET_ROWS", 6)
        assert main(["audit", str(ROOT / "reports_in"), "-o", str(out), "--date", "2026-01-05", "--jobs", "1"]) == 0
    return out


def soffice(source: Path, target: str, folder: Path) -> None:
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", target,
                    "--outdir", str(folder), str(source)], check=True, capture_output=True, timeout=300)


def as_csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def test_calc_reads_every_sheet_as_written(run, tmp_path):
    book = load_workbook(run / "summary.xlsx")
    assert len([n for n in book.sheetnames if n.startswith("问题")]) >= 3       # continuation sheets made
    # every sheet to its own CSV (UTF-8, comma, quote; the last token -1: all sheets)
    soffice(run / "summary.xlsx", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            tmp_path)
    for sheet in book.worksheets:
        exported = tmp_path / f"summary-{sheet.title}.csv"
        assert exported.is_file(), f"LibreOffice 未读出工作表 {sheet.title}"
        with exported.open(encoding="utf-8", newline="") as f:
            calc = [row for row in csv.reader(f)]
        written = [[as_csv_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        assert calc == written, sheet.title


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("file://"):
            self.targets.append(unquote(urlparse(href).path))


def test_calc_opens_the_letter_links_of_the_report_sheets(run, tmp_path):
    book = load_workbook(run / "summary.xlsx")
    expected = sorted(str(run / c.hyperlink.target) for name in book.sheetnames if name.startswith("报告")
                      for row in book[name].iter_rows(min_row=2) for c in row if c.hyperlink)
    assert len(expected) == 10                # two letters (HTML, Word) for each of the 5 reports
    soffice(run / "summary.xlsx", "html", tmp_path)
    links = _Links()
    links.feed((tmp_path / "summary.html").read_text(encoding="utf-8", errors="replace"))
    assert sorted(links.targets) == expected
    assert all(Path(target).is_file() for target in links.targets)
