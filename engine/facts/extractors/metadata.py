"""Report-level facts: one `report` fact (year, template, kind of body, …) and one `meta` fact per
metadata field, with `present` computed here (absence is never left to the engine)."""
from __future__ import annotations

from typing import Any, Iterable

ID = "metadata"
FRESH_FACTS = True      # each fact a new dict (engine/facts: not copied)

# metadata field -> (Chinese name, Metadata attribute(s) that must all be set)
META_FIELDS = {
    "agency": ("发布机关", ("agency",)),
    "year": ("报告年度", ("year",)),
    "period": ("统计期限", ("period_start", "period_end")),
    "title": ("报告标题", ("title",)),
    "body_kind": ("机关类型", ("body_kind",)),
    "publication_date": ("发布日期", ("publication_date",)),
}

FACT_TYPES = {
    "report": {"year": "int", "template": "str", "body_kind": "str", "has_previous": "bool",
               "previous_year": "int", "previous_template": "str", "line": "int",
               "template_evidence": "py", "agency": "py", "source": "py"},
    "meta": {"field": "str", "present": "bool", "label": "py", "value": "py", "line": "int"},
}


def extract(ctx) -> Iterable[dict[str, Any]]:
    md = ctx.report.metadata
    prev = ctx.previous.metadata if ctx.previous is not None else None
    active = ctx.report.tables.get("active")
    yield {"type": "report", "year": md.year, "template": md.template, "body_kind": md.body_kind,
           "has_previous": ctx.previous is not None,
           "previous_year": prev.year if prev else None,
           "previous_template": prev.template if prev else None,
           "line": active.line_start if active is not None and active.present else None,
           "template_evidence": md.template_evidence, "agency": md.agency,
           "source": ctx.report.source}
    # a meta fact the engine cannot use (most: a field that is present) is not made
    keep = getattr(ctx, "keep", None)
    keep_meta = keep("meta", ("field", "present")) if keep is not None else None
    for name, (label, attrs) in META_FIELDS.items():
        values = [getattr(md, a) for a in attrs]
        present = all(v not in (None, "") for v in values)
        if keep_meta is not None and not keep_meta(name, present):
            continue
        yield {"type": "meta", "field": name, "present": present, "label": label,
               "value": "至".join(str(v) for v in values) if present else None,
               "line": md.agency_line if name == "agency" else None}
