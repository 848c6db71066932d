"""Block `table_present`: each listed statistics table is present."""
from __future__ import annotations

from engine import template as T
from engine.rules.blocks import TABLES_OPTION, Clause, all_of, eq, is_type, within

ID = "table_present"
SUMMARY = "报告包含所列统计表（active 表二、applications 表三、review 表四）"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tables": TABLES_OPTION,
    },
}
MESSAGE_FIELDS = {"name": "表格代号", "table_title": "表格标准名称", "part": "所在部分"}


def expand(options, ctx):
    tables = options.get("tables") or list(T.TABLE_NAMES)
    return [Clause(role="fail", all=[("t", all_of(is_type("table"), *within("name", tables, T.TABLE_NAMES),
                                                  eq("present", False)))])]


def describe(clause, facts, report):
    name = facts["t"]["name"]
    return {"name": name, "table_title": T.TABLE_TITLES[name], "part": T.PART_OF_TABLE[name]}
