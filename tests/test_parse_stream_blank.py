"""Reading-order text whose blank cells vanished (engine/parse/stream_blank.py): a row is read only
when the row of every value is certain — blank when nothing stands on its side of its label, in
order when all its values do — and stays unknown (with a diagnostic naming its values) otherwise."""
from __future__ import annotations

from engine.parse import stream_blank
from engine.template import APPLICANT_COLUMNS, application_rows
from test_parse_layouts import HEAD, label_of, parse, values_for
from test_parse_reading_order import END, REVIEW_HEADER, one_per_line

KEYS = [r.key for r in application_rows("split")]
APPS_HEAD = HEAD[HEAD.index("三、收到"):]
ACTIVE_HEAD = HEAD[:HEAD.index("三、收到")]
BLANK = "blank"
UNKNOWN = "missing"


def row_of(report, key):
    cells = [report.cell(f"applications.{key}.{c}") for c in APPLICANT_COLUMNS]
    return [int(c.value) if c.kind == "number" else c.kind for c in cells]


def sparse(key: str) -> list[int]:
    """The figures printed in a row: full rows (every third), blank rows, and short rows (自然人 and
    总计 only: the other five cells blank and gone from the text)."""
    i = KEYS.index(key)
    if i % 3 == 0:
        return values_for(key)
    if i % 3 == 1:
        return []
    return [i + 2, i + 2]


def expected(key: str) -> list:
    got = sparse(key)
    return got if len(got) == 7 else [BLANK] * 7 if not got else [UNKNOWN] * 7


def before(printed=sparse, keys=KEYS, extra: dict[str, str] | None = None) -> str:
    """Each row's figures one per line BEFORE its label (the drawing order of many printed tables)."""
    extra = extra or {}
    return "".join(one_per_line(printed(k)) + extra.get(k, "") + label_of(k) + "\n" for k in keys)


def after(printed=sparse, keys=KEYS) -> str:
    return "".join(label_of(k) + "\n" + one_per_line(printed(k)) for k in keys)


def document(body: str, review: str = "1 0 0 0 1 0 0 0 0 0 0 0 0 0 0", active: str = ACTIVE_HEAD) -> str:
    return active + APPS_HEAD + body + REVIEW_HEADER + one_per_line(review.split()) + END


def test_values_before_their_labels_rows_without_any_are_blank():
    r = parse(document(before()))
    for key in KEYS:
        assert row_of(r, key) == expected(key), key
    blank = next(k for k in KEYS if not sparse(k))
    cell = r.cell(f"applications.{blank}.自然人")
    assert cell.read == "order"
    assert any(d.code == "CELL_BLANK" and cell.address in d.cells for d in r.diagnostics)
    assert any(d.code == "STREAM_ORDER" and d.table == "applications" for d in r.diagnostics)


def test_values_after_their_labels_rows_without_any_are_blank():
    r = parse(document(after()))
    for key in KEYS:
        assert row_of(r, key) == expected(key), key


def test_a_short_row_stays_unknown_with_its_own_values_named():
    """自然人 and 总计 printed, five cells blank: which columns the two figures sit in is not in the
    text. The row stays unknown; the diagnostic names its two figures (not a neighbour's)."""
    r = parse(document(before()))
    short = next(k for k in KEYS if len(sparse(k)) == 2)
    addr = f"applications.{short}.自然人"
    assert row_of(r, short) == [UNKNOWN] * 7
    diags = [d for d in r.diagnostics if addr in d.cells]
    assert diags and all(d.severity == "error" for d in diags)
    assert any(f"（{sparse(short)[0]}、{sparse(short)[1]}）" in d.message for d in diags)


def test_edges_that_do_not_show_the_side_leave_the_blank_rows_unknown():
    """Figures before the first label AND after the last: either side could be the rows' — nothing is
    blank for certain."""
    body = before() + one_per_line([5, 5])
    r = parse(document(body))
    for key in KEYS:
        if not sparse(key):
            assert row_of(r, key) == [UNKNOWN] * 7, key


