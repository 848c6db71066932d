"""Cross-year comparisons and facts on hand-built pairs (tests/crossyear_support.py).

Expected values are worked out by hand from the pairs' cells and texts."""
from __future__ import annotations

import copy
from decimal import Decimal

from crossyear_support import PART_FIVE_2023_SILENT, consistent_pair, make_report

from engine.facts import crossyear as cy
from engine.facts.extractors import crossyear as ex
from engine.facts import FactContext
from engine.rules.blocks.verdict import verdict_evidence

ALL_KINDS = ["carryover", "continuity", "problems", "similarity", "same_year"]


def facts_of(report, previous, kinds=ALL_KINDS, **opts):
    reqs = [{"rule": f"R-{k}", "kind": k, **opts} for k in kinds]
    return list(ex.extract(FactContext(report=report, previous=previous, requests=reqs)))


def by_type(facts, t):
    return [f for f in facts if f["type"] == t]


def test_consistent_pair_holds_everywhere():
    current, previous = consistent_pair()
    facts = facts_of(current, previous)
    carry = by_type(facts, "xy_carryover")
    assert [f["column"] for f in carry] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert all(f["known"] and f["holds"] for f in carry)
    assert [(f["this_v"], f["prev_v"]) for f in carry][:2] == [(Decimal(1), Decimal(1)), (Decimal(1), Decimal(1))]
    cont = by_type(facts, "xy_continuity")
    assert [(f["row"], f["holds"], f["expected"]) for f in cont] == [("规章", True, 0), ("行政规范性文件", True, 14)]
    [look_back] = by_type(facts, "xy_problems")
    problems = look_back["details"]["problems"]
    # problems are quoted NFKC-normalised (full-width commas read as ",")
    assert [p["problem"] for p in problems] == ["政策解读形式单一,图表图解、视频解读运用较少",
                                                "村务公开栏更新不及时,部分村居公开内容滞后"]
    assert all(p["score"] >= 0.5 and p["answered"] for p in problems)
    assert (look_back["n_problems"], look_back["n_unanswered"], look_back["unanswered"]) == (2, 0, [])
    sims = {f["part"]: f["similarity"] for f in by_type(facts, "xy_similarity")}
    assert sims["一"] < Decimal("0.3") and sims["五"] < Decimal("0.3")
    assert by_type(facts, "xy_same_year") == []


def test_evidence_fields_name_last_years_file_and_cells():
    current, previous = consistent_pair()
    [f] = [f for f in facts_of(current, previous, ["carryover"]) if f["column"] == "商业企业"]
    assert f["addr"] == "applications.二.商业企业"
    assert f["previous_source"] == "jincun-2022.txt"
    assert f["previous_cells"] == ["applications.四.商业企业"]
    assert f["previous_values"] == {"applications.四.商业企业": 1}
    assert f["previous_year"] == 2022 and f["template_change"] is False
    evidence = verdict_evidence(f, current)
    assert evidence.previous_source == "jincun-2022.txt"
    assert evidence.values == {"applications.二.商业企业": 1}
    assert evidence.previous_values == {"applications.四.商业企业": 1}


def test_no_previous_gives_no_cross_year_fact():
    current, _ = consistent_pair()
    assert facts_of(current, None) == []


def test_previous_that_is_not_the_year_before_is_ignored():
    current, previous = consistent_pair()
    previous.metadata.year = 2021
    assert facts_of(current, previous) == []


def test_carryover_broken_in_one_column():
    current, previous = consistent_pair()
    current.tables["applications"].cells["applications.二.商业企业"].value = Decimal(0)
    current.tables["applications"].cells["applications.二.总计"].value = Decimal(1)
    broken = [(f["column"], f["this_v"], f["prev_v"]) for f in facts_of(current, previous, ["carryover"])
              if not f["holds"]]
    assert broken == [("商业企业", 0, 1), ("总计", 1, 2)]


def test_carryover_with_blank_cell_is_unknown_not_a_failure():
    current, previous = consistent_pair()
    cell = previous.tables["applications"].cells["applications.四.其他"]
    cell.kind, cell.value = "blank", None
    [f] = [f for f in facts_of(current, previous, ["carryover"]) if f["column"] == "其他"]
    assert f["known"] is False and f["holds"] is None
    assert f["unknown"] == ["上年:applications.四.其他"]


def test_continuity_broken():
    current, previous = consistent_pair()
    current.tables["active"].cells["active.item1.行政规范性文件.现行有效件数"].value = Decimal(20)
    [f] = [f for f in facts_of(current, previous, ["continuity"]) if not f["holds"]]
    assert (f["row"], f["stated"], f["expected"], f["prev_valid"], f["issued"], f["repealed"]) == \
        ("行政规范性文件", 20, 14, 12, 3, 1)


