"""Compile time: the signals file of the rules directory being compiled (engine/facts/signals.py
evaluates it). `ctx` is the rules' CompileContext (rules_dir, cache shared per catalog load,
error(message, *option path))."""
from __future__ import annotations

from pathlib import Path

from engine.facts.signals import DEFAULT_SIGNALS_FILE, SignalLoadError, SignalSet, load_signals


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