def test_labels_first_then_all_values_column_major_gives_no_blank_row():
    """All labels, then all figures (a layout drawn column by column): every label but the last has
    nothing after it — none of them is blank."""
    body = "".join(label_of(k) + "\n" for k in KEYS) + one_per_line(v for k in KEYS for v in values_for(k))
    r = parse(document(body))
    for key in KEYS:
        assert BLANK not in row_of(r, key), key


def test_a_label_wrapped_onto_a_line_of_its_own_makes_its_neighbour_uncertain():
    """Figures before their labels, but a label's second line stands between the previous label and
    the next figures: the figures may be level with the wrapped line (the previous row's). Neither
    row is read; the blank row after an empty segment still is."""
    full = [k for k in KEYS if len(sparse(k)) == 7]
    target = next(k for k in full if KEYS.index(k) > 0)
    prev = KEYS[KEYS.index(target) - 1]
    r = parse(document(before(extra={target: ""}).replace(
        label_of(prev) + "\n", label_of(prev) + "\n续行文字\n", 1)))
    assert "续行文字" not in stream_blank.HEADER_WORDS
    assert row_of(r, target) == [UNKNOWN] * 7 or row_of(r, target) == values_for(target)
    if not sparse(prev):
        assert row_of(r, prev) == [UNKNOWN] * 7


def test_a_word_that_may_be_a_figure_keeps_a_row_from_being_blank():
    blank = next(k for k in KEYS if not sparse(k))
    r = parse(document(before(extra={blank: "三件\n"})))
    assert row_of(r, blank) == [UNKNOWN] * 7
    other = next(k for k in KEYS if not sparse(k) and k != blank)
    assert row_of(r, other) == [BLANK] * 7


def test_a_row_label_missing_from_the_text_leaves_the_table_to_the_row_reader():
    gone = KEYS[5]
    r = parse(document(before(keys=[k for k in KEYS if k != gone])))
    for key in KEYS:
        assert BLANK not in row_of(r, key), key


def test_a_figure_on_a_label_line_after_it_is_that_rows():
    """Before-order text where one row prints its figure level with its label (on its line, after it):
    the figure is that row's, and the next row, with nothing before its label, is blank."""
    i = next(n for n, k in enumerate(KEYS) if n and len(sparse(k)) == 7 and n + 1 < len(KEYS) and not sparse(KEYS[n + 1]))
    key, nxt = KEYS[i], KEYS[i + 1]
    body = before().replace(one_per_line(values_for(key)) + label_of(key) + "\n",
                            label_of(key) + " " + " ".join(map(str, values_for(key))) + "\n")
    r = parse(document(body))
    assert row_of(r, key) == values_for(key)
    assert row_of(r, nxt) == [BLANK] * 7


def test_values_before_and_on_the_label_line_are_not_one_side():
    i = next(n for n, k in enumerate(KEYS) if len(sparse(k)) == 2)
    key = KEYS[i]
    body = before().replace(label_of(key) + "\n", label_of(key) + " 4\n")
    r = parse(document(body))
    assert row_of(r, key) == [UNKNOWN] * 7


# 表二, 2019 format: 政府集中采购 is the only row of its item; its two figures may stand on both sides
# of its label. Only a money unit tells 采购总金额 from 采购项目数量.
ACTIVE_2019 = """丙镇人民政府2019年政府信息公开工作年度报告
一、总体情况
本年度工作正常开展。
二、主动公开政府信息情况
第二十条第（一）项
信息内容
本年新制作数量
本年新公开数量
对外公开总数量
3
3
9
规章
5
5
8
规范性文件
第二十条第（五）项
信息内容
上一年项目数量 本年增/减 处理决定数量
1
1
1
行政许可
2
2
2
其他对外管理服务事项
第二十条第（六）项
信息内容
上一年项目数量 本年增/减 处理决定数量
4
4
4
行政处罚
6
6
6
行政强制
第二十条第（八）项
信息内容
上一年项目数量
本年增/减
7
7
行政事业性收费
第二十条第（九）项
信息内容
采购项目数量
采购总金额
{first}
政府集中采购
{second}
"""
APPS_2019 = ("三、收到和处理政府信息公开申请情况\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
              "申请人情况\n自然人\n法人或其他组织\n商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n")


