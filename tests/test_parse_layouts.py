"""Table layouts the parser must read the same way: PDF-like text lines, values before or after the
label, dashes and 无, blank cells inside a TAB row, too many values, labels broken over lines."""
from __future__ import annotations

from pathlib import Path

from engine.ingest.text import read
from engine.parse import parse_document
from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, application_rows

HEAD = """丙镇人民政府2024年政府信息公开工作年度报告
一、总体情况
本年度工作正常开展。
二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年制发件数 本年废止件数 现行有效件数
规章 0 0 0
行政规范性文件 2 1 15
第二十条第（五）项
信息内容 本年处理决定数量
行政许可 36
第二十条第（六）项
信息内容 本年处理决定数量
行政处罚 4
行政强制 —
第二十条第（八）项
信息内容 本年收费金额（单位：万元）
行政事业性收费 1.25
三、收到和处理政府信息公开申请情况
（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）
申请人情况 自然人 法人或其他组织 总计
商业企业 科研机构 社会公益组织 法律服务机构 其他
"""
TAIL = """四、政府信息公开行政复议、行政诉讼情况
行政复议 行政诉讼
结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉
结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计
1 0 0 0 1 0 0 0 0 0 0 0 0 0 0
五、存在的主要问题及改进情况
问题若干。
六、其他需要报告的事项
本年度未收取信息处理费。
"""


def label_of(key: str) -> str:
    row = next(r for r in application_rows("split") if r.key == key)
    return row.label


def values_for(key: str) -> list[int]:
    """A distinct, consistent row: 自然人 = k, 商业企业 = 1, others 0, 总计 = k + 1."""
    k = 3 + application_rows("split").index(next(r for r in application_rows("split") if r.key == key))
    return [k, 1, 0, 0, 0, 0, k + 1]


def build(row_text) -> str:
    body = "".join(row_text(r.key, label_of(r.key), values_for(r.key)) for r in application_rows("split"))
    return HEAD + body + TAIL


def parse(text: str):
    return parse_document(read(Path("r.txt"), text.encode("utf-8")))


def check_all_rows(report):
    for r in application_rows("split"):
        cells = [report.cell(f"applications.{r.key}.{c}") for c in APPLICANT_COLUMNS]
        assert [c.kind for c in cells] == ["number"] * 7, r.key
        assert [int(c.value) for c in cells] == values_for(r.key), r.key


def nums(v):
    return " ".join(str(x) for x in v)


def test_pdf_text_values_on_the_label_line():
    r = parse(build(lambda k, lab, v: f"{lab} {nums(v)}\n"))
    check_all_rows(r)
    assert r.tables["applications"].variant == "split"
    assert [int(r.cell(f"review.行政复议.{c}").value) for c in REVIEW_COLUMNS] == [1, 0, 0, 0, 1]
    assert r.cell("active.item1.行政规范性文件.现行有效件数").value == 15
    assert r.cell("active.item6.行政强制.本年处理决定数量").kind == "dash"
    assert str(r.cell("active.item8.行政事业性收费.本年收费金额").value) == "1.25"
    assert r.diagnostics == []


def test_values_on_the_line_after_the_label():
    r = parse(build(lambda k, lab, v: f"{lab}\n{nums(v)}\n"))
    check_all_rows(r)


def test_values_on_the_line_before_the_label():
    r = parse(build(lambda k, lab, v: f"{nums(v)}\n{lab}\n"))
    check_all_rows(r)
    line = r.cell("applications.一.自然人").line
    assert r.lines[line - 1].text.startswith("3 1 0")


def test_label_broken_over_two_lines_with_values_after_its_end():
    def row(k, lab, v):
        if len(lab) > 12:
            return f"{lab[:9]}\n{lab[9:]} {nums(v)}\n"
        return f"{lab} {nums(v)}\n"
    check_all_rows(parse(build(row)))


