"""Block `sum_identity`: an arithmetic identity written once per table and expanded per row,
column or group (template Relations 1–4), e.g. Relation 3:

    check: sum_identity
    options: {table: applications, for_each: column, left: [一, 二], right: [三.七, 四]}

reads "一 + 二 == 三.七 + 四 for each column of applications". With `for_each: column` the terms are
row keys (`三.三.*` = every numbered row under 三.三 in the layout the table follows); with
`for_each: row` / `group` they are column names. The sums are computed in Python (extractor
`sums`) and judged with the precision of the stated values; an instance with an unknown input is
not assessable. Messages can quote the stated total, the computed total and the missing items.
"""
from __future__ import annotations

import re
from functools import lru_cache

from engine import template as T
from engine.rules.blocks import (Clause, Deferred, all_of, describe_cells, eq, fmt_value, is_type, same_fact,
                                 default_evidence)

ID = "sum_identity"
SUMMARY = "加总关系：左边各项之和等于右边各项之和，按行、列或组逐一核对"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["table", "for_each", "left", "right"],
    "properties": {
        "table": {"enum": list(T.TABLE_NAMES)},
        "for_each": {"enum": ["row", "column", "group"]},
        "left": {"type": "array", "minItems": 1, "items": {"type": "string"},
                 "description": "填报的合计一侧（例如总计）"},
        "right": {"type": "array", "minItems": 1, "items": {"type": "string"},
                  "description": "相加的各项"},
        "at": {"type": "array", "minItems": 1, "items": {"type": "string"},
               "description": "只核对这些行/列（默认全部）"},
    },
}
MESSAGE_FIELDS = {
    "at": "核对的行/列/组（如“自然人”列）",
    "stated_total": "左边（填报的合计）数值",
    "computed_total": "右边各项相加之和（按填报精度取整）",
    "left_items": "左边各项及数值",
    "items": "右边各项及数值",
    "missing": "未填有效数值的单元格（不可核对时）",
    "too_large": "数值过大、超出本程序计算范围的单元格（不可核对时）",
}
# |value| the rule engines compute with (engine.dialect.ENGINE_DEC_BOUND = 2^62 / 10^4), in words
BOUND_WORDS = "约 4.6×10¹⁴"


def _rows(table: str) -> list[str]:
    """Row keys over every layout the table can follow, in template order."""
    out: list[str] = []
    if table == "applications":
        for variant in ("split", "single"):
            out += [r.key for r in T.application_rows(variant) if r.key not in out]
    elif table == "active":
        for t in ("2021", "2019"):
            out += [f"{it.key}.{r}" for it in T.ACTIVE_ITEMS[t] for r in it.rows
                    if f"{it.key}.{r}" not in out]
    else:
        out = list(T.REVIEW_GROUPS)
    return out


def _columns(table: str) -> list[str]:
    if table == "applications":
        return list(T.APPLICANT_COLUMNS)
    if table == "review":
        return list(T.REVIEW_COLUMNS)
    out: list[str] = []
    for t in ("2021", "2019"):
        out += [c for it in T.ACTIVE_ITEMS[t] for c in it.columns if c not in out]
    return out


@lru_cache(maxsize=1024)
def _row_label(table: str, key: str) -> str:
    if table == "applications":
        for variant in ("split", "single"):
            for r in T.application_rows(variant):
                if r.key == key:
                    return r.label
    return key


