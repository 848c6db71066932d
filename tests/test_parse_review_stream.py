"""Table 四 in reading-order text (`pdftotext` without -layout): the data row read from the stream of
header pieces and values (engine/parse/review_stream.py), only where every value's column is
certain — runs of 15, or of 14 where the groups' identities pin the missing cell; the right-most
column pdftotext moves to the end of the page. Written here by hand, the way pdftotext draws the
seeds' tables."""
from __future__ import annotations

from decimal import Decimal

from engine.template import review_addresses
from test_parse_layouts import HEAD, TAIL, label_of, parse, values_for
from test_parse_reading_order import KEYS, one_per_line

RESULTS = "结果\n结果\n其他\n尚未\n维持\n纠正\n结果\n审结\n"      # four labels, wrapped, first lines first
TOP = "四、政府信息公开行政复议、行政诉讼情况\n行政复议\n行政诉讼\n"
PART5 = TAIL[TAIL.index("五、"):]
# distinct figures, each group adding up: a value in the wrong cell shows
FIGURES = [3, 1, 2, 0, 6, 4, 0, 1, 2, 7, 5, 2, 0, 1, 8]


def applications() -> str:
    return "".join(label_of(k) + "\n" + one_per_line(values_for(k)) for k in KEYS)


def blocks(v: list, last_total: bool = True) -> str:
    """Each group's result labels then its four figures, its 总计 label and figure after the next
    group's label (seed-004's drawing order); the last 总计 left out unless `last_total`."""
    out = TOP + RESULTS + one_per_line(v[0:4]) + "未经复议直接起诉\n总计\n" + one_per_line(v[4:5])
    out += RESULTS + one_per_line(v[5:9]) + "复议后起诉\n总计\n" + one_per_line(v[9:10])
    out += RESULTS + one_per_line(v[10:14])
    return out + ("总计\n" + one_per_line(v[14:15]) if last_total else "")


def header_first(v: list) -> str:
    """Every header piece, then the figures (seed-001's drawing order)."""
    return (TOP + RESULTS + "未经复议直接起诉\n总计\n" + RESULTS + "复议后起诉\n总计\n" + RESULTS + "总计\n"
            + one_per_line(v))


def document(review: str, page_tail: str = "", next_page: str = "") -> str:
    """The report with `review` as its 表四; `page_tail` closes the page after parts 五 and 六."""
    return HEAD + applications() + review + PART5 + page_tail + ("\f" + next_page if next_page else "")


def cells(report) -> list:
    out = []
    for a in review_addresses():
        c = report.cell(a)
        out.append(int(c.value) if c.kind == "number" else c.kind)
    return out


def review_diags(report) -> list:
    return [d for d in report.diagnostics if d.table == "review"]


def test_fifteen_figures_after_their_own_labels_are_read_in_order():
    r = parse(document(blocks(FIGURES)))
    assert cells(r) == FIGURES
    assert r.tables["review"].reading == "complete"
    assert {r.cell(a).read for a in review_addresses()} == {"order"}
    assert [d.code for d in review_diags(r)] == ["STREAM_ORDER"]


def test_the_last_total_moved_to_the_end_of_the_page_is_found_there():
    # pdftotext put the right-most column (label and figure) after parts 五 and 六
    r = parse(document(blocks(FIGURES, last_total=False), page_tail="总计\n8\n", next_page="附件\n"))
    assert cells(r) == FIGURES


def test_the_last_figure_alone_at_the_end_of_the_page_is_found_there():
    r = parse(document(header_first(FIGURES[:14]), page_tail="8\n"))
    assert cells(r) == FIGURES


def test_a_lone_number_closing_the_page_is_not_taken_where_pages_are_numbered_that_way():
    # every page closes with its number: the one after the table is the page number, not a figure
    text = document(header_first(FIGURES[:14]), page_tail="8\n", next_page="附件\n9\n")
    r = parse(text.replace("一、总体情况", "1\n\f一、总体情况", 1))
    assert cells(r)[:-1] != FIGURES[:-1] or cells(r)[-1] != 8
    assert "missing" in cells(r)


