"""Reading-order text (`pdftotext` without -layout): one cell per line, labels out of place
(engine/parse/stream.py). Values are placed only where the stream leaves no doubt; elsewhere the
cells stay unknown with the row reader's diagnostic — never a wrong value."""
from __future__ import annotations

from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS, application_rows
from test_parse_layouts import HEAD, TAIL, label_of, parse, values_for

KEYS = [r.key for r in application_rows("split")]
REVIEW_HEADER = ("四、政府信息公开行政复议、行政诉讼情况\n行政复议\n行政诉讼\n结果\n维持\n结果\n纠正\n其他\n结果\n"
                 "尚未\n审结\n总计\n未经复议直接起诉\n复议后起诉\n")
END = TAIL[TAIL.index("五、"):]


def one_per_line(values) -> str:
    return "".join(f"{v}\n" for v in values)


def document(body: str, review: str = "1 0 0 0 1 0 0 0 0 0 0 0 0 0 0") -> str:
    return HEAD + body + REVIEW_HEADER + one_per_line(review.split()) + END


def row_values(report, key):
    cells = [report.cell(f"applications.{key}.{c}") for c in APPLICANT_COLUMNS]
    return [int(c.value) if c.kind == "number" else c.kind for c in cells]


def displaced(order_of_values) -> str:
    """Rows 一 … with each label followed by its values, except 三.一 and 三.二: their labels come
    after 三.四.1's row (wrapped labels printed later), their values right after 二's."""
    out = []
    for key in KEYS:
        if key in ("三.一", "三.二"):
            continue
        out.append(label_of(key) + "\n")
        if key == "二":
            rows = [values_for(k) for k in ("二", "三.一", "三.二")]
            out.append(one_per_line(order_of_values(rows)))
        else:
            out.append(one_per_line(values_for(key)))
        if key == "三.四.1":
            out.append("（一）予以公开\n（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）\n")
    return "".join(out)


def test_a_run_of_several_rows_between_two_labels_is_read_row_by_row():
    r = parse(document(displaced(lambda rows: [v for row in rows for v in row])))
    for key in KEYS:
        assert row_values(r, key) == values_for(key), key
    assert r.cell("applications.三.一.自然人").read == "order"
    assert r.tables["applications"].reading == "complete"
    assert any(d.code == "STREAM_ORDER" and d.table == "applications" for d in r.diagnostics)
    assert not any(d.table == "applications" and d.severity == "error" for d in r.diagnostics)


def test_a_run_that_only_adds_up_column_by_column_stays_unknown():
    """The same run written column by column: read row by row the rows do not add up, so which
    value is whose cannot be told from the labels — the rows stay unknown (the identities never
    pick the order on their own)."""
    r = parse(document(displaced(lambda rows: [row[c] for c in range(7) for row in rows])))
    for key in ("二", "三.一", "三.二"):
        assert row_values(r, key) == ["missing"] * 7, key
        assert any(d.severity == "error" and f"applications.{key}.自然人" in d.cells for d in r.diagnostics), key
    assert row_values(r, "三.三.1") == values_for("三.三.1")


def zero_stream(drop: int = 0) -> str:
    """Every row zero, the labels of the first rows together, then all their values (a drawing order
    that puts a merged label column before the cells), the rest label by label."""
    head = KEYS[:6]
    body = "".join(label_of(k) + "\n" for k in head)
    body += one_per_line([0] * (7 * len(head) - drop))
    body += "".join(label_of(k) + "\n" + one_per_line([0] * 7) for k in KEYS[6:])
    return body


def test_all_values_the_same_and_as_many_as_the_cells_fill_every_cell():
    r = parse(document(zero_stream(), review="0 " * 15))
    for key in KEYS:
        assert row_values(r, key) == [0] * 7, key
    assert r.tables["applications"].reading == "complete"
    review = r.tables["review"]
    assert review.present and review.reading == "complete"
    assert all(r.cell(f"review.{g}.{c}").value == 0 for g in REVIEW_GROUPS for c in REVIEW_COLUMNS)


def test_one_value_short_fills_nothing_by_sameness():
    r = parse(document(zero_stream(drop=1), review="0 " * 14))
    assert any(row_values(r, k) == ["missing"] * 7 for k in KEYS[:6])
    for key in KEYS[:6]:
        if row_values(r, key) == ["missing"] * 7:
            assert any(d.severity == "error" and f"applications.{key}.自然人" in d.cells for d in r.diagnostics)
    assert all(c.kind == "missing" for c in r.tables["review"].cells.values())
    assert not any(d.code == "STREAM_ORDER" and d.table == "review" for d in r.diagnostics)


def test_text_with_several_values_per_line_is_left_to_the_row_reader():
    """Not reading-order text (pdftotext -layout, copied rows): the stream reading does not apply,
    even where values are all zero."""
    body = "".join(label_of(k) + "\n" for k in KEYS[:3]) + "0 0 0 0 0 0 0\n" * 3
    body += "".join(f"{label_of(k)} 0 0 0 0 0 0 0\n" for k in KEYS[3:])
    r = parse(document(body))
    assert not any(d.code == "STREAM_ORDER" for d in r.diagnostics)


# 表二 as pdftotext draws the seeds' tables: some figures above their label, others below it, the
# first row's figures among its column labels (distinct figures, so a misplaced one shows)
ACTIVE_DRAWN = """二、主动公开政府信息情况
第二十条第（一）项
信息内容
规章
本年制发件数
101
本年废止件数
102
现行有效件数
103
行政规范性文件
104
105
106
第二十条第（五）项
信息内容
本年处理决定数量
107
行政许可
第二十条第（六）项
信息内容
本年处理决定数量
行政处罚
108
行政强制
109
第二十条第（八）项
信息内容
本年收费金额（单位：万元）
110
行政事业性收费
"""


def test_figures_above_some_labels_and_below_others_are_never_misplaced():
    text = document(zero_stream(), review="0 " * 15)
    text = text[:text.index("二、主动公开")] + ACTIVE_DRAWN + text[text.index("三、收到和处理"):]
    r = parse(text)
    expected = {"item1.行政规范性文件.本年制发件数": 104, "item1.行政规范性文件.现行有效件数": 106,
                "item5.行政许可.本年处理决定数量": 107, "item6.行政处罚.本年处理决定数量": 108,
                "item6.行政强制.本年处理决定数量": 109, "item8.行政事业性收费.本年收费金额": 110}
    for tail, value in expected.items():
        cell = r.cell(f"active.{tail}")
        assert cell.kind == "missing" or cell.value == value, (tail, cell.value)
    # the lone "103" above 行政规范性文件 is one cell, never split into 1 / 0 / 3
    assert not any(c.read == "digits" for c in r.tables["active"].cells.values())
    assert r.cell("active.item6.行政强制.本年处理决定数量").value == 109
