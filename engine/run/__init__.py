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
"""
from engine.run.audit import run_audit
from engine.run.cluster import ClusterUnavailable
from engine.run.inputs import InputPathError, expand_inputs
from engine.run.options import AuditOptions, AuditRun, Hooks
from engine.run.outdir import OutputPathError
from engine.run.pool import Crashed, run_resilient

__all__ = ["AuditOptions", "AuditRun", "ClusterUnavailable", "Crashed", "Hooks", "InputPathError", "OutputPathError", "expand_inputs",
           "run_audit", "run_resilient"]