def test_fourteen_figures_read_nothing_even_where_one_group_is_short():
    # 复议后起诉 lost its 结果纠正 (2): its four figures left fit as well with its 总计 missing
    figures = FIGURES[:11] + FIGURES[12:]
    r = parse(document(header_first(figures)))
    assert set(cells(r)) == {"missing"}
    assert any(d.severity == "error" and "review.复议后起诉.结果纠正" in d.cells for d in review_diags(r))


def test_fourteen_zeros_could_miss_any_cell_and_read_nothing():
    r = parse(document(header_first([0] * 14)))
    assert set(cells(r)) == {"missing"}
    assert not any(d.code == "STREAM_ORDER" for d in review_diags(r))


def test_fourteen_figures_with_two_possible_missing_cells_read_nothing():
    # 未经复议直接起诉 is 0 0 0 0 0: dropping any of its zeros fits the identities alike
    figures = [3, 1, 2, 0, 6] + [0, 0, 0, 0] + [5, 2, 0, 1, 8]
    r = parse(document(header_first(figures)))
    assert set(cells(r)) == {"missing"}


def test_fifteen_figures_that_do_not_add_up_read_nothing():
    figures = list(FIGURES)
    figures[4] = 7            # 行政复议: 3 + 1 + 2 + 0 = 6, printed 7
    r = parse(document(blocks(figures)))
    assert set(cells(r)) == {"missing"}


def test_a_figure_before_its_column_label_reads_nothing():
    # the figures of 行政复议 printed before its labels: the stream does not show whose they are
    text = blocks(FIGURES).replace(TOP + RESULTS + one_per_line(FIGURES[0:4]), TOP + one_per_line(FIGURES[0:4]) + RESULTS)
    r = parse(document(text))
    assert set(cells(r)) == {"missing"}


def test_labels_of_two_groups_interleaved_read_nothing():
    # huaian's drawing order: a group label among the pieces of a result label, figures out of order
    mixed = (TOP + "未经复议直接起诉\n" + RESULTS + "总计\n" + one_per_line(FIGURES[0:4]) + "结果\n结果\n其他\n复议后起诉\n"
             + "尚未\n" + RESULTS + one_per_line(FIGURES[10:14]) + "总计\n" + one_per_line(FIGURES[4:5])
             + "维持\n纠正\n结果\n审结\n" + one_per_line(FIGURES[5:10]) + "总计\n" + one_per_line(FIGURES[14:15]))
    r = parse(document(mixed))
    assert set(cells(r)) == {"missing"}


def test_figures_read_by_the_row_reader_are_left_alone():
    text = document(TOP + "结果维持 结果纠正 其他结果 尚未审结 总计\n" + " ".join(map(str, FIGURES)) + "\n")
    r = parse(text)
    assert cells(r) == FIGURES
    assert not any(d.code == "STREAM_ORDER" for d in review_diags(r))
    assert all(isinstance(v, int) for v in cells(r))
    assert Decimal(8) == r.cell("review.复议后起诉.总计").value


# 洪泽's drawing order: the wrapped pieces of the three groups' labels interleaved, the values in one
# run, the right-most column (总计 and its figure) drawn after the rest
INTERLEAVED = (TOP + "未经复议直接起诉\n复议后起诉\n结果\n维持\n结果\n纠正\n其他\n结果\n尚未\n总 计 结果 结果 其他\n审结\n"
               "维持 纠正 结果\n尚未\n结果 结果 其他 尚未\n总 计\n审结\n维持 纠正 结果 审结\n")


