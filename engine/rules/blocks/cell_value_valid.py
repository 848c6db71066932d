"""Block `cell_value_valid`: every stated value of the listed tables is valid for its cell
(template Relation 5): counts are non-negative integers, 万元 amounts non-negative numbers,
本年增/减 may be negative but must be whole; a value that is not a number at all (text) is invalid.
Blank, dash and 无 are not judged here (see `cell_blank`), nor are the cells of a malformed row
(the parse diagnostic is the finding: `diagnostic_present`)."""
from __future__ import annotations

from engine import template as T
from engine.rules.blocks import TABLES_OPTION, Clause, all_of, eq, is_type, within

ID = "cell_value_valid"
SUMMARY = "统计表数值有效：件数为非负整数，万元金额为非负数，增减数为整数"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tables": TABLES_OPTION,
        "text_is_invalid": {"type": "boolean", "description": "把无法识别为数字的文字视为无效值（默认是）"},
    },
}
MESSAGE_FIELDS = {"cell": "单元格的中文描述", "raw": "原文填写的内容", "v": "识别出的数值",
                  "problem": "问题（为负数 / 不是整数 / 不是数字）"}


def expand(options, ctx):
    tables = options.get("tables") or list(T.TABLE_NAMES)
    base = (is_type("cell"), *within("table", tables, T.TABLE_NAMES), eq("malformed", False))
    clauses = [
        Clause(role="fail", params={"problem": "为负数"},
               all=[("c", all_of(*base, eq("kind", "number"), eq("negative", True),
                                 eq("signed", False)))]),
        Clause(role="fail", params={"problem": "不是整数"},
               all=[("c", all_of(*base, eq("kind", "number"), eq("integral", False),
                                 eq("amount", False)))]),
    ]
    if options.get("text_is_invalid", True):
        clauses.append(Clause(role="fail", params={"problem": "不是数字"},
                              all=[("c", all_of(*base, eq("kind", "text")))]))
    return clauses
