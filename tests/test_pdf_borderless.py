"""Tables without ruling lines (issue 11, the PDF part): the seeds, the real PDFs and the real HTML
page laid out as HTML tables without borders and printed to PDF by headless chromium, in a
temporary folder (tests/borderless_pdf.py; variants of ../shared/real are never committed).

Every variant must give its original's cells, except cells left unknown (kind "missing", with the
reader's note or the parser's diagnostic): in the centred layout (a web page printed to PDF) at
least 98% of all cells right; with right-aligned figures too, no wrong value at all — a value the
reader cannot place with certainty is left unknown. (Word's left/top cells: the layout corpus,
tests/test_layout_corpus.py, family borderless-pdf.)
"""
from __future__ import annotations

import pytest

from borderless_pdf import borderless_pdfs, has_rows
from browser_support import chromium_path
from engine.ingest import read_document
from engine.parse import parse_document
from ingest_support import SEEDS
from real_support import REAL

pytestmark = [pytest.mark.browser, pytest.mark.skipif(chromium_path() is None, reason="needs chromium")]

STYLES = ("centred", "right")
REAL_DOCUMENTS = ("huaian-shizhengfu-2024.pdf", "hongze-quzhengfu-2023.pdf", "shanghai-bangongting-2019.html")


def _sources():
    paths = sorted(SEEDS.glob("*.txt")) + [REAL / name for name in REAL_DOCUMENTS if (REAL / name).exists()]
    docs = {p.stem: read_document(p) for p in paths}
    return {name: doc for name, doc in docs.items() if has_rows(doc)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    sources = _sources()
    folder = tmp_path_factory.mktemp("borderless")
    variants = borderless_pdfs(sources, folder, STYLES)
    return sources, variants


def compare(original, variant) -> dict[str, list[str]]:
    """Cells of the original report by how the variant reads them: right / unknown / wrong."""
    out: dict[str, list[str]] = {"right": [], "unknown": [], "wrong": []}
    for table in original.tables.values():
        for address, cell in table.cells.items():
            got = variant.cell(address)
            if got is not None and got.kind == cell.kind and got.value == cell.value:
                out["right"].append(address)
            elif got is None or got.kind == "missing":
                out["unknown"].append(address)
            else:
                out["wrong"].append(f"{address}: {cell.kind} {cell.value} -> {got.kind} {got.value} ({got.raw!r})")
    return out


def test_the_corpus_has_the_documents_with_rows(corpus):
    sources, variants = corpus
    assert {"000_07ac6476bfab88c2", "001_5f25c15575702d27", "003_bb47b10e518fda8c", "004_62538884590742ab"} <= set(sources)
    assert len(variants) == len(STYLES) * len(sources)


def test_borderless_variants_give_the_original_cells(corpus):
    sources, variants = corpus
    totals = {style: [0, 0] for style in STYLES}
    wrong: dict[str, list[str]] = {}
    for (name, style), pdf in variants.items():
        original = parse_document(sources[name])
        doc = read_document(pdf)
        result = compare(original, parse_document(doc))
        if result["wrong"]:
            wrong[f"{name} ({style})"] = result["wrong"]
        totals[style][0] += len(result["right"])
        totals[style][1] += sum(len(v) for v in result.values())
    assert wrong == {}                                     # never a wrong number, in any layout
    right, cells = totals["centred"]
    assert right >= 0.98 * cells, totals


def test_borderless_rows_are_read_aligned_and_not_structured(corpus):
    # the rows are TAB-joined lines, not grid rows: the cells are placed by position ("aligned"),
    # and the table is not structured (a blank there is the reader's limit, not the agency's)
    sources, variants = corpus
    doc = read_document(variants[("000_07ac6476bfab88c2", "centred")])
    assert not any(ln.table is not None for ln in doc.lines)
    assert any(ln.text.startswith("一、本年新收") and ln.text.count("\t") == 7 for ln in doc.lines)
    report = parse_document(doc)
    table = report.tables["applications"]
    assert table.present and not table.structured
    assert {c.read for c in table.cells.values()} <= {"aligned", "order"}
    assert table.cells["applications.一.自然人"].read in ("aligned", "order")


def test_a_row_that_cannot_be_placed_is_text_with_a_note(corpus):
    # seed 004 states six figures for rows of seven cells; the variant puts them in one wide cell:
    # no column is certain, so the row is read as text and the reader says so
    sources, variants = corpus
    doc = read_document(variants[("004_62538884590742ab", "right")])
    assert any(n.code == "PDF_ROW_NOT_ALIGNED" for n in doc.notes)
    report = parse_document(doc)
    assert report.cell("applications.三.二.自然人").kind == "missing"
