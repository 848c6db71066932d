"""Broken rule files fail `rules check` with the file and the line of the problem."""
from __future__ import annotations

import pytest

from engine.cli import EXIT_RULES, main
from engine.rules import RuleLoadError, load_catalog
from rules_support import MINIMAL_RULE, write_rules


def problems_of(tmp_path, text):
    d = write_rules(tmp_path, text)
    with pytest.raises(RuleLoadError) as exc:
        load_catalog(d)
    return [(p[0].rsplit("/", 1)[-1], p[1], p[2]) for p in exc.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln)


def test_minimal_rule_loads(tmp_path):
    cat = load_catalog(write_rules(tmp_path, MINIMAL_RULE))
    assert [r.id for r in cat.rules] == ["XXGK-T901"]
    assert cat.rules[0].line == 2


def test_bad_yaml_names_file_and_line(tmp_path):
    text = MINIMAL_RULE.replace("    message: 缺少第{part}部分。", "    message: {part}部分缺少。")
    probs = problems_of(tmp_path, text)
    assert probs[0][0] == "test.yaml"
    assert probs[0][1] == line_of(text, "message:")
    assert "YAML" in probs[0][2]


def test_unknown_field(tmp_path):
    text = MINIMAL_RULE.replace("    points: 1\n", "    points: 1\n    pointz: 2\n")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "pointz") - 1 or line == line_of(text, "id:")
    assert "pointz" in msg


def test_unknown_field_inside_options_points_at_it(tmp_path):
    text = MINIMAL_RULE.replace("      parts: [六]\n", "      parts: [六]\n      partz: 1\n")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "options:")
    assert "partz" in msg


def test_wrong_type(tmp_path):
    text = MINIMAL_RULE.replace("points: 1", "points: 很多")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "points:")
    assert "points" in msg


def test_wrong_enum(tmp_path):
    text = MINIMAL_RULE.replace("severity: error", "severity: fatal")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "severity:")


def test_unknown_cell_in_identity(tmp_path):
    text = MINIMAL_RULE.replace("""    check: part_present
    options:
      parts: [六]""", """    check: sum_identity
    options:
      table: applications
      for_each: column
      left: [三.七]
      right: [三.一, 三.九]""")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "right:")
    assert "三.九" in msg


def test_unknown_cell_in_example(tmp_path):
    text = MINIMAL_RULE.replace("report: {parts: {六: null}}",
                                "report: {cells: {applications.九.自然人: 1}}")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "applications.九")
    assert "applications.九.自然人" in msg


def test_unknown_block(tmp_path):
    text = MINIMAL_RULE.replace("check: part_present", "check: part_exists")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "check:")
    assert "part_exists" in msg


def test_duplicate_id_across_files(tmp_path):
    write_rules(tmp_path, MINIMAL_RULE, "a.yaml")
    d = write_rules(tmp_path, MINIMAL_RULE, "b.yaml")
    with pytest.raises(RuleLoadError) as exc:
        load_catalog(d)
    (f, line, msg), = exc.value.problems
    assert f.endswith("b.yaml") and line == 2 and "a.yaml:2" in msg


def test_unknown_placeholder(tmp_path):
    text = MINIMAL_RULE.replace("缺少第{part}部分。", "缺少第{prat}部分。")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "message:") and "prat" in msg


UNSAFE = """\
rules:
  - id: XXGK-T902
    title: 不安全的条件
    severity: error
    category: 准确性
    points: 1
    basis: 常见要求：测试
    rationale: 测试
    remedy: 测试
    check: match
    options:
      fail:
        - type: report
          where:
            template: {OP}
    message: 测试
    examples:
      - {expect: pass, report: {}}
"""


@pytest.mark.parametrize("op,word", [("{matches: '20.*'}", "正则"), ("{not: '2019'}", "否定"),
                                     ("{count: 2}", "计数")])
def test_unsafe_construct_is_refused(tmp_path, op, word):
    text = UNSAFE.replace("{OP}", op)
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "template:")
    assert word in msg and "安全子集" in msg