def test_a_run_of_fifteen_after_the_whole_header_is_read_in_order():
    # the agency's own figures break an identity (10 + 1 printed as 总计 0): order, not sums, places them
    figures = [10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]
    r = parse(document(INTERLEAVED + one_per_line(figures[:14]) + "总计\n" + one_per_line(figures[14:])))
    assert cells(r) == figures
    assert [d.code for d in review_diags(r)] == ["STREAM_ORDER"]


def test_a_run_of_fifteen_under_a_header_missing_a_label_reads_nothing():
    text = INTERLEAVED.replace("结果 结果 其他 尚未\n", "结果 结果 其他\n")
    r = parse(document(text + one_per_line(FIGURES[:14]) + "总计\n" + one_per_line(FIGURES[14:])))
    assert set(cells(r)) == {"missing"}


def test_a_header_label_inside_the_run_reads_nothing_by_order():
    # "总计" among the figures, not before the last one: which figures are whose is not told
    r = parse(document(INTERLEAVED + one_per_line(FIGURES[:9]) + "总计\n" + one_per_line(FIGURES[9:])))
    assert set(cells(r)) == {"missing"}


def test_a_lone_number_closing_the_page_completes_the_run_only_when_every_group_adds_up():
    figures = [10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]
    r = parse(document(header_first(figures[:14]), page_tail="5\n"))
    assert set(cells(r)) == {"missing"}


# figures of three digits, each group adding up
WIDE = [81, 32, 40, 127, 280, 96, 82, 47, 76, 301, 247, 138, 125, 109, 619]


def blocked(values: list, wrap: bool = True) -> str:
    """pdftotext's blocks: each cell apart by an empty line; a figure of three digits wrapped in its
    narrow cell as its first two digits over the last one, on adjacent lines."""
    return "".join((f"{str(v)[:2]}\n{str(v)[2:]}\n\n" if wrap and v > 99 else f"{v}\n\n") for v in values)


def test_figures_wrapped_inside_their_cells_are_joined_when_every_group_adds_up():
    r = parse(document(header_first([]).rstrip("\n") + "\n\n" + blocked(WIDE)))
    assert cells(r) == WIDE


def test_wrapped_figures_that_do_not_add_up_read_nothing():
    figures = list(WIDE)
    figures[3] = 128              # 81 + 32 + 40 + 128 ≠ 280
    r = parse(document(header_first([]).rstrip("\n") + "\n\n" + blocked(figures)))
    assert set(cells(r)) == {"missing"}


def test_values_without_empty_lines_between_them_are_not_joined_into_one_figure():
    # one value per line, no blocks: "81" / "32" are two cells, and 15 of them read in order
    r = parse(document(header_first(FIGURES)))
    assert cells(r) == FIGURES


def test_a_header_and_figures_no_reading_places_is_a_table_not_read_not_a_missing_table():
    # the groups' blocks drawn out of order (淮安): every group adds up wherever it is put
    scrambled = (TOP + RESULTS + "总计\n" + one_per_line(FIGURES[0:4]) + RESULTS + one_per_line(FIGURES[10:14])
                 + "总计\n" + one_per_line(FIGURES[4:5]) + RESULTS + one_per_line(FIGURES[5:10]) + "总计\n"
                 + one_per_line(FIGURES[14:15]))
    r = parse(document(scrambled))
    table = r.tables["review"]
    assert set(cells(r)) == {"missing"}
    assert table.present and table.reading == "unreadable"
    codes = [d.code for d in review_diags(r)]
    assert "TABLE_MISSING" not in codes
    assert any(d.code == "ROW_UNPLACED" and len(d.cells) == 15 and d.severity == "error" for d in review_diags(r))


def test_a_zero_closing_other_pages_is_no_page_number():
    # other pages close with a table's figure 0 moved to their end: the tail is still the table's
    text = document(header_first([0] * 14), page_tail="0\n", next_page="附件\n")
    r = parse(text.replace("一、总体情况", "0\n\f一、总体情况", 1))
    assert cells(r) == [0] * 15
