"""Column-laid text (pdftotext -layout) whose rows leave cells blank: values placed under the
header's columns by character position, only where the column is certain
(engine/parse/layout_columns.py). The table is written here by hand, label by label."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.parse import parse_file
from engine.template import APPLICANT_COLUMNS, application_rows
from test_parse_layouts import HEAD, TAIL, label_of

# Character position of each column label in the header (one position per character, as pdftotext
# counts them); values stand under the labels.
AT = {"自然人": 56, "商业企业": 62, "科研机构": 67, "社会公益组织": 72, "法律服务机构": 79, "其他": 86, "总计": 89}
HEADER = (" " * 66 + "申请人情况\n"
          + " " * 56 + "自然人" + " " * 11 + "法人或其他组织\n"
          + " " * 62 + "商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n")
# HEAD up to the part heading of table 三 (its own header is one of the reading-order kind)
START = HEAD[:HEAD.index("三、收到和处理")] + "三、收到和处理政府信息公开申请情况\n"
# A table consistent with its identities, most cells blank (None).
ROWS = {
    "一": [10, 3, None, None, None, 1, 14],
    "二": [2, None, None, None, None, None, 2],
    "三.一": [5, 2, None, None, None, None, 7],
    "三.三.1": [3, None, None, None, None, None, 3],
    "三.四.1": [4, 1, None, None, None, 1, 6],
    "三.七": [12, 3, None, None, None, 1, 16],
}


def layout_line(label: str, values: list[int | None], shift: dict[int, int] | None = None) -> str:
    """The row's label, then each value starting at its column label's position (+ shift)."""
    line = "  " + label
    for col, v in zip(APPLICANT_COLUMNS, values):
        if v is None:
            continue
        at = AT[col] + (shift or {}).get(APPLICANT_COLUMNS.index(col), 0)
        assert len(line) + 2 <= at, label
        line += " " * (at - len(line)) + str(v)
    return line + "\n"


def table_text(rows: dict[str, list[int | None]] | None = None, shift: dict[str, dict[int, int]] | None = None,
               header: str = HEADER, before: dict[str, str] | None = None) -> str:
    rows = ROWS if rows is None else rows
    body = ""
    for r in application_rows("split"):
        body += (before or {}).get(r.key, "")
        body += layout_line(label_of(r.key), rows.get(r.key, [None] * 7), (shift or {}).get(r.key))
    return START + header + body + TAIL


def parse(tmp_path, text: str):
    path = tmp_path / "layout.txt"
    path.write_text(text, encoding="utf-8")
    return parse_file(path)


def row_cells(report, key):
    return [report.cell(f"applications.{key}.{c}") for c in APPLICANT_COLUMNS]


def test_values_go_under_their_header_columns_and_empty_columns_are_blank(tmp_path):
    report = parse(tmp_path, table_text())
    for r in application_rows("split"):
        cells = row_cells(report, r.key)
        expected = ROWS.get(r.key, [None] * 7)
        assert [c.value if c.kind == "number" else c.kind for c in cells] == \
            [Decimal(v) if v is not None else "blank" for v in expected], r.key
        assert {c.read for c in cells} == {"aligned"}
    table = report.tables["applications"]
    assert table.reading == "complete" and not table.structured
    blanks = {a for d in report.diagnostics if d.code == "CELL_BLANK" for a in d.cells}
    assert "applications.三.一.科研机构" in blanks and "applications.三.一.自然人" not in blanks
    assert not [d for d in report.diagnostics if d.code in ("ROW_TOO_FEW_VALUES", "ROW_UNPLACED")]


def test_a_value_pushed_against_its_label_with_a_free_column_before_it_stays_unknown(tmp_path):
    """One space after the label: pdftotext may have pushed it right, out of 自然人 into 商业企业."""
    label = "  " + label_of("三.二")
    pushed = label + "（" + "区" * (AT["商业企业"] - 1 - len(label) - 2) + "） 9\n"
    assert pushed.index(" 9") == AT["商业企业"] - 1
    report = parse(tmp_path, table_text().replace(label + "\n", pushed))
    assert {c.kind for c in row_cells(report, "三.二")} == {"missing"}
    assert any(d.code == "ROW_UNPLACED" and "applications.三.二.自然人" in d.cells for d in report.diagnostics)
    assert report.cell("applications.三.一.自然人").value == Decimal(5)


def test_a_value_shifted_to_a_neighbouring_column_breaks_a_sum_and_nothing_is_placed(tmp_path):
    report = parse(tmp_path, table_text(shift={"三.三.1": {0: AT["商业企业"] - AT["自然人"]}}))
    for r in application_rows("split"):
        assert {c.kind for c in row_cells(report, r.key)} == {"missing"}, r.key
    assert any(d.code == "ROW_TOO_FEW_VALUES" for d in report.diagnostics)


@pytest.mark.parametrize("broken", [
    HEADER.replace("科研机构", "    "),                                     # a column label not found
    HEADER.replace("自然人" + " " * 11, "自然人" + " " * 5 + "总计  "),        # 总计 twice
])
def test_a_header_that_does_not_give_every_column_once_places_nothing(tmp_path, broken):
    report = parse(tmp_path, table_text(header=broken))
    assert {c.kind for c in row_cells(report, "三.一")} == {"missing"}
    assert any(d.code == "ROW_TOO_FEW_VALUES" for d in report.diagnostics)


def test_a_value_column_under_two_labels_places_nothing(tmp_path):
    """A 商业企业 value reaching under 科研机构 too: that value column's label is not certain."""
    rows = {**ROWS, "三.四.1": [4, 111, None, None, None, 1, 116]}
    shift = {k: {1: 3} for k, v in rows.items() if v[1] is not None}
    report = parse(tmp_path, table_text(rows, shift=shift))
    assert {c.kind for c in row_cells(report, "三.一")} == {"missing"}
    assert any(d.code == "ROW_TOO_FEW_VALUES" for d in report.diagnostics)


