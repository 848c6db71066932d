"""Narrative-figure facts (template Relations 9 and 10), computed in Python from
engine/facts/narrative.py and sent to the engine as plain fields: verdict facts
(engine/facts/verdict.py) of the computed checks in CHECKS.

Requests, each {"rule": RULE_ID, "kind": …, "file": signals.yaml path or ""}:
    kind "figures"  {"kinds": [received, handled, …]} — one `figure` fact per figure of those kinds
                    stated in the narrative, with the comparison's `status`: agree | contradict |
                    unknown (a cell it depends on is not a stated number) | approximate (约/余/多:
                    never compared as exact) | other_scope (a 全县/全市 total that is not the body's own).
    kind "fee"      {"sources": [amount, notices, dropped_unpaid]} — Relation 10: only when the
                    report states that no fee was charged (signal `no_fee_statement`, or the
                    request's "statement": `no_fee_notice_statement`, no fee notice sent), one
                    `fee_conflict` fact per thing that contradicts it: an information-processing fee
                    amount > 0 or fee notices > 0 stated in the narrative (the body's own scope), or
                    applications 三.六.2 (requests dropped for unpaid fees) > 0. `active.item8`
                    (行政事业性收费) is a different fee and is never looked at.
"""
from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any, Iterable

from engine.evidence import fmt_value, location
from engine.facts.extractors.text_signals import catalog_signal_set
from engine.facts.narrative import (CELL_READINGS, KIND_LABELS, catalog_figures, compare_figure,
                                    default_figures, extract_figures, load_figures)
from engine.facts.signal_catalog import catalog_signals
from engine.facts.verdict import VERDICT_FIELDS, ComputedCheck
from engine.model import Report
from engine.template import APPLICANT_COLUMNS, describe_address

ID = "text_figures"
FRESH_FACTS = True      # each fact a new dict (engine/facts: not copied)

FACT_TYPES = {
    "figure": {**VERDICT_FIELDS, "kind": "str", "status": "str", "stated": "dec", "approx": "bool",
               "scope_own": "bool", "label": "py", "scope": "py", "phrase": "py",
               "unknown": "py", "readings": "py", "table_values": "py"},
    "fee_conflict": {**VERDICT_FIELDS, "source": "str", "stated": "dec", "label": "py",
                     "statement": "py", "statement_line": "py", "statement_where": "py"},
}

DROPPED_UNPAID = f"applications.三.六.2.{APPLICANT_COLUMNS[-1]}"
FEE_SOURCES = ("amount", "notices", "dropped_unpaid")
FIGURE_KINDS = [k for k in CELL_READINGS if k not in ("no_requests", "no_new_requests")]
_FIGURE_MESSAGE_FIELDS = {
    "phrase": "叙述中的原话",
    "excerpt": "所在句子",
    "readings": "表格中的对应数值（可接受的各种口径）",
    "unknown": "未填有效数值的单元格（不可评估时）",
}


def _fee_request(options: dict[str, Any], ctx) -> dict[str, Any]:
    path, sset = catalog_signals(ctx)
    statement = options.get("statement") or "no_fee_statement"
    if statement not in sset.signals:
        raise ctx.error(f"{path.name} 中缺少信号 {statement}（本规则据此识别被核对的表述）")
    catalog_figures(ctx)
    return {"kind": "fee", "sources": list(options["sources"]), "file": str(path), "statement": statement}


