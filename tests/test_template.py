"""The template module is the code form of docs/template.md: check it against the document."""
from engine import template as T


def test_applications_2021_has_25_rows_of_7_columns():
    rows = T.application_rows("split")
    assert len(rows) == 25   # 一 二 三.一 三.二, 8 + 3 + 5 + 3 leaves, 三.七 四
    assert len(T.application_addresses("split")) == 25 * 7
    assert rows[0].key == "一" and rows[-1].key == "四" and rows[-2].key == "三.七"


def test_single_other_row_variant_replaces_the_three_numbered_rows():
    keys = [r.key for r in T.application_rows("single")]
    assert "三.六" in keys and "三.六.1" not in keys
    assert len(keys) == 23


def test_outcome_leaves_exclude_totals_and_intake_rows():
    leaves = T.outcome_leaf_rows("split")
    assert "三.七" not in leaves and "一" not in leaves and "四" not in leaves
    assert len(leaves) == 2 + 8 + 3 + 5 + 3


def test_review_has_fifteen_cells():
    assert len(T.review_addresses()) == 15
    assert "review.复议后起诉.尚未审结" in T.review_addresses()


def test_active_addresses_follow_the_template_generation():
    a21 = T.active_addresses("2021")
    assert "active.item1.规章.现行有效件数" in a21
    assert len(a21) == 6 + 1 + 2 + 1
    a19 = T.active_addresses("2019")
    assert "active.item1.规范性文件.对外公开总数量" in a19
    assert "active.item9.政府集中采购.采购总金额" in a19
    assert T.is_amount("active.item8.行政事业性收费.本年收费金额")
    assert not T.is_amount("active.item1.规章.现行有效件数")


def test_describe_address_names_group_row_and_column():
    assert T.describe_address("applications.三.三.4.自然人") == "表三“（三）不予公开4.保护第三方合法权益”行“自然人”列"
    assert T.describe_address("review.行政复议.总计") == "表四“行政复议”之“总计”"
