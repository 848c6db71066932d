"""Every cell of every PDF we hold, as the pdfplumber-era reader gave it (main before the reader
moved to PDFium), stated by address: reading PDFs another way must not change a single cell.

The seeds' PDFs (LibreOffice prints of tests/fixtures/documents/seed-*.docx) are stated below
row by row; the real PDFs' cells are the hand-read values of ingest_support (HUAIAN, HONGZE).
Tokens: a number is its value, "_" a blank cell, "x" a missing cell (its row or table is absent
from the document); applications rows list APPLICANT_COLUMNS, review rows REVIEW_COLUMNS.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.ingest import read_document
from engine.parse import parse_document
from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS
from ingest_support import DOCUMENTS, HONGZE, HUAIAN, expected_cells
from real_support import real_file

EXPECTED: dict[str, dict[str, str]] = {
    'seed-000.pdf': {
        'active.item1.规章.本年制发件数': '0',
        'active.item1.规章.本年废止件数': '0',
        'active.item1.规章.现行有效件数': '0',
        'active.item1.行政规范性文件.本年制发件数': '0',
        'active.item1.行政规范性文件.本年废止件数': '0',
        'active.item1.行政规范性文件.现行有效件数': '0',
        'active.item5.行政许可.本年处理决定数量': '0',
        'active.item6.行政处罚.本年处理决定数量': '0',
        'active.item6.行政强制.本年处理决定数量': '0',
        'active.item8.行政事业性收费.本年收费金额': '0',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': '0 0 0 0 0 0 0',
        'applications.三.二': '0 0 0 0 0 0 0',
        'applications.三.三.1': '0 0 0 0 0 0 0',
        'applications.三.三.2': '0 0 0 0 0 0 0',
        'applications.三.三.3': '0 0 0 0 0 0 0',
        'applications.三.三.4': '0 0 0 0 0 0 0',
        'applications.三.三.5': '0 0 0 0 0 0 0',
        'applications.三.三.6': '0 0 0 0 0 0 0',
        'applications.三.三.7': '0 0 0 0 0 0 0',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': '_ _ _ _ _',
        'review.未经复议直接起诉': '0 0 0 0 0',
        'review.复议后起诉': '0 0 0 0 0',
    },
    'seed-001-running-header.pdf': {
        'active.item1.规章.本年制发件数': '0',
        'active.item1.规章.本年废止件数': '0',
        'active.item1.规章.现行有效件数': '0',
        'active.item1.行政规范性文件.本年制发件数': '0',
        'active.item1.行政规范性文件.本年废止件数': '0',
        'active.item1.行政规范性文件.现行有效件数': '0',
        'active.item5.行政许可.本年处理决定数量': '0',
        'active.item6.行政处罚.本年处理决定数量': '0',
        'active.item6.行政强制.本年处理决定数量': '0',
        'active.item8.行政事业性收费.本年收费金额': '0',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': '0 0 0 0 0 0 0',
        'applications.三.二': '0 0 0 0 0 0 0',
        'applications.三.三.1': '0 0 0 0 0 0 0',
        'applications.三.三.2': '0 0 0 0 0 0 0',
        'applications.三.三.3': '0 0 0 0 0 0 0',
        'applications.三.三.4': '0 0 0 0 0 0 0',
        'applications.三.三.5': '0 0 0 0 0 0 0',
        'applications.三.三.6': '0 0 0 0 0 0 0',
        'applications.三.三.7': '0 0 0 0 0 0 0',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六.1': '0 0 0 0 0 0 0',
        'applications.三.六.2': '0 0 0 0 0 0 0',
        'applications.三.六.3': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': '0 0 0 0 0',
        'review.未经复议直接起诉': '0 0 0 0 0',
        'review.复议后起诉': '0 0 0 0 0',
    },
    'seed-001.pdf': {
        'active.item1.规章.本年制发件数': '0',
        'active.item1.规章.本年废止件数': '0',
        'active.item1.规章.现行有效件数': '0',
        'active.item1.行政规范性文件.本年制发件数': '0',
        'active.item1.行政规范性文件.本年废止件数': '0',
        'active.item1.行政规范性文件.现行有效件数': '0',
        'active.item5.行政许可.本年处理决定数量': '0',
        'active.item6.行政处罚.本年处理决定数量': '0',
        'active.item6.行政强制.本年处理决定数量': '0',
        'active.item8.行政事业性收费.本年收费金额': '0',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': '0 0 0 0 0 0 0',
        'applications.三.二': '0 0 0 0 0 0 0',
        'applications.三.三.1': '0 0 0 0 0 0 0',
        'applications.三.三.2': '0 0 0 0 0 0 0',
        'applications.三.三.3': '0 0 0 0 0 0 0',
        'applications.三.三.4': '0 0 0 0 0 0 0',
        'applications.三.三.5': '0 0 0 0 0 0 0',
        'applications.三.三.6': '0 0 0 0 0 0 0',
        'applications.三.三.7': '0 0 0 0 0 0 0',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六.1': '0 0 0 0 0 0 0',
        'applications.三.六.2': '0 0 0 0 0 0 0',
        'applications.三.六.3': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': '0 0 0 0 0',
        'review.未经复议直接起诉': '0 0 0 0 0',
        'review.复议后起诉': '0 0 0 0 0',
    },
    'seed-002.pdf': {
        'active.item1.规章.本年制发件数': '0',
        'active.item1.规章.本年废止件数': '0',
        'active.item1.规章.现行有效件数': '0',
        'active.item1.行政规范性文件.本年制发件数': '0',
        'active.item1.行政规范性文件.本年废止件数': '0',
        'active.item1.行政规范性文件.现行有效件数': '0',
        'active.item5.行政许可.本年处理决定数量': '0',
        'active.item6.行政处罚.本年处理决定数量': '0',
        'active.item6.行政强制.本年处理决定数量': '0',
        'active.item8.行政事业性收费.本年收费金额': '0',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': '0 0 0 0 0 0 0',
        'applications.三.二': '0 0 0 0 0 0 0',
        'applications.三.三.1': '0 0 0 0 0 0 0',
        'applications.三.三.2': '0 0 0 0 0 0 0',
        'applications.三.三.3': '0 0 0 0 0 0 0',
        'applications.三.三.4': '0 0 0 0 0 0 0',
        'applications.三.三.5': '0 0 0 0 0 0 0',
        'applications.三.三.6': '0 0 0 0 0 0 0',
        'applications.三.三.7': '0 0 0 0 0 0 0',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六.1': '0 0 0 0 0 0 0',
        'applications.三.六.2': '0 0 0 0 0 0 0',
        'applications.三.六.3': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': '0 0 0 0 0',
        'review.未经复议直接起诉': '0 0 0 0 0',
        'review.复议后起诉': '0 0 0 0 0',
    },
    'seed-003.pdf': {
        'active.item1.规章.本年新制作数量': '0',
        'active.item1.规章.本年新公开数量': '0',
        'active.item1.规章.对外公开总数量': '0',
        'active.item1.规范性文件.本年新制作数量': '0',
        'active.item1.规范性文件.本年新公开数量': '0',
        'active.item1.规范性文件.对外公开总数量': '0',
        'active.item5.行政许可.上一年项目数量': '0',
        'active.item5.行政许可.本年增/减': '0',
        'active.item5.行政许可.处理决定数量': '0',
        'active.item5.其他对外管理服务事项.上一年项目数量': '0',
        'active.item5.其他对外管理服务事项.本年增/减': '0',
        'active.item5.其他对外管理服务事项.处理决定数量': '0',
        'active.item6.行政处罚.上一年项目数量': '0',
        'active.item6.行政处罚.本年增/减': '0',
        'active.item6.行政处罚.处理决定数量': '0',
        'active.item6.行政强制.上一年项目数量': '0',
        'active.item6.行政强制.本年增/减': '0',
        'active.item6.行政强制.处理决定数量': '0',
        'active.item8.行政事业性收费.上一年项目数量': '0',
        'active.item8.行政事业性收费.本年增/减': '0',
        'active.item9.政府集中采购.采购项目数量': 'x',
        'active.item9.政府集中采购.采购总金额': 'x',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': '0 0 0 0 0 0 0',
        'applications.三.二': '0 0 0 0 0 0 0',
        'applications.三.三.1': '0 0 0 0 0 0 0',
        'applications.三.三.2': '0 0 0 0 0 0 0',
        'applications.三.三.3': '0 0 0 0 0 0 0',
        'applications.三.三.4': '0 0 0 0 0 0 0',
        'applications.三.三.5': '0 0 0 0 0 0 0',
        'applications.三.三.6': '0 0 0 0 0 0 0',
        'applications.三.三.7': '0 0 0 0 0 0 0',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': 'x x x x x',
        'review.未经复议直接起诉': 'x x x x x',
        'review.复议后起诉': 'x x x x x',
    },
    'seed-004-repeated-header.pdf': {
        'active.item1.规章.本年制发件数': '0',
        'active.item1.规章.本年废止件数': '0',
        'active.item1.规章.现行有效件数': '0',
        'active.item1.行政规范性文件.本年制发件数': '0',
        'active.item1.行政规范性文件.本年废止件数': '0',
        'active.item1.行政规范性文件.现行有效件数': '0',
        'active.item5.行政许可.本年处理决定数量': '0',
        'active.item6.行政处罚.本年处理决定数量': '0',
        'active.item6.行政强制.本年处理决定数量': '0',
        'active.item8.行政事业性收费.本年收费金额': '0',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': 'x x x x x x x',
        'applications.三.二': 'x x x x x x x',
        'applications.三.三.1': 'x x x x x x x',
        'applications.三.三.2': 'x x x x x x x',
        'applications.三.三.3': 'x x x x x x x',
        'applications.三.三.4': 'x x x x x x x',
        'applications.三.三.5': 'x x x x x x x',
        'applications.三.三.6': 'x x x x x x x',
        'applications.三.三.7': 'x x x x x x x',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六.1': '0 0 0 0 0 0 0',
        'applications.三.六.2': '0 0 0 0 0 0 0',
        'applications.三.六.3': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': '0 0 0 0 0',
        'review.未经复议直接起诉': '0 0 0 0 0',
        'review.复议后起诉': '0 0 0 0 0',
    },
    'seed-004.pdf': {
        'active.item1.规章.本年制发件数': '0',
        'active.item1.规章.本年废止件数': '0',
        'active.item1.规章.现行有效件数': '0',
        'active.item1.行政规范性文件.本年制发件数': '0',
        'active.item1.行政规范性文件.本年废止件数': '0',
        'active.item1.行政规范性文件.现行有效件数': '0',
        'active.item5.行政许可.本年处理决定数量': '0',
        'active.item6.行政处罚.本年处理决定数量': '0',
        'active.item6.行政强制.本年处理决定数量': '0',
        'active.item8.行政事业性收费.本年收费金额': '0',
        'applications.一': '0 0 0 0 0 0 0',
        'applications.二': '0 0 0 0 0 0 0',
        'applications.三.一': 'x x x x x x x',
        'applications.三.二': 'x x x x x x x',
        'applications.三.三.1': 'x x x x x x x',
        'applications.三.三.2': 'x x x x x x x',
        'applications.三.三.3': 'x x x x x x x',
        'applications.三.三.4': 'x x x x x x x',
        'applications.三.三.5': 'x x x x x x x',
        'applications.三.三.6': 'x x x x x x x',
        'applications.三.三.7': 'x x x x x x x',
        'applications.三.三.8': '0 0 0 0 0 0 0',
        'applications.三.四.1': '0 0 0 0 0 0 0',
        'applications.三.四.2': '0 0 0 0 0 0 0',
        'applications.三.四.3': '0 0 0 0 0 0 0',
        'applications.三.五.1': '0 0 0 0 0 0 0',
        'applications.三.五.2': '0 0 0 0 0 0 0',
        'applications.三.五.3': '0 0 0 0 0 0 0',
        'applications.三.五.4': '0 0 0 0 0 0 0',
        'applications.三.五.5': '0 0 0 0 0 0 0',
        'applications.三.六.1': '0 0 0 0 0 0 0',
        'applications.三.六.2': '0 0 0 0 0 0 0',
        'applications.三.六.3': '0 0 0 0 0 0 0',
        'applications.三.七': '0 0 0 0 0 0 0',
        'applications.四': '0 0 0 0 0 0 0',
        'review.行政复议': '0 0 0 0 0',
        'review.未经复议直接起诉': '0 0 0 0 0',
        'review.复议后起诉': '0 0 0 0 0',
    },
}


def expected_tokens(name: str) -> dict[str, str]:
    """address -> token, rows expanded over their columns."""
    out: dict[str, str] = {}
    for key, tokens in EXPECTED[name].items():
        if key.startswith("active."):
            out[key] = tokens
            continue
        columns = APPLICANT_COLUMNS if key.startswith("applications.") else REVIEW_COLUMNS
        values = tokens.split()
        assert len(values) == len(columns), key
        out.update({f"{key}.{column}": value for column, value in zip(columns, values)})
    return out


def token(cell) -> str:
    if cell.kind == "number":
        return str(cell.value)
    return {"blank": "_", "missing": "x"}.get(cell.kind, f"<{cell.kind}:{cell.raw}>")


def report_tokens(path) -> dict[str, str]:
    report = parse_document(read_document(path))
    return {address: token(cell) for table in report.tables.values() for address, cell in table.cells.items()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_cell_of_the_seed_pdfs_is_unchanged(name):
    got = report_tokens(DOCUMENTS / name)
    want = expected_tokens(name)
    assert sorted(got) == sorted(want)                      # no cell more, no cell less
    assert {a: v for a, v in got.items() if want[a] != v} == {}


@pytest.mark.parametrize("name,expected", [("huaian-shizhengfu-2024.pdf", HUAIAN), ("hongze-quzhengfu-2023.pdf", HONGZE)])
def test_every_cell_of_the_real_pdfs_is_unchanged(name, expected):
    got = report_tokens(real_file(name))
    want = {a: str(v) for a, v in expected_cells(expected).items()}
    assert sorted(got) == sorted(want)
    assert {a: v for a, v in got.items() if want[a] != v} == {}


def test_hongze_review_totals_are_read_as_printed():
    # the report's own defect (10 + 1 + 0 + 0 printed with 总计 0) must reach the audit unchanged
    got = report_tokens(real_file("hongze-quzhengfu-2023.pdf"))
    assert [got[f"review.行政复议.{c}"] for c in REVIEW_COLUMNS] == ["10", "1", "0", "0", "0"]
    assert [got[f"review.复议后起诉.{c}"] for c in REVIEW_COLUMNS] == ["5", "0", "0", "0", "0"]
    assert Decimal(got["applications.一.总计"]) == 21