CHECKS = (
    ComputedCheck(
        id="figure_agrees_with_cells", extractor=ID, fact_type="figure",
        summary="叙述中的数字（收到、结转、办结申请数，复议、诉讼案件数）与统计表一致",
        options={"type": "object", "additionalProperties": False, "required": ["kinds"],
                 "properties": {"kinds": {"type": "array", "minItems": 1, "uniqueItems": True,
                                          "items": {"enum": FIGURE_KINDS},
                                          "description": "核对的数字类别"}}},
        message_fields={"label": "数字类别（如“收到申请数”）", "stated": "叙述中的数值",
                        **_FIGURE_MESSAGE_FIELDS},
        request=lambda options, ctx: {"kind": "figures", "kinds": list(options["kinds"]),
                                      "file": str(catalog_figures(ctx))},
        reason="叙述中的{label}“{phrase}”无法与表格核对：{unknown}未填有效数值"),
    ComputedCheck(
        id="no_requests_statement_consistent", extractor=ID, fact_type="figure",
        summary="叙述称未收到申请时，表三“本年新收”“上年结转”均为0",
        message_fields={"phrase": "叙述中的原话（如“未收到政府信息公开申请”）",
                        "excerpt": "所在句子", "readings": "表三第一项（及第二项）总计",
                        "unknown": "未填有效数值的单元格（不可评估时）"},
        request=lambda options, ctx: {"kind": "figures", "kinds": ["no_requests", "no_new_requests"],
                                      "file": str(catalog_figures(ctx))},
        reason="叙述称“{phrase}”，但{unknown}未填有效数值，无法核对"),
    ComputedCheck(
        id="fee_statement_consistent", extractor=ID, fact_type="fee_conflict",
        summary="声明未收取信息处理费时，不得另有收费金额、收费通知或因逾期未缴费不再处理的申请",
        options={"type": "object", "additionalProperties": False, "required": ["sources"],
                 "properties": {"sources": {
                     "type": "array", "minItems": 1, "uniqueItems": True,
                     "items": {"enum": list(FEE_SOURCES)},
                     "description": "amount 收费金额；notices 收费通知；dropped_unpaid 表三（六）2"},
                     "statement": {"type": "string", "minLength": 1,
                                   "description": "被核对的表述（signals.yaml 中的否定信号），默认 no_fee_statement"
                                                  "（未收取信息处理费）；no_fee_notice_statement 为未发出收费通知"}}},
        message_fields={"statement": "“未收取信息处理费”的原话", "statement_where": "该表述的位置",
                        "label": "与之矛盾的项目", "stated": "该项目的数值",
                        "excerpt": "该项目所在句子或表格行",
                        "source": "矛盾来源（amount / notices / dropped_unpaid）"},
        request=_fee_request,
        reason="报告称“{statement}”，但{label}未填有效数值，无法核对"),
)

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

    keep = getattr(ctx, "keep", None)
    wanted = keep("figure", FIGURE_KEYS) if keep is not None else None
    seen: set[str] = set()
    for req in ctx.requests:
        key = _request_key(req)
        if key in seen:
            continue    # the same request from two clauses of one rule: one set of facts
        seen.add(key)
        file = req.get("file") or ""
        if req["kind"] == "figures":
            yield from figure_facts(ctx.report, req, figures_of(file), wanted)
        elif req["kind"] == "fee":
            yield from fee_facts(ctx.report, req, figures_of(file))
        else:
            raise ValueError(f"未知的叙述数字请求：{req['kind']!r}")


# (id(request) -> (request, its key)): the catalog's requests live as long as the process and are
# never changed; the object is kept so that its id is not reused
_KEYS: dict[int, tuple[dict, str]] = {}


def _request_key(req: dict) -> str:
    hit = _KEYS.get(id(req))
    if hit is None or hit[0] is not req:
        if len(_KEYS) > 1024:
            _KEYS.clear()
        hit = _KEYS[id(req)] = (req, json.dumps(req, sort_keys=True, ensure_ascii=False))
    return hit[1]


def _readings_text(cmp) -> str:
    """How the table was read, in words: "第一项总计 74；第一项与第二项总计之和 75"."""
    out = []
    for reading, total in zip(cmp.readings, cmp.totals):
        names = "＋".join(describe_address(a) for a in reading)
        out.append(f"{names}＝{_fmt(total)}")
    return "；".join(out)


def _fmt(value: Decimal | None) -> str:
    return "（未填有效数值）" if value is None else format(value.normalize(), "f")


# the engine-visible str/bool fields of a figure fact, in the order FactContext.keep's test takes them
FIGURE_KEYS = ("rule", "kind", "status", "known", "holds", "approx", "scope_own", "part", "table")


def figure_facts(report: Report, req: dict, figures: list, wanted=None) -> Iterable[dict[str, Any]]:
    """`wanted` (FactContext.keep): a figure whose fact the engine cannot use (it agrees with the
    table …) is not described."""
    kinds = set(req.get("kinds") or [])
    for fig in figures:
        if fig.kind not in kinds:
            continue
        cmp = compare_figure(fig, report)
        table = cmp.cells[0].split(".", 1)[0] if cmp.cells else None
        if wanted is not None and not wanted(req["rule"], fig.kind, cmp.status, cmp.status != "unknown",
                                             cmp.status != "contradict", fig.approx, fig.scope_own,
                                             fig.part, table):
            continue
        unknown = [describe_address(a) for a in cmp.unknown_cells]
        readings = _readings_text(cmp) if cmp.readings else ""
        yield {"type": "figure", "rule": req["rule"], "kind": fig.kind, "status": cmp.status,
               # approximate figures and totals of another scope are never compared: they hold
               "known": cmp.status != "unknown", "holds": cmp.status != "contradict",
               "stated": fig.value, "approx": fig.approx, "scope_own": fig.scope_own,
               "line": fig.line, "part": fig.part, "table": table,
               "label": KIND_LABELS.get(fig.kind, fig.kind), "scope": fig.scope, "phrase": fig.phrase,
               "excerpt": fig.excerpt, "where": _where(report, fig.where, fig.line),
               "cells": cmp.cells, "unknown": unknown, "readings": readings,
               "table_values": {a: (str(v) if v is not None else None) for a, v in cmp.values.items()},
               "message_values": {"stated": fmt_value(fig.value),
                                  "unknown": "、".join(unknown) or "（无）", "readings": readings}}


