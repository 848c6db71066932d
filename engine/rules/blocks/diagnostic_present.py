"""Block `diagnostic_present`: the parser reported one of the listed diagnostics (a row with too
few or too many values, an unreadable table …). Each diagnostic is one finding with its line, so a
malformed row is reported as malformed — its cells stay unknown and the identities that need them
are not assessable (template Relation 12)."""
from __future__ import annotations

from engine.rules.blocks import Clause, all_of, is_type, one_of

ID = "diagnostic_present"
SUMMARY = "解析诊断：报告中出现所列的格式问题（如行内数值个数不对）"
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
MESSAGE_FIELDS = {"code": "诊断代码", "message": "解析器的说明（中文）", "line": "行号"}


def expand(options, ctx):
    return [Clause(role="fail", all=[("d", all_of(is_type("diagnostic"),
                                                  one_of("code", options["codes"])))])]


def describe(clause, facts, report):
    d = facts["d"]
    return {"code": d["code"], "message": d.get("message") or "", "line": d.get("line") or ""}