def test_three_fact_join_is_refused(tmp_path):
    text = UNSAFE.replace("""        - type: report
          where:
            template: {OP}""", """        - {type: cell}
        - {type: cell}
        - {type: cell}""")
    (f, line, msg), = problems_of(tmp_path, text)
    assert "两个事实" in msg


def test_ordering_on_text_field_is_refused(tmp_path):
    text = UNSAFE.replace("{OP}", "{gt: '2019'}")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "template:") and "不是数值" in msg


def test_compiler_refuses_unsafe_clause_from_a_block():
    """Whatever a block emits, the compiler checks it (a buggy block cannot slip $mt/$not in)."""
    from engine.facts import fact_types
    from engine.rules.blocks import Clause
    from engine.rules.compile import check_clause, guard_references
    types = fact_types()
    assert check_clause(Clause("fail", [("a", {"$and": [{"type": "report"},
                                                        {"$mt": {"template": "20.*"}}]})]), types)
    assert check_clause(Clause("fail", [("a", {"type": "report"}),
                                        ("b$not", {"type": "cell"})]), types)
    assert check_clause(Clause("fail", [("a", {"$neq": {"template": "2019"}})]), types)  # no type
    assert check_clause(Clause("fail", [("a", {"$and": [{"type": "cell"}, {"v": 1.5}]})]), types)
    assert check_clause(Clause("fail", [("a", {"$and": [{"type": "cell"}, {"raw": "x"}]})]), types)
    ok = Clause("fail", [("a", {"type": "cell"}),
                         ("b", {"$and": [{"type": "cell"}, {"addr": {"a": "addr"}},
                                         {"$lt": {"v": {"a": "v"}}}]})])
    assert check_clause(ok, types)                      # references not guarded yet
    assert check_clause(guard_references(ok), types) == []


def test_cli_check_exits_with_rules_code(tmp_path, capsys):
    text = MINIMAL_RULE.replace("check: part_present", "check: nope")
    d = write_rules(tmp_path, text)
    assert main(["rules", "check", str(d)]) == EXIT_RULES
    err = capsys.readouterr().err
    assert f"test.yaml:{line_of(text, 'check:')}:" in err


def test_cli_check_ok(tmp_path, capsys):
    d = write_rules(tmp_path, MINIMAL_RULE)
    assert main(["rules", "check", str(d)]) == 0


def test_cli_test_lists_rules_without_failing_example(tmp_path, capsys):
    text = MINIMAL_RULE.replace("      - {expect: fail, report: {parts: {六: null}}}\n", "")
    d = write_rules(tmp_path, text)
    assert main(["rules", "test", str(d)]) == EXIT_RULES
    assert "XXGK-T901：缺少“不通过”" in capsys.readouterr().err


def test_cli_test_reports_wrong_example(tmp_path, capsys):
    text = MINIMAL_RULE.replace("{expect: pass, report: {}}", "{expect: fail, report: {}}")
    d = write_rules(tmp_path, text)
    assert main(["rules", "test", str(d)]) == EXIT_RULES
    assert "期望 fail，实际 pass" in capsys.readouterr().err


def test_cli_doc_and_explain(tmp_path, capsys):
    d = write_rules(tmp_path, MINIMAL_RULE)
    out = tmp_path / "rules.md"
    assert main(["rules", "doc", str(d), "-o", str(out)]) == 0
    assert "XXGK-T901 测试规则" in out.read_text(encoding="utf-8")
    html = tmp_path / "rules.html"
    assert main(["rules", "doc", str(d), "-o", str(html)]) == 0
    assert "<section id='XXGK-T901'>" in html.read_text(encoding="utf-8")
    assert main(["explain", "XXGK-T901", "--rules", str(d)]) == 0
    assert "测试理由" in capsys.readouterr().out
    assert main(["explain", "XXGK-T999", "--rules", str(d)]) != 0


