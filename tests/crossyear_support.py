"""Hand-built reports for the cross-year tests: a consistent pair and ways to break it.

The reports are built cell by cell through engine.template's addresses, so they have exactly the shape
the parser produces (all six parts, all three tables, every cell of the template's variant)."""
from __future__ import annotations

from decimal import Decimal

from engine.model import Cell, Metadata, Part, Report, Table
from engine.template import (DEFAULT_APPLICATION_VARIANT, PART_IDS, PART_TITLES, active_addresses,
                             application_addresses, review_addresses)

PART_ONE_2022 = ("2022年，金村镇坚持以公开为常态、不公开为例外，围绕乡村振兴、民生保障等重点领域发布信息，"
                 "新建镇政府信息公开专栏，健全信息发布保密审查制度，依申请公开渠道畅通，"
                 "全年主动公开政府信息305条，接受县政务公开办季度检查四次。")
PART_ONE = ("2023年，金村镇认真贯彻落实《中华人民共和国政府信息公开条例》，围绕主动公开、依申请公开、"
            "政府信息管理、政府信息公开平台建设和监督保障五个方面扎实推进政务公开工作，"
            "全年主动公开政府信息412条，及时更新基层政务公开标准化规范化栏目。")
PART_FIVE_2022 = ("（一）存在的主要问题：一是政策解读形式单一，图表图解、视频解读运用较少；"
                  "二是村务公开栏更新不及时，部分村居公开内容滞后。"
                  "（二）改进措施：一是丰富政策解读形式；二是督促各村按月更新公开栏。")
PART_FIVE_2023_ANSWERING = ("（一）上年度问题整改情况：针对政策解读形式单一的问题，本年新增图表图解、视频解读12期；"
                            "针对村务公开栏更新不及时、公开内容滞后的问题，建立村居公开栏按月更新台账。"
                            "（二）存在的主要问题：一是依申请公开答复文书不够规范。（三）改进措施：加强答复文书审核。")
PART_FIVE_2023_SILENT = ("（一）存在的主要问题：一是依申请公开答复文书不够规范；二是工作人员业务能力有待提高。"
                         "（二）改进措施：加强答复文书审核，组织业务培训。")
PART_SIX = "本年度未收取信息处理费。"


def _cell(address: str, value, line: int | None = None) -> Cell:
    if value is None:
        return Cell(address, "blank", None, "", line, f"第{line}行" if line else None)
    return Cell(address, "number", Decimal(str(value)), str(value), line, f"第{line}行" if line else None)


def make_report(source: str, agency: str = "泽州县金村镇人民政府", year: int = 2023, template: str = "2021",
                apps: dict[str, list] | None = None, item1: dict[str, list] | None = None,
                parts: dict[str, str] | None = None) -> Report:
    """A report whose cells are all 0 unless given: apps row -> 7 values, item1 row -> 3 values
    (None is a blank cell); parts id -> body text (default texts otherwise)."""
    variant = DEFAULT_APPLICATION_VARIANT[template]
    apps = apps or {}
    item1 = item1 or {}
    app_cells = {}
    for i, addr in enumerate(application_addresses(variant)):
        _, row, col = addr.split(".", 1)[0], addr.split(".", 1)[1].rsplit(".", 1)[0], addr.rsplit(".", 1)[1]
        values = apps.get(row)
        col_index = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计").index(col)
        app_cells[addr] = _cell(addr, values[col_index] if values else 0, 100 + i // 7)
    active_cells = {}
    for i, addr in enumerate(active_addresses(template)):
        _, item, row, col = addr.split(".")
        values = item1.get(row) if item == "item1" else None
        cols = [a.split(".")[3] for a in active_addresses(template) if a.split(".")[1:3] == [item, row]]
        active_cells[addr] = _cell(addr, values[cols.index(col)] if values else 0, 50 + i)
    review_cells = {addr: _cell(addr, 0, 200) for addr in review_addresses()}
    texts = {"一": PART_ONE_2022 if year == 2022 else PART_ONE, "五": PART_FIVE_2022 if year == 2022 else PART_FIVE_2023_ANSWERING, "六": PART_SIX}
    texts.update(parts or {})
    report_parts = {}
    for n, pid in enumerate(PART_IDS):
        report_parts[pid] = Part(pid, True, f"{pid}、{PART_TITLES[pid]}", 10 + 40 * n, 10 + 40 * n + 30,
                                 texts.get(pid, ""))
    tables = {
        "active": Table("active", True, template, None, 50, 80, active_cells),
        "applications": Table("applications", True, template, variant, 100, 140, app_cells),
        "review": Table("review", True, template, None, 200, 201, review_cells),
    }
    meta = Metadata(title=f"{agency}{year}年政府信息公开工作年度报告", agency=agency, year=year,
                    year_source="title", template=template, body_kind="government")
    return Report(source, "txt", f"sha-{source}", meta, report_parts, tables)


def consistent_pair() -> tuple[Report, Report]:
    """Last year's (2022) and this year's (2023) report of 金村镇, consistent across years:
    2022 carries 2 requests over (自然人 1, 商业企业 1) and 2023 reports them as 上年结转;
    2022 has 12 valid normative documents, 2023 issues 3 and repeals 1: 14 valid."""
    previous = make_report("jincun-2022.txt", "金村镇人民政府", 2022,
                           apps={"一": [5, 1, 0, 0, 0, 0, 6], "三.一": [4, 0, 0, 0, 0, 0, 4],
                                 "三.七": [4, 0, 0, 0, 0, 0, 4], "四": [1, 1, 0, 0, 0, 0, 2]},
                           item1={"行政规范性文件": [2, 0, 12]})
    current = make_report("jincun-2023.txt", "泽州县金村镇人民政府", 2023,
                          apps={"一": [3, 0, 0, 0, 0, 0, 3], "二": [1, 1, 0, 0, 0, 0, 2],
                                "三.一": [4, 1, 0, 0, 0, 0, 5], "三.七": [4, 1, 0, 0, 0, 0, 5]},
                          item1={"行政规范性文件": [3, 1, 14]})
    return current, previous
