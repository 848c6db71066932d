"""Parse diagnostics as facts, so a malformed row, a missing table or an unreadable value becomes
a finding through the catalog like everything else (template Relation 12).

    diagnostic         one per parse diagnostic
    diagnostic_group   on request {"rule": RULE_ID, "codes": [...]}: one per table (None: no table)
                       gathering that table's diagnostics of those codes — one defect (a malformed
                       table), one finding
"""
from __future__ import annotations

from typing import Any, Iterable

ID = "diagnostics"
FRESH_FACTS = True      # each fact a new dict (engine/facts: not copied)

FACT_TYPES = {
    "diagnostic": {"code": "str", "severity": "str", "table": "str", "line": "int",
                   "message": "py", "cells": "py", "where": "py"},
    "diagnostic_group": {"rule": "str", "table": "str", "n": "int", "line": "int", "lines": "py",
                         "codes": "py", "messages": "py", "cells": "py", "where": "py"},
}


def extract(ctx) -> Iterable[dict[str, Any]]:
    # a diagnostic fact the engine cannot use (no condition names the type: none is) is not made
    keep = getattr(ctx, "keep", None)
    keep_one = keep("diagnostic", ("code", "severity", "table")) if keep is not None else None
    for d in ctx.report.diagnostics:
        if keep_one is not None and not keep_one(d.code, d.severity, d.table):
            continue
        yield {"type": "diagnostic", "code": d.code, "severity": d.severity, "table": d.table,
               "line": d.line, "message": d.message, "cells": list(d.cells), "where": d.where}
    seen: set[str] = set()
    for req in ctx.requests:
        if req["rule"] in seen:
            continue
        seen.add(req["rule"])
        yield from _groups(ctx.report, req["rule"], set(req["codes"]))


def _groups(report, rule: str, codes: set[str]) -> Iterable[dict[str, Any]]:
    groups: dict[str | None, list] = {}
    for d in report.diagnostics:
        if d.code in codes:
            groups.setdefault(d.table, []).append(d)
    for table, diags in groups.items():
        cells = list(dict.fromkeys([a for d in diags for a in d.cells]))    # in order, once each
        first = diags[0]
        yield {"type": "diagnostic_group", "rule": rule, "table": table, "n": len(diags),
               "line": first.line, "lines": [d.line for d in diags],
               "codes": sorted({d.code for d in diags}), "messages": [d.message for d in diags],
               "cells": cells, "where": first.where}
