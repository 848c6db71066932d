"""The borderless-table reader on hand-placed words (engine/ingest/pdf_aligned.py): where a value
goes, and when it does not go anywhere. Coordinates in points, y downwards; 10 pt text."""
from __future__ import annotations

from engine.ingest.pdf_aligned import aligned_line, find_blocks

PAGE_WIDTH = 595.0


def word(text: str, x0: float, top: float, width: float | None = None) -> dict:
    w = width if width is not None else 10.0 * len(text) if not text.isdigit() else 5.5 * len(text)
    return {"text": text, "x0": x0, "x1": x0 + w, "top": top, "bottom": top + 10.0}


def line(*words: dict):
    text = " ".join(w["text"] for w in words)
    box = {"x0": min(w["x0"] for w in words), "x1": max(w["x1"] for w in words),
           "top": min(w["top"] for w in words), "bottom": max(w["bottom"] for w in words)}
    return aligned_line(box, list(words), text)


def rows_of(lines, carry=None):
    blocks, _ = find_blocks(lines, PAGE_WIDTH, carry)
    return [entry for _, _, block in blocks for kind, entry in block.entries if kind == "row"], blocks


# value columns at x = 300, 350, 400 (centres 302.75 ...)
def table(top: float = 100.0, extra=()):
    return [
        line(word("信息内容", 100, top), word("甲", 300, top), word("乙", 350, top), word("丙", 400, top)),
        line(word("规章", 100, top + 20), word("1", 300, top + 20), word("0", 350, top + 20), word("11", 400, top + 20)),
        line(word("行政规范性文件", 100, top + 40), word("8", 300, top + 40), word("26", 350, top + 40),
             word("66", 400, top + 40)),
        *extra,
    ]


def test_values_go_under_their_columns_and_the_headers_make_a_title_row():
    rows, _ = rows_of(table())
    assert rows == [["甲", "乙", "丙"], ["规章", "1", "0", "11"], ["行政规范性文件", "8", "26", "66"]]


def test_a_column_blank_in_every_row_is_known_from_its_header():
    lines = [
        line(word("项目", 100, 100), word("甲", 300, 100), word("乙", 350, 100), word("丙", 400, 100)),
        line(word("一", 100, 120), word("5", 300, 120), word("7", 400, 120)),
        line(word("二", 100, 140), word("6", 300, 140), word("8", 400, 140)),
    ]
    rows, _ = rows_of(lines)
    assert rows[1:] == [["一", "5", "", "7"], ["二", "6", "", "8"]]


def test_a_value_between_two_columns_is_not_placed():
    # the third row's figure straddles the 乙 and 丙 columns: the table ends above it, and the
    # line is left to the text reader (outside every block)
    lines = table(extra=[line(word("行政许可", 100, 160), word("12345678", 345, 160, width=70))])
    rows, blocks = rows_of(lines)
    assert not any(r[0] == "行政许可" for r in rows)
    assert all(end < 3 for _, end, _ in blocks)


def test_figures_in_one_wide_cell_are_not_spread_over_the_columns():
    # a row whose figures are typed into one cell, one space apart: they do not stand like the
    # column's other values (same left edge, centre or right edge), so the row is not placed
    extra = [line(word("行政许可", 100, 160), word("1", 303, 160), word("2", 353.5, 160), word("3", 398, 160))]
    rows, blocks = rows_of(table(extra=extra))
    assert not any(r[0] == "行政许可" for r in rows)
    assert any("行政许可" in u for _, _, b in blocks for u in b.uncertain)


def test_a_label_wrapped_around_its_figures_joins_its_row():
    lines = table() + [
        line(word("（二）部分公开（区分", 100, 155)),
        line(word("5", 300, 162), word("0", 350, 162), word("5", 400, 162)),
        line(word("处理的）", 100, 169)),
        line(word("四、结转", 100, 190), word("1", 300, 190), word("0", 350, 190), word("1", 400, 190)),
    ]
    rows, _ = rows_of(lines)
    assert ["（二）部分公开（区分处理的）", "5", "0", "5"] in rows
    assert ["四、结转", "1", "0", "1"] in rows