def _where(report: Report, where: str | None, line: int | None) -> str | None:
    return where if where is not None else location(report, line)


def _fee_conflict(report: Report, base: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A thing contradicting the no-fee statement: always a finding (holds is False) unless
    its value is unknown (not assessable)."""
    fact = {**base, "holds": False, **fields}
    fact["where"] = _where(report, fact["where"], fact["line"])
    fact["message_values"] = {"stated": fmt_value(fact["stated"]),
                              "statement_where": base["statement_where"] or ""}
    return fact


def fee_facts(report: Report, req: dict, figures: list) -> Iterable[dict[str, Any]]:
    if not _may_conflict(report, req, figures):
        return          # nothing could contradict a statement: whether there is one is not asked
    sset = catalog_signal_set(req, req.get("file") or "")
    # the statement checked: "no fee was charged" (no_fee_statement), or "no fee notice was sent"
    # (no_fee_notice_statement: only that contradicts requests dropped for unpaid notices)
    signal = req.get("statement") or "no_fee_statement"
    if not sset.decide(report, [signal])[signal]:
        return          # no statement that no fee was charged: nothing it could contradict
    # the statement's words are quoted only when something contradicts it (most reports: nothing)
    yield from _conflicts(report, req, figures, lambda: _statement_base(report, req, sset, signal))


def _statement_base(report: Report, req: dict, sset, signal: str) -> dict[str, Any]:
    said = sset.evaluate(report, [signal])[signal].first
    return {"type": "fee_conflict", "rule": req["rule"], "statement": said.excerpt,
            "statement_line": said.line, "statement_where": said.where}


def _may_conflict(report: Report, req: dict, figures: list) -> bool:
    """Whether _conflicts yields anything (its tests, without building a conflict): most reports
    state no fee and no fee notice, and drop no request for an unpaid fee."""
    sources = set(req.get("sources") or FEE_SOURCES)
    for source, kind in _FEE_KINDS.items():
        if source in sources and any(fig.kind == kind and fig.value > 0 and fig.scope_own is True
                                     for fig in figures):
            return True
    if "dropped_unpaid" in sources:
        table = report.tables.get("applications")
        if table is not None and table.present and DROPPED_UNPAID in table.cells:
            cell = table.cells[DROPPED_UNPAID]
            return not (cell.known and cell.value <= 0)
    return False


_FEE_KINDS = {"amount": "fee", "notices": "fee_notices"}      # source -> the figures' kind


def _conflicts(report: Report, req: dict, figures: list, make_base) -> Iterable[dict[str, Any]]:
    base = functools.cache(make_base)       # made on the first conflict, then shared
    sources = set(req.get("sources") or FEE_SOURCES)
    for source, kind in _FEE_KINDS.items():
        if source not in sources:
            continue
        for fig in figures:
            if fig.kind == kind and fig.value > 0 and fig.scope_own is True:
                yield _fee_conflict(
                    report, base(), source=source, known=True, stated=fig.value,
                    line=fig.line, part=fig.part, table=None,
                    label="信息处理费金额（元）" if source == "amount" else "收费通知数",
                    excerpt=fig.excerpt, where=fig.where, cells=[])
    if "dropped_unpaid" in sources:
        table = report.tables.get("applications")
        if table is None or not table.present or DROPPED_UNPAID not in table.cells:
            return      # 2019 layout (single （六） row) or no table: nothing to compare
        cell = table.cells[DROPPED_UNPAID]
        known = cell.known
        if known and cell.value <= 0:
            return
        yield _fee_conflict(
            report, base(), source="dropped_unpaid", known=known,
            stated=cell.value if known else None, line=cell.line, part="三",
            table="applications", label=describe_address(DROPPED_UNPAID),
            excerpt=report.line_text(cell.line), where=cell.where, cells=[DROPPED_UNPAID])
