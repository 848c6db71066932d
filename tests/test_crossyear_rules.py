"""Cross-year rules (rules/crossyear.yaml, XXGK-X701…X705) through the whole catalog and engine.

A consistent previous-year report is derived from a base report (`previous_consistent_with`), then one
thing is broken at a time; each pair must give exactly the expected cross-year findings. The base is
a hand-built report and, once the parser is there, a parsed seed (木厂镇 2024)."""
from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest
from crossyear_support import consistent_pair

from engine.facts import crossyear as cy
from engine.evaluate import evaluate
from engine.rules import load_catalog

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seeds" / "002_6e41f544aa427844.txt"
CROSS = ("XXGK-X701", "XXGK-X702", "XXGK-X703", "XXGK-X704", "XXGK-X705")
PREVIOUS_PART_ONE = ("上年度，本机关按照县政务公开办的部署，重点推进了预决算、重大建设项目和公共资源配置领域的信息公开，"
                     "完成门户网站集约化迁移，整合栏目二十余个，组织全体干部参加条例专题培训两次，"
                     "并建立了信息发布三级审核台账。")
PREVIOUS_PART_SIX = ("上年度未收取信息处理费。按照上级工作要点，办理人大代表建议和政协委员提案并全部公开答复，"
                     "开展政府开放日活动一次，接待群众一百余人次，听取意见建议若干条并逐条反馈。")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(ROOT / "rules")


def hand_built():
    current, _ = consistent_pair()
    return current


def parsed_seed():
    parse = pytest.importorskip("engine.parse")
    if not hasattr(parse, "parse_file"):
        pytest.skip("engine.parse.parse_file is not there yet")
    return parse.parse_file(str(SEED))


BASES = {"hand-built": hand_built, "seed-002": parsed_seed}


def _known(report, address):
    cell = report.cell(address)
    return cell.value if cell is not None and cell.known else None


def previous_consistent_with(report):
    """Last year's report of the same body, consistent with `report` across years: its 四 is this
    year's 二, its 现行有效件数 is this year's minus 制发 plus 废止, its part 五 names as problems the
    sentences this year's part 一 reports as done, and its parts 一 and 六 are different texts."""
    prev = copy.deepcopy(report)
    prev.source = "previous-" + Path(report.source).name
    prev.sha256 = "prev-" + report.sha256
    prev.metadata.year = report.metadata.year - 1
    prev.same_year_sources = []
    apps = prev.tables["applications"].cells
    for addr in list(apps):
        if addr.startswith("applications.四."):
            col = addr.rsplit(".", 1)[1]
            carried = _known(report, f"applications.二.{col}")
            if carried is not None:
                apps[addr].value, apps[addr].kind = carried, "number"
    for row in ("规章", "行政规范性文件"):
        base = f"active.item1.{row}"
        valid, issued, repealed = (_known(report, f"{base}.{c}") for c in ("现行有效件数", "本年制发件数", "本年废止件数"))
        if None not in (valid, issued, repealed):
            prev.tables["active"].cells[f"{base}.现行有效件数"].value = valid - issued + repealed
    # last year's problems are what this year's part 一 reports as done (restating this year's own
    # problems would not answer them)
    done = [s for s in re.split(r"[。；]", cy._flat(report.parts["一"].text)) if len(s) >= 8][:2]
    prev.parts["五"].text = ("（一）存在的主要问题：" + "；".join(f"{n}是{p}不够到位" for n, p in zip("一二三四五", done))
                            + "。（二）改进措施：下一步将认真整改。")
    prev.parts["一"].text = PREVIOUS_PART_ONE
    prev.parts["六"].text = PREVIOUS_PART_SIX
    return prev


def cross_results(report, previous, catalog):
    return {r.rule_id: r for r in evaluate(report, catalog, previous=previous) if r.rule_id in CROSS}


def outcomes(results):
    return {k: r.outcome for k, r in results.items()}


@pytest.fixture(params=sorted(BASES))
def base(request):
    return BASES[request.param]()


def test_consistent_pair_passes_every_cross_year_rule(base, catalog):
    previous = previous_consistent_with(base)
    results = cross_results(base, previous, catalog)
    assert set(results) == set(CROSS)
    # the continuity rule can only be judged when the base states every item1 number
    expected = {k: "pass" for k in CROSS}
    assert outcomes(results) == expected


