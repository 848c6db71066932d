"""Text layouts of the statistics tables that real tools produce (issue 11): each case says where a
value may be placed with certainty, and where it must stay unknown with a diagnostic."""
from __future__ import annotations

from decimal import Decimal

from engine.parse import parse_file
from test_parse_layouts import HEAD, TAIL, build, label_of, values_for

CLEAN = build(lambda k, label, v: f"{label} {' '.join(map(str, v))}\n")
TITLE = "丙镇人民政府2024年政府信息公开工作年度报告\n"
REVIEW_BLOCK = TAIL.split("五、")[0]


def parse_text(tmp_path, text: str, suffix: str = ".txt"):
    path = tmp_path / f"report{suffix}"
    path.write_text(text, encoding="utf-8")
    return parse_file(path)


def value(report, address):
    cell = report.cell(address)
    return cell.value if cell is not None and cell.kind == "number" else cell.kind if cell else None


def test_placeholder_column_names_are_not_values(tmp_path):
    """A converter's one-table-per-row Markdown: 数据1…数据6/总计 are column names, not 1…6."""
    def row(_k, label, v):
        names = [f"数据{i}" for i in range(1, 7)] + ["总计"]
        return (f"### {label}\n\n| {' | '.join(names)} |\n| {' | '.join(['---'] * 7)} |\n"
                f"| {' | '.join(map(str, v))} |\n\n")
    report = parse_text(tmp_path, build(row), ".md")
    for key in ("一", "三.三.4", "四"):
        assert [value(report, f"applications.{key}.{c}") for c in ("自然人", "商业企业", "总计")] == \
            [Decimal(values_for(key)[0]), Decimal(1), Decimal(values_for(key)[-1])]
    assert report.tables["applications"].reading == "complete"
    assert not report.tables["applications"].structured


def test_review_row_under_a_header_without_column_labels_is_read_in_template_order(tmp_path):
    text = CLEAN.replace(REVIEW_BLOCK, "四、政府信息公开行政复议、行政诉讼情况\n| 行政复议 | 行政诉讼 |\n| --- | --- |\n"
                         "| 1 | 2 | 0 | 0 | 3 | 0 | 0 | 0 | 0 | 0 | 4 | 0 | 0 | 1 | 5 |\n")
    report = parse_text(tmp_path, text, ".md")
    assert value(report, "review.行政复议.总计") == Decimal(3)
    assert value(report, "review.复议后起诉.尚未审结") == Decimal(1)
    assert report.cell("review.行政复议.结果纠正").read == "order"
    assert "REVIEW_BY_ORDER" in {d.code for d in report.diagnostics}


def test_review_row_of_fourteen_values_under_a_broken_header_stays_unknown(tmp_path):
    text = CLEAN.replace(REVIEW_BLOCK, "四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n"
                         "1 2 0 0 3 0 0 0 0 0 4 0 0 1\n")
    report = parse_text(tmp_path, text)
    cells = report.tables["review"].cells
    assert all(c.kind == "missing" for c in cells.values())
    assert any(d.code == "ROW_TOO_FEW_VALUES" and d.table == "review" for d in report.diagnostics)


def test_a_page_number_line_between_label_and_values_is_not_a_value(tmp_path):
    label = label_of("三.四.1")
    text = CLEAN.replace(f"{label} {' '.join(map(str, values_for('三.四.1')))}\n",
                         f"{label}\n\n— 3 —\n\f{' '.join(map(str, values_for('三.四.1')))}\n")
    report = parse_text(tmp_path, text)
    assert [value(report, f"applications.三.四.1.{c}") for c in ("自然人", "总计")] == \
        [Decimal(values_for("三.四.1")[0]), Decimal(values_for("三.四.1")[-1])]


