"""The tasks the run's worker processes execute: parse one input, evaluate one report.

    parse_task(ParseTask) -> Parsed          ingest + parse; the Report is spilled to a spool
    eval_task(EvalTask) -> Finished | EngineFailed
                                             evaluate with durable-rules, score, write the per-report
                                             outputs, spool the record
    reference_fallback(task, why) -> AuditRecord
                                             the same with the reference engine, in the main process,
                                             for a report durable-rules could not evaluate

The pipeline's stages are named by the run's Hooks ("module:function"), resolved in the worker.
"""
from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import pickle
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from engine.ingest import IngestError, Limits
from engine.ingest import read_document as ingest_read_document
from engine.ledger.season import SeasonContext
from engine.model import AuditRecord, Report, _summary_of
from engine.parse import refusal
from engine.render.finding_rows import finding_values, json_in_form
from engine.render.office import Office
from engine.render.record_text import report_text
from engine.render.output import OutputContext, ReportOutput
from engine.run import outputs
from engine.run.catalog_cache import cached_catalog
from engine.run.options import Hooks
from engine.run.pool import TimeCapExceeded, file_caps, time_cap
from engine.run.records import Finished, build_record, catalog_rule_info
from engine.score import RuleInfo, ScoringPolicy, load_scoring
from engine.spool import Blob, Spool, read_blob, spool_for


def resolve(name: str) -> Callable[..., Any]:
    """The object a hook names ("module:attribute")."""
    module, _, attr = name.partition(":")
    # (a module imported already is taken from sys.modules: import_module goes through the import
    # system's Python code first, and parse_one resolves three hooks per file)
    loaded = sys.modules.get(module)
    return getattr(loaded if loaded is not None else importlib.import_module(module), attr)


# --------------------------------------------------------------------------------------------
# Parse: one input file -> its status, and for a report its metadata and spilled Report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParseTask:
    key: str
    path: str
    display: str
    spill_dir: str        # the folder where the worker spools the Report (a pickle)
    hooks: Hooks
    limits: Limits


@dataclass
class Parsed:
    """What a parse worker sends back: the file's status, and for a report (status "audited": to
    be audited) its metadata and where the Report is spilled."""
    status: str
    message: str | None = None
    format: str | None = None
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    body_kind: str | None = None
    title: str | None = None
    spill: Blob | None = None

    def apply_to(self, record: AuditRecord) -> None:
        record.status, record.message, record.format = self.status, self.message, self.format
        record.agency, record.year, record.template = self.agency, self.year, self.template
        record.body_kind, record.title = self.body_kind, self.title


def _clean_message(message: str, task: ParseTask) -> str:
    # Messages name the file by the path opened; outputs show the display path instead.
    return message.replace(task.path, task.display) if task.path != task.display else message


def cap_status(exc: BaseException, display: str, limits: Limits) -> tuple[str, str]:
    """(status, Chinese message) for a file that ran into a per-file cap of pool.file_caps:
    TimeCapExceeded -> timeout, MemoryError -> too_large."""
    if isinstance(exc, MemoryError):
        return "too_large", f"文件 {display} 处理时所需内存超过上限（{limits.max_memory_mb} MB），已跳过"
    return "timeout", f"文件 {display} 处理时间超过上限 {limits.max_seconds:g} 秒，已跳过"