def test_a_label_line_as_near_to_two_rows_leaves_both_unplaced():
    lines = table() + [
        line(word("甲乙丙", 100, 170)),          # exactly between the rows at 160 and 180
        line(word("5", 300, 160), word("0", 350, 160), word("5", 400, 160)),
        line(word("6", 300, 180), word("1", 350, 180), word("7", 400, 180)),
    ]
    lines.sort(key=lambda ln: ln.top)
    rows, _ = rows_of(lines)
    assert not any(r[-3:] in (["5", "0", "5"], ["6", "1", "7"]) for r in rows)


def test_a_numbered_label_without_figures_is_a_blank_row():
    lines = [
        line(word("项目", 100, 100), word("甲", 300, 100), word("乙", 350, 100)),
        line(word("1.属于国家秘密", 100, 120), word("3", 300, 120), word("1", 350, 120)),
        line(word("2.其他法律", 100, 140)),
        line(word("3.危及", 100, 160), word("4", 300, 160), word("2", 350, 160)),
    ]
    rows, _ = rows_of(lines)
    assert rows[1:] == [["1.属于国家秘密", "3", "1"], ["2.其他法律", "", ""], ["3.危及", "4", "2"]]


def test_a_paragraph_with_numbers_is_not_a_table():
    lines = [line(word("本年共收到申请", 100, 100), word("25", 175, 100), word("件，办结", 190, 100))]
    assert find_blocks(lines, PAGE_WIDTH)[0] == []


def test_headers_carry_over_a_page_break():
    header = [line(word("项目", 100, 700), word("甲", 300, 700), word("乙", 350, 700), word("丙", 400, 700))]
    _, carry = find_blocks(header, PAGE_WIDTH)
    assert carry == header
    next_page = [line(word("一", 100, 80), word("5", 300, 80), word("7", 400, 80)),
                 line(word("二", 100, 100), word("6", 300, 100), word("8", 400, 100))]
    rows, _ = rows_of(next_page, carry)
    assert rows == [["一", "5", "", "7"], ["二", "6", "", "8"]]


def test_rows_left_blank_in_tall_cells_do_not_split_the_table():
    """Between two rows with figures, five numbered rows without any (tall cells, 40 pt apart):
    the figures below them are still under the header's three columns."""
    blank = [line(word(f"{k}.无", 100, 100 + 40 * (k - 1))) for k in range(2, 7)]
    lines = [
        line(word("项目", 100, 80), word("甲", 300, 80), word("乙", 350, 80), word("丙", 400, 80)),
        line(word("1.有", 100, 100), word("5", 300, 100), word("7", 400, 100)),
        *blank,
        line(word("7.有", 100, 340), word("6", 300, 340), word("8", 400, 340)),
    ]
    rows, blocks = rows_of(lines)
    assert len(blocks) == 1
    assert rows[1:] == [["1.有", "5", "", "7"]] + [[f"{k}.无", "", "", ""] for k in range(2, 7)] + \
        [["7.有", "6", "", "8"]]


def test_consecutive_numbered_rows_without_figures_are_rows_of_their_own():
    """3. / 4. / 5.(wrapped) / （六） without figures, above a row with figures: each numbered line is
    its own blank row, the wrapped line joins 5., not 4."""
    lines = [
        line(word("项目", 100, 80), word("甲", 300, 80), word("乙", 350, 80)),
        line(word("2.重复申请", 100, 100), word("5", 300, 100), word("4", 350, 100)),
        line(word("3.要求提供", 100, 140)),
        line(word("4.无正当理由", 100, 180)),
        line(word("5.要求确认", 100, 220)),
        line(word("获取信息", 100, 232)),
        line(word("（六）其他处理", 100, 270)),
        line(word("（七）总计", 100, 310), word("9", 300, 310), word("4", 350, 310)),
    ]
    rows, _ = rows_of(lines)
    labels = [r[0] for r in rows[1:]]
    assert labels == ["2.重复申请", "3.要求提供", "4.无正当理由", "5.要求确认获取信息", "（六）其他处理", "（七）总计"]