def test_template_change_suspends_continuity_but_not_carryover():
    previous = make_report("jincun-2020.txt", "金村镇人民政府", 2020, template="2019",
                           apps={"四": [1, 0, 0, 0, 0, 0, 1]}, item1={"规范性文件": [5, 5, 40]})
    current = make_report("jincun-2021.txt", "金村镇人民政府", 2021, template="2021",
                          apps={"二": [0, 0, 0, 0, 0, 0, 0]}, item1={"行政规范性文件": [3, 0, 43]})
    facts = facts_of(current, previous, ["carryover", "continuity"])
    assert by_type(facts, "xy_continuity") == []
    carry = by_type(facts, "xy_carryover")
    assert len(carry) == 7 and all(f["template_change"] for f in carry)
    assert [(f["column"], f["this_v"], f["prev_v"]) for f in carry if not f["holds"]] == \
        [("自然人", 0, 1), ("总计", 0, 1)]


def test_two_2019_format_reports_have_no_continuity():
    previous = make_report("a.txt", year=2019, template="2019")
    current = make_report("b.txt", year=2020, template="2019")
    assert by_type(facts_of(current, previous, ["continuity"]), "xy_continuity") == []


def test_problems_not_taken_up_score_low_and_are_quoted():
    current, previous = consistent_pair()
    current.parts["五"].text = PART_FIVE_2023_SILENT
    [look_back] = by_type(facts_of(current, previous, ["problems"]), "xy_problems")
    assert [p["index"] for p in look_back["unanswered"]] == [1, 2]
    assert all(p["score"] < 0.5 for p in look_back["details"]["problems"])
    assert look_back["unanswered"][0]["problem"].startswith("政策解读形式单一")
    assert "解读" not in look_back["details"]["problems"][0]["found"]


def test_problem_extraction_stops_at_the_measures():
    text = ("（一）存在的主要问题：一是信息发布审核把关不严；二是网站栏目更新滞后。"
            "（二）改进措施：一是严格落实三审三校；二是每月检查栏目。")
    assert cy.split_problems(text) == ["信息发布审核把关不严", "网站栏目更新滞后"]
    plain = "2022年，我镇政务公开工作取得一定成效，但仍存在一些不足，如：公开栏更新不及时；群众知晓率不高。2023年，我镇将加强公开栏管理。"
    assert cy.split_problems(plain) == ["公开栏更新不及时", "群众知晓率不高"]


def test_copy_with_dates_changed_is_near_identical():
    current, previous = consistent_pair()
    current.parts["一"].text = previous.parts["一"].text.replace("2022", "2023").replace("305", "318")
    [one] = [f for f in facts_of(current, previous, ["similarity"]) if f["part"] == "一"]
    assert one["similarity"] == Decimal("1") and one["percent"] == 100


def test_same_year_peers_each_give_a_fact():
    current, _ = consistent_pair()
    current.same_year_sources = ["其他目录/金村镇2023年报.docx"]
    [f] = facts_of(current, None, ["same_year"])
    assert f["other_source"] == "其他目录/金村镇2023年报.docx" and f["year"] == 2023


def test_jieba_does_not_write_to_stderr():
    # A fresh interpreter: jieba announces its dictionary loading on first use unless silenced.
    import subprocess
    import sys
    code = "from engine.facts.crossyear import keywords; print(keywords('政策解读形式单一'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "解读" in done.stdout


def test_problem_extraction_skips_the_review_of_last_year_and_reads_sentences():
    text = ("（一）上年度问题整改情况：针对政策解读形式单一的问题，新增图解12期。"
            "（二）存在的主要问题：一是答复文书不够规范；另有档案数字化扫描进度缓慢，历史文件尚未全部上网。"
            "（三）改进措施：加强审核。")
    assert cy.split_problems(text) == ["答复文书不够规范", "另有档案数字化扫描进度缓慢,历史文件尚未全部上网"]


def test_problem_with_only_generic_words_is_not_assessable():
    current, previous = consistent_pair()
    previous.parts["五"].text = "存在的主要问题：一是工作机制有待进一步完善；二是村务公开栏更新不及时。"
    [look_back] = by_type(facts_of(current, previous, ["problems"]), "xy_problems")
    # a problem of generic words only is not judged: it is never listed as unanswered
    assert [(p["index"], bool(p["keywords"])) for p in look_back["details"]["problems"]] == [(1, False), (2, True)]
    assert all(p["index"] != 1 for p in look_back["unanswered"])


def test_problem_extraction_on_a_seed_text():
    # seed 004 (陈区镇 2024), part 五 as extracted: three problems, the measures start at 为此
    text = ("2024年，陈区镇政府信息公开工作虽取得了新的进展，但对照上级要求、群众需求仍存在差距：一是对政务公开的界定还不够"
            "明确，并存在公开不及时的情况；二是政府信息公  开形式单一,有待加强宣传推广;三是推进政务公开规范化、科学化、"
            "常态化方面还有待进一步探索和完善。为此，我镇将进一步加强政务公开工作。")
    assert cy.split_problems(text) == ["对政务公开的界定还不够明确,并存在公开不及时的情况",
                                       "政府信息公开形式单一,有待加强宣传推广",
                                       "推进政务公开规范化、科学化、常态化方面还有待进一步探索和完善"]
