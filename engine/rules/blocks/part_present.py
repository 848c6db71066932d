"""Block `part_present`: each listed part (一…六) is present in the report."""
from __future__ import annotations

from engine import template as T
from engine.rules.blocks import Clause, all_of, eq, is_type, within

ID = "part_present"
SUMMARY = "报告包含所列部分（一至六）"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "parts": {"type": "array", "minItems": 1, "uniqueItems": True,
                  "items": {"enum": list(T.PART_IDS)},
                  "description": "要求存在的部分，默认全部六个部分"},
    },
}
MESSAGE_FIELDS = {"part": "部分编号（一…六）", "part_title": "部分的标准标题"}


def expand(options, ctx):
    parts = options.get("parts") or list(T.PART_IDS)
    return [Clause(role="fail", all=[("p", all_of(is_type("part"), *within("part", parts, T.PART_IDS),
                                                  eq("present", False)))])]


def describe(clause, facts, report):
    pid = facts["p"]["part"]
    return {"part": pid, "part_title": T.PART_TITLES.get(pid, "")}