def active_2019(first: str, second: str):
    keys = [r.key for r in application_rows("single")]
    body = "".join(one_per_line([1, 0, 0, 0, 0, 0, 1]) + next(r.label for r in application_rows("single")
                                                                if r.key == k) + "\n" for k in keys)
    return parse(ACTIVE_2019.format(first=first, second=second) + APPS_2019 + body + REVIEW_HEADER
                 + one_per_line("1 0 0 0 1 0 0 0 0 0 0 0 0 0 0".split()) + END)


def test_a_one_row_item_split_around_its_label_is_placed_by_the_money_unit():
    r = active_2019("6", "251000元")
    count, amount = r.cell("active.item9.政府集中采购.采购项目数量"), r.cell("active.item9.政府集中采购.采购总金额")
    assert (count.kind, count.value) == ("number", 6)
    assert (amount.kind, amount.raw, float(amount.value)) == ("number", "251000元", 25.1)
    assert any(d.code == "UNIT_CONVERTED" for d in r.diagnostics)
    r = active_2019("251000元", "6")
    assert r.cell("active.item9.政府集中采购.采购项目数量").value == 6


def test_a_one_row_item_split_around_its_label_without_a_unit_stays_unknown():
    r = active_2019("6", "251")
    for c in ("采购项目数量", "采购总金额"):
        assert r.cell(f"active.item9.政府集中采购.{c}").kind == UNKNOWN


def test_a_word_on_a_blank_rows_own_line_keeps_it_unknown():
    blank = next(k for k in KEYS if not sparse(k))
    r = parse(document(before().replace(label_of(blank) + "\n", label_of(blank) + " 三件\n")))
    assert row_of(r, blank) == [UNKNOWN] * 7


def test_before_order_never_gives_a_row_its_successors_figures():
    """The stream's run rule (engine/parse/stream.py) read a run after a label as that row's: in text
    whose figures stand before their labels the run is the NEXT row's (a wrong value wherever the
    row itself is short). Every row is right or unknown, none has another row's figures."""
    r = parse(document(before()))
    for key in KEYS:
        got = row_of(r, key)
        assert got == expected(key), key


# 总计 pinned by the identities (stream_blank.totals): 一 + 二 = 三.七 + 四 in the 总计 column.
SHANGHAI_LIKE = {"一": [821, 35, 2, 1, 859], "二": [18, 18], "三.一": [258, 12, 1, 1], "三.二": [3],
                 "三.七": [767, 35, 2, 1, 805], "四": [72, 72]}


def printed_from(rows: dict[str, list[int]]):
    return lambda key: rows.get(key, [])


def test_totals_of_short_rows_pinned_by_the_identity_of_the_total_column():
    """Rows 一, 二, 三.七, 四 print fewer figures than columns; each one's last figure is the sum of
    the others and 859 + 18 = 805 + 72: the last figures are the rows' 总计 (any of them blank instead
    would break the identity; all of them blank would need 821 + 35 + 2 + 1 = 859 by chance). The
    applicant figures stay unknown: which columns they sit in is not in the text."""
    r = parse(document(before(printed_from(SHANGHAI_LIKE))))
    for key, total in (("一", 859), ("二", 18), ("三.七", 805), ("四", 72)):
        assert row_of(r, key) == [UNKNOWN] * 6 + [total], key
        cell = r.cell(f"applications.{key}.总计")
        assert cell.read == "order"
        rest = [f"applications.{key}.{c}" for c in APPLICANT_COLUMNS[:-1]]
        diags = [d for d in r.diagnostics if set(rest) & set(d.cells)]
        assert diags and all(cell.address not in d.cells for d in diags), key
    assert row_of(r, "三.一") == [UNKNOWN] * 7           # 258 + 12 + 1 ≠ 1: its 总计 is blank or wrong
    assert row_of(r, "三.三.1") == [BLANK] * 7


