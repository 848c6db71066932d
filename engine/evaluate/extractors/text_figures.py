"""Narrative-figure facts (template Relations 9 and 10), computed in Python from
engine/evaluate/narrative.py and sent to the engine as plain fields.

Requests, each {"rule": RULE_ID, "kind": …, "file": signals.yaml path or ""}:
    kind "figures"  {"kinds": [received, handled, …]} — one `figure` fact per figure of those kinds
                    stated in the narrative, with the comparison's `status`: agree | contradict |
                    unknown (a cell it depends on is not a stated number) | approximate (约/余/多:
                    never compared as exact) | other_scope (a 全县/全市 total that is not the body's own).
    kind "fee"      {"sources": [amount, notices, dropped_unpaid]} — Relation 10: only when the
                    report states that no fee was charged (signal `no_fee_statement`), one
                    `fee_conflict` fact per thing that contradicts it: an information-processing fee
                    amount > 0 or fee notices > 0 stated in the narrative (the body's own scope), or
                    applications 三.六.2 (requests dropped for unpaid fees) > 0. `active.item8`
                    (行政事业性收费) is a different fee and is never looked at.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Iterable

from engine.evaluate.extractors.text_signals import signal_set
from engine.evaluate.narrative import (KIND_LABELS, compare_figure, default_figures, extract_figures,
                                       load_figures)
from engine.model import Report
from engine.template import APPLICANT_COLUMNS, describe_address

ID = "text_figures"

FACT_TYPES = {
    "figure": {"rule": "str", "kind": "str", "status": "str", "stated": "dec", "approx": "bool",
               "scope_own": "bool", "line": "int", "part": "str", "table": "str",
               "label": "py", "scope": "py", "phrase": "py", "excerpt": "py", "where": "py",
               "cells": "py", "unknown": "py", "readings": "py", "table_values": "py"},
    "fee_conflict": {"rule": "str", "source": "str", "known": "bool", "stated": "dec", "line": "int",
                     "part": "str", "table": "str", "label": "py", "excerpt": "py", "where": "py",
                     "cells": "py", "statement": "py", "statement_line": "py",
                     "statement_where": "py"},
}

DROPPED_UNPAID = f"applications.三.六.2.{APPLICANT_COLUMNS[-1]}"
FEE_SOURCES = ("amount", "notices", "dropped_unpaid")

_FIGURE_CACHE: dict[str, Any] = {}


def figure_set(path: str):
    if not path:
        return default_figures()
    if path not in _FIGURE_CACHE:
        _FIGURE_CACHE[path] = load_figures(path)
    return _FIGURE_CACHE[path]


def extract(ctx) -> Iterable[dict[str, Any]]:
    figures_by_file: dict[str, list] = {}

    def figures_of(file: str):
        if file not in figures_by_file:
            figures_by_file[file] = extract_figures(ctx.report, figure_set(file))
        return figures_by_file[file]

    seen: set[str] = set()
    for req in ctx.requests:
        key = json.dumps(req, sort_keys=True, ensure_ascii=False)
        if key in seen:
            continue    # the same request from two clauses of one rule: one set of facts
        seen.add(key)
        file = req.get("file") or ""
        if req["kind"] == "figures":
            yield from figure_facts(ctx.report, req, figures_of(file))
        elif req["kind"] == "fee":
            yield from fee_facts(ctx.report, req, figures_of(file))
        else:
            raise ValueError(f"未知的叙述数字请求：{req['kind']!r}")


def _readings_text(cmp) -> str:
    """How the table was read, in words: "第一项总计 74；第一项与第二项总计之和 75"."""
    out = []
    for reading, total in zip(cmp.readings, cmp.totals):
        names = "＋".join(describe_address(a) for a in reading)
        out.append(f"{names}＝{_fmt(total)}")
    return "；".join(out)


def _fmt(value: Decimal | None) -> str:
    return "（未填有效数值）" if value is None else format(value.normalize(), "f")


def figure_facts(report: Report, req: dict, figures: list) -> Iterable[dict[str, Any]]:
    kinds = set(req.get("kinds") or [])
    for fig in figures:
        if fig.kind not in kinds:
            continue
        cmp = compare_figure(fig, report)
        table = cmp.cells[0].split(".", 1)[0] if cmp.cells else None
        yield {"type": "figure", "rule": req["rule"], "kind": fig.kind, "status": cmp.status,
               "stated": fig.value, "approx": fig.approx, "scope_own": fig.scope_own,
               "line": fig.line, "part": fig.part, "table": table,
               "label": KIND_LABELS.get(fig.kind, fig.kind), "scope": fig.scope, "phrase": fig.phrase,
               "excerpt": fig.excerpt, "where": fig.where, "cells": cmp.cells,
               "unknown": [describe_address(a) for a in cmp.unknown_cells],
               "readings": _readings_text(cmp) if cmp.readings else "",
               "table_values": {a: (str(v) if v is not None else None) for a, v in cmp.values.items()}}


def fee_facts(report: Report, req: dict, figures: list) -> Iterable[dict[str, Any]]:
    sset = signal_set(req.get("file") or None)
    statement = sset.evaluate(report, ["no_fee_statement"])["no_fee_statement"]
    if not statement.present:
        return          # no statement that no fee was charged: nothing it could contradict
    said = statement.first
    base = {"type": "fee_conflict", "rule": req["rule"], "statement": said.excerpt,
            "statement_line": said.line, "statement_where": said.where}
    sources = set(req.get("sources") or FEE_SOURCES)
    wanted = {"amount": "fee", "notices": "fee_notices"}
    for source, kind in wanted.items():
        if source not in sources:
            continue
        for fig in figures:
            if fig.kind == kind and fig.value > 0 and fig.scope_own is True:
                yield {**base, "source": source, "known": True, "stated": fig.value,
                       "line": fig.line, "part": fig.part, "table": None,
                       "label": "信息处理费金额（元）" if source == "amount" else "收费通知数",
                       "excerpt": fig.excerpt, "where": fig.where, "cells": []}
    if "dropped_unpaid" in sources:
        table = report.tables.get("applications")
        if table is None or not table.present or DROPPED_UNPAID not in table.cells:
            return      # 2019 layout (single （六） row) or no table: nothing to compare
        cell = table.cells[DROPPED_UNPAID]
        known = cell.known
        if known and cell.value <= 0:
            return
        yield {**base, "source": "dropped_unpaid", "known": known,
               "stated": cell.value if known else None, "line": cell.line, "part": "三",
               "table": "applications", "label": describe_address(DROPPED_UNPAID),
               "excerpt": report.line_text(cell.line), "where": cell.where,
               "cells": [DROPPED_UNPAID]}
