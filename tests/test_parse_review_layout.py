"""Table 四 in column-laid text (pdftotext -layout) with blank cells: the data row placed under the
header's fifteen columns by character position, only where every value's column is certain
(engine/parse/review_layout.py). The header is written here by hand, wrapped the way pdftotext
prints a table whose labels wrap in narrow cells ("结果" over "维持")."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.parse import parse_file
from engine.template import REVIEW_COLUMNS, review_addresses

SEED = Path(__file__).parent / "fixtures" / "seeds" / "001_5f25c15575702d27.txt"
TOP = {"结果维持": "结果", "结果纠正": "结果", "其他结果": "其他", "尚未审结": "尚未", "总计": "总计"}
BOTTOM = {"结果维持": "维持", "结果纠正": "纠正", "其他结果": "结果", "尚未审结": "审结", "总计": ""}
WIDE = [10, 16, 22, 28, 34, 42, 48, 54, 60, 66, 74, 80, 86, 92, 98]     # label positions, 4+ apart
TIGHT = [10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, 49, 52]    # 1 character apart


def _put(line: str, at: int, word: str) -> str:
    assert len(line) + 1 <= at or not line.strip(), (line, at, word)
    return line + " " * (at - len(line)) + word


def header(at: list[int]) -> list[str]:
    groups = _put(_put("", at[0], "行政复议"), at[5], "行政诉讼")
    sub = _put(_put("", at[5], "未经复议直接起诉"), at[10], "复议后起诉")
    top, bottom = "", ""
    for k, x in enumerate(at):
        col = REVIEW_COLUMNS[k % 5]
        top = _put(top, x, TOP[col])
        if BOTTOM[col]:
            bottom = _put(bottom, x, BOTTOM[col])
    return [groups, sub, top, bottom]


def data_row(values: list[int | None], at: list[int], shift: dict[int, int] | None = None) -> str:
    line = ""
    for k, v in enumerate(values):
        if v is not None:
            line = _put(line, at[k] + (shift or {}).get(k, 0), str(v))
    return line


def wrapped_rows(values: list[int | None], at: list[int], wrap: set[int]) -> str:
    """The data row with the figures of columns `wrap` broken after their first two digits, the
    rest on the line below, under them (a figure wider than its narrow cell)."""
    first, second = "", ""
    for k, v in enumerate(values):
        if v is None:
            continue
        text = str(v)
        first = _put(first, at[k], text[:2] if k in wrap else text)
        if k in wrap:
            second = _put(second, at[k], text[2:])
    return first + "\n" + second


def document(tmp_path, values: list[int | None], at: list[int] = WIDE, shift: dict[int, int] | None = None,
             empty_above: int = 1, head: list[str] | None = None, rows: str | None = None) -> Path:
    """Seed 001 with its 表四 replaced by the column-laid table (`rows`: the data row's lines as given)."""
    seed = SEED.read_text(encoding="utf-8")
    before, rest = seed.split("四、政府信息公开行政复议、行政诉讼情况")
    after = rest[rest.index("五、存在的主要问题及改进情况"):]
    table = "\n".join([*(head or header(at)), *[""] * empty_above, rows or data_row(values, at, shift)])
    path = tmp_path / "layout.txt"
    path.write_text(before + "四、政府信息公开行政复议、行政诉讼情况\n" + table + "\n\n" + after, encoding="utf-8")
    return path


def cells(path: Path) -> tuple[list, list]:
    report = parse_file(path)
    table = report.tables["review"]
    got = [table.cells[a] for a in review_addresses()]
    return got, [d for d in report.diagnostics if d.table == "review"]


def as_values(got) -> list:
    return [c.value if c.kind == "number" else c.kind for c in got]


DISTINCT = [5, None, None, 2, 7, 8, None, 3, 1, 12, None, None, None, None, None]


def test_a_short_row_is_placed_under_its_columns(tmp_path):
    got, diags = cells(document(tmp_path, DISTINCT))
    assert as_values(got) == [v if v is not None else "blank" for v in DISTINCT]
    assert {c.read for c in got} == {"aligned"}
    blank = [d for d in diags if d.code == "CELL_BLANK"]
    assert len(blank) == 1 and set(blank[0].cells) == {a for a, v in zip(review_addresses(), DISTINCT) if v is None}
    assert not [d for d in diags if d.code == "REVIEW_BY_ORDER"]    # placed by position, not by order


def test_a_whole_group_left_blank_like_seed_000(tmp_path):
    values = [None] * 5 + [0] * 10
    got, _ = cells(document(tmp_path, values, empty_above=2))
    assert as_values(got) == ["blank"] * 5 + [Decimal(0)] * 10


def test_a_value_off_its_label_takes_the_only_free_column_between_its_neighbours(tmp_path):
    # 其他结果 of the last group stands 3 characters left of its label, overlapping none
    values = [None] * 5 + [1, 0, 0, 0, 1] + [0, 2, 0, 1, 3]
    got, _ = cells(document(tmp_path, values, shift={13: -3}))
    assert as_values(got) == ["blank"] * 5 + [Decimal(v) for v in values[5:]]


def test_a_value_between_two_free_columns_leaves_the_row_unknown(tmp_path):
    # 8 stands between 总计 of 行政复议 and 结果维持 of 未经复议直接起诉, both free: either could be its column
    values = [5, None, None, 2, None, 8, None, None, 3, 11, 1, 0, 0, 0, 1]
    got, diags = cells(document(tmp_path, values, shift={5: -4}))
    assert {c.kind for c in got} == {"missing"}
    assert any(d.code == "ROW_UNPLACED" and "唯一对应" in d.message for d in diags)


def test_a_header_packed_too_tight_leaves_the_row_unknown(tmp_path):
    # labels one character apart: a value a character off (pdftotext's rounding) is under its neighbour
    got, diags = cells(document(tmp_path, DISTINCT, at=TIGHT))
    assert {c.kind for c in got} == {"missing"}
    assert any(d.code == "ROW_UNPLACED" and "相距过近" in d.message for d in diags)


def test_a_placement_breaking_a_group_identity_is_dropped(tmp_path):
    # 3 printed under 结果纠正 while the group says 8 + 1 = 9: position and the sum disagree
    values = [None] * 5 + [8, 3, None, 1, 9] + [1, 0, 0, 0, 1]
    got, diags = cells(document(tmp_path, values))
    assert {c.kind for c in got} == {"missing"}
    assert any(d.code == "ROW_UNPLACED" and "总计" in d.message for d in diags)


def test_a_value_straddling_two_labels_leaves_the_row_unknown(tmp_path):
    at = [10, 16, 22, 28, 34, 40, 46, 52, 58, 64, 70, 76, 82, 88, 94]
    # 123456 runs from under 结果纠正 into 其他结果
    values = [None, 123456, None, None, 123456] + [1, 0, 0, 0, 1] + [None] * 5
    got, diags = cells(document(tmp_path, values, at=at, shift={1: 1, 4: -2}))
    assert {c.kind for c in got} == {"missing"}
    assert any(d.code == "ROW_UNPLACED" and "唯一对应" in d.message for d in diags)


def test_a_full_row_is_still_read_by_order(tmp_path):
    values = [1, 0, 0, 0, 1, 0, 2, 0, 0, 2, 0, 0, 0, 3, 3]
    got, _ = cells(document(tmp_path, values))
    assert as_values(got) == [Decimal(v) for v in values]


def test_a_header_missing_a_column_label_places_nothing_by_position(tmp_path):
    head = header(WIDE)
    head[3] = head[3].replace("审结", "    ", 1)          # 尚未审结 of 行政复议 lost its second line
    got, diags = cells(document(tmp_path, DISTINCT, head=head))
    assert {c.kind for c in got} == {"missing"}
    assert any(d.code == "ROW_TOO_FEW_VALUES" for d in diags)


# figures of three digits, each group adding up
WIDE_FIGURES = [81, 32, 40, 127, 280, 96, 82, 47, 76, 301, 247, 138, 125, 109, 619]


def test_figures_wrapped_inside_their_cells_are_joined_with_the_piece_under_them(tmp_path):
    wrap = {k for k, v in enumerate(WIDE_FIGURES) if v > 99}
    got, diags = cells(document(tmp_path, WIDE_FIGURES, rows=wrapped_rows(WIDE_FIGURES, WIDE, wrap)))
    assert as_values(got) == [Decimal(v) for v in WIDE_FIGURES]
    assert any(d.code == "FIGURES_WRAPPED" and "“12”/“7”" in d.message for d in diags)


def test_wrapped_figures_with_blank_cells_are_joined_then_placed_by_position(tmp_path):
    values = [None] * 5 + [96, 82, 47, 76, 301] + [247, 138, 125, 109, 619]
    wrap = {k for k, v in enumerate(values) if v is not None and v > 99}
    got, _ = cells(document(tmp_path, values, rows=wrapped_rows(values, WIDE, wrap)))
    assert as_values(got) == ["blank"] * 5 + [Decimal(v) for v in values[5:]]


def test_joined_figures_that_break_a_group_identity_leave_the_row_unknown(tmp_path):
    values = list(WIDE_FIGURES)
    values[3] = 128                  # 81 + 32 + 40 + 128 ≠ 280: the join cannot be confirmed
    wrap = {k for k, v in enumerate(values) if v > 99}
    got, diags = cells(document(tmp_path, values, rows=wrapped_rows(values, WIDE, wrap)))
    assert {c.kind for c in got} == {"missing"}
    assert any(d.code == "ROW_UNPLACED" and "折行" in d.message for d in diags)
    assert not any(d.code == "FIGURES_WRAPPED" for d in diags)


def test_a_piece_under_two_figures_joins_nothing(tmp_path):
    wrap = {k for k, v in enumerate(WIDE_FIGURES) if v > 99}
    rows = wrapped_rows(WIDE_FIGURES, WIDE, wrap).split("\n")
    rows[1] = rows[1] + " " * (WIDE[14] - 3 - len(rows[1])) + "55555"      # spans 尚未审结 and 总计 of 复议后起诉
    got, diags = cells(document(tmp_path, WIDE_FIGURES, rows="\n".join(rows)))
    assert {c.kind for c in got} == {"missing"}
    assert not any(d.code == "FIGURES_WRAPPED" for d in diags)
