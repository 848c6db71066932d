"""Figures wrapped inside narrow PDF cells, in text copied out of the PDF (engine/parse/wrapped.py):
joined only where the text leaves one reading and the row's identity holds; never read piece by
piece (2262 printed "226" over "2" is not the two figures 226 and 2)."""
from __future__ import annotations

from decimal import Decimal

from engine.model import SourceLine
from engine.parse import wrapped
from engine.parse.applications import _join_wrapped
from engine.parse.cells import VALUE, Token
from engine.parse.grid import OVERLAP_DOUBT, RowRead


def _stream(paragraphs: list[list[str]]) -> tuple[list[Token], list[SourceLine]]:
    """Reading-order text: each paragraph's pieces on consecutive lines, an empty line between."""
    texts: list[str] = []
    values: list[Token] = []
    for para in paragraphs:
        for piece in para:
            values.append(Token(VALUE, piece, piece, len(texts), 0, "number", False))
            texts.append(piece)
        texts.append("")
    return values, [SourceLine(i + 1, t, f"第{i + 1}行") for i, t in enumerate(texts)]


def test_paragraphs_of_pieces_are_joined_when_they_filled_cells_of_one_width():
    values, lines = _stream([["226", "2"], ["237", "4"], ["99"], ["138", "25"]])
    cells = wrapped.stacked_cells(values, lines)
    assert [[t.raw for t in c] for c in cells] == [["226", "2"], ["237", "4"], ["99"], ["138", "25"]]
    joined, joins = wrapped.join_stacked(cells)
    assert [t.raw for t in joined] == ["2262", "2374", "99", "13825"]
    assert joins == ["“226”/“2”", "“237”/“4”", "“138”/“25”"]


def test_pieces_that_do_not_read_as_one_cell_width_are_not_joined():
    for paragraphs in ([["226", "2"], ["23", "4"]],          # tops of two widths
                       [["226", "2"], ["1234"]],            # an unbroken figure wider than the cells
                       [["2", "2"], ["3", "4"]],            # one-digit "cells"
                       [["226", "2件"], ["237", "4"]]):     # not digits
        values, lines = _stream(paragraphs)
        cells = wrapped.stacked_cells(values, lines)
        assert cells is None or wrapped.join_stacked(cells) is None, paragraphs


def test_one_value_per_line_without_paragraphs_is_not_this_layout():
    values, lines = _stream([["1", "2", "3", "4"]])          # one paragraph: nothing set apart
    assert wrapped.stacked_cells(values, lines) is None
    values, lines = _stream([["1"], ["2"], ["3"]])           # every paragraph one value
    assert wrapped.stacked_cells(values, lines) is None
    values, lines = _stream([["226", "2"], ["237", "4"]])
    lines[2] = SourceLine(3, "注：", "第3行")                  # text between the paragraphs
    assert wrapped.stacked_cells(values, lines) is None



def test_a_requests_row_is_joined_only_when_its_total_adds_up():
    six = [["226", "2"], ["237", "4"], ["256", "9"], ["246", "4"], ["214", "6"], ["201", "0"]]
    total = str(sum(int("".join(p)) for p in six))                     # 13825
    values, lines = _stream([*six, [total[:3], total[3:]]])
    read = _join_wrapped("一", RowRead("一", None, values), lines, diags := [])
    assert [t.value for t in read.values] == [Decimal(v) for v in ("2262", "2374", "2569", "2464", "2146", "2010",
                                                                   total)]
    assert [d.code for d in diags] == ["FIGURES_WRAPPED"]
    # the same pieces with a total that does not add up: the row is left as it was (too many values)
    values, lines = _stream([*six, ["138", "24"]])
    read = _join_wrapped("一", RowRead("一", None, values), lines, diags := [])
    assert len(read.values) == 14 and not diags


def test_column_laid_pieces_under_their_figures_are_joined_when_the_total_adds_up():
    top = "239  69  144  220  203  214  108"
    line0 = [Token(VALUE, w, w, 0, top.index(w), "number", False) for w in top.split()]
    under = Token(VALUE, "9", "9", 1, top.index("108") + 1, "number", False)
    lines = [SourceLine(1, top, "第1行"), SourceLine(2, " " * under.start + "9", "第2行")]
    read = _join_wrapped("三.一", RowRead("三.一", None, [*line0, under], doubt=OVERLAP_DOUBT), lines, diags := [])
    assert read.values[-1].raw == "1089" and not read.doubt and len(diags) == 1
    # under another figure the total breaks: still unknown
    under = under._replace(start=top.index("214"))
    read = _join_wrapped("三.一", RowRead("三.一", None, [*line0, under], doubt=OVERLAP_DOUBT), lines, diags := [])
    assert read.doubt == OVERLAP_DOUBT and not diags


# 表四 of a seed with distinct figures (行政复议's group left blank, as seed 000 has it) printed by
# LibreOffice in narrow portrait cells, then copied with `pdftotext` (reading order): ten figures in
# fifteen pieces ("23" / "4" is 234). Read one by one they were fifteen wrong values.
_HEADER = ("行政复议\n结\n果\n维\n\n结\n果\n纠\n\n行政诉讼\n其\n他\n结\n\n尚\n未\n审\n\n总\n计\n\n未经复议直接起诉\n"
           "结\n\n结\n\n其\n\n尚\n\n复议后起诉\n总\n\n结\n\n结\n\n其\n\n尚\n\n总\n\n\x0c持\n\n正\n\n果\n\n结\n\n"
           "果\n维\n持\n\n果\n纠\n正\n\n他\n结\n果\n\n未\n审\n结\n\n计\n\n果\n维\n持\n\n果\n纠\n正\n\n他\n结\n果\n\n"
           "未\n审\n结\n\n计\n\n")
_PIECES = [["23", "4"], ["86"], ["45"], ["44"], ["40", "9"], ["19", "0"], ["15", "5"], ["69"], ["16"], ["43", "0"]]


def test_review_figures_wrapped_in_reading_order_are_never_read_piece_by_piece(tmp_path):
    from engine.parse import parse_file

    body = "".join("\n".join(p) + "\n\n" for p in _PIECES)
    text = ("泽州县金村镇人民政府2024年政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n" + _HEADER + body
            + "五、存在的主要问题及改进情况\n无。\n")
    path = tmp_path / "wrapped.txt"
    path.write_text(text, encoding="utf-8")
    cells = parse_file(path).tables["review"].cells
    # ten figures for fifteen cells: which group is blank the text does not say — every cell unknown
    assert {c.kind for c in cells.values()} == {"missing"}
