"""The annual-report template as data: parts, tables, canonical cell addresses, identities.

This module is the code form of the domain contract (docs/template.md, copied from the shared spec).
The parser produces these addresses, the rules refer to them and the findings point at them, so
nothing else in the engine spells out a row or column list of its own.

Address grammar:
    active.<item>.<row>.<column>      e.g. active.item1.规章.现行有效件数
    applications.<row>.<column>       e.g. applications.三.三.4.自然人
    review.<group>.<column>           e.g. review.复议后起诉.尚未审结
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

TEMPLATES = ("2019", "2021")

# --------------------------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------------------------

PART_IDS = ("一", "二", "三", "四", "五", "六")

PART_TITLES = {
    "一": "总体情况",
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
    "五": "存在的主要问题及改进情况",
    "六": "其他需要报告的事项",
}

# Which table lives in which part.
PART_OF_TABLE = {"active": "二", "applications": "三", "review": "四"}
TABLE_NAMES = ("active", "applications", "review")
TABLE_TITLES = {
    "active": "主动公开政府信息情况表",
    "applications": "收到和处理政府信息公开申请情况表",
    "review": "政府信息公开行政复议、行政诉讼情况表",
}


# --------------------------------------------------------------------------------------------
# Table `active`
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActiveItem:
    key: str                      # item1, item5, ...
    label: str                    # 第二十条第（一）项
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    # column key -> the label as printed in the template (keys drop units to keep addresses short)
    column_labels: dict[str, str] = field(default_factory=dict)

    def label_of(self, column: str) -> str:
        return self.column_labels.get(column, column)


ACTIVE_2021 = (
    ActiveItem("item1", "第二十条第（一）项", ("规章", "行政规范性文件"),
               ("本年制发件数", "本年废止件数", "现行有效件数")),
    ActiveItem("item5", "第二十条第（五）项", ("行政许可",), ("本年处理决定数量",)),
    ActiveItem("item6", "第二十条第（六）项", ("行政处罚", "行政强制"), ("本年处理决定数量",)),
    ActiveItem("item8", "第二十条第（八）项", ("行政事业性收费",), ("本年收费金额",),
               {"本年收费金额": "本年收费金额（单位：万元）"}),
)

ACTIVE_2019 = (
    ActiveItem("item1", "第二十条第（一）项", ("规章", "规范性文件"),
               ("本年新制作数量", "本年新公开数量", "对外公开总数量")),
    ActiveItem("item5", "第二十条第（五）项", ("行政许可", "其他对外管理服务事项"),
               ("上一年项目数量", "本年增/减", "处理决定数量")),
    ActiveItem("item6", "第二十条第（六）项", ("行政处罚", "行政强制"),
               ("上一年项目数量", "本年增/减", "处理决定数量")),
    ActiveItem("item8", "第二十条第（八）项", ("行政事业性收费",), ("上一年项目数量", "本年增/减")),
    ActiveItem("item9", "第二十条第（九）项", ("政府集中采购",), ("采购项目数量", "采购总金额"),
               {"采购总金额": "采购总金额（单位：万元）"}),
)

ACTIVE_ITEMS = {"2019": ACTIVE_2019, "2021": ACTIVE_2021}

# Cells that hold money (万元): decimals allowed. Every other active cell is a count.
AMOUNT_COLUMNS = frozenset({"本年收费金额", "采购总金额"})
# Cells that may legitimately be negative (a change against last year).
SIGNED_COLUMNS = frozenset({"本年增/减"})


# --------------------------------------------------------------------------------------------
# Table `applications`
# --------------------------------------------------------------------------------------------

APPLICANT_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
APPLICANT_PARTS = APPLICANT_COLUMNS[:-1]   # the six columns that add up to 总计
LEGAL_PERSON_GROUP = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")


@dataclass(frozen=True)
class AppRow:
    key: str          # canonical key, e.g. 三.三.4
    label: str        # label as printed in the 2021 template
    group: str | None = None   # the spanning group label, e.g. （三）不予公开


_ROWS_HEAD = (
    AppRow("一", "一、本年新收政府信息公开申请数量"),
    AppRow("二", "二、上年结转政府信息公开申请数量"),
    AppRow("三.一", "（一）予以公开", "三、本年度办理结果"),
    AppRow("三.二", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三、本年度办理结果"),
    AppRow("三.三.1", "1.属于国家秘密", "（三）不予公开"),
    AppRow("三.三.2", "2.其他法律行政法规禁止公开", "（三）不予公开"),
    AppRow("三.三.3", "3.危及“三安全一稳定”", "（三）不予公开"),
    AppRow("三.三.4", "4.保护第三方合法权益", "（三）不予公开"),
    AppRow("三.三.5", "5.属于三类内部事务信息", "（三）不予公开"),
    AppRow("三.三.6", "6.属于四类过程性信息", "（三）不予公开"),
    AppRow("三.三.7", "7.属于行政执法案卷", "（三）不予公开"),
    AppRow("三.三.8", "8.属于行政查询事项", "（三）不予公开"),
    AppRow("三.四.1", "1.本机关不掌握相关政府信息", "（四）无法提供"),
    AppRow("三.四.2", "2.没有现成信息需要另行制作", "（四）无法提供"),
    AppRow("三.四.3", "3.补正后申请内容仍不明确", "（四）无法提供"),
    AppRow("三.五.1", "1.信访举报投诉类申请", "（五）不予处理"),
    AppRow("三.五.2", "2.重复申请", "（五）不予处理"),
    AppRow("三.五.3", "3.要求提供公开出版物", "（五）不予处理"),
    AppRow("三.五.4", "4.无正当理由大量反复申请", "（五）不予处理"),
    AppRow("三.五.5", "5.要求行政机关确认或重新出具已获取信息", "（五）不予处理"),
)
_ROWS_OTHER_SPLIT = (
    AppRow("三.六.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "（六）其他处理"),
    AppRow("三.六.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "（六）其他处理"),
    AppRow("三.六.3", "3.其他", "（六）其他处理"),
)
_ROWS_OTHER_SINGLE = (AppRow("三.六", "（六）其他处理", "三、本年度办理结果"),)
_ROWS_TAIL = (
    AppRow("三.七", "（七）总计", "三、本年度办理结果"),
    AppRow("四", "四、结转下年度继续办理"),
)

# Row variants: "split" is the 2021 template's （六） with three numbered rows; "single" is the
# 2019 template's one （六）其他处理 row, which some 2021-format reports kept (hongze 2023).
APPLICATION_ROWS = {
    "split": _ROWS_HEAD + _ROWS_OTHER_SPLIT + _ROWS_TAIL,
    "single": _ROWS_HEAD + _ROWS_OTHER_SINGLE + _ROWS_TAIL,
}
DEFAULT_APPLICATION_VARIANT = {"2021": "split", "2019": "single"}

def application_rows(variant: str = "split") -> tuple[AppRow, ...]:
    return APPLICATION_ROWS[variant]


def outcome_leaf_rows(variant: str = "split") -> tuple[str, ...]:
    """Rows that each count a request under exactly one outcome: they add up to 三.七."""
    return tuple(r.key for r in APPLICATION_ROWS[variant] if r.key not in ("一", "二", "三.七", "四"))


# --------------------------------------------------------------------------------------------
# Table `review`
# --------------------------------------------------------------------------------------------

REVIEW_GROUPS = ("行政复议", "未经复议直接起诉", "复议后起诉")
REVIEW_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
REVIEW_PARTS = REVIEW_COLUMNS[:-1]


# --------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------

def active_addresses(template: str) -> list[str]:
    return [f"active.{it.key}.{row}.{col}"
            for it in ACTIVE_ITEMS[template] for row in it.rows for col in it.columns]


def application_addresses(variant: str = "split") -> list[str]:
    return [f"applications.{r.key}.{c}" for r in APPLICATION_ROWS[variant] for c in APPLICANT_COLUMNS]


def review_addresses() -> list[str]:
    return [f"review.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS]


def table_addresses(table: str, template: str = "2021", variant: str | None = None) -> list[str]:
    if table == "active":
        return active_addresses(template)
    if table == "applications":
        return application_addresses(variant or DEFAULT_APPLICATION_VARIANT[template])
    if table == "review":
        return review_addresses()
    raise KeyError(table)


def all_known_addresses() -> frozenset[str]:
    """Every address any template variant can produce: what a rule may refer to."""
    out: set[str] = set()
    for t in TEMPLATES:
        out.update(active_addresses(t))
    for v in APPLICATION_ROWS:
        out.update(application_addresses(v))
    out.update(review_addresses())
    return frozenset(out)


def is_amount(address: str) -> bool:
    return address.startswith("active.") and address.rsplit(".", 1)[-1] in AMOUNT_COLUMNS


def is_signed(address: str) -> bool:
    return address.startswith("active.") and address.rsplit(".", 1)[-1] in SIGNED_COLUMNS


@lru_cache(maxsize=4096)
def describe_address(address: str) -> str:
    """Human (Chinese) wording of a cell address for letters: 表三“（一）予以公开”行“自然人”列.
    Cached: it depends on the address and the template's constants only, and every finding,
    letter and summary about cells asks for it."""
    parts = address.split(".")
    table = parts[0]
    if table == "applications":
        row_key, col = ".".join(parts[1:-1]), parts[-1]
        label = next((r.label for v in APPLICATION_ROWS.values() for r in v if r.key == row_key), row_key)
        if row_key.count(".") == 2:   # numbered leaf: name its group too
            grp = next((r.group for v in APPLICATION_ROWS.values() for r in v if r.key == row_key), "")
            label = f"{grp}{label}"
        return f"表三“{label}”行“{col}”列"
    if table == "review":
        return f"表四“{parts[1]}”之“{parts[2]}”"
    if table == "active":
        item, row, col = parts[1], parts[2], parts[3]
        it = next((i for t in TEMPLATES for i in ACTIVE_ITEMS[t] if i.key == item and row in i.rows), None)
        item_label = it.label if it else item
        col_label = it.label_of(col) if it else col
        return f"表二{item_label}“{row}”行“{col_label}”列"
    return address
