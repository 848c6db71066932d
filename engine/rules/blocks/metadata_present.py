"""Block `metadata_present`: the listed metadata (发布机关, 报告年度, 统计期限 …) were found."""
from __future__ import annotations

from engine.facts.extractors.metadata import META_FIELDS
from engine.rules.blocks import Clause, all_of, eq, is_type, one_of

ID = "metadata_present"
SUMMARY = "报告写明所列基本信息（发布机关、报告年度、统计期限等）"
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["fields"],
    "properties": {
        "fields": {"type": "array", "minItems": 1, "uniqueItems": True,
                   "items": {"enum": list(META_FIELDS)}},
    },
}
MESSAGE_FIELDS = {"label": "信息名称（如 发布机关）", "field": "信息代号"}


def expand(options, ctx):
    return [Clause(role="fail", all=[("m", all_of(is_type("meta"), one_of("field", options["fields"]),
                                                  eq("present", False)))])]
