"""A blank cell of a Word or HTML table is the agency's blank cell wherever it stands in its row
(issue 11): a trailing blank ("规章⇥206⇥138⇥") must not read like one value merged over the row's
columns (行政许可's single value spans three), nor a blank right after a label like the span of a
wider label on another row ("三、…⇥（一）予以公开⇥⇥…": the label spans two columns). The grid readers
say which positions a merged cell covers (SourceLine.spanned); the parser drops only those.

The Word files are made here with python-docx (tests/fixtures/documents/make_fixtures.build_docx
from seed 000's hand-read spec, a few cells left blank): nothing from ../shared/real.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import distinct as D
import layouts as L
from engine.evaluate import evaluate
from engine.ingest import read_document
from engine.parse import parse_file
from engine.rules import load_catalog
from engine.template import REVIEW_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
BLANKED = ("active.item1.规章.现行有效件数",          # the last cell of a row of three
           "applications.三.三.8.自然人",             # first value after a one-column label
           "applications.三.二.其他")                  # last value before 总计
SEED_000 = "000_07ac6476bfab88c2"
# seed 000 itself leaves the five 行政复议 cells of 表四 blank
BLANK = {*BLANKED, *(f"review.行政复议.{c}" for c in REVIEW_COLUMNS)}


def _blanked_spec():
    maker = D.fixture_maker()
    spec = next(s for s in maker.SEEDS if s.stem == SEED_000)
    active = [list(row) for row in spec.active]
    active[0][2] = ""
    apps = dict(spec.applications)
    apps["三.三.8"] = ("", *apps["三.三.8"][1:])
    apps["三.二"] = (*apps["三.二"][:5], "", apps["三.二"][6])
    return maker, dataclasses.replace(spec, active=tuple(tuple(r) for r in active), applications=apps)


@pytest.fixture(scope="module")
def blanked_docx(tmp_path_factory):
    maker, spec = _blanked_spec()
    return maker.build_docx(spec, tmp_path_factory.mktemp("docx-blanks") / "blanks.docx")


def _line(doc, label: str):
    return next(ln for ln in doc.lines if ln.table is not None and ln.text.startswith(label))


def test_the_docx_reader_tells_merged_positions_from_blank_cells(blanked_docx):
    doc = read_document(blanked_docx)
    merged = _line(doc, "行政许可")                       # one value merged over three columns
    assert merged.text.split("\t")[2:] == ["", ""] and merged.spanned == (2, 3)
    trailing = _line(doc, "规章")                         # three cells, the last one blank
    assert trailing.text.split("\t")[3] == "" and trailing.spanned == ()
    inside = next(ln for ln in doc.lines if "8.属于行政查询事项" in ln.text)
    # the group labels above are merged down (positions 0, 1); position 3 is the blank cell
    assert inside.text.split("\t")[3] == "" and inside.spanned == (0, 1)


def test_blank_cells_of_a_word_table_are_blank_cells_wherever_they_stand(blanked_docx):
    report = parse_file(blanked_docx)
    cells = {a: c for t in report.tables.values() for a, c in t.cells.items()}
    for address in BLANKED:
        assert (cells[address].kind, cells[address].read) == ("blank", "grid"), address
    assert not [c for c in cells.values() if c.kind == "missing"]
    assert {d.code for d in report.diagnostics} == {"CELL_BLANK"}
    assert {a for d in report.diagnostics for a in d.cells} == BLANK


def test_the_agency_is_charged_the_blank_cells_not_a_malformed_row(blanked_docx):
    catalog = load_catalog(ROOT / "rules")
    results = evaluate(parse_file(blanked_docx), catalog)
    charged = [f for r in results if r.outcome == "fail" for f in r.findings if f.rule_id == "XXGK-V202"]
    assert {a for f in charged for a in f.evidence.cells} == BLANK
    assert all(f.charge == "agency" for f in charged)
    assert not [w for w in L.error_findings(results) if w[0] == "XXGK-D601"]


def test_an_html_table_keeps_a_trailing_blank_cell_apart_from_a_colspan(tmp_path):
    """The same in a web page: <td colspan=3> after 行政许可, an empty last <td> after 规章."""
    page = tmp_path / "blanks.html"
    page.write_text(
        "<html><body><table border=1>"
        "<tr><td>规章</td><td>5</td><td>3</td><td></td></tr>"
        "<tr><td>行政许可</td><td colspan=3>7</td></tr>"
        "</table></body></html>", encoding="utf-8")
    doc = read_document(page)
    rows = [ln for ln in doc.lines if ln.table is not None]
    assert [(ln.text, ln.spanned) for ln in rows] == [("规章\t5\t3\t", ()), ("行政许可\t7\t\t", (2, 3))]


def test_a_trailing_blank_is_no_padding_taught_by_a_narrower_row(tmp_path):
    """The 2019 表二 (seed 003): the two-column 行政事业性收费 row ends with an empty cell under the
    header's empty fourth column; that is no padding of the three-column rows, whose last cell
    left blank ("行政处罚⇥118⇥169⇥") is a blank cell, not a row of two values."""
    maker = D.fixture_maker()
    spec = next(s for s in maker.SEEDS if s.stem.startswith("003_"))
    active = [list(row) for row in spec.active]
    active[4][2] = ""                                                  # 行政处罚's 处理决定数量
    spec = dataclasses.replace(spec, active=tuple(tuple(r) for r in active))
    report = parse_file(maker.build_docx(spec, tmp_path / "seed-003-blank.docx"))
    cells = report.tables["active"].cells
    assert (cells["active.item6.行政处罚.处理决定数量"].kind, cells["active.item6.行政处罚.处理决定数量"].read) == \
        ("blank", "grid")
    assert [c.kind for a, c in cells.items() if "行政处罚" in a] == ["number", "number", "blank"]
    assert "ROW_TOO_FEW_VALUES" not in {d.code for d in report.diagnostics if d.table == "active"}
