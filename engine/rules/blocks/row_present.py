"""Block `row_present`: every row of the listed tables, in the layout the table follows, is present
(at least one of its cells appears in the source). A table that is absent makes the rule not
assessable for it (the missing table is the finding of `table_present`). Rows of an `active`
table drawn in a template not in force for the year are not demanded (row fact `in_force`):
the template rule reports the wrong format once, instead of a cascade of missing rows."""
from __future__ import annotations

from engine import template as T
from engine.rules.blocks import TABLES_OPTION, Clause, all_of, default_evidence, eq, is_type, within

ID = "row_present"
SUMMARY = "统计表按其所用格式的各行齐全"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tables": TABLES_OPTION,
    },
}
MESSAGE_FIELDS = {"table_title": "表格标准名称", "label": "行的名称", "row": "行代号"}


def expand(options, ctx):
    tables = options.get("tables") or list(T.TABLE_NAMES)
    return [
        Clause(role="fail", all=[("r", all_of(is_type("row"), *within("table", tables, T.TABLE_NAMES),
                                              eq("in_force", True), eq("present", False)))]),
        Clause(role="unknown", all=[("t", all_of(is_type("table"), *within("name", tables, T.TABLE_NAMES),
                                                 eq("present", False)))],
               reason="{table_title}缺失，无法核对其各行"),
    ]


def describe(clause, facts, report):
    f = next(iter(facts.values()))
    name = f.get("table") or f.get("name")
    return {"table_title": T.TABLE_TITLES[name], "label": f.get("label", ""), "row": f.get("row", "")}


def evidence(clause, facts, report):
    return default_evidence(clause, facts, report, cells=evidence_cells(clause, facts, report))


def evidence_cells(clause, facts, report) -> list[str]:
    f = next(iter(facts.values()))
    return list(f.get("cells") or [])
