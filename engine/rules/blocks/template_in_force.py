"""Block `template_in_force`: the report uses the template in force for its reporting year
(template Relation 11): 国办公开办函〔2019〕60号 for the 2019–2020 reports, 〔2021〕30号 from the 2021
report on. A report whose year or template could not be determined is not assessable."""
from __future__ import annotations

from functools import lru_cache

from engine import template as T
from engine.rules.blocks import Clause, all_of, any_of, default_evidence, gte, is_type, lte, neq, not_exists

ID = "template_in_force"
SUMMARY = "报告使用其报告年度适用的格式（2019年版或2021年版）"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["periods"],
    "properties": {
        "periods": {
            "type": "array", "minItems": 1,
            "items": {"type": "object", "additionalProperties": False,
                      "required": ["template", "from"],
                      "properties": {"template": {"enum": list(T.TEMPLATES)},
                                     "from": {"type": "integer", "minimum": 2000},
                                     "to": {"type": "integer", "minimum": 2000},
                                     "name": {"type": "string"}}},
        },
    },
}
MESSAGE_FIELDS = {"year": "报告年度", "template": "报告所用格式", "expected": "应使用的格式",
                  "expected_name": "应使用格式的文件名称", "template_evidence": "判断所用格式的依据"}


def expand(options, ctx):
    clauses = []
    for i, p in enumerate(options["periods"]):
        if "to" in p and p["to"] < p["from"]:
            raise ctx.error("“to”不能早于“from”", "periods", i, "to")
        years = [gte("year", p["from"])] + ([lte("year", p["to"])] if "to" in p else [])
        clauses.append(Clause(
            role="fail", params={"expected": p["template"], "expected_name": p.get("name", "")},
            all=[("r", all_of(is_type("report"), *years, neq("template", p["template"])))]))
    clauses.append(Clause(role="unknown",
                          all=[("r", all_of(is_type("report"),
                                            any_of(not_exists("year"), not_exists("template"))))],
                          reason="未能识别报告年度或所用格式，无法核对格式是否适用"))
    return clauses


def evidence(clause, facts, report):
    """Point at the proactive-disclosure table, at the line whose column or row labels exist only
    in the format used (e.g. 本年新制作数量 for 2019): that line shows the reader why."""
    ev = default_evidence(clause, facts, report, cells=[])
    ev.part, ev.table = "二", "active"
    line = telltale_line(report, facts["r"].get("template"))
    if line is not None:
        ev.line, ev.excerpt = line.no, line.text
        ev.where = line.where
    return ev


def evidence_cells(clause, facts, report) -> list[str]:
    return []


def telltale_line(report, template: str | None):
    """The first source line carrying a label that only the `template` format has."""
    if template not in T.TEMPLATES:
        return None
    own = _own_labels(template)
    table = report.tables.get("active")
    lo, hi = 1, len(report.lines)
    if table is not None and table.present and table.line_start:
        lo = max(1, table.line_start - 8)
        hi = min(hi, (table.line_end or table.line_start) + 2)
    for ln in report.lines[lo - 1:hi]:
        squashed = "".join(ln.text.split())
        if any(label in squashed for label in own):
            return ln
    return None


@lru_cache(maxsize=8)
def _own_labels(template: str) -> tuple[str, ...]:
    """The labels of the proactive-disclosure table that only the `template` format has."""
    other = next(t for t in T.TEMPLATES if t != template)

    def labels(t):
        return {x for it in T.ACTIVE_ITEMS[t] for x in it.columns + it.rows}
    theirs = labels(other)
    # 规范性文件 (2019) is inside 行政规范性文件 (2021): such labels prove nothing
    return tuple(x for x in labels(template) - theirs if not any(x in y for y in theirs))
