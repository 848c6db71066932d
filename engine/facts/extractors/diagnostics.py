"""Parse diagnostics as facts, so a malformed row, a missing table or an unreadable value becomes
a finding through the catalog like everything else (template Relation 12)."""
from __future__ import annotations

from typing import Any, Iterable

ID = "diagnostics"

FACT_TYPES = {
    "diagnostic": {"code": "str", "severity": "str", "table": "str", "line": "int",
                   "message": "py", "cells": "py", "where": "py"},
}


def extract(ctx) -> Iterable[dict[str, Any]]:
    for d in ctx.report.diagnostics:
        yield {"type": "diagnostic", "code": d.code, "severity": d.severity, "table": d.table,
               "line": d.line, "message": d.message, "cells": list(d.cells), "where": d.where}
