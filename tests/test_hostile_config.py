"""Hostile YAML configuration (issue 16): billion laughs, deep nesting and huge files end in a
Chinese configuration error naming the line, in bounded time and memory (checked on parse events,
before any loader builds a node)."""
from __future__ import annotations

import pytest

from engine.yaml_guard import MAX_YAML_BYTES, YamlLimitError, check_yaml_text, read_yaml_text

LAUGHS = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)) + "name: *a8\n"
DEEP_FLOW = "k: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_BLOCK = "".join("  " * i + f"k{i}:\n" for i in range(300)) + "  " * 300 + "v\n"


@pytest.mark.parametrize("text, words", [(LAUGHS, "别名"), (DEEP_FLOW, "嵌套"), (DEEP_BLOCK, "嵌套")])
def test_hostile_yaml_is_refused_with_a_chinese_reason(text, words):
    with pytest.raises(YamlLimitError) as err:
        check_yaml_text(text)
    assert words in err.value.problem and err.value.line >= 1


def test_the_shipped_configuration_passes():
    from engine import DEFAULT_RULES_DIR
    for path in sorted(DEFAULT_RULES_DIR.glob("*.yaml")):
        read_yaml_text(path)


def test_a_few_ordinary_aliases_pass():
    check_yaml_text("base: &b {a: 1, b: 2}\nx: *b\ny: *b\n")


def test_billion_laughs_in_office_yaml_is_a_configuration_error(tmp_path):
    from engine.render.office import OfficeConfigError, load_office
    path = tmp_path / "office.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    with pytest.raises(OfficeConfigError) as err:
        load_office(path)
    assert "十亿笑声" in err.value.problems[0]


def test_deep_nesting_in_a_rule_file_is_a_yaml_problem(tmp_path):
    from engine.yamlfile import YamlProblem, read_yaml
    path = tmp_path / "deep.yaml"
    path.write_text(DEEP_FLOW, encoding="utf-8")
    with pytest.raises(YamlProblem) as err:
        read_yaml(path)
    assert "嵌套" in err.value.message


def test_deep_nesting_in_a_signal_file_is_a_load_error(tmp_path):
    from engine.facts.signals import SignalLoadError, load_yaml_document
    path = tmp_path / "signals.yaml"
    path.write_text(DEEP_BLOCK, encoding="utf-8")
    with pytest.raises(SignalLoadError) as err:
        load_yaml_document(path)
    assert "嵌套" in err.value.problems[0]


def test_an_oversized_scoring_file_is_refused_without_loading(tmp_path):
    from engine.score import ScoringConfigError, load_scoring
    path = tmp_path / "scoring.yaml"
    line = "# " + "x" * 1000 + "\n"
    path.write_text(line * (MAX_YAML_BYTES // len(line) + 2), encoding="utf-8")
    with pytest.raises(ScoringConfigError) as err:
        load_scoring(path)
    assert "上限" in err.value.problems[0]