def parse_task(task: ParseTask) -> Parsed:
    """Worker: one input → its Parsed; the Report itself is pickled into this worker's spool file
    in task.spill_dir."""
    parsed, report = parse_one(task)
    if report is not None:
        parsed.spill = spool_for(task.spill_dir, "report").put(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    return parsed


def parse_one(task: ParseTask, sha256: str | None = None) -> tuple[Parsed, Report | None]:
    """One input read and parsed: its Parsed (no spill) and, for a report to audit, the Report.
    sha256: the file's digest as its record states it (the probe's), when the caller has it: the
    reader then does not hash the file again (Report.sha256 is that digest)."""
    read_document = resolve(task.hooks.read_document)
    parse_document = resolve(task.hooks.parse_document)
    not_a_report_error = resolve(task.hooks.not_a_report_error)
    try:
        with file_caps(task.limits):
            try:
                if sha256 is None or read_document is not ingest_read_document:
                    doc = read_document(task.path, task.limits)
                else:
                    doc = read_document(task.path, task.limits, sha256)
            except IngestError as exc:
                return Parsed(exc.status, _clean_message(exc.message, task)), None
            doc.path = task.display
            try:
                report = parse_document(doc)
            except not_a_report_error as exc:
                # not_a_report, or blank_template (a template with no figures and no agency)
                status = getattr(exc, "status", "not_a_report")
                return Parsed(status, _clean_message(str(exc), task), format=doc.format), None
    except (TimeCapExceeded, MemoryError) as exc:
        return Parsed(*cap_status(exc, task.display, task.limits)), None
    except Exception as exc:   # a bug in a reader or the parser must not stop the batch
        return Parsed("broken", f"程序在读取或解析文件 {task.display} 时出错（{type(exc).__name__}：{exc}），"
                                f"请将该文件提供给维护人员"), None
    report.source = task.display
    refused = refusal(report)        # the blank template, a notice naming the six parts
    if refused is not None:
        return Parsed(refused.status, refused.message, format=report.format), None
    md = report.metadata
    return Parsed("audited", None, report.format, md.agency, md.year, md.template, md.body_kind, md.title), report


# --------------------------------------------------------------------------------------------
# Evaluate: one report -> its scored record, the per-report outputs, the record spooled
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalContext:
    hooks: Hooks
    rules_dir: str
    scoring_path: str
    office: Office
    run_date: dt.date
    out_dir: str          # the run's staging folder (per-report outputs write there)
    max_seconds: float
    records_dir: str      # where the worker spools each finished record (RecordStore's folder)
    season: SeasonContext | None = None   # the list of agencies, deadlines, review decisions (engine/ledger)


@dataclass(frozen=True)
class EvalTask:
    key: str
    spill: Blob
    previous_spill: Blob | None
    base: AuditRecord           # the record so far (status, metadata, letter name, 文号 …)


@dataclass
class EngineFailed:
    """durable-rules raised (or ran out of time) on this report: retried alone, then the fallback."""
    message: str


@dataclass
class EvalWorker:
    """What an evaluation worker loads once: the catalog, scoring policy and per-report outputs."""
    ctx: EvalContext
    catalog: Any
    rule_info: dict[str, RuleInfo]
    policy: ScoringPolicy
    evaluate: Callable[..., Any]
    outputs: list[ReportOutput]

    def record(self, task: EvalTask, report: Report, previous: Report | None, engine: str) -> AuditRecord:
        season = self.ctx.season
        if season is None:
            results = self.evaluate(report, self.catalog, previous=previous, engine=engine)
            return build_record(task.base, report, results, self.policy, self.rule_info, engine)
        listing = season.listing(report)          # the list's body type, before the rules run
        results = self.evaluate(report, self.catalog, previous=previous, engine=engine)
        late = season.deadline_result(report, listing)
        if late is not None:
            results = [*results, late]
        scored = season.review(results, report)   # ids and decisions: what is scored
        record = build_record(task.base, report, results, self.policy, self.rule_info, engine, scored=scored)
        season.finish(record, listing)
        return record

    def write_outputs(self, record: AuditRecord) -> None:
        for output in self.outputs:
            output.write(record)


# Module globals, both set before the pool forks its workers and read by the tasks:
# - _preloaded: the catalog the main process loaded (to validate the rules before anything runs);
#   forked workers inherit it instead of compiling the rule files again. Rule-engine handles are
#   created lazily in each worker, never in the main process, so no native state is shared.
# - _worker: the evaluation worker's state, set by init_eval_worker (a ProcessPoolExecutor
#   initializer can hand state to the tasks only through a global). The main process sets it too
#   when it evaluates the reports no worker could (reference_fallback).
_preloaded: dict[tuple[str, str], Any] = {}
_worker: EvalWorker | None = None
# the scoring policy the main process loaded (to check it before anything runs), by its path: the
# process's worker state (init_eval_worker) takes it instead of reading and validating the file again
_preloaded_scoring: dict[str, ScoringPolicy] = {}


def preload_catalog(hooks: Hooks, rules_dir: Path) -> Any:
    """Loads the catalog in the main process (RuleLoadError goes to the CLI) for the workers to inherit
    (the real loader's through the cache of compiled catalogs: catalog_cache.py)."""
    load = resolve(hooks.load_catalog)
    catalog = cached_catalog(load, rules_dir) if hooks.load_catalog == Hooks.load_catalog else load(rules_dir)
    _preloaded.clear()
    _preloaded[(hooks.load_catalog, str(rules_dir))] = catalog
    return catalog


def preload_scoring(path: str | Path) -> ScoringPolicy:
    """Loads the scoring policy in the main process (ScoringConfigError goes to the CLI), kept for
    the worker state made in this process (prepare_eval_worker) and inherited by forked workers."""
    policy = load_scoring(path)
    _preloaded_scoring.clear()
    _preloaded_scoring[str(path)] = policy
    return policy


def prepare_eval_worker(ctx: EvalContext) -> None:
    """In the main process, before the pool forks: the worker's state (the letters' templates
    compiled …) built once here, for every forked worker to inherit instead of each building its own
    (init_eval_worker finds it). Nothing native: rule-engine handles stay per worker."""
    init_eval_worker(ctx)


def init_eval_worker(ctx: EvalContext) -> None:
    """Worker initializer: the catalog, scoring policy and per-report outputs, once per worker —
    or nothing, when the process forked from one that prepared them for this very context."""
    global _worker
    if _worker is not None and _worker.ctx is ctx:
        return
    catalog = _preloaded.get((ctx.hooks.load_catalog, ctx.rules_dir))
    if catalog is None:
        catalog = resolve(ctx.hooks.load_catalog)(Path(ctx.rules_dir))
    output_ctx = OutputContext(Path(ctx.out_dir), ctx.office, ctx.run_date)
    policy = _preloaded_scoring.get(ctx.scoring_path) or load_scoring(ctx.scoring_path)
    _worker = EvalWorker(ctx, catalog, catalog_rule_info(catalog), policy,
                         resolve(ctx.hooks.evaluate), [cls(output_ctx) for cls in outputs.REPORT_OUTPUTS])


def worker_context() -> EvalContext:
    """The evaluation worker's context (init_eval_worker ran in this process)."""
    return _worker.ctx


def eval_task(task: EvalTask) -> Finished | EngineFailed:
    """Worker: evaluate with durable-rules, score, write the per-report outputs, spool the record;
    only its summary and where it is travel back."""
    report, previous = load_spills(task)
    return evaluate_report(task, report, previous)


def evaluate_report(task: EvalTask, report: Report, previous: Report | None) -> Finished | EngineFailed:
    """Worker: one parsed report (with `task.base`, its record so far) evaluated with durable-rules,
    scored, its per-report outputs written and its record spooled."""
    done = evaluate_to_blobs(task, report, previous)
    if isinstance(done, EngineFailed):
        return done
    return spool_records(spool_for(_worker.ctx.records_dir, "record"), [done])[0]


def evaluate_to_blobs(task: EvalTask, report: Report, previous: Report | None,
                      letters: list[AuditRecord] | None = None) -> list[bytes] | EngineFailed:
    """evaluate_report without the spooling: the record's blobs (record_blobs), for the caller to
    spool with others (a group task writes its records' blobs in one system call). With `letters`,
    the record is added to it for the caller to write its outputs later (write_letters) instead
    of now."""
    record = evaluate_record(task, report, previous)
    if isinstance(record, EngineFailed):
        return record
    if letters is None:
        _worker.write_outputs(record)
    else:
        letters.append(record)
    return record_blobs(record)


def evaluate_record(task: EvalTask, report: Report, previous: Report | None) -> AuditRecord | EngineFailed:
    """Worker: one parsed report evaluated with durable-rules and scored, under the time cap: its
    record, or the engine's failure. Nothing written (record_blobs, write_letters)."""
    worker = _worker
    try:
        with time_cap(worker.ctx.max_seconds):
            return worker.record(task, report, previous, "durable")
    except TimeCapExceeded:
        return EngineFailed(f"规则引擎处理时间超过 {worker.ctx.max_seconds:g} 秒")
    except Exception as exc:
        return EngineFailed(f"{type(exc).__name__}：{exc}")


def write_letters(records: list[AuditRecord]) -> None:
    """The per-report outputs (the letters) of several records, one after the other: a group task
    writes its reports' letters once they are all evaluated, while the letter code, templates and
    zlib state stay in the processor's caches (written between parsing and evaluating the next
    report, each letter cost ~0.1 ms more CPU in a real run). The outputs only read the record."""
    for record in records:
        _worker.write_outputs(record)


def finish_record(record: AuditRecord, spool: Spool) -> Finished:
    """The record spooled as the main process and the spreadsheet writer read it: its findings.json
    text, its pickled summary and its 问题 sheet rows (pickled), in one write."""
    return spool_records(spool, [record_blobs(record)])[0]


def record_blobs(record: AuditRecord) -> list[bytes]:
    """What is spooled of a finished record, in Finished's order: its findings.json text (UTF-8),
    its pickled summary, its pickled 问题 sheet rows."""
    text = report_text(record).encode("utf-8")
    rows = finding_values(record if json_in_form(record) else AuditRecord.from_json(json.loads(text)))
    # the summary pickled as AuditSummary pickles (its values), without making it
    summary = _Pickled((_summary_of, record.summary_form())) if type(record) is AuditRecord else record.summary()
    return [text, pickle.dumps(summary, protocol=pickle.HIGHEST_PROTOCOL), _rows_pickle(rows)]


def _rows_pickle(rows: list[list[Any]]) -> bytes:
    """pickle.dumps(rows) without the memo (Pickler.fast): rows are lists of scalars, no object in
    them refers to another, and remembering each string cost more than writing the few repeated
    ones (a row's source and agency) again. Loads as the same rows."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(rows)
    return out.getvalue()


class _Pickled:
    """What pickles as `form` (a callable and its arguments): the object that call makes."""
    __slots__ = ("form",)

    def __init__(self, form: tuple):
        self.form = form

    def __reduce__(self) -> tuple:
        return self.form


def spool_records(spool: Spool, records: list[list[bytes]]) -> list[Finished]:
    """Several records' blobs (record_blobs) written with one system call: each record's Finished."""
    blobs = spool.put_many([b for blobs in records for b in blobs])
    return [Finished(*blobs[i:i + 3]) for i in range(0, len(blobs), 3)]


def reference_fallback(task: EvalTask, why: str) -> AuditRecord:
    """In the main process (after init_eval_worker): the report evaluated with the reference
    engine and flagged; a report that fails there too is `broken`."""
    try:
        report, previous = load_spills(task)
        record = _worker.record(task, report, previous, "reference")
        record.engine_fallback = True
        record.engine_note = f"规则引擎 durable-rules 处理本报告时失败（{why}），本报告改用参考引擎审核，审核规则相同。"
        _worker.write_outputs(record)
        return record
    except Exception as exc:      # noqa: BLE001 — one report, never the batch
        return replace(task.base, status="broken", letter=None, reference_number=None,
                       message=f"规则引擎无法审核本报告（{why}；参考引擎也出错：{type(exc).__name__}：{exc}）")


def load_spills(task: EvalTask) -> tuple[Report, Report | None]:
    report = pickle.loads(read_blob(task.spill))
    report.same_year_sources = list(task.base.same_year_sources)
    previous = pickle.loads(read_blob(task.previous_spill)) if task.previous_spill else None
    return report, previous
