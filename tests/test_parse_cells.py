"""Cells made without calling the Cell class (engine/parse/cells.new_cell, and the same attribute
stores inlined in plain.place and rows.place_row) are the objects Cell(...) makes: same class, same
fields in the dataclass's order (so the same __dict__, equality, pickle and JSON)."""
from __future__ import annotations

import pickle
from dataclasses import fields
from decimal import Decimal
from pathlib import Path

from engine.model import Cell
from engine.ingest import IngestError
from engine.parse import NotAReportError, parse_file
from engine.parse.cells import new_cell

ROOT = Path(__file__).resolve().parents[1]
FIELDS = [f.name for f in fields(Cell)]


def test_new_cell_is_the_object_cell_makes():
    args = ("applications.三.一.自然人", "number", Decimal("12"), "12", 7, "第7行", False, "order")
    made, called = new_cell(*args), Cell(*args)
    assert type(made) is Cell
    assert made == called
    assert list(vars(made).items()) == list(vars(called).items())
    assert pickle.dumps(made) == pickle.dumps(called)
    assert made.to_json() == called.to_json()


def test_new_cell_sets_every_field_in_the_dataclass_order():
    # (a field added to Cell must be added to new_cell and the inlined stores, in its place)
    made = new_cell("a", "missing", None, "", None, None, False, None)
    assert list(vars(made)) == FIELDS
    assert made == Cell("a", "missing")


def test_every_parsed_cell_has_the_fields_init_would_give():
    fixtures = ROOT / "tests" / "fixtures"
    paths = sorted((fixtures / "seeds").glob("*.txt")) + sorted((fixtures / "documents").glob("*.*"))
    checked = 0
    for path in paths:
        try:
            report = parse_file(path)
        except (IngestError, NotAReportError):
            continue            # (an unreadable fixture, or a script beside them: no cells to look at)
        checked += 1
        for table in report.tables.values():
            for cell in table.cells.values():
                assert type(cell) is Cell
                assert list(vars(cell)) == FIELDS, (path.name, cell.address)
                assert Cell(**vars(cell)) == cell
    assert checked >= 15


def test_decimals_mapping_gives_what_decimal_gives(monkeypatch):
    from engine.parse import cells
    texts = ["0", "12", "1,234", "3.50", "-", "无", "1.2.3", "", "007", "12,345.6"]
    for text in texts:
        want = cells._decimal.__wrapped__(text)
        got = cells.DECIMALS[text]
        assert got == want and type(got) is type(want) and str(got) == str(want)
    # bounded: emptied when full, the answers unchanged
    monkeypatch.setattr(cells, "_DECIMALS_MAX", 3)
    cells.DECIMALS.clear()
    for text in texts * 2:
        assert str(cells.DECIMALS[text]) == str(cells._decimal.__wrapped__(text))
        assert len(cells.DECIMALS) <= 3
    cells.DECIMALS.clear()
