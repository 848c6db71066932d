"""Seven years of 平潭综合实验区 reports, crawled text with the body flattened into one line and the
table values run together. Expected values are the ones ../shared/real/README.md states, or
read from the runs by hand (each checked against the row identity in the comment)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.parse import parse_file
from engine.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS
from real_support import real_file



@pytest.fixture(scope="module")
def pingtan():
    return {y: parse_file(real_file(f"pingtan-{y}.txt")) for y in range(2019, 2026)}


def values(report, table: str, key: str, columns=APPLICANT_COLUMNS):
    out = []
    for c in columns:
        cell = report.cell(f"{table}.{key}.{c}")
        out.append(int(cell.value) if cell.kind == "number" else cell.kind)
    return out


def test_all_years_find_six_parts_in_the_flattened_line(pingtan):
    for year, r in pingtan.items():
        assert [p.present for p in r.parts.values()] == [True] * 6, year
        assert {p.line_start for p in r.parts.values()} == {10}, year
        assert r.metadata.year == year
        assert r.metadata.agency == "平潭综合实验区"
        assert r.metadata.body_kind == "government"
        assert r.metadata.template == ("2019" if year <= 2020 else "2021")


def test_2022_matches_the_known_facts(pingtan):
    r = pingtan[2022]
    assert values(r, "applications", "一") == [71, 3, 0, 0, 0, 0, 74]
    assert values(r, "applications", "二") == [1, 0, 0, 0, 0, 0, 1]
    assert values(r, "applications", "三.七") == [72, 3, 0, 0, 0, 0, 75]
    assert values(r, "applications", "四") == [0] * 7
    assert r.cell("applications.一.自然人").recovered
    # part 四's heading has a typo
    assert r.parts["四"].heading == "四、政府信息公开行政法复议、行政诉讼情况"
    assert r.parts["四"].text.startswith("行政复议")
    assert r.metadata.publication_date == "2023-02-20"
    assert (r.metadata.period_start, r.metadata.period_end) == ("2022-01-01", "2022-12-31")
    # the review row is written with spaces: ordinary values, not recovered
    assert values(r, "review", "行政复议", REVIEW_COLUMNS) == [0, 1, 1, 0, 2]
    assert values(r, "review", "未经复议直接起诉", REVIEW_COLUMNS) == [1, 0, 0, 0, 1]
    assert values(r, "review", "复议后起诉", REVIEW_COLUMNS) == [0] * 5
    assert not r.cell("review.行政复议.总计").recovered


def test_2022_recovery_is_reported_and_quotes_the_run(pingtan):
    r = pingtan[2022]
    rec = [d for d in r.diagnostics if d.code == "DIGITS_RECOVERED" and "applications.一.自然人" in d.cells]
    assert len(rec) == 1
    assert "713000074" in rec[0].message and "71 / 3 / 0 / 0 / 0 / 0 / 74" in rec[0].message
    assert rec[0].severity == "info" and rec[0].line == 10


def test_active_table_runs_split_only_when_unique(pingtan):
    r = pingtan[2022]
    # "规章000": three digits for three cells
    assert values(r, "active", "item1.规章", ("本年制发件数", "本年废止件数", "现行有效件数")) == [0, 0, 0]
    # "行政规范性文件8855698": many splits, no identity: unknown
    assert all(r.cell(f"active.item1.行政规范性文件.{c}").value is None
               for c in ("本年制发件数", "本年废止件数", "现行有效件数"))
    amb = [d for d in r.diagnostics if d.code == "DIGITS_AMBIGUOUS"]
    assert len(amb) == 1 and "8855698" in amb[0].message
    assert r.cell("active.item8.行政事业性收费.本年收费金额").value == Decimal("9116.36")
    # 2021: "24252.311082" is an amount with another number run into it
    fee21 = pingtan[2021].cell("active.item8.行政事业性收费.本年收费金额")
    assert fee21.value is None and fee21.raw == "24252.311082"
    # 2020: "规章007"
    r20 = pingtan[2020]
    assert values(r20, "active", "item1.规章", ("本年新制作数量", "本年新公开数量", "对外公开总数量")) == [0, 0, 7]


def test_2020_total_row_and_the_real_identity_violation_survive(pingtan):
    r = pingtan[2020]
    # README: （七）总计 says 20 (自然人) and 21 (总计) — "20 0 00 0 121"
    assert values(r, "applications", "三.七") == [20, 0, 0, 0, 0, 1, 21]
    # the single （六）其他处理 row written with spaces: "4 0 0 0 0 0 4"
    assert values(r, "applications", "三.六") == [4, 0, 0, 0, 0, 0, 4]
    outcome_rows = ["三.一", "三.二", "三.三.1", "三.三.2", "三.三.3", "三.三.4", "三.三.5", "三.三.6",
                    "三.三.7", "三.三.8", "三.四.1", "三.四.2", "三.四.3", "三.五.1", "三.五.2", "三.五.3",
                    "三.五.4", "三.五.5", "三.六"]
    natural = sum(values(r, "applications", k)[0] for k in outcome_rows)
    total = sum(values(r, "applications", k)[-1] for k in outcome_rows)
    assert (natural, total) == (26, 27)      # the outcome rows add up to 26 / 27 (README)


def test_2019_mixed_runs_and_spaces(pingtan):
    r = pingtan[2019]
    assert values(r, "applications", "一") == [23, 0, 0, 0, 0, 0, 23]      # "230 000023"
    assert values(r, "applications", "三.七") == [23, 0, 0, 0, 0, 0, 23]   # "23 0 00 0 023"
    assert values(r, "applications", "三.六") == [0] * 7                   # "0 0 0 0 0 00"
    assert values(r, "applications", "四") == [0] * 7                      # " 0 0 00 00 0"
    assert r.tables["applications"].variant == "single"
    for g in REVIEW_GROUPS:
        assert values(r, "review", g, REVIEW_COLUMNS) == [0] * 5


def test_2021_to_2025_requests_and_review(pingtan):
    # 640020470: 64+0+0+2+0+4 = 70
    assert values(pingtan[2021], "applications", "一") == [64, 0, 0, 2, 0, 4, 70]
    # 630020469: 63+2+4 = 69, and 一 + 二 (70 + 0) = 三.七 + 四 (69 + 1)
    assert values(pingtan[2021], "applications", "三.七") == [63, 0, 0, 2, 0, 4, 69]
    assert values(pingtan[2021], "applications", "四") == [1, 0, 0, 0, 0, 0, 1]
    # 10203120001200000: 1+0+2+0 = 3 | 12+0+0+0 = 12 | 0
    assert values(pingtan[2021], "review", "行政复议", REVIEW_COLUMNS) == [1, 0, 2, 0, 3]
    assert values(pingtan[2021], "review", "未经复议直接起诉", REVIEW_COLUMNS) == [12, 0, 0, 0, 12]
    # 801000081
    assert values(pingtan[2023], "applications", "一") == [80, 1, 0, 0, 0, 0, 81]
    # 110024001510102: 1+1+0+0 = 2 | 4+0+0+1 = 5 | 1+0+1+0 = 2
    assert values(pingtan[2023], "review", "复议后起诉", REVIEW_COLUMNS) == [1, 0, 1, 0, 2]
    # 21710000218
    assert values(pingtan[2024], "applications", "一") == [217, 1, 0, 0, 0, 0, 218]
    # 21317000001324019: 2+1+3+1 = 7 | 0 | 13+2+4+0 = 19
    assert values(pingtan[2024], "review", "行政复议", REVIEW_COLUMNS) == [2, 1, 3, 1, 7]
    assert values(pingtan[2024], "review", "复议后起诉", REVIEW_COLUMNS) == [13, 2, 4, 0, 19]
    # 15130000154, 4200006
    assert values(pingtan[2025], "applications", "一") == [151, 3, 0, 0, 0, 0, 154]
    assert values(pingtan[2025], "applications", "四") == [4, 2, 0, 0, 0, 0, 6]


def test_every_requests_cell_is_known_in_2021_to_2025(pingtan):
    for year in range(2021, 2026):
        t = pingtan[year].tables["applications"]
        unknown = [a for a, c in t.cells.items() if not c.known]
        assert unknown == [], (year, unknown)
        assert not [d for d in pingtan[year].diagnostics if d.table == "applications" and d.code != "DIGITS_RECOVERED"]