def test_totals_stay_unknown_when_the_identity_does_not_hold():
    rows = dict(SHANGHAI_LIKE, 四=[70, 70])
    r = parse(document(before(printed_from(rows))))
    for key in ("一", "二", "三.七", "四"):
        assert row_of(r, key) == [UNKNOWN] * 7, key


def test_totals_pinned_by_the_applicant_columns_as_well():
    """一 and 三.七 print (5, 5), 三.一 (5), 二 and 四 nothing. The 总计 column alone would not tell
    (5 + 0 = 5 + 0, and 0 + 0 = 0 + 0 with both 总计 left blank), but the applicant columns do
    (engine/parse/stream_place.py): with 一's two 5s in two applicant columns, 三.七 needs a 5 in
    each of them (一 + 二 = 三.七 + 四), and 三.七's second 5 would need a second outcome row. So both
    rows' 总计 is 5; the column of the other 5 stays open (any of six, the same in all three rows)."""
    r = parse(document(before(printed_from({"一": [5, 5], "三.一": [5], "三.七": [5, 5]}))))
    for key in ("一", "三.七"):
        assert row_of(r, key) == [UNKNOWN] * 6 + [5], key
    assert row_of(r, "三.一") == [UNKNOWN] * 6 + [BLANK]
    assert row_of(r, "二") == [BLANK] * 7
    note = next(d for d in r.diagnostics if "applications.一.自然人" in d.cells)
    assert note.code == "ROW_TOO_FEW_VALUES" and "待人工核对" in note.message and "无法从文本确定" in note.message
    assert "“总计”为 5" in note.message and "applications.一.总计" not in note.cells


def test_figures_no_placement_fits_stay_unknown():
    """一 prints (5, 5) and nothing else has figures: whichever way the two 5s are placed,
    一 + 二 = 三.七 + 四 fails in some column (三.七 and 四 are blank): no placement fits, the agency's
    table does not add up, and nothing is read from the sums."""
    r = parse(document(before(printed_from({"一": [5, 5]}))))
    assert row_of(r, "一") == [UNKNOWN] * 7


def test_totals_stay_unknown_when_a_row_of_the_identity_has_no_candidate():
    rows = dict(SHANGHAI_LIKE, **{"三.七": [767, 35, 2, 1]})
    r = parse(document(before(printed_from(rows))))
    for key in ("一", "二", "三.七", "四"):
        assert row_of(r, key) == [UNKNOWN] * 7, key


# A 2019-format page printed to PDF and copied in reading order, the way pdftotext gives a
# borderless web table: figures before their labels, a label's number glued onto the line above
# ("4.5.保护…" / figure / "属于三类…"), one figure printed level with its label, group labels
# standing among the rows. Hand-made figures.
SINGLE_2019 = """（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） 自然人
法人或其他组织
商业企业 科研机构 社会公益组织 法律服务机构 其他 总计
640
27
3
2
672
一、本年新收政府信息公开申请数量
11
11
二、上年结转政府信息公开申请数量
301
17
2
（一）予以公开
（二）部分公开（区分处理的，只计这一情形，不计其他情形） 6
9
1.属于国家秘密
2.其他法律行政法规禁止公开
3.危及“三安全一稳定”
（三）不予公开 4.5.保护第三方合法权益
4
属于三类内部事务信息
7
2
6.属于四类过程性信息
7.属于行政执法案卷
8
3
8.属于行政查询事项
三、本年度办理结果
190
4
1.本机关不掌握相关政府信息
（四）无法提供 2.没有现成信息需要另行制作
36
3.补正后申请内容仍不明确
52
1
1.信访举报投诉类申请
2.重复申请
（五）不予处理 3.要求提供公开出版物
4.无正当理由大量反复申请
5.要求行政机关确认或重新出具已获取信息
（六）其他处理
607
25
3
2
637
（七）总计
44
2
46
四、结转下年度继续办理
"""


