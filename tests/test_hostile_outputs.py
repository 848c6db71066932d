"""Nothing through (issue 16): an agency name crafted as a formula stays text in summary.csv and
summary.xlsx; letter file names are made from a safe subset (bidi overrides, '#', '%', '?', control
characters dropped, bounded in bytes, no Windows device name)."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from engine.render.letters import assign_letter_names, safe_stem
from engine.render.tables import csv_safe
from tests.hostile_support import ROOT, seed_lines, with_line

FORMULA = '=HYPERLINK("http://example.invalid/x","点此")'


@pytest.mark.parametrize("value", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_starting_like_a_formula_are_text(value):
    assert csv_safe(value) == "'" + value


def test_ordinary_cells_are_unchanged():
    assert [csv_safe(v) for v in ("金村镇人民政府", 85, -3, None, "")] == ["金村镇人民政府", 85, -3, None, ""]


@pytest.mark.parametrize("agency", ["😀" * 70, "a" * 300, "县" * 200])
def test_long_agency_names_give_file_names_within_255_bytes(agency):
    for year in (2024, None):
        name = assign_letter_names([(agency, year)] * 3)[-1]
        assert len(name.encode("utf-8")) <= 200


@pytest.mark.parametrize("agency, expected", [
    ("金村镇\u202e人民政府", "金村镇人民政府-2024"),          # right-to-left override
    ("金村镇#人民%政府?", "金村镇人民政府-2024"),
    ("金村\u0007镇\u200b人民政府", "金村镇人民政府-2024"),    # control, zero-width space
    ("CON", "_CON-2024"),
    ("..", "未识别单位-2024"),
])
def test_letter_names_use_a_safe_subset(agency, expected):
    assert safe_stem(agency, 2024) == expected


def test_a_formula_agency_stays_text_in_the_summaries(tmp_path):
    from openpyxl import load_workbook
    lines = seed_lines(0)
    i = next(i for i, line in enumerate(lines) if line.startswith("# "))
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "a.txt").write_text(with_line(lines, i, "# +金村镇人民政府"), encoding="utf-8")
    (inp / "b.txt").write_text(with_line(lines, i, "# " + "😀" * 70 + "#\u202e镇人民政府"), encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "engine", "audit", str(inp), "-o", str(out), "--jobs", "1"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    reports = json.loads((out / "findings.json").read_text("utf-8"))["reports"]
    assert [r["status"] for r in reports] == ["audited", "audited"]
    for r in reports:          # the mapping agency -> letter file is in findings.json
        assert r["letter"] and (out / r["letter"]).is_file()
        assert not set(r["letter"]) & set("#%?\u202e") and len(r["letter"].encode()) < 255
    rows = list(csv.reader((out / "summary.csv").read_text("utf-8-sig").splitlines()))
    agency_cells = [row[rows[0].index("单位")] for row in rows[1:]]
    assert agency_cells[0] == "'+金村镇人民政府"
    book = load_workbook(out / "summary.xlsx")
    assert "+金村镇人民政府" in [c.value for row in book["报告"].iter_rows(min_row=2) for c in row]


def test_a_formula_is_stored_as_text_in_summary_xlsx(tmp_path):
    import datetime as dt

    from openpyxl import load_workbook

    from engine.render.tables import FINDING_COLUMNS, SummaryWorkbook
    book = SummaryWorkbook(dt.date(2025, 1, 1))
    book.add_finding_rows([{c: FORMULA for c in FINDING_COLUMNS}])
    book.save(tmp_path / "summary.xlsx")
    cells = [c for row in load_workbook(tmp_path / "summary.xlsx")["问题"].iter_rows(min_row=2) for c in row]
    assert cells and all(c.value == FORMULA and c.data_type == "s" for c in cells)


def test_parse_has_the_batch_time_cap(monkeypatch, capsys):
    import argparse

    import engine.ingest
    from engine.cli import EXIT_INPUT, parse_cmd
    from engine.ingest import Limits
    from tests.hostile_support import seed_path
    monkeypatch.setattr(engine.ingest, "DEFAULT_LIMITS", Limits(max_seconds=0.001))
    code = parse_cmd.run(argparse.Namespace(file=str(seed_path(0)), with_lines=True, max_memory=None))
    assert code == EXIT_INPUT and "处理时间超过上限" in capsys.readouterr().err
