"""The audit run: every input file → a status, and for annual reports a scored audit and a letter.

Public interface (used by engine/cli/audit_cmd.py and benchmarks/audit.py):

    run_audit(inputs, out, options) -> AuditRun          raises InputPathError, OutputPathError,
                                                          RuleLoadError, ScoringConfigError,
                                                          OfficeConfigError
    AuditOptions, Hooks, AuditRun                         options.py

The modules, one job each:
    audit.py     run_audit and its steps (start here)
    inputs.py    expanding the INPUT paths, display paths, sha256, duplicates
    pool.py      the crash-resilient process pool (run_resilient)
    cluster.py   the same pool on a Dask distributed cluster (--cluster)
    workers.py   the parse and evaluation tasks the worker processes run
    records.py   building and scoring a report's AuditRecord; the spool-backed record store
    outputs.py   the list of outputs (REPORT_OUTPUTS, RUN_OUTPUTS); the spreadsheet writer process
    outdir.py    checking OUT and swapping the finished outputs into place
    interpreter.py  the main process's collector and GIL switch interval for the run
"""
from __future__ import annotations

from engine.lazy import lazy_exports

# Where each public name lives. They are imported on first use (PEP 562 `__getattr__`), not here:
# `engine.run.pool` (the per-file caps `xxgk-audit parse` uses) must not import the whole run —
# rules, renderers, ledger — with it.
_EXPORTS = {
    "run_audit": "engine.run.audit",
    "ClusterUnavailable": "engine.run.cluster",
    "InputPathError": "engine.run.inputs", "expand_inputs": "engine.run.inputs",
    "AuditOptions": "engine.run.options", "AuditRun": "engine.run.options", "Hooks": "engine.run.options",
    "OutputPathError": "engine.run.outdir",
    "Crashed": "engine.run.pool", "run_resilient": "engine.run.pool",
}

__all__ = ["AuditOptions", "AuditRun", "ClusterUnavailable", "Crashed", "Hooks", "InputPathError", "OutputPathError", "expand_inputs",
           "run_audit", "run_resilient"]


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