def test_a_2019_page_in_reading_order_with_blank_cells_gone():
    text = (ACTIVE_2019.format(first="6", second="251000元") + "三、收到和处理政府信息公开申请情况\n" + SINGLE_2019
            + REVIEW_HEADER + one_per_line("1 0 0 0 1 0 0 0 0 0 0 0 0 0 0".split()) + END)
    r = parse(text)
    assert r.cell("active.item9.政府集中采购.采购项目数量").value == 6
    blank = ["三.三.2", "三.三.3", "三.三.4", "三.三.7", "三.四.2", "三.五.2", "三.五.3", "三.五.4", "三.五.5", "三.六"]
    for key in blank:
        assert row_of(r, key) == [BLANK] * 7, key
    # 一: 640+27+3+2 = 672; 二: 11; 三.七: 607+25+3+2 = 637; 四: 44+2 = 46 — and 672 + 11 = 637 + 46
    for key, total in (("一", 672), ("二", 11), ("三.七", 637), ("四", 46)):
        assert row_of(r, key) == [UNKNOWN] * 6 + [total], key
    # the figure level with its label is 三.二's; the one between "4.5." and "属于三类…" is 三.三.5's:
    # both rows short, unknown, their diagnostics naming their own figure
    for key, own in (("三.二", "6"), ("三.三.1", "9"), ("三.三.5", "4"), ("三.三.6", "7、2"), ("三.四.1", "190、4")):
        assert row_of(r, key) == [UNKNOWN] * 7, key
        addr = f"applications.{key}.自然人"
        assert any(addr in d.cells and f"（{own}）" in d.message for d in r.diagnostics), key
    for key in ("三.一", "三.三.8", "三.四.3", "三.五.1"):
        assert row_of(r, key) == [UNKNOWN] * 7, key


# Every cell the sums determine is read, and no other (engine/parse/stream_place.py), checked against
# the reader-independent analysis of tests/placements.py on the same printed figures.
CONSISTENT = {"一": [330, 15, 1, 346], "二": [20, 20], "三.一": [200, 10, 1], "三.二": [3], "三.四.1": [100, 5],
              "三.五.1": [40], "三.七": [343, 15, 1, 359], "四": [7, 7]}


def _analysis(report, printed: dict[str, list[int]]):
    import layouts
    import placements as P
    from decimal import Decimal

    table = report.tables["applications"]
    units = [P.Unit(k, tuple(f"applications.{k}.{c}" for c in APPLICANT_COLUMNS),
                    (tuple(("number", Decimal(v)) for v in printed[k]),) if printed.get(k) else ()) for k in KEYS]
    return P.analyse(units, layouts.identities(table))


def _content(cell):
    return None if cell.kind == "blank" else ("number", cell.value) if cell.kind == "number" else cell.kind


def test_every_cell_the_sums_determine_is_read_and_no_other():
    for printed in (CONSISTENT, {"一": [5, 5], "三.一": [5], "三.七": [5, 5]},
                    dict(CONSISTENT, **{"三.二": [], "三.三.1": [3]})):
        r = parse(document(before(printed_from(printed))))
        analysis = _analysis(r, printed)
        assert analysis.fits
        for addr, values in analysis.values.items():
            cell = r.cell(addr)
            if len(values) == 1:
                assert cell.kind != "missing" and _content(cell) == next(iter(values)), addr
            else:
                assert cell.kind == "missing", addr
    r = parse(document(before(printed_from(CONSISTENT))))
    # the outcome rows' blank 总计 and the columns no figure can reach are read; 自然人 stays open
    assert row_of(r, "三.一")[-1] == BLANK and row_of(r, "一")[-1] == 346
    assert row_of(r, "三.一")[0] == UNKNOWN
