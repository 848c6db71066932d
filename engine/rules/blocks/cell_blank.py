"""Block `cell_blank`: no cell of the listed tables is left blank (or, with `kinds`, written as a
dash / 无 / unreadable text instead of a number). One defect, one finding: ONE finding per table,
naming every cell concerned, grouped by row or by column (template Relation 12)."""
from __future__ import annotations

import re
from functools import lru_cache

from engine import template as T
from engine.rules.blocks import TABLES_OPTION, Clause, all_of, any_of, default_evidence, gt, is_type, within

ID = "cell_blank"
SUMMARY = "统计表单元格未留空（可选：未以“—”“无”等符号代替数字）；每张表一条问题"
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
MESSAGE_FIELDS = {"table_title": "表格标准名称", "label": "涉及的行数（如“3 行”）", "count": "问题单元格个数",
                  "cells_desc": "问题单元格的中文描述（按行或按列归并）", "raws": "问题单元格的原文（去重）"}
FACT_TYPES_USED = ("table",)
MAX_LISTED = 8          # items listed per row/column group before "等 N 列/行"

# "表三“（一）予以公开”行“总计”列" / "表四“行政复议”之“总计”" -> (row part, column part)
_SPLIT = re.compile(r"^(?P<row>.*?)(?:“(?P<col>[^”]*)”列|之“(?P<grp_col>[^”]*)”)$")


def _kinds(clause) -> list[str]:
    return clause.params["kinds"]


def expand(options, ctx):
    tables = options.get("tables") or list(T.TABLE_NAMES)
    kinds = options.get("kinds") or ["blank"]
    return [Clause(role="fail", params={"kinds": kinds},
                   all=[("t", all_of(is_type("table"), *within("name", tables, T.TABLE_NAMES),
                                     any_of(*[gt(KINDS[k], 0) for k in kinds])))])]


def cells_of(clause, facts, report) -> list[str]:
    table = report.tables.get(facts["t"]["name"])
    if table is None:
        return []
    kinds = set(_kinds(clause))
    return [a for a, c in table.cells.items() if c.kind in kinds]


def _listed(items: list[str], unit: str) -> str:
    shown = "".join(f"“{x}”" for x in items[:MAX_LISTED])
    more = f"等 {len(items)} " if len(items) > MAX_LISTED else ""
    return f"{shown}{more}{unit}"


def describe_table_cells(addresses: list[str]) -> str:
    """The cells grouped by row ("表三“一、本年新收…”行“自然人”“总计”列") or, when fewer groups
    result, by column ("表三“总计”列的“（一）予以公开”“（二）部分公开”行")."""
    by_row: dict[str, list[str]] = {}
    by_col: dict[tuple[str, str], list[str]] = {}
    loose: list[str] = []
    for a in addresses:
        split = _split(a)
        if split is None:
            loose.append(T.describe_address(a))
            continue
        row, col, prefix, label = split
        by_row.setdefault(row, []).append(col)
        by_col.setdefault((prefix, col), []).append(label)
    if len(by_col) < len(by_row):
        groups = [f"{prefix}“{col}”列的{_listed(rows, '行')}" for (prefix, col), rows in by_col.items()]
    else:
        groups = [f"{row}{_listed(cols, '列')}" if row.endswith("行") else f"{row}之{_listed(cols, '项')}"
                  for row, cols in by_row.items()]
    return "；".join(groups + loose)


@lru_cache(maxsize=8192)
def _split(address: str) -> tuple[str, str, str, str] | None:
    """(row part, column part, table prefix, row label) of the address's wording, None when it
    has no column part: depends on the address only."""
    m = _SPLIT.match(T.describe_address(address))
    if not m:
        return None
    row, col = m.group("row"), m.group("col") or m.group("grp_col")
    head = re.match(r"^(表[一二三四]|表二第二十条第（[一二三四五六七八九]）项)", row)
    prefix = head.group(1) if head else ""
    label = row[len(prefix):].removesuffix("行").removeprefix("“").removesuffix("”")
    return row, col, prefix, label


def describe(clause, facts, report):
    name = facts["t"]["name"]
    cells = cells_of(clause, facts, report)
    raws: list[str] = []
    rows: set[str] = set()
    for a in cells:
        c = report.cell(a)
        raw = c.raw if c is not None and c.raw else "（空）"
        if raw not in raws:
            raws.append(raw)
        rows.add(a.rsplit(".", 1)[0])
    table = report.tables[name]
    whole = len(cells) == len(table.cells) and len(cells) > MAX_LISTED
    return {"table_title": T.TABLE_TITLES[name], "label": f"{len(rows)} 行", "count": len(cells),
            "cells_desc": "全部单元格" if whole else describe_table_cells(cells), "raws": "、".join(raws)}


def evidence(clause, facts, report):
    return default_evidence(clause, facts, report, cells=cells_of(clause, facts, report))


def evidence_cells(clause, facts, report) -> list[str]:
    return cells_of(clause, facts, report)
