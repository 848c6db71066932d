"""Parts found by meaning, metadata, normalisation (engine/parse/parts.py, metadata.py, normalize.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.ingest.text import read
from engine.parse import NotAReportError, parse_document
from engine.parse.metadata import agency_from_title, body_kind, statistics_period
from engine.parse.normalize import fold, squeeze


def parse(text: str):
    return parse_document(read(Path("r.md"), text.encode("utf-8")))


BODY = """乙县市场监督管理局2023年度政府信息公开工作年度报告

本报告数据统计期限为2023年1月1日至2023年12月31日。

# 一、总体情况

（一）主动公开
（五）监督保障
五、是一段列举，不是标题，因为这里没有关键词

## 二、主动公开政府信息情况

## 三、收到和处理政府信息公开申请情况

四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0

### 四、因政府信息公开工作被申请行政复议、提起行政诉讼情况

五、存在的主要问题
及改进情况

六、其它需要报告的事项

本年度未收取信息处理费。
"""


def test_heading_variants_and_non_headings():
    r = parse(BODY)
    p = r.parts
    assert [x.present for x in p.values()] == [True] * 6
    assert p["一"].line_start == 5 and p["一"].heading == "一、总体情况"
    assert "（五）监督保障" in p["一"].text                 # a sub-heading is not a part
    assert p["四"].heading == "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"
    assert p["四"].line_start == 17                          # not the requests-table row on line 15
    assert p["五"].heading == "五、存在的主要问题" and p["五"].line_start == 19
    assert "及改进情况" in p["五"].text
    assert p["六"].heading == "六、其它需要报告的事项"
    assert p["六"].text == "本年度未收取信息处理费。"
    assert p["三"].line_end == 15


def test_missing_part_stays_absent():
    r = parse(BODY.replace("## 二、主动公开政府信息情况", "主动公开情况见下表"))
    assert not r.parts["二"].present and r.parts["二"].heading is None
    assert r.parts["三"].present


def test_metadata_of_a_department_report():
    m = parse(BODY).metadata
    assert m.agency == "乙县市场监督管理局"
    assert (m.year, m.year_source) == (2023, "title")
    assert m.body_kind == "department"
    assert (m.period_start, m.period_end) == ("2023-01-01", "2023-12-31")


def test_year_from_period_when_the_title_has_none():
    text = BODY.replace("乙县市场监督管理局2023年度政府信息公开工作年度报告", "乙县市场监督管理局政府信息公开工作年度报告")
    m = parse(text).metadata
    assert m.agency == "乙县市场监督管理局"
    assert (m.year, m.year_source) == (2023, "period")


@pytest.mark.parametrize("title,agency,kind", [
    ("平潭综合实验区2022年度政府信息公开工作年度报告", "平潭综合实验区", "government"),
    ("泽州县南岭镇人民政府2024年政府信息公开工作年度报告", "泽州县南岭镇人民政府", "government"),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅", "department"),
    ("某某开发区管理委员会2023年政府信息公开工作年度报告", "某某开发区管理委员会", "government"),
    ("某市教育局政府信息公开工作年度报告", "某市教育局", "department"),
    ("某区某某街道办事处2024年度政府信息公开工作年度报告", "某区某某街道办事处", "government"),
    ("政府信息公开工作年度报告", None, None),
])
def test_agency_and_body_kind(title, agency, kind):
    assert agency_from_title(title) == agency
    assert body_kind(agency) == kind


def test_fold_is_length_preserving_and_unifies_variants():
    s = "（一）其它 ０１２３“三安全”　－／"
    assert len(fold(s)) == len(s)
    assert fold(s) == '(一)其他 0123"三安全" -/'
    assert squeeze("自 然\t人") == "自然人"


def test_not_a_report():
    with pytest.raises(NotAReportError) as exc:
        parse("一、会议议程\n二、讨论\n")
    assert "不是政府信息公开工作年度报告" in exc.value.message


def test_numbered_list_inside_a_long_paragraph_is_not_a_heading():
    intro = ("本报告包括：一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况；"
             "四、政府信息公开行政复议、行政诉讼情况；五、存在的主要问题及改进情况；六、其他需要报告的事项。" * 3)
    text = BODY.replace("本报告数据统计期限为2023年1月1日至2023年12月31日。",
                        intro + "本报告数据统计期限为2023年1月1日至2023年12月31日。")
    r = parse(text)
    assert r.parts["一"].line_start == 5
    assert r.parts["二"].heading == "二、主动公开政府信息情况" and r.parts["二"].line_start == 11
    assert r.parts["四"].line_start == 17


def test_publication_date_under_the_signature():
    r = parse(BODY + "\n乙县市场监督管理局\n2024年1月18日\n")
    assert r.metadata.publication_date == "2024-01-18"
    assert parse(BODY).metadata.publication_date is None


def test_year_in_chinese_numerals_and_cms_fields_before_the_title():
    text = BODY.replace("乙县市场监督管理局2023年度政府信息公开工作年度报告",
                        "索引号：11330000/2024-00012\n发布机构：乙县市场监督管理局\n"
                        "乙县市场监督管理局二〇二三年度政府信息公开工作年度报告")
    m = parse(text).metadata
    assert m.title == "乙县市场监督管理局二〇二三年度政府信息公开工作年度报告"
    assert (m.agency, m.year, m.year_source) == ("乙县市场监督管理局", 2023, "title")


def test_part_headings_written_as_numbered_parts():
    text = (BODY.replace("# 一、总体情况", "第一部分 总体情况")
            .replace("## 二、主动公开政府信息情况", "第二部分、主动公开政府信息情况"))
    r = parse(text)
    assert r.parts["一"].heading == "第一部分 总体情况" and r.parts["一"].line_start == 5
    assert r.parts["二"].heading == "第二部分、主动公开政府信息情况"


def test_title_year_and_period_year_in_conflict():
    r = parse(BODY.replace("统计期限为2023年1月1日至2023年12月31日", "统计期限为2022年1月1日至2022年12月31日"))
    assert r.metadata.year == 2023
    (d,) = [d for d in r.diagnostics if d.code == "YEAR_CONFLICT"]
    assert "2023" in d.message and "2022-12-31" in d.message and d.line == 1
    assert not [d for d in parse(BODY).diagnostics if d.code == "YEAR_CONFLICT"]


@pytest.mark.parametrize("sentence,period", [
    ("本年度报告中所列数据统计期限从2019年1月1日到12月31日止。", ("2019-01-01", "2019-12-31")),
    ("本年度报告中所列数据的统计期限自 2024 年 1 月 1 日起至 2024 年 12 月 31 日止。", ("2024-01-01", "2024-12-31")),
    ("本报告中所列数据的统计时限为２０２２年１月１日至１２月３１日。", ("2022-01-01", "2022-12-31")),
    ("本报告统计期为二〇二一年一月一日至十二月三十一日。", ("2021-01-01", "2021-12-31")),
    ("数据统计周期：2020年1月1日—2020年12月31日。", ("2020-01-01", "2020-12-31")),
    ("内容涵盖 2024 年 1 月 1 日至 2024 年 12 月 31 日期间的工作。", ("2024-01-01", "2024-12-31")),
    # a date range that is not the statistics period and lacks the end's year: no period
    ("2023年3月1日至5月31日开展专项整治。", None),
    # an unnamed range is the period only when it covers a whole calendar year
    ("2023年3月1日至2023年5月31日开展专项整治。", None),
    ("2023年3月1日至2023年5月31日开展专项整治。本报告统计期限为2023年1月1日至2023年12月31日。",
     ("2023-01-01", "2023-12-31")),
    ("2023年3月1日至2023年5月31日开展专项整治；本报告涵盖2023年1月1日至2023年12月31日期间的工作。",
     ("2023-01-01", "2023-12-31")),
    # a backwards range is not read as a period (the end's year would have to be guessed)
    ("统计期限从2019年12月1日到1月31日止。", None),
    ("统计期限从2019年13月1日到12月31日止。", None),
])
def test_statistics_period_variants(sentence, period):
    assert statistics_period(sentence) == period


def test_statistics_period_without_the_end_year_in_a_report():
    text = BODY.replace("统计期限为2023年1月1日至2023年12月31日", "统计期限从2023年1月1日到12月31日止")
    m = parse(text).metadata
    assert (m.period_start, m.period_end) == ("2023-01-01", "2023-12-31")
    # the named period wins over an earlier, unrelated date range
    text = BODY.replace("本报告数据统计期限为2023年1月1日至2023年12月31日。",
                        "2022年6月1日至2022年6月30日开展专项检查。本报告数据统计期限为2023年1月1日至12月31日。")
    m = parse(text).metadata
    assert (m.period_start, m.period_end) == ("2023-01-01", "2023-12-31")
