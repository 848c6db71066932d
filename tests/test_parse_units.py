"""Units printed with a value (engine/parse/units.py): converted exactly to the column's unit, or
refused. Expected values are read from the documents / stated in the synthetic rows."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.model import Cell, SourceLine, Table
from engine.parse import parse_file
from engine.parse.cells import Token
from engine.parse.grid import RowRead
from engine.parse.units import column_unit, convert, reconcile
from tests.test_parse_layouts import build, nums, parse
from real_support import real_file

FEE = "active.item8.行政事业性收费.本年收费金额"


def report_with_fee(fee: str, licence: str = "36"):
    text = build(lambda k, lab, v: f"{lab} {nums(v)}\n")
    text = text.replace("行政事业性收费 1.25\n", f"行政事业性收费 {fee}\n").replace("行政许可 36\n", f"行政许可 {licence}\n")
    return parse(text)


def unit_diags(r):
    return [d for d in r.diagnostics if d.code.startswith("UNIT_")]


def test_shanghai_2019_purchase_amount_in_yuan_is_converted_to_wanyuan():
    # the page prints "政府集中采购 | 6 | 251000元" in the 采购总金额 column of the 2019 format (万元)
    r = parse_file(real_file("shanghai-bangongting-2019.html"))
    cell = r.cell("active.item9.政府集中采购.采购总金额")
    assert (cell.kind, cell.value, cell.raw) == ("number", Decimal("25.1"), "251000元")
    assert r.cell("active.item9.政府集中采购.采购项目数量").value == 6
    (d,) = unit_diags(r)
    assert (d.code, d.severity, d.cells, d.line) == ("UNIT_CONVERTED", "info", [cell.address], cell.line)
    assert "“251000元”" in d.message and "25.1 万元" in d.message


@pytest.mark.parametrize("printed,value", [
    ("12500元", Decimal("1.25")),
    ("12,345.67元", Decimal("1.234567")),
    ("12500 元", Decimal("1.25")),
    ("０.５亿元", Decimal("5000")),
    ("2亿元", Decimal("20000")),
    ("350千元", Decimal("35")),
])
def test_amount_in_another_money_unit_is_converted_exactly(printed, value):
    r = report_with_fee(printed)
    cell = r.cell(FEE)
    assert (cell.kind, cell.value, cell.raw) == ("number", value, printed)
    assert str(cell.value) == str(value)               # exact decimal, no float noise, no 2E+4
    (d,) = unit_diags(r)
    assert d.code == "UNIT_CONVERTED" and f"“{printed}”" in d.message and f"{value} 万元" in d.message


@pytest.mark.parametrize("printed", ["1.25万元", "1.25万", "1.25"])
def test_amount_in_the_columns_unit_is_taken_as_is(printed):
    r = report_with_fee(printed)
    cell = r.cell(FEE)
    assert (cell.kind, cell.value, cell.raw) == ("number", Decimal("1.25"), printed)
    assert unit_diags(r) == []
    assert r.diagnostics == []


def test_unit_that_cannot_be_reconciled_makes_the_cell_unknown():
    r = report_with_fee("3件")
    cell = r.cell(FEE)
    assert (cell.kind, cell.value, cell.raw) == ("text", None, "3件")
    (d,) = unit_diags(r)
    assert (d.code, d.severity, d.cells) == ("UNIT_MISMATCH", "error", [FEE])
    assert "“3件”" in d.message and "万元" in d.message


def test_count_column_takes_count_units_and_refuses_money():
    r = report_with_fee("1.25", licence="36件")
    c = r.cell("active.item5.行政许可.本年处理决定数量")
    assert (c.kind, c.value, c.raw) == ("number", 36, "36件") and r.diagnostics == []
    r = report_with_fee("1.25", licence="36元")
    c = r.cell("active.item5.行政许可.本年处理决定数量")
    assert (c.kind, c.value, c.raw) == ("text", None, "36元")
    (d,) = unit_diags(r)
    assert d.code == "UNIT_MISMATCH" and "件数" in d.message


def test_requests_row_with_a_percentage_is_refused():
    text = build(lambda k, lab, v: f"{lab} {nums(v)}\n").replace("（一）予以公开 5 1 0", "（一）予以公开 5% 1 0")
    r = parse(text)
    c = r.cell("applications.三.一.自然人")
    assert (c.kind, c.raw) == ("text", "5%")
    assert r.cell("applications.三.一.商业企业").value == 1
    (d,) = unit_diags(r)
    assert d.code == "UNIT_MISMATCH" and d.cells == ["applications.三.一.自然人"]


def test_column_unit_and_convert():
    assert column_unit("本年收费金额（单位：万元）") == "万元"
    assert column_unit("采购总金额（单位：万元）") == "万元"
    assert column_unit("本年处理决定数量") is None
    assert convert(Decimal("251000"), "元", "万元") == Decimal("25.1")
    assert convert(Decimal("0.000001"), "亿元", "元") == Decimal("100")


def test_unit_of_a_recovered_digit_run_belongs_to_its_last_cell():
    # a flattened 2019 row "政府集中采购 6251000元" split (by digits.py) into 6 / 251000: the 元 was
    # printed after the run, so it is the amount's unit, never the count's
    lines = [SourceLine(1, "政府集中采购 6251000元", "第1行")]
    tok = Token("value", "6251000", "6251000元", 0, 7, "number", False, "元")
    table = Table(name="active", present=True, template="2019")
    addrs = ["active.item9.政府集中采购.采购项目数量", "active.item9.政府集中采购.采购总金额"]
    table.cells[addrs[0]] = Cell(addrs[0], "number", Decimal(6), "6251000元", 1, "第1行", recovered=True)
    table.cells[addrs[1]] = Cell(addrs[1], "number", Decimal(251000), "6251000元", 1, "第1行", recovered=True)
    diags = reconcile("active", "item9.政府集中采购", addrs, [None, "万元"],
                      RowRead("item9.政府集中采购", None, [tok]), lines, table)
    assert (table.cells[addrs[0]].kind, table.cells[addrs[0]].value) == ("number", 6)
    assert table.cells[addrs[1]].value == Decimal("25.1")
    assert [d.code for d in diags] == ["UNIT_CONVERTED"]


def test_amount_column_whose_header_declares_yuan():
    text = build(lambda k, lab, v: f"{lab} {nums(v)}\n").replace("本年收费金额（单位：万元）", "本年收费金额（单位：元）")
    r = parse(text.replace("行政事业性收费 1.25\n", "行政事业性收费 12500\n"))
    cell = r.cell(FEE)
    assert (cell.kind, cell.value, cell.raw) == ("number", Decimal("1.25"), "12500")
    (d,) = unit_diags(r)
    assert d.code == "UNIT_CONVERTED" and "表头单位：元" in d.message and "1.25 万元" in d.message
    # a value carrying its own unit keeps it, whatever the header says
    r = parse(text.replace("行政事业性收费 1.25\n", "行政事业性收费 1.25万元\n"))
    assert r.cell(FEE).value == Decimal("1.25") and unit_diags(r) == []