def test_rows_after_a_page_break_are_not_placed_by_the_first_page_header(tmp_path):
    report = parse(tmp_path, table_text(before={"三.四.1": "\f"}))
    assert report.cell("applications.三.一.自然人").value == Decimal(5)
    assert {c.kind for c in row_cells(report, "三.四.1")} == {"missing"}
    assert {c.kind for c in row_cells(report, "三.七")} == {"missing"}


def test_complete_rows_are_still_read_in_order(tmp_path):
    rows = {k: [0 if v is None else v for v in vals] for k, vals in ROWS.items()}
    report = parse(tmp_path, table_text(rows))
    assert [c.read for c in row_cells(report, "一")] == ["order"] * 7
    assert report.cell("applications.三.二.自然人").kind == "blank"


SEED_2019 = Path(__file__).resolve().parent / "fixtures" / "seeds" / "003_bb47b10e518fda8c.txt"


def test_an_active_row_label_wrapped_in_a_narrow_cell_is_found_by_its_head(tmp_path):
    """pdftotext -layout of a narrow label cell: "其他对外管理服务" beside the values, "事项" below."""
    text = SEED_2019.read_text(encoding="utf-8")
    assert "其他对外管理服务事项\t0\t0\t0\n" in text
    text = text.replace("其他对外管理服务事项\t0\t0\t0\n", "其他对外管理服务     7            0            7\n事项\n")
    report = parse(tmp_path, text)
    row = "active.item5.其他对外管理服务事项"
    assert [report.cell(f"{row}.{c}").value for c in ("上一年项目数量", "本年增/减", "处理决定数量")] == \
        [Decimal(7), Decimal(0), Decimal(7)]
    assert not [d for d in report.diagnostics if d.code == "ROW_MISSING" and any(a.startswith(row) for a in d.cells)]


def test_a_header_label_wrapped_in_a_narrow_cell_spans_both_its_lines(tmp_path):
    """"社会公益" / "组织": a value under "组织" only is still under 社会公益组织."""
    header = HEADER.replace("社会公益组织", "社会公益    ") + " " * (AT["社会公益组织"] + 3) + "组织\n"
    rows = {**ROWS, "三.四.1": [4, 1, None, 2, None, 1, 8], "一": [10, 3, None, 2, None, 1, 16],
            "三.七": [12, 3, None, 2, None, 1, 18]}
    shift = {k: {3: 4} for k in ("三.四.1", "一", "三.七")}
    report = parse(tmp_path, table_text(rows, shift=shift, header=header))
    assert report.cell("applications.三.四.1.社会公益组织").value == Decimal(2)
    assert report.cell("applications.三.四.1.科研机构").kind == "blank"


def _at(pieces: dict[int, str]) -> str:
    line = ""
    for col, text in sorted(pieces.items()):
        line += " " * (col - len(line)) + text
    return line + "\n"


STACKED = (_at({56: "自然", 70: "法人或其他组织", 89: "总"})
           + _at({56: "人", 62: "商业", 67: "科研", 72: "社会公", 79: "法律服", 86: "其", 89: "计"})
           + _at({62: "企业", 67: "机构", 72: "益组织", 79: "务机构", 86: "他"}))


def test_header_labels_broken_over_lines_in_narrow_cells_give_the_columns(tmp_path):
    """"自然" / "人", "社会公" / "益组织": each label's pieces stacked in its cell."""
    report = parse(tmp_path, table_text(header=STACKED))
    for key, expected in ROWS.items():
        assert [c.value if c.kind == "number" else c.kind for c in row_cells(report, key)] == \
            [Decimal(v) if v is not None else "blank" for v in expected], key


def test_a_header_separated_from_the_rows_by_an_empty_line_is_not_used(tmp_path):
    report = parse(tmp_path, table_text(header=STACKED + "\n"))
    assert {c.kind for c in row_cells(report, "三.一")} == {"missing"}


@pytest.mark.parametrize("text, unit", [("5 万元", "万元"), ("3件", "件"), ("6          元", "")])
def test_a_unit_belongs_to_the_number_only_right_beside_it(text, unit):
    """In column-laid text a unit several spaces away is in another column ("6 … 元", the amount
    "251000" wrapped onto the next line): it is text, not the unit of 6."""
    from engine.parse.cells import VALUE, tokens_of_piece
    toks = tokens_of_piece(text, text, 0, 0, False)
    assert toks[0].kind == VALUE and toks[0].unit == unit
    assert len(toks) == (2 if not unit else 1)
