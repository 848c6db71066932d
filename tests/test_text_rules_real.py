"""The text rules on the real reports (pingtan 2019-2025 crawls, the huaian and hongze PDFs, the
Shanghai HTML) through the real pipeline (engine.parse.parse_file), both engines. Every narrative
figure of these reports was checked by hand against the tables: they all agree, so N901/N902 must
pass; the expected text findings were decided by reading the texts."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.evaluate import evaluate
from engine.facts.narrative import compare_figure, extract_figures
from engine.rules import load_catalog

parse = pytest.importorskip("engine.parse")
if not hasattr(parse, "parse_file"):
    pytest.skip("engine.parse.parse_file is not there yet", allow_module_level=True)

from test_text_rules import TEXT_RULES  # noqa: E402
from real_support import real_file

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
NA = None   # not applicable: no result at all

# T801 five themes / T806 fee statement apply from the 2021 reports on; T802 only to governments.
# T802: none of them reports all three of 工作考核/社会评议/责任追究 except pingtan-2022 ("落实社会
# 评议和责任追究制度…纳入绩效考核"); T805: none looks back at last year's problems in part 五.
# N905: pingtan-2025 has 2 requests dropped for unpaid fee notices (三.六.2) and says
# "无收取信息处理费情况": notices sent but not paid means nothing was collected — no N905 (issue 12).
EXPECTED = {
    "pingtan-2019.txt": {"XXGK-T801": NA, "XXGK-T802": "fail", "XXGK-T805": "fail", "XXGK-T806": NA},
    "pingtan-2020.txt": {"XXGK-T801": NA, "XXGK-T802": "fail", "XXGK-T805": "fail", "XXGK-T806": NA},
    "pingtan-2021.txt": {"XXGK-T802": "fail", "XXGK-T805": "fail"},
    "pingtan-2022.txt": {"XXGK-T805": "fail"},
    "pingtan-2023.txt": {"XXGK-T802": "fail", "XXGK-T805": "fail"},
    "pingtan-2024.txt": {"XXGK-T802": "fail", "XXGK-T805": "fail"},
    "pingtan-2025.txt": {"XXGK-T802": "fail", "XXGK-T805": "fail"},
    "huaian-shizhengfu-2024.pdf": {"XXGK-T802": "fail", "XXGK-T805": "fail"},
    "hongze-quzhengfu-2023.pdf": {"XXGK-T802": "fail", "XXGK-T805": "fail"},
    # 上海市人民政府办公厅: a department (T802 not applicable); a 2019 report (T801/T806 not applicable)
    "shanghai-bangongting-2019.html": {"XXGK-T801": NA, "XXGK-T802": NA, "XXGK-T805": "fail",
                                       "XXGK-T806": NA},
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(RULES_DIR).subset(set(TEXT_RULES))


@pytest.fixture(scope="module")
def parsed():
    return {name: parse.parse_file(real_file(name)) for name in EXPECTED}


@pytest.mark.parametrize("engine", ("durable", "reference"))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_reports(catalog, parsed, name, engine):
    results = {r.rule_id: r for r in evaluate(parsed[name], catalog, engine=engine)}
    expected = {rid: EXPECTED[name].get(rid, "pass") for rid in TEXT_RULES}
    got = {rid: (results[rid].outcome if rid in results else NA) for rid in TEXT_RULES}
    assert got == expected


@pytest.mark.parametrize("name, count", [
    ("pingtan-2020.txt", 1), ("pingtan-2021.txt", 3), ("pingtan-2022.txt", 3), ("pingtan-2023.txt", 4),
    ("pingtan-2024.txt", 1), ("pingtan-2025.txt", 5), ("huaian-shizhengfu-2024.pdf", 6),
    ("hongze-quzhengfu-2023.pdf", 1), ("shanghai-bangongting-2019.html", 4),
])
def test_every_narrative_figure_agrees_with_the_parsed_tables(parsed, name, count):
    report = parsed[name]
    compared = [f for f in extract_figures(report) if f.kind not in ("fee", "fee_notices")]
    assert len(compared) == count
    assert {compare_figure(f, report).status for f in compared} == {"agree"}


def test_pingtan_2025_unpaid_fee_notices_are_no_contradiction(catalog, parsed):
    """(六)2 = 2 and "无收取信息处理费情况": notices sent but not paid — nothing collected, as said."""
    results = {r.rule_id: r for r in evaluate(parsed["pingtan-2025.txt"], catalog)}
    assert results["XXGK-N905"].outcome == "pass"
    assert parsed["pingtan-2025.txt"].cell("applications.三.六.2.总计").value == 2
