"""Block `cell_blank`: no cell of the listed tables is left blank (or, with `kinds`, written as a
dash / 无 / unreadable text instead of a number). One finding per table row (review: per group)
naming the cells concerned (template Relation 12)."""
from __future__ import annotations

from engine import template as T
from engine.rules.blocks import (TABLES_OPTION, Clause, all_of, any_of, default_evidence, describe_cells, gt,
                                 is_type, within)

ID = "cell_blank"
SUMMARY = "统计表单元格未留空（可选：未以“—”“无”等符号代替数字）"
KINDS = {"blank": "n_blank", "dash": "n_dash", "none": "n_none", "text": "n_text",
         "missing": "n_missing"}
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "tables": TABLES_OPTION,
        "kinds": {"type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"enum": list(KINDS)},
                  "description": "视为问题的单元格状态：blank 空白、dash 横线斜线、none 填“无”、text 文字、missing 缺少"},
    },
}
MESSAGE_FIELDS = {"table_title": "表格标准名称", "label": "行的名称", "count": "问题单元格个数",
                  "cells_desc": "问题单元格的中文描述", "raws": "问题单元格的原文"}


def _kinds(clause) -> list[str]:
    return clause.params["kinds"]


def expand(options, ctx):
    tables = options.get("tables") or list(T.TABLE_NAMES)
    kinds = options.get("kinds") or ["blank"]
    return [Clause(role="fail", params={"kinds": kinds},
                   all=[("r", all_of(is_type("row"), *within("table", tables, T.TABLE_NAMES),
                                     any_of(*[gt(KINDS[k], 0) for k in kinds])))])]


def _cells(clause, row) -> list[str]:
    return [a for a in row["cells"] if any(a in row[f"{k}_cells"] for k in _kinds(clause))]


def describe(clause, facts, report):
    row = facts["r"]
    cells = _cells(clause, row)
    raws = []
    for a in cells:
        c = report.cell(a)
        raws.append(c.raw if c is not None and c.raw else "（空）")
    return {"table_title": T.TABLE_TITLES[row["table"]], "label": row["label"],
            "count": len(cells), "cells_desc": describe_cells(cells), "raws": "、".join(raws)}


def evidence(clause, facts, report):
    return default_evidence(clause, facts, report, cells=_cells(clause, facts["r"]))