def test_values_beside_a_wrapped_label_are_read_by_column(tmp_path):
    """pdftotext -layout: 总计 printed beside the label's first line, the six others beside its
    second line: read left to right by character column, not line by line."""
    label = label_of("三.六.1")
    v = values_for("三.六.1")
    first, second = label[:16], label[16:]
    cols = "".join(f"{x:>9}" for x in v[:6])
    lines = f"{first}{' ' * 62}{v[6]:>9}\n{second}{' ' * (16 - len(second))}{cols}\n"
    text = CLEAN.replace(f"{label} {' '.join(map(str, v))}\n", lines)
    report = parse_text(tmp_path, text)
    got = [value(report, f"applications.三.六.1.{c}") for c in ("自然人", "商业企业", "总计")]
    assert got == [Decimal(v[0]), Decimal(v[1]), Decimal(v[6])]


def test_column_spaced_values_are_never_split_as_a_digit_run(tmp_path):
    """"258  12     1    1" is four cells of a row with blanks, not the digits 2/5/8/1/2/1/1."""
    label = label_of("三.一")
    text = CLEAN.replace(f"{label} {' '.join(map(str, values_for('三.一')))}\n",
                         f"{label}          258  12                 1    1\n")
    report = parse_text(tmp_path, text)
    cells = [report.cell(f"applications.三.一.{c}") for c in ("自然人", "商业企业", "总计")]
    assert all(c.kind == "missing" for c in cells)
    assert not any(c.recovered for c in cells)


def test_scrambled_reading_order_leaves_rows_unknown_not_shifted(tmp_path):
    """Reading-order text where a label stands away from its values (一's label after the block):
    the values between two labels could be either row's, so no row takes them."""
    rows = [r for r in CLEAN.splitlines(keepends=True)]
    first = next(i for i, r in enumerate(rows) if r.startswith(label_of("一")))
    one = rows.pop(first)
    scrambled = [*rows[:first], *(f"{x}\n" for x in values_for("一")),
                 *(r if not r.startswith(label_of("二")) else
                   f"{label_of('二')}\n" + "".join(f"{x}\n" for x in values_for("二")) for r in rows[first:])]
    split_at = next(i for i, r in enumerate(scrambled) if r.startswith("四、政府信息公开"))
    scrambled.insert(split_at, one.split(" ")[0] + "\n")
    report = parse_text(tmp_path, "".join(scrambled))
    for key in ("一", "二"):
        for c in ("自然人", "总计"):
            cell = report.cell(f"applications.{key}.{c}")
            assert cell.kind == "missing" or cell.value == Decimal(values_for(key)[0 if c == "自然人" else -1])


def test_title_found_whatever_stands_above_it(tmp_path):
    body = CLEAN
    for before, title in [
        ("目录\n第1页\n", TITLE),
        ("丙镇人民政府门户网站 > 政府信息公开 > 年报\n", TITLE),
        ("# 年报\n", "## " + TITLE),
        ("索引号：000014349/2025-00012\t发布机构：丙镇人民政府\n", TITLE),
        ("", "丙镇人民政府\n2024年政府信息公开工作年度报告\n"),
    ]:
        report = parse_text(tmp_path, before + body.replace(TITLE, title, 1))
        assert (report.metadata.agency, report.metadata.year) == ("丙镇人民政府", 2024), before
    report = parse_text(tmp_path, body.replace(TITLE, "2025 年上海市人民政府办公厅政府信息公开工作年度报告\n", 1))
    assert (report.metadata.agency, report.metadata.year) == ("上海市人民政府办公厅", 2025)


def test_one_table_per_row_with_blank_cells_keeps_them_in_place(tmp_path):
    """Markdown rows under ### labels where some cells are blank (the 总计 column left empty): each
    row is one TAB row of seven cells, so the values and the blanks keep their columns."""
    def row(_k, label, v):
        cells = [str(v[0]), "1", "", "", "", "", ""]
        return (f"### {label}\n\n| {' | '.join(f'数据{i}' for i in range(1, 7))} | 总计 |\n"
                f"| {' | '.join(['---'] * 7)} |\n| {' | '.join(cells)} |\n\n")
    report = parse_text(tmp_path, build(row), ".md")
    for key in ("一", "三.三.4", "四"):
        assert value(report, f"applications.{key}.自然人") == Decimal(values_for(key)[0])
        assert value(report, f"applications.{key}.商业企业") == Decimal(1)
        assert report.cell(f"applications.{key}.总计").kind == "blank"
