"""Block `diagnostic_present`: the parser reported one of the listed diagnostics (a row with too
few or too many values, an unreadable table …). One defect, one finding: the diagnostics of one
table make ONE finding (its rows listed), so a malformed table is reported as malformed — its
cells stay unknown and the identities that need them are not assessable (template Relation 12)."""
from __future__ import annotations

import re
from functools import lru_cache

from engine import template as T
from engine.rules.blocks import Clause, all_of, default_evidence, eq, is_type

ID = "diagnostic_present"
SUMMARY = "解析诊断：报告中出现所列的格式问题（如行内数值个数不对）；每张表一条问题"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["codes"],
    "properties": {
        "codes": {"type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
                  "description": "解析器的诊断代码"},
    },
}
MESSAGE_FIELDS = {"code": "诊断代码（多个时以顿号分隔）", "message": "解析器的说明（中文；多条时以分号分隔）",
                  "line": "第一处的行号", "count": "该表的诊断条数", "table_title": "表格标准名称",
                  "rows": "涉及的行（表格中的行名称，或原文行号）",
                  "detail": "数值个数的概括（如“应有 7 个数值，实际 6 个”），没有时为解析器的说明"}
FACT_TYPES_USED = ("diagnostic_group",)
MAX_LISTED = 8
_COUNTS = re.compile(r"应有 (\d+) 个数值，实际(?:只有|有)? ?(\d+) 个")


def expand(options, ctx):
    request = ("diagnostics", {"rule": ctx.rule_id, "codes": list(options["codes"])})
    return [Clause(role="fail", all=[("d", all_of(is_type("diagnostic_group"), eq("rule", ctx.rule_id)))],
                   requests=[request])]


@lru_cache(maxsize=4096)
def _row_label(address: str) -> str:
    text = T.describe_address(address)
    for sep in ("”行“", "”之“"):
        if sep in text:
            return text.split(sep, 1)[0].split("“", 1)[-1]
    return text


def describe(clause, facts, report):
    d = facts["d"]
    rows: list[str] = []
    for a in d.get("cells") or []:
        label = _row_label(a)
        if label not in rows:
            rows.append(label)
    listed = "、".join(f"“{r}”" for r in rows[:MAX_LISTED]) + (f"等 {len(rows)} 行" if len(rows) > MAX_LISTED else "")
    if not listed:
        listed = "、".join(f"第{n}行" for n in (d.get("lines") or []) if n) or "（位置未知）"
    table = d.get("table")
    counts: list[str] = []
    for m in (_COUNTS.search(text) for text in d.get("messages") or []):
        if m and f"应有 {m.group(1)} 个数值，实际 {m.group(2)} 个" not in counts:
            counts.append(f"应有 {m.group(1)} 个数值，实际 {m.group(2)} 个")
    detail = "；".join(counts) or "；".join(d.get("messages") or [])
    return {"detail": detail, "code": "、".join(d.get("codes") or []), "message": "；".join(d.get("messages") or []),
            "line": d.get("line") or "", "count": d.get("n") or 0,
            "table_title": T.TABLE_TITLES.get(table, "统计表") if table else "统计表", "rows": listed}


def details(clause, facts, report):
    """Every diagnostic of the group, for findings.json."""
    d = facts["d"]
    return {"lines": list(d.get("lines") or []), "messages": list(d.get("messages") or [])}


def evidence(clause, facts, report):
    return default_evidence(clause, facts, report, cells=evidence_cells(clause, facts, report))


def evidence_cells(clause, facts, report) -> list[str]:
    return list(facts["d"].get("cells") or [])
