"""The requests table's columns read from its header (engine/parse/app_header.py): another order or
an extra 小计 column places the values by the header; an unreadable header keeps the template order."""
from __future__ import annotations

from pathlib import Path

from engine.parse.app_header import header_columns
from engine.parse.grid import Pos, Region
from engine.parse.normalize import fold
from engine.template import APPLICANT_COLUMNS, application_rows
from tests.test_parse_layouts import HEAD, TAIL, label_of, parse, values_for

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SPACE_HEADER = "申请人情况 自然人 法人或其他组织 总计\n商业企业 科研机构 社会公益组织 法律服务机构 其他\n"
assert SPACE_HEADER in HEAD


def report(header: str, row) -> str:
    body = "".join(row(label_of(r.key), values_for(r.key)) for r in application_rows("split"))
    return HEAD.replace(SPACE_HEADER, header) + body + TAIL


def check_template_cells(r):
    for row in application_rows("split"):
        got = [r.cell(f"applications.{row.key}.{c}") for c in APPLICANT_COLUMNS]
        assert [c.kind for c in got] == ["number"] * 7, row.key
        assert [int(c.value) for c in got] == values_for(row.key), row.key


def with_subtotal(v):
    """[自然人, 商业, 科研, 社会公益, 法律服务, 其他, 小计 (the 法人 group's sum), 总计]."""
    return v[:6] + [sum(v[1:6])] + v[6:]


def test_tab_header_with_an_extra_subtotal_column():
    header = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t申请人情况\t\t\t\t\t\t\t\t\n"
              "\t\t自然人\t法人或其他组织\t\t\t\t\t\t总计\n"
              "\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t小计\t\n")
    r = parse(report(header, lambda lab, v: f"{lab}\t\t" + "\t".join(map(str, with_subtotal(v))) + "\n"))
    check_template_cells(r)
    assert not [a for a in r.tables["applications"].cells if a.endswith(".小计")]
    (d,) = [d for d in r.diagnostics if d.code == "HEADER_COLUMNS"]
    assert "“小计”列不属于模板" in d.message and d.severity == "warning"
    assert r.lines[d.line - 1].text.startswith("\t\t自然人")
    assert not [d for d in r.diagnostics if d.code.startswith("ROW_TOO")]


def test_space_separated_header_with_an_extra_subtotal_column():
    header = SPACE_HEADER.replace("其他\n", "其他 小计\n")
    r = parse(report(header, lambda lab, v: f"{lab} {' '.join(map(str, with_subtotal(v)))}\n"))
    check_template_cells(r)
    assert [d.code for d in r.diagnostics] == ["HEADER_COLUMNS"]


def test_header_in_another_order():
    # 总计 printed first, then 自然人, then the 法人 group
    header = ("\t\t总计\t自然人\t法人或其他组织\t\t\t\t\n"
              "\t\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n")
    r = parse(report(header, lambda lab, v: f"{lab}\t\t" + "\t".join(map(str, [v[6]] + v[:6])) + "\n"))
    check_template_cells(r)
    (d,) = [d for d in r.diagnostics if d.code == "HEADER_COLUMNS"]
    assert "顺序不同" in d.message and "“总计、自然人、商业企业" in d.message


def test_blank_subtotal_cell_is_no_template_diagnostic():
    header = ("申请人情况\t自然人\t法人或其他组织\t总计\n"
              "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t小计\n")

    def row(lab, v):
        cells = [str(x) for x in with_subtotal(v)]
        if lab.startswith("二、"):
            cells[6] = ""                 # this row leaves its 小计 blank
        return f"{lab}\t" + "\t".join(cells) + "\n"
    r = parse(report(header, row))
    check_template_cells(r)
    assert [d.code for d in r.diagnostics] == ["HEADER_COLUMNS"]


def test_without_a_header_the_template_order_is_kept():
    r = parse(report("", lambda lab, v: f"{lab} {' '.join(map(str, v))}\n"))
    check_template_cells(r)
    assert r.diagnostics == []


def test_header_the_rows_contradict_keeps_the_template_order():
    # the header names a 小计 column but every row has the template's seven values
    header = SPACE_HEADER.replace("其他\n", "其他 小计\n")
    r = parse(report(header, lambda lab, v: f"{lab} {' '.join(map(str, v))}\n"))
    check_template_cells(r)
    assert r.diagnostics == []


def _seed_header(name: str):
    text = (SEEDS / name).read_text(encoding="utf-8")
    folded = [fold(x) for x in text.split("\n")]
    part = next(i for i, x in enumerate(folded) if "三、收到和处理政府信息公开申请情况" in x)
    row = next(i for i, x in enumerate(folded) if i > part and "一、本年新收" in x)
    return header_columns(folded, Region(Pos(part, 0), Pos(len(folded) - 1, 0)),
                          Pos(row, folded[row].index("一、本年新收")))


def test_seed_headers_with_broken_labels_read_in_template_order():
    h4 = _seed_header("004_62538884590742ab.txt")        # "社 会 公 益" / "组 织" over two grid lines
    assert h4 is not None and h4.grid and h4.columns == APPLICANT_COLUMNS
    h2 = _seed_header("002_6e41f544aa427844.txt")        # one cell per line, "商业" / "企业"
    assert h2 is not None and not h2.grid and h2.columns == APPLICANT_COLUMNS
    h0 = _seed_header("000_07ac6476bfab88c2.txt")        # 总计 on the first header line, far right
    assert h0 is not None and h0.grid and h0.columns == APPLICANT_COLUMNS


def test_text_header_with_total_on_the_first_line_keeps_the_template_order():
    # PDF text of a two-line header: 总计 spans both lines and is printed on the first, before 自然人;
    # without a grid its place in the text says nothing about its column
    header = "申请人情况 总计\n自然人 法人或其他组织\n商业企业 科研机构 社会公益组织 法律服务机构 其他\n"
    r = parse(report(header, lambda lab, v: f"{lab} {' '.join(map(str, v))}\n"))
    check_template_cells(r)
    assert r.diagnostics == []


def test_grid_header_the_totals_contradict_keeps_the_template_order():
    # the grid header puts 总计 first, but the rows add up only when read in template order
    header = ("\t\t总计\t自然人\t法人或其他组织\t\t\t\t\n"
              "\t\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n")
    r = parse(report(header, lambda lab, v: f"{lab}\t\t" + "\t".join(map(str, v)) + "\n"))
    check_template_cells(r)
    assert not [d for d in r.diagnostics if d.code == "HEADER_COLUMNS"]
