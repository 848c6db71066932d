"""docs/rules.md is generated from the rules themselves: it must not drift from them."""
from engine import DEFAULT_RULES_DIR, REPO_ROOT
from engine.rules import load_catalog
from engine.rules.doc import catalog_markdown


def test_committed_catalog_page_matches_the_rules():
    committed = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    generated = catalog_markdown(load_catalog(DEFAULT_RULES_DIR))
    assert committed == generated, "docs/rules.md 已过期：请运行 xxgk-audit rules doc 重新生成"


def test_every_catalog_rule_has_a_section_in_the_page():
    page = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in load_catalog(DEFAULT_RULES_DIR).rules:
        assert f"### {rule.id} " in page, rule.id