def test_folded_chinese_text_loses_the_folding_space(tmp_path):
    text = MINIMAL_RULE.replace("    rationale: 测试理由\n", "    rationale: >-\n      第一行中文，\n      第二行中文 and English\n")
    rule = load_catalog(write_rules(tmp_path, text)).rules[0]
    assert rule.rationale == "第一行中文，第二行中文 and English"


def test_unknown_cell_address_in_a_match_condition(tmp_path):
    text = UNSAFE.replace("""        - type: report
          where:
            template: {OP}""", """        - type: cell
          where:
            addr: applications.三.九.自然人""")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "addr:") and "applications.三.九.自然人" in msg


def test_yaml_tags_never_execute_code(tmp_path):
    marker = tmp_path / "pwned"
    text = MINIMAL_RULE.replace("title: 测试规则",
                                f"title: !!python/object/apply:os.system [\"touch {marker}\"]")
    probs = problems_of(tmp_path, text)
    assert not marker.exists()
    assert any(line == line_of(text, "title:") for _, line, _ in probs)


def test_each_missing_field_is_named_once(tmp_path):
    text = MINIMAL_RULE.replace("    severity: error\n", "").replace("    points: 1\n", "")
    msgs = [m for _, _, m in problems_of(tmp_path, text)]
    assert sorted(msgs) == ["规则 XXGK-T901：缺少必填字段 points", "规则 XXGK-T901：缺少必填字段 severity"]


def test_too_many_conditions_on_one_fact_type_are_refused(tmp_path):
    """durable-rules fails with error 303 when more than 64 conditions can match one fact."""
    one = UNSAFE.replace("{OP}", "'2019'")
    rules = "rules:\n" + "".join(
        one.split("rules:\n", 1)[1].replace("XXGK-T902", f"XXGK-T{k:03d}") for k in range(100, 162))
    d = write_rules(tmp_path, rules)
    with pytest.raises(RuleLoadError) as exc:
        load_catalog(d)
    assert any("303" in m for _, _, m in exc.value.problems)


def test_empty_year_range_is_refused(tmp_path):
    text = MINIMAL_RULE.replace("    check: part_present\n",
                                "    applies: {years: {from: 2024, to: 2021}}\n    check: part_present\n")
    (f, line, msg), = problems_of(tmp_path, text)
    assert line == line_of(text, "applies:") and "from" in msg


@pytest.mark.parametrize("basis, complaint", [
    ("国办公开办函〔2021〕30号 表三；docs/template.md 关系9", "引用了本项目的文件"),
    ("国务院某某通知", "不在 sources.yaml 登记的来源中"),
    ("《政府信息公开条例》第五十条；行业惯例", "不在 sources.yaml 登记的来源中"),
])
def test_basis_must_come_from_the_documented_sources(tmp_path, basis, complaint):
    d = write_rules(tmp_path, MINIMAL_RULE.replace("常见要求：测试依据", basis))
    with pytest.raises(RuleLoadError) as exc:
        load_catalog(d)
    [(_, line, msg)] = exc.value.problems
    assert complaint in msg and line > 1


def test_basis_sources_and_format_documents():
    from engine.sources import format_doc, format_title, render_basis
    assert format_doc("2019", 2020) == "国办公开办函〔2019〕60号"
    assert format_doc("2021", 2024) == "国办公开办函〔2021〕30号"
    assert format_doc(None, 2020) == "国办公开办函〔2019〕60号"      # template unknown: by year
    assert format_doc("2019", 2023) == "国办公开办函〔2021〕30号"    # the format in force for its year
    assert format_doc("2021", None) == "国办公开办函〔2021〕30号"    # year unknown: by its template
    assert "有关事项的通知》（国办公开办函〔2019〕60号）" in format_title("2019", 2019)
    assert render_basis("{format_doc} 年度报告格式 表三", "2021", 2022) == "国办公开办函〔2021〕30号 年度报告格式 表三"
    assert "〔2019〕60号或" in render_basis("{format_doc} 表三", None, None)
