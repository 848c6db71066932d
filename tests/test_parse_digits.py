"""Digit-run recovery (engine/parse/digits.py) and its use by the requests table."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.ingest.text import read
from engine.parse import parse_document
from engine.parse.digits import choose_rows, splits
from engine.template import APPLICANT_COLUMNS


def ints(cands):
    return sorted(tuple(int(v) for v in c) for c in cands)


def test_splits_have_no_leading_zeros_and_exact_count():
    assert ints(splits(["000"], 3)) == [(0, 0, 0)]
    assert ints(splits(["007"], 3)) == [(0, 0, 7)]
    assert ints(splits(["1000001"], 7)) == [(1, 0, 0, 0, 0, 0, 1)]
    assert ints(splits(["105"], 2)) == [(10, 5)]          # "1" + "05" is not a number
    assert splits(["00"], 3) == []                         # too few digits
    assert ints(splits(["20", "0", "00", "0", "121"], 7)) == [
        (2, 0, 0, 0, 0, 0, 121), (20, 0, 0, 0, 0, 1, 21), (20, 0, 0, 0, 0, 12, 1)]


def test_signed_and_decimal_runs():
    assert ints(splits(["-15"], 1)) == [(-15,)]
    assert sorted(splits(["16.36"], 1)) == [(Decimal("16.36"),)]
    two = splits(["1234.5"], 2)
    assert (Decimal(1), Decimal("234.5")) in two and (Decimal(123), Decimal("4.5")) in two


def test_choose_rows_uses_row_then_table_identities():
    row_ok = lambda _k, c: sum(c[:-1]) == c[-1]          # noqa: E731
    # "291209445" admits two splits that add up: 2/9/1/20/9/4/45 and 29/1/2/0/9/4/45
    cands = {"一": splits(["291209445"], 7)}
    fixed, why = choose_rows(cands, row_ok, None)
    assert fixed == {} and "2 种" in why["一"]
    only_second = lambda trial: tuple(int(v) for v in trial["一"])[0] == 29   # noqa: E731
    fixed, why = choose_rows(cands, row_ok, only_second)
    assert tuple(int(v) for v in fixed["一"]) == (29, 1, 2, 0, 9, 4, 45)
    assert "勾稽" in why["一"]


HEAD = ("甲镇人民政府2024年政府信息公开工作年度报告\n"
        "本报告根据《条例》编制。一、总体情况 本年度工作正常开展。 二、主动公开政府信息情况 第二十条第（一）项"
        "信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件000 ")
TAIL = (" 四、政府信息公开行政复议、行政诉讼情况 行政复议 行政诉讼 结果维持结果纠正其他结果尚未审结总计 "
        "未经复议直接起诉 复议后起诉 结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计"
        "000000000000000 五、存在的主要问题及改进情况 问题若干。 六、其他需要报告的事项 无。\n")


def flattened(rows: str):
    text = HEAD + "三、收到和处理政府信息公开申请情况 " + rows + TAIL
    return parse_document(read(Path("flat.txt"), text.encode("utf-8")))


def row_of(report, key):
    return [report.cell(f"applications.{key}.{c}") for c in APPLICANT_COLUMNS]


def test_ambiguous_row_stays_unknown_with_a_diagnostic():
    r = flattened("一、本年新收政府信息公开申请数量291209445二、上年结转政府信息公开申请数量0000000"
                  "三、本年度办理结果（一）予以公开0000000")
    assert all(c.value is None for c in row_of(r, "一"))
    assert {(c.kind, c.raw) for c in row_of(r, "一")} == {("missing", "291209445")}
    amb = [d for d in r.diagnostics if d.code == "DIGITS_AMBIGUOUS"]
    assert len(amb) == 1 and "291209445" in amb[0].message and amb[0].table == "applications"
    assert [int(c.value) for c in row_of(r, "二")] == [0] * 7


def test_column_identity_resolves_an_ambiguous_row():
    rows = ("一、本年新收政府信息公开申请数量291209445二、上年结转政府信息公开申请数量0000000"
            "三、本年度办理结果（一）予以公开 29 1 2 0 9 4 45"
            "（七）总计 29 1 2 0 9 4 45 四、结转下年度继续办理 0 0 0 0 0 0 0")
    r = flattened(rows)
    assert [int(c.value) for c in row_of(r, "一")] == [29, 1, 2, 0, 9, 4, 45]
    assert all(c.recovered for c in row_of(r, "一"))
    assert not row_of(r, "三.七")[0].recovered
    rec = [d for d in r.diagnostics if d.code == "DIGITS_RECOVERED" and "applications.一.总计" in d.cells]
    assert rec and "勾稽" in rec[0].message


def test_tab_separated_short_row_is_never_split():
    text = (HEAD.replace("规章000行政规范性文件000", "") +
            "\n三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t12\t3\t15\n"
            "二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0\n"
            "四、结转下年度继续办理\t0\t0\t0\t0\t0\t0\t0\n" + TAIL)
    r = parse_document(read(Path("t.txt"), text.encode("utf-8")))
    assert [c.kind for c in row_of(r, "一")] == ["missing"] * 7
    assert any(d.code == "ROW_TOO_FEW_VALUES" for d in r.diagnostics)
    assert not any(d.code.startswith("DIGITS") and d.table == "applications" for d in r.diagnostics)


def test_only_split_that_breaks_the_row_identity_is_not_taken():
    row_ok = lambda _k, c: sum(c[:-1]) == c[-1]          # noqa: E731
    cands = {"三.一": splits(["258", "12", "1", "1"], 7)}
    assert ints(cands["三.一"]) == [(2, 5, 8, 1, 2, 1, 1)]      # the only split …
    fixed, why = choose_rows(cands, row_ok, None)
    assert fixed == {} and "合计关系" in why["三.一"]            # … does not add up: values were lost


def test_heading_run_into_a_row_label_with_values_lost_gives_no_value():
    """A plain line where the group heading ran into the row label and three of the seven values were
    lost ("三、本年度办（一）予以公开 258 12 1 1"): no cell of the row may get a value (it once gave
    三.一.自然人 = 2 by splitting 258)."""
    r = flattened("一、本年新收政府信息公开申请数量 272 12 1 0 0 0 285\n"
                  "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n"
                  "三、本年度办（一）予以公开 258 12 1 1\n"
                  "（二）部分公开 0 0 0 0 0 0 0\n")
    assert [c.kind for c in row_of(r, "三.一")] == ["missing"] * 7
    assert all(c.value is None for c in row_of(r, "三.一"))
    amb = [d for d in r.diagnostics if d.code == "DIGITS_AMBIGUOUS" and "applications.三.一.自然人" in d.cells]
    assert amb and "258 12 1 1" in amb[0].message
    assert [int(c.value) for c in row_of(r, "一")] == [272, 12, 1, 0, 0, 0, 285]


def test_active_row_with_spaced_values_too_few_is_not_split():
    text = HEAD.replace("行政规范性文件000", "行政规范性文件10 5") + "三、收到和处理政府信息公开申请情况 " + TAIL
    r = parse_document(read(Path("a.txt"), text.encode("utf-8")))
    cells = [r.cell(f"active.item1.行政规范性文件.{c}") for c in ("本年制发件数", "本年废止件数", "现行有效件数")]
    assert all(c.value is None for c in cells)
    assert any(d.code == "DIGITS_AMBIGUOUS" and d.table == "active" for d in r.diagnostics)
    assert [int(r.cell(f"active.item1.规章.{c}").value) for c in ("本年制发件数", "本年废止件数", "现行有效件数")] == [0, 0, 0]