def test_tab_row_with_interior_blank_and_none_and_dash():
    text = build(lambda k, lab, v: f"{lab}\t" + "\t".join(map(str, v)) + "\n")
    assert values_for("三.一") == [5, 1, 0, 0, 0, 0, 6]
    text = text.replace("（一）予以公开\t5\t1\t0\t0\t0\t0\t6", "（一）予以公开\t5\t1\t\t无\t—\t0\t6")
    r = parse(text)
    kinds = [r.cell(f"applications.三.一.{c}").kind for c in APPLICANT_COLUMNS]
    assert kinds == ["number", "number", "blank", "none", "dash", "number", "number"]
    assert r.cell("applications.三.一.社会公益组织").raw == "无"
    blank = [d for d in r.diagnostics if d.code == "CELL_BLANK"]
    assert len(blank) == 1 and blank[0].cells == ["applications.三.一.科研机构"]
    assert "“科研机构”" in blank[0].message


def test_tab_row_with_too_many_values_keeps_no_value():
    text = build(lambda k, lab, v: f"{lab}\t" + "\t".join(map(str, v)) + "\n")
    text = text.replace("二、上年结转政府信息公开申请数量\t4\t1\t0\t0\t0\t0\t5", "二、上年结转政府信息公开申请数量\t4\t1\t0\t0\t0\t0\t5\t5")
    r = parse(text)
    cells = [r.cell(f"applications.二.{c}") for c in APPLICANT_COLUMNS]
    assert {c.kind for c in cells} == {"missing"} and all(c.value is None for c in cells)
    assert {c.raw for c in cells} == {"4 1 0 0 0 0 5 5"}
    (d,) = [d for d in r.diagnostics if d.code == "ROW_TOO_MANY_VALUES"]
    assert "应有 7 个数值，实际有 8 个" in d.message
    assert d.line == cells[0].line


def test_missing_row_and_missing_table():
    text = build(lambda k, lab, v: "" if k == "三.三.5" else f"{lab} {nums(v)}\n")
    r = parse(text)
    assert {r.cell(f"applications.三.三.5.{c}").kind for c in APPLICANT_COLUMNS} == {"missing"}
    (d,) = [d for d in r.diagnostics if d.code == "ROW_MISSING"]
    assert "5.属于三类内部事务信息" in d.message
    no_review = text.split("四、政府信息公开行政复议")[0] + "五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n"
    r2 = parse(no_review)
    assert not r2.tables["review"].present
    assert sorted(d.code for d in r2.diagnostics) == ["ROW_MISSING", "TABLE_MISSING"]
    assert next(d for d in r2.diagnostics if d.code == "TABLE_MISSING").table == "review"
    assert {c.kind for c in r2.tables["review"].cells.values()} == {"missing"}


def test_label_spelling_variants():
    text = build(lambda k, lab, v: f"{lab.replace('“', '').replace('”', '')} {nums(v)}\n")
    text = text.replace("行政规范性文件 2 1 15", "规范性文件 2 1 15")
    r = parse(text)
    check_all_rows(r)                     # 3.危及三安全一稳定 without quotes
    assert r.cell("active.item1.行政规范性文件.现行有效件数").value == 15


def test_2019_active_table_with_2021_requests_table_is_flagged():
    text = build(lambda k, lab, v: f"{lab} {nums(v)}\n")
    text = text.replace("本年制发件数 本年废止件数 现行有效件数", "本年新制作数量 本年新公开数量 对外公开总数量")
    r = parse(text)
    assert r.tables["active"].template == "2019" and r.tables["applications"].variant == "split"
    mixed = [d for d in r.diagnostics if d.code == "TEMPLATE_MIXED"]
    assert len(mixed) == 1 and "2019" in mixed[0].message and "2021" in mixed[0].message


def test_narrative_without_tables_is_not_a_table():
    text = build(lambda k, lab, v: f"{lab} {nums(v)}\n")
    text = text.split("二、主动公开政府信息情况")[0] + (
        "二、主动公开政府信息情况\n本年度办理行政许可120件，行政处罚4件，行政强制2件。\n"
        "三、收到和处理政府信息公开申请情况\n" + text.split("（本列数据的勾稽关系为")[1].split("\n", 1)[1])
    text = text.split("四、政府信息公开行政复议")[0] + (
        "四、政府信息公开行政复议、行政诉讼情况\n本年度行政复议1件，行政诉讼0件，总计1件。\n"
        "五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n")
    r = parse(text)
    assert not r.tables["active"].present and not r.tables["review"].present
    assert r.tables["applications"].present
    assert sorted(d.code for d in r.diagnostics) == ["TABLE_MISSING", "TABLE_MISSING"]
    assert r.cell("active.item5.行政许可.本年处理决定数量").kind == "missing"
