"""Shared helpers of the text blocks (signal_present, figure_agrees_with_cells,
no_requests_statement_consistent, fee_statement_consistent): where the catalog's signals.yaml is,
loading it once per catalog load, and evidence from a text fact (part, line, sentence, cells)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.evaluate.signals import DEFAULT_SIGNALS_FILE, SignalLoadError, SignalSet, load_signals
from engine.model import Evidence, Report


def signals_path(ctx) -> Path:
    """The signals file of the rules directory being compiled (rules/signals.yaml by default)."""
    candidate = Path(ctx.rules_dir) / "signals.yaml" if ctx.rules_dir else None
    return candidate if candidate is not None and candidate.is_file() else DEFAULT_SIGNALS_FILE


def catalog_signals(ctx) -> tuple[Path, SignalSet]:
    """The SignalSet of the catalog (cached in ctx.cache); a broken file is a compile error."""
    path = signals_path(ctx)
    key = ("signals", str(path))
    if key not in ctx.cache:
        try:
            ctx.cache[key] = load_signals(path)
        except SignalLoadError as exc:
            ctx.cache[key] = exc
    value = ctx.cache[key]
    if isinstance(value, SignalLoadError):
        raise ctx.error("信号文件有误：" + "；".join(value.problems[:3]))
    return path, value


def catalog_figures(ctx) -> Path:
    """Check the `figures:` section of the catalog's signals file (a broken pattern is a compile
    error, not a failure at evaluation time); returns the file's path for the extractor."""
    from engine.evaluate.narrative import load_figures
    path = signals_path(ctx)
    key = ("figures", str(path))
    if key not in ctx.cache:
        try:
            load_figures(path)
            ctx.cache[key] = None
        except SignalLoadError as exc:
            ctx.cache[key] = exc
    if isinstance(ctx.cache[key], SignalLoadError):
        raise ctx.error("信号文件的 figures 部分有误：" + "；".join(ctx.cache[key].problems[:3]))
    return path


def text_evidence(fact: dict[str, Any], report: Report) -> Evidence:
    """Evidence of a text fact: its part, sentence, line; and the table cells it was compared with."""
    from engine.rules.blocks import stated_values
    cells = list(fact.get("cells") or [])
    line = fact.get("line")
    where = fact.get("where")
    if where is None and line is not None:
        where = report.lines[line - 1].where if 1 <= line <= len(report.lines) else f"第{line}行"
    return Evidence(part=fact.get("part"), table=fact.get("table"), cells=cells,
                    values=stated_values(report, cells) if cells else {}, line=line, where=where,
                    excerpt=fact.get("excerpt"))