def expand(options, ctx):
    table, axis = options["table"], ("column" if options["for_each"] == "column" else "row")
    rows, cols = _rows(table), _columns(table)
    term_space, at_space = (rows, cols) if axis == "column" else (cols, rows)
    for side in ("left", "right"):
        for i, term in enumerate(options[side]):
            base = term[:-2] if term.endswith(".*") else term
            ok = base in term_space or (term.endswith(".*") and
                                        any(r.startswith(base + ".") for r in term_space))
            if not ok:
                what = "行" if axis == "column" else "列"
                raise ctx.error(f"表 {table} 没有{what}“{term}”（可用：{'、'.join(term_space)}）",
                                side, i)
    ats = options.get("at") or at_space
    for i, at in enumerate(ats):
        if at not in at_space:
            raise ctx.error(f"表 {table} 没有“{at}”（可用：{'、'.join(at_space)}）", "at", i)
    requests = []
    for at in ats:
        label = f"“{at}”列" if axis == "column" else (
            f"“{at}”" if table == "review" else f"“{_row_label(table, at)}”行")
        requests.append(("sums", {"rule": ctx.rule_id, "inst": f"{axis}:{at}", "table": table,
                                  "axis": axis, "at": at, "left": list(options["left"]),
                                  "right": list(options["right"]), "part": T.PART_OF_TABLE[table],
                                  "params": {"at": label}}))
    base = (is_type("sum"), eq("rule", ctx.rule_id))
    return [
        Clause(role="fail", requests=requests,
               all=[("s", all_of(*base, eq("known", True),
                                 {"$neq": {"stated": same_fact("computed")}}))]),
        Clause(role="unknown",
               all=[("s", all_of(*base, eq("known", False), eq("beyond", False)))],
               reason="{at}有未填有效数值的单元格（{missing}），无法核对加总关系"),
        # a number the agency did write, too large to compute with: not a blank cell
        Clause(role="unknown",
               all=[("s", all_of(*base, eq("known", False), eq("beyond", True)))],
               reason="{at}的{too_large}数值过大（绝对值达到" + BOUND_WORDS + "），超出本程序能够计算的范围，"
                      "无法核对加总关系，请人工核对"),
    ]


@lru_cache(maxsize=1024)
def _short_row(table: str, key: str) -> str:
    """A row as a reader knows it, without numbering or notes: 三.四.1 -> 本机关不掌握相关政府信息."""
    label = _row_label(table, key)
    label = re.sub(r"^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）|^\d+\.", "", label)
    return re.sub(r"（[^）]*）$", "", label) or key


def _items(fact, cells, axis_is_column: bool) -> str:
    """"三.一=6、三.四.1=4，其余 14 项为 0": zero items are counted, not listed (the evidence
    keeps every stated value)."""
    out, zeros = [], 0
    values = fact["values"]
    many = len(cells) > 2
    for a in cells:
        value = values.get(a)
        if value is not None and value == 0 and many:
            zeros += 1
            continue
        out.append(f"{_item_name(a, axis_is_column)}={fmt_value(value) if value is not None else '？'}")
    text = "、".join(out) or "各项均为 0"
    if zeros and out:
        text += f"，其余 {zeros} 项为 0"
    return text


@lru_cache(maxsize=4096)
def _item_name(address: str, axis_is_column: bool) -> str:
    """An item of a sum as _items names it: its row along a column, its column along a row."""
    table, rest = address.split(".", 1)
    row, col = rest.rsplit(".", 1)
    return _short_row(table, row) if axis_is_column else col


def describe(clause, facts, report):
    s = facts["s"]
    axis_is_column = s["inst"].startswith("column:")
    if not s["present"]:
        return {"at": s["params"].get("at", ""), "stated_total": "", "computed_total": "",
                "items": "", "left_items": "",
                "missing": f"{T.TABLE_TITLES[s['table']]}缺失", "too_large": ""}
    # the lists of items cost, and the reasons of unknown activations use none of them
    return {"at": s["params"].get("at", ""),
            "stated_total": fmt_value(s.get("stated")) if s.get("stated") is not None else "未知",
            "computed_total": fmt_value(s.get("computed")) if s.get("computed") is not None else "未知",
            "left_items": Deferred(_items, s, s["left_cells"], axis_is_column),
            "items": Deferred(_items, s, s["right_cells"], axis_is_column),
            "missing": Deferred(_few, s["unknown"]),
            "too_large": Deferred(_few, s["beyond_cells"]) if s.get("beyond_cells") else "各项之和"}


def _few(cells: list[str], limit: int = 3) -> str:
    """At most `limit` cells in words, then how many more (the result lists them all)."""
    text = describe_cells(cells[:limit])
    return text + (f"等 {len(cells)} 个单元格" if len(cells) > limit else "")


def evidence(clause, facts, report):
    return default_evidence(clause, facts, report, cells=evidence_cells(clause, facts, report))


def evidence_cells(clause, facts, report) -> list[str]:
    s = facts["s"]
    return list(s["cells"] if clause.role == "fail" else s["unknown"])