def test_without_previous_year_no_cross_year_result_at_all(base, catalog):
    results = cross_results(base, None, catalog)
    # X705 (another report of the same year) needs no previous year: it passes; the others give no result
    assert outcomes(results) == {"XXGK-X705": "pass"}


def test_carryover_broken(base, catalog):
    previous = previous_consistent_with(base)
    for addr in ("applications.四.自然人", "applications.四.总计"):
        previous.tables["applications"].cells[addr].value += 1
    results = cross_results(base, previous, catalog)
    assert outcomes(results)["XXGK-X701"] == "fail"
    findings = results["XXGK-X701"].findings
    assert [f.evidence.cells for f in findings] == [["applications.二.自然人"], ["applications.二.总计"]]
    assert [f.evidence.previous_cells for f in findings] == [["applications.四.自然人"], ["applications.四.总计"]]
    for f in findings:
        assert f.evidence.previous_source == previous.source
        [(this_addr, this_v)] = f.evidence.values.items()
        [(prev_addr, prev_v)] = f.evidence.previous_values.items()
        assert prev_v == this_v + 1
        assert f"填报 {this_v}" in f.message and f"同列为 {prev_v}" in f.message
    assert {k: v for k, v in outcomes(results).items() if k != "XXGK-X701"} == \
        {k: "pass" for k in CROSS if k != "XXGK-X701"}


def test_valid_count_broken(base, catalog):
    previous = previous_consistent_with(base)
    previous.tables["active"].cells["active.item1.行政规范性文件.现行有效件数"].value += 5
    results = cross_results(base, previous, catalog)
    assert outcomes(results)["XXGK-X702"] == "fail"
    [finding] = results["XXGK-X702"].findings
    assert finding.severity == "warning"
    assert finding.evidence.cells[-1] == "active.item1.行政规范性文件.现行有效件数"
    assert finding.evidence.previous_cells == ["active.item1.行政规范性文件.现行有效件数"]
    stated = _known(base, "active.item1.行政规范性文件.现行有效件数")
    assert f"应为 {stated + 5} 件" in finding.message
    assert sum(o == "fail" for o in outcomes(results).values()) == 1


def test_unanswered_problem_is_quoted(base, catalog):
    previous = previous_consistent_with(base)
    n = len(cy.split_problems(previous.parts["五"].text))
    previous.parts["五"].text = previous.parts["五"].text.replace(
        "。（二）改进措施", f"；{'一二三四五六'[n]}是档案数字化扫描进度缓慢，历史文件尚未全部上网。（二）改进措施")
    results = cross_results(base, previous, catalog)
    assert outcomes(results)["XXGK-X703"] == "fail"
    [finding] = results["XXGK-X703"].findings
    assert "档案数字化扫描进度缓慢" in finding.message
    assert "档案数字化扫描进度缓慢" in finding.evidence.previous_excerpt
    assert finding.evidence.previous_source == previous.source
    assert sum(o == "fail" for o in outcomes(results).values()) == 1


def test_copy_with_dates_changed(base, catalog):
    previous = previous_consistent_with(base)
    year = base.metadata.year
    previous.parts["一"].text = base.parts["一"].text.replace(str(year), str(year - 1)).replace("1", "7")
    results = cross_results(base, previous, catalog)
    assert outcomes(results)["XXGK-X704"] == "fail"
    [finding] = results["XXGK-X704"].findings
    assert finding.message.startswith("第一部分“总体情况”")
    assert "相似度为 100%" in finding.message
    assert sum(o == "fail" for o in outcomes(results).values()) == 1


def test_same_year_duplicate_names_the_other(base, catalog):
    base.same_year_sources = ["送审/另一份2024年报.pdf"]
    results = cross_results(base, previous_consistent_with(base), catalog)
    [finding] = results["XXGK-X705"].findings
    assert "送审/另一份2024年报.pdf" in finding.message
    assert sum(o == "fail" for o in outcomes(results).values()) == 1


def test_template_change_suspends_continuity_only(catalog):
    current = hand_built()
    current.metadata.year = 2021
    previous = previous_consistent_with(current)
    previous.metadata.template = "2019"
    previous.tables["active"].template = "2019"
    previous.tables["applications"].cells["applications.四.总计"].value = Decimal(9)
    results = cross_results(current, previous, catalog)
    assert "XXGK-X702" not in results                 # suspended: no result at all
    assert outcomes(results)["XXGK-X701"] == "fail"   # 二/四 stay comparable across the change
    [finding] = results["XXGK-X701"].findings
    assert "2019年版" in finding.message and "同列为 9" in finding.message
