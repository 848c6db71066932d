"""The batch runner: every input file → a status, and for annual reports a scored audit and a letter.

Public interface (used by engine/cli/audit_cmd.py and benchmarks/audit.py):

    run_audit(inputs, out, options) -> AuditRun          raises InputPathError, RuleLoadError,
                                                          ScoringConfigError, OfficeConfigError
Phases:
  (A) ingest + parse every input in a worker process pool (`jobs` workers, a time cap per file).
      Byte-identical inputs (sha256) are not parsed twice: the first in sorted path order is audited,
      the others get the status `duplicate` and point at it. Parsed reports are spilled to a private
      work directory (pickles, appended to one spool file per worker: engine/spool.py) so the main
      process keeps only small summaries: memory does not grow with the number of reports.
  (B) group by body and year (engine.parse.agency.group_reports) so each report is paired with the
      same body's report of the year before — from the batch or from `previous_dirs` (reports that
      are compared against but not audited themselves).
  (C) evaluate every report with durable-rules in worker processes (the catalog is loaded once per
      worker), (D) score it and (E) render its letter there as well. A worker that dies (a native
      crash in the rule engine) breaks only the reports it was running: they are retried, finally
      alone in a fresh worker; a report that still kills its worker is evaluated in this process
      with the reference engine and flagged (`engine_fallback`, with a note in findings.json and
      the letter). Workers get at most 2 × jobs tasks at a time, the next submitted as each finishes
      (waiting on a handful of futures, not all N; a crash breaks only those in flight), and each
      eval worker spools its finished record itself, sending back only the slim summary and where
      the record is (a spool Blob).
  (E) findings.json, index.html, summary.xlsx and summary.csv are written from the records. Each
      finished record and its slim summary are spooled to disk as they arrive (RecordStore); the
      main process keeps only where they are (a few hundred bytes a report) and every output is
      streamed report by report: findings.json, the dashboard (ranked through an index of scores),
      the 问题 sheet, and summary.csv and the 报告 sheet in chunks of rows. The
      spreadsheets are written by a process forked when the run starts: it fills the 问题 sheet during
      phase C, as the records become final in output order (the main process tells it each finished
      key; tasks are submitted in that order, so they finish nearly in it), and the 报告 sheet and
      summary.csv while findings.json and the dashboard are written.

Determinism: inputs are sorted by their display path (the path as given, or relative to the current
directory), outputs carry no timestamp except the run date (`AuditOptions.run_date`), so the outputs
are byte-identical whatever `jobs` and whatever the order of the inputs.
Atomicity: everything is written to a temporary directory beside OUT and moved into place at the end.
Nothing here prints: progress goes through the `progress` callback the CLI passes in.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
from collections import Counter, deque
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from engine import DEFAULT_RULES_DIR, __version__
from engine.ingest import DEFAULT_LIMITS, IngestError, Limits
from engine.model import Evidence, Finding, Report, RuleResult
from engine.render.labels import SEVERITY_ORDER
from engine.render.office import Office, load_office
from engine.score import RuleInfo, ScoringPolicy, load_scoring, score_results
from engine.spool import Blob, Spool, SpooledSequence, put_object, read_blob, read_text, shared_path, spool_for

# --------------------------------------------------------------------------------------------
# Options and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hooks:
    """Where the pipeline's stages live, as "module:function" names (picklable for workers).

    The defaults are the real stages; tests substitute their own to exercise the runner alone.
    """
    read_document: str = "engine.ingest:read_document"
    parse_document: str = "engine.parse:parse_document"
    load_catalog: str = "engine.rules:load_catalog"
    evaluate: str = "engine.evaluate:evaluate"
    not_a_report_error: str = "engine.parse:NotAReportError"


@dataclass
class AuditOptions:
    rules_dir: Path = DEFAULT_RULES_DIR
    scoring_path: Path | None = None          # default: rules_dir/scoring.yaml
    office_path: Path | None = None           # default: rules_dir/office.yaml when present
    previous_dirs: list[Path] = field(default_factory=list)
    jobs: int = 1
    run_date: dt.date = field(default_factory=dt.date.today)
    limits: Limits = DEFAULT_LIMITS
    hooks: Hooks = field(default_factory=Hooks)
    # a pool where nothing finishes for max_seconds + stall_grace has a worker stuck in native code
    stall_grace: float = 30.0
    # progress(description, total) -> object with update(n=1) and close(); None: no progress
    progress: Callable[[str, int], Any] | None = None


@dataclass
class AuditRun:
    """What a finished run returns. `summary` is findings.json's summary; the full document is read
    back from OUT/findings.json on first access (the run itself never holds every finding in memory)."""
    out: Path
    summary: dict[str, Any]
    statuses: Counter
    _document: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def document(self) -> dict[str, Any]:
        if self._document is None:
            self._document = json.loads((self.out / "findings.json").read_text(encoding="utf-8"))
        return self._document

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.document["reports"]

    def count_by_status(self) -> Counter:
        return Counter(self.statuses)

    def count_findings(self, severities: Iterable[str]) -> int:
        return sum(self.summary["findings"].get(s, 0) for s in severities)


class InputPathError(Exception):
    """An INPUT given on the command line does not exist (bad usage, not a batch status)."""


class PipelineUnavailable(Exception):
    """A stage the batch needs (parser, rule engine) cannot be imported."""


class OutputPathError(Exception):
    """OUT cannot be used (a file, or a non-empty folder that is not a previous audit)."""


# --------------------------------------------------------------------------------------------
# Input expansion
# --------------------------------------------------------------------------------------------


@dataclass
class InputFile:
    path: Path          # to open
    display: str        # as shown in every output: as given, or relative to the current directory


def display_path(path: Path, given_root: Path, inside: Path | None) -> str:
    """The path as the user gave it (relative stays relative); an absolute path outside the current
    directory is shown from the given folder's name on, so outputs never carry machine-specific
    absolute paths."""
    if given_root.is_absolute():
        try:
            base = given_root.relative_to(Path.cwd())
        except ValueError:
            base = Path(given_root.name)
    else:
        base = given_root
    full = base / inside if inside is not None else base
    return full.as_posix()


def expand_inputs(inputs: Iterable[str | Path], exclude: Path | None = None) -> list[InputFile]:
    """Every file under the inputs (folders recursively), sorted by display path; the same file
    reached twice (a folder and a file inside it) is listed once. `exclude` (the output folder, when
    it lies inside an input folder) and its temporary siblings are not inputs."""
    skip = os.path.realpath(exclude) if exclude is not None else None
    skip_prefixes = (f".{exclude.name}.tmp-", f".{exclude.name}.old-") if exclude is not None else ()
    found: dict[str, InputFile] = {}
    seen_real: set[str] = set()
    for raw in inputs:
        given = Path(raw)
        if not given.exists() and not given.is_symlink():
            raise InputPathError(f"输入路径不存在：{raw}")
        if given.is_dir():
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(n for n in dirnames if not n.startswith(skip_prefixes)
                                     and os.path.realpath(os.path.join(dirpath, n)) != skip)
                for name in sorted(filenames):
                    p = Path(dirpath) / name
                    _add_input(found, display_path(p, given, p.relative_to(given)), p)
        else:
            _add_input(found, display_path(given, given, None), given)
    out = []
    for disp in sorted(found):
        item = found[disp]
        real = os.path.realpath(item.path)
        if real in seen_real:
            continue
        seen_real.add(real)
        out.append(InputFile(item.path, disp))
    return out


def _add_input(found: dict[str, InputFile], display: str, path: Path) -> None:
    """Two different files that would show the same display path (two absolute folders outside the
    current directory with the same name) are both kept: the second is shown by its full path."""
    existing = found.get(display)
    if existing is not None and os.path.realpath(existing.path) != os.path.realpath(path):
        display = Path(os.path.abspath(path)).as_posix()
    found.setdefault(display, InputFile(path, ""))


def file_digest(path: Path, limits: Limits) -> str | None:
    """sha256 of a file, or None when it cannot be read or is over the size cap (the worker then
    gives it its proper status)."""
    try:
        if path.stat().st_size > limits.max_bytes:
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def rules_digest(rules_dir: Path, scoring_path: Path) -> tuple[str, int]:
    """sha256 over the rule and scoring files (relative names and bytes), and how many files."""
    files = sorted(p for p in Path(rules_dir).rglob("*")
                   if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != "office.yaml")
    if scoring_path.exists() and scoring_path.resolve() not in {p.resolve() for p in files}:
        files.append(scoring_path)
    h = hashlib.sha256()
    for p in files:
        try:
            name = p.relative_to(rules_dir).as_posix()
        except ValueError:
            name = p.name
        h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest(), len(files)


# --------------------------------------------------------------------------------------------
# Worker plumbing
# --------------------------------------------------------------------------------------------


def resolve(name: str) -> Callable[..., Any]:
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


class TimeCapExceeded(BaseException):
    """Raised by the per-file alarm. A BaseException so that no `except Exception` swallows it."""


@contextmanager
def time_cap(seconds: float | None) -> Iterator[None]:
    if not seconds or seconds <= 0:
        yield
        return

    def _alarm(_signum: int, _frame: Any) -> None:
        raise TimeCapExceeded()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _pool(jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    # fork: workers start in milliseconds and inherit the loaded modules.
    return ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=multiprocessing.get_context("fork"),
                               initializer=initializer, initargs=initargs)


@dataclass
class Crashed:
    """The task killed (or hung) its worker even when run alone in a fresh one."""
    message: str
    stalled: bool = False


@dataclass
class TaskError:
    """The task raised an exception in its worker (a bug, not a crash)."""
    message: str


class TaskTable(Mapping):
    """key -> task for run_resilient, each task built when it is asked for: the main process does
    not hold a task (with its copy of the record so far) for every report at once."""

    def __init__(self, keys: Iterable[str], build: Callable[[str], Any]):
        self._keys = list(keys)
        self._known = set(self._keys)
        self._build = build

    def __getitem__(self, key: str) -> Any:
        if key not in self._known:
            raise KeyError(key)
        return self._build(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def run_resilient(fn: Callable[[Any], Any], tasks: Mapping[str, Any], jobs: int,
                  initializer: Callable[..., None] | None = None, initargs: tuple = (),
                  on_done: Callable[[], None] | None = None,
                  stall_seconds: float | None = None,
                  keep: Callable[[str, Any], Any] | None = None) -> dict[str, Any]:
    """fn(task) for every task in worker processes; returns key -> result | Crashed | TaskError.

    A dying worker (BrokenProcessPool) fails every task it had in flight; those are retried in fresh
    pools, halving the group each time, until a task that still kills its worker when it runs alone
    gets `Crashed`. A pool where no task finishes for `stall_seconds` (a worker stuck in native
    code, where the per-task alarm cannot fire) has its workers killed and is treated the same way.
    Results do not depend on `jobs` or scheduling: only a task that fails alone is declared failed.
    `keep(key, result)` gives what is kept of each result as it arrives (e.g. spilled to disk).
    """
    results: dict[str, Any] = {}

    def finish(key: str, value: Any) -> None:
        results[key] = keep(key, value) if keep else value
        if on_done:
            on_done()

    def run_pool(queue: deque[str]) -> tuple[list[str], bool]:
        """Runs tasks from the front of `queue` in one pool, at most `window` in flight (each wait
        is then over a handful of futures, not all N, and a dying worker fails only the few tasks
        in flight, not the whole batch). Returns the tasks in flight when the pool broke or stalled;
        what was never submitted stays in `queue`."""
        broken: list[str] = []
        stalled = False
        window = 2 * max(1, jobs)
        with _pool(min(jobs, len(queue)), initializer, initargs) as pool:
            in_flight: dict[Any, str] = {}
            pool_ok = True
            while in_flight or (pool_ok and queue):
                while pool_ok and queue and len(in_flight) < window:
                    key = queue[0]
                    try:
                        in_flight[pool.submit(fn, tasks[key])] = key
                    except BrokenProcessPool:
                        pool_ok = False
                        break
                    queue.popleft()
                if not in_flight:
                    break
                done, _ = wait(in_flight, timeout=stall_seconds, return_when=FIRST_COMPLETED)
                if not done:
                    stalled = True
                    pool_ok = False
                    _kill_workers(pool)
                    done, still = wait(in_flight, timeout=60)
                    for fut in still:
                        broken.append(in_flight.pop(fut))
                for fut in done:
                    key = in_flight.pop(fut)   # drop the future: it holds the result (memory flat in N)
                    try:
                        finish(key, fut.result())
                    except BrokenProcessPool:
                        pool_ok = False
                        broken.append(key)
                    except Exception as exc:       # noqa: BLE001 — reported per task, never fatal
                        finish(key, TaskError(f"{type(exc).__name__}：{exc}"))
        return broken, stalled

    def attempt(keys: list[str]) -> None:
        queue = deque(keys)
        broken: list[str] = []
        stalled = False
        while queue:                  # a fresh pool for what is left each time one breaks
            pool_broken, pool_stalled = run_pool(queue)
            broken.extend(pool_broken)
            stalled = stalled or pool_stalled
        if not broken:
            return
        broken.sort()
        if len(keys) == 1:
            finish(keys[0], Crashed("处理时间过长，工作进程被终止" if stalled else
                                    "工作进程异常退出（单独重试后仍然如此）", stalled))
            return
        if len(broken) == 1:
            attempt(broken)
            return
        half = len(broken) // 2
        attempt(broken[:half])
        attempt(broken[half:])

    keys = sorted(tasks)
    if keys:
        attempt(keys)
    return results


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop a running task; killing its processes makes
    # the pool broken, which fails the in-flight futures with BrokenProcessPool.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, AttributeError):
            pass


# --------------------------------------------------------------------------------------------
# Phase A: ingest + parse (in workers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParseTask:
    key: str
    path: str
    display: str
    spill_dir: str        # the folder where the worker spools the Report (a pickle)
    hooks: Hooks
    limits: Limits


def _clean_message(message: str, task: ParseTask) -> str:
    # Messages name the file by the path opened; outputs show the display path instead.
    return message.replace(task.path, task.display) if task.path != task.display else message


def parse_task(task: ParseTask) -> dict[str, Any]:
    """Worker: one input → a summary dict; the Report itself is pickled into this worker's spool
    file in task.spill_dir, and the summary's "spill" says where (a Blob)."""
    read_document = resolve(task.hooks.read_document)
    parse_document = resolve(task.hooks.parse_document)
    try:
        NotAReportError = resolve(task.hooks.not_a_report_error)    # noqa: N806
    except (ImportError, AttributeError):                           # parser not installed yet
        NotAReportError = _NeverRaised                              # noqa: N806
    try:
        with time_cap(task.limits.max_seconds):
            try:
                doc = read_document(task.path, task.limits)
            except IngestError as exc:
                return {"status": exc.status, "message": _clean_message(exc.message, task)}
            doc.path = task.display
            try:
                report = parse_document(doc)
            except NotAReportError as exc:
                return {"status": "not_a_report", "message": _clean_message(str(exc), task),
                        "format": doc.format}
    except TimeCapExceeded:
        return {"status": "timeout",
                "message": f"文件 {task.display} 处理时间超过上限 {task.limits.max_seconds:g} 秒，已跳过"}
    except Exception as exc:   # a bug in a reader or the parser must not stop the batch
        return {"status": "broken",
                "message": f"程序在读取或解析文件 {task.display} 时出错（{type(exc).__name__}：{exc}），"
                           f"请将该文件提供给维护人员"}
    report.source = task.display
    spill = spool_for(task.spill_dir, "report").put(pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
    md = report.metadata
    return {"status": "audited", "message": None, "format": report.format,
            "agency": md.agency, "year": md.year, "template": md.template, "body_kind": md.body_kind,
            "title": md.title, "spill": spill}


class _NeverRaised(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Phase C–E: evaluate, score, letter (in workers)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalContext:
    hooks: Hooks
    rules_dir: str
    scoring_path: str
    office: Office
    run_date: dt.date
    letters_dir: str
    max_seconds: float
    records_dir: str = ""       # where the worker spools each finished record (RecordStore's folder)


@dataclass(frozen=True)
class EvalTask:
    key: str
    spill: Blob
    previous_spill: Blob | None
    base: dict[str, Any]        # the record so far (source, status, agency, letter name, ref no …)
    same_year_sources: tuple[str, ...] = ()


_WORKER: dict[str, Any] = {}
# The catalog the main process loaded (to validate the rules before anything runs); forked workers
# inherit it instead of compiling the rule files again. Rule-engine handles are created lazily in
# each worker, never in the main process, so no native state is shared.
_PRELOADED: dict[tuple[str, str], Any] = {}


def init_eval_worker(ctx: EvalContext) -> None:
    """Worker initializer: the catalog, scoring policy and letter templates, once per worker."""
    from engine.render import letters

    catalog = _PRELOADED.get((ctx.hooks.load_catalog, ctx.rules_dir))
    if catalog is None:
        catalog = resolve(ctx.hooks.load_catalog)(Path(ctx.rules_dir))
    _WORKER.update(ctx=ctx, catalog=catalog, rule_info=catalog_rule_info(catalog),
                   policy=load_scoring(ctx.scoring_path), env=letters.letter_env(),
                   evaluate=resolve(ctx.hooks.evaluate))


def eval_task(task: EvalTask) -> dict[str, Any]:
    """Worker: evaluate with durable-rules, score, write the letter; returns the record."""
    ctx: EvalContext = _WORKER["ctx"]
    report, previous = load_spills(task)
    try:
        with time_cap(ctx.max_seconds):
            results = _WORKER["evaluate"](report, _WORKER["catalog"], previous=previous, engine="durable")
    except TimeCapExceeded:
        return {"engine_error": f"规则引擎处理时间超过 {ctx.max_seconds:g} 秒"}
    except Exception as exc:
        return {"engine_error": f"{type(exc).__name__}：{exc}"}
    record = build_record(task.base, report, results, _WORKER["policy"], _WORKER["rule_info"], "durable")
    write_letter(record, ctx, _WORKER["env"])
    finished = Finished.of(record)
    if not ctx.records_dir:
        return finished
    # the worker spools the record itself: only the slim summary and the Blob travel back
    return Finished(None, finished.slim, spool_for(ctx.records_dir, "record").put_text(finished.text))


@dataclass
class Finished:
    """A finished record as the worker hands it back: its findings.json text (rendered in the
    worker, where the CPU is parallel) and the slim summary the main process keeps. `text` is None
    when the worker has already spooled it into the record store's folder, at `blob`."""
    text: str | None
    slim: dict[str, Any]
    blob: Blob | None = None

    @classmethod
    def of(cls, record: dict[str, Any]) -> "Finished":
        from engine.render.json_out import report_text

        return cls(report_text(record), slim_record(record))


def load_spills(task: EvalTask) -> tuple[Report, Report | None]:
    report = pickle.loads(read_blob(task.spill))
    report.same_year_sources = list(task.same_year_sources)
    previous = pickle.loads(read_blob(task.previous_spill)) if task.previous_spill else None
    return report, previous


def write_letter(record: dict[str, Any], ctx: EvalContext, env: Any) -> None:
    from engine.render import letters

    html = letters.render_letter(record, ctx.office, ctx.run_date, env)
    Path(ctx.letters_dir, Path(record["letter"]).name).write_text(html, encoding="utf-8")


def catalog_rule_info(catalog: Any) -> dict[str, RuleInfo]:
    """Rule metadata by id, read from the catalog whatever its container (list or mapping)."""
    rules = getattr(catalog, "rules", None)
    if rules is None:
        return {}
    items = rules.values() if isinstance(rules, dict) else rules
    out: dict[str, RuleInfo] = {}
    for rule in items:
        rid = getattr(rule, "id", None) or getattr(rule, "rule_id", None)
        if not rid:
            continue
        points = getattr(rule, "points", None)
        out[rid] = RuleInfo(rule_id=rid, title=str(getattr(rule, "title", "") or ""),
                            severity=str(getattr(rule, "severity", "warning") or "warning"),
                            category=str(getattr(rule, "category", "其他") or "其他"),
                            points=float(points) if isinstance(points, (int, float)) else None)
    return out


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


def _part_rank(part: str | None) -> int:
    return "一二三四五六".find(part) if part and part in "一二三四五六" else 9


def finding_sort_key(f: dict[str, Any]) -> tuple:
    ev = f["evidence"]
    return (SEVERITY_ORDER.get(f["severity"], 9), _part_rank(ev.get("part")), ev.get("line") or 10**9,
            f["rule_id"], ",".join(ev.get("cells") or []), f["message"])


def _shallow_json(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    # dataclasses.asdict deep-copies recursively and is the slowest part of a record; findings
    # hold only scalars, lists of strings and flat dicts.
    out = {}
    for name in names:
        v = getattr(obj, name)
        out[name] = list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v
    return out


_FINDING_FIELDS = tuple(f.name for f in dataclass_fields(Finding) if f.name != "evidence")
_EVIDENCE_FIELDS = tuple(f.name for f in dataclass_fields(Evidence))


def _complete_evidence(ev: Evidence, report: Report) -> dict[str, Any]:
    """Evidence as JSON, with the quoted source line and its location filled in from the report
    when the rule gave only a line number (quoting, never guessing)."""
    data = _shallow_json(ev, _EVIDENCE_FIELDS)
    if data.get("line") and report.lines:
        line = report.lines[data["line"] - 1] if 0 < data["line"] <= len(report.lines) else None
        if line is not None:
            if not data.get("excerpt"):
                data["excerpt"] = line.text.strip() or None
            if not data.get("where"):
                data["where"] = line.where
    return data


def build_record(base: dict[str, Any], report: Report, results: list[RuleResult], policy: ScoringPolicy,
                 rule_info: dict[str, RuleInfo], engine: str) -> dict[str, Any]:
    findings = []
    for result in results:
        if result.outcome != "fail":
            continue
        for f in result.findings:
            data = _shallow_json(f, _FINDING_FIELDS)
            data["evidence"] = _complete_evidence(f.evidence, report)
            findings.append(data)
    findings.sort(key=finding_sort_key)
    not_assessable = sorted(
        ({"rule_id": r.rule_id, "title": rule_info.get(r.rule_id, RuleInfo(r.rule_id)).title or r.rule_id,
          "reason": r.reason, "cells": list(r.cells)} for r in results if r.outcome == "not_assessable"),
        key=lambda x: x["rule_id"])
    rule_errors = sorted(({"rule_id": r.rule_id, "reason": r.reason} for r in results if r.outcome == "error"),
                         key=lambda x: x["rule_id"])
    score = score_results(results, policy, rule_info.get)
    counts = Counter(f["severity"] for f in findings)
    md = report.metadata
    record = dict(base)
    record.update({
        "agency": md.agency, "year": md.year, "template": md.template, "body_kind": md.body_kind,
        "title": md.title, "format": report.format,
        "engine": engine,
        "score": score.score_json(), "grade": score.grade,
        "scoring": score.to_json(),
        "counts": {s: counts.get(s, 0) for s in ("error", "warning", "info")},
        "rules_evaluated": len(results),
        "findings": findings,
        "not_assessable": not_assessable,
        "rule_errors": rule_errors,
        "diagnostics": [d.to_json() for d in report.diagnostics],
    })
    return record


class RecordStore:
    """Finished records spooled to disk: each record's findings.json text (by the eval worker that
    built it, or here) and its slim summary (pickled here). In memory it keeps only where each is,
    so the main process does not hold the records, nor even their summaries: the dashboard, the
    summary and the per-report rows read the summaries back one at a time (`slims`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.blobs: dict[str, Blob] = {}        # key -> the record's findings.json text
        self.slim_blobs: dict[str, Blob] = {}   # key -> its slim summary (pickled)
        self.previous_only: set[str] = set()    # --previous inputs: compared against, not audited
        self._spool = Spool(folder, "record-main")

    def put(self, key: str, record: "dict[str, Any] | Finished") -> None:
        finished = record if isinstance(record, Finished) else Finished.of(record)
        if finished.text is not None:          # None: the worker spooled it
            self.blobs[key] = self._spool.put_text(finished.text)
        elif finished.blob is not None:
            self.blobs[key] = shared_path(finished.blob)
        else:
            raise ValueError(f"记录 {key} 既没有文本也没有暂存位置")
        self.slim_blobs[key] = put_object(self._spool, finished.slim)
        if finished.slim.get("previous_only"):
            self.previous_only.add(key)

    def __contains__(self, key: str) -> bool:
        return key in self.slim_blobs

    def slims(self, keys: Iterable[str]) -> SpooledSequence:
        """The slim summaries of `keys`, in that order, read from disk as they are iterated."""
        return SpooledSequence([self.slim_blobs[k] for k in keys])

    def text(self, key: str) -> str:
        return read_text(self.blobs[key])

    def close(self) -> None:
        self._spool.close()

    def get(self, key: str) -> dict[str, Any]:
        return json.loads(self.text(key))


def slim_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record without the weight: findings reduced to rule id, title and severity."""
    slim = {k: v for k, v in record.items() if k not in ("findings", "not_assessable", "diagnostics", "scoring",
                                                          "rule_errors")}
    if "findings" in record:
        slim["findings"] = [{"rule_id": f["rule_id"], "title": f["title"], "severity": f["severity"]}
                            for f in record["findings"]]
        slim["not_assessable"] = [{"rule_id": n["rule_id"]} for n in record.get("not_assessable") or []]
    return slim


STATUS_FIELDS = ("source", "status", "message", "sha256", "duplicate_of", "format", "agency", "year",
                 "template", "body_kind", "title")


def input_record(display: str, sha: str | None, summary: dict[str, Any]) -> dict[str, Any]:
    rec = {k: None for k in STATUS_FIELDS}
    rec.update({"source": display, "sha256": sha})
    rec.update({k: v for k, v in summary.items() if k in STATUS_FIELDS})
    return rec


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


class _NullProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def run_audit(inputs: list[str | Path], out: str | Path, options: AuditOptions) -> AuditRun:
    out = Path(out)
    check_output_path(out)
    sheets = TableWriter()       # imports pandas + openpyxl on the idle core while this one starts up
    try:
        return _run_audit(inputs, out, options, sheets)
    finally:
        sheets.close()


def _run_audit(inputs: list[str | Path], out: Path, options: AuditOptions, sheets: "TableWriter") -> AuditRun:
    from engine.parse.agency import group_reports
    from engine.render import dashboard, json_out, letters

    for hook in (options.hooks.read_document, options.hooks.parse_document, options.hooks.load_catalog,
                 options.hooks.evaluate):
        try:
            resolve(hook)
        except (ImportError, AttributeError) as exc:
            raise PipelineUnavailable(f"审核流程的组成部分 {hook} 无法加载（{exc}）") from None
    rules_dir = Path(options.rules_dir)
    scoring_path = Path(options.scoring_path or rules_dir / "scoring.yaml")
    office_path = options.office_path or (rules_dir / "office.yaml" if (rules_dir / "office.yaml").exists() else None)
    office = load_office(office_path)
    policy = load_scoring(scoring_path)
    catalog = resolve(options.hooks.load_catalog)(rules_dir)     # RuleLoadError → the CLI, exit 3
    _PRELOADED.clear()
    _PRELOADED[(options.hooks.load_catalog, str(options.rules_dir))] = catalog
    rule_info = catalog_rule_info(catalog)
    digest, n_rule_files = rules_digest(rules_dir, scoring_path)

    files = expand_inputs(inputs, exclude=out)
    previous_files = [f for d in options.previous_dirs for f in expand_inputs([d], exclude=out)]
    progress = options.progress or (lambda _d, _t: _NullProgress())

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        with tempfile.TemporaryDirectory(prefix="xxgk-audit-work-") as work:
            store = RecordStore(Path(work) / "records")
            try:
                keys = _run_phases(files, previous_files, options, policy, rule_info, office, staging,
                                   Path(work), progress, group_reports, letters, store, sheets)
                report_keys = [k for k in keys if k not in store.previous_only]
                # the summaries are read back from disk at each pass: never all in memory at once
                summaries = store.slims(report_keys)
                head = json_out.document_head(
                    summaries, tool_version=__version__,
                    rules_version=str(getattr(catalog, "version", "") or digest[7:19]),
                    rules_digest=digest, rule_files=n_rule_files, run_date=options.run_date, office=office)
                previous_inputs = _previous_inputs_of(store.slims(k for k in keys if k in store.previous_only))
                overview = {**head, "reports": summaries, "previous_inputs": previous_inputs}
                # the spreadsheets (the slowest output) are written by the side process meanwhile;
                # `summaries` travels there as the list of where each one is
                sheets.finish(overview, staging, report_keys, {k: store.blobs[k] for k in report_keys})
                json_out.write_findings_stream(staging / "findings.json", head,
                                               (store.text(k) for k in report_keys), previous_inputs)
                dashboard.write_dashboard(staging / "index.html", overview, rule_info)
                sheets.result()
                statuses = Counter(r["status"] for r in summaries)
            finally:
                store.close()
        replace_output(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return AuditRun(out=out, summary=head["summary"], statuses=statuses)


class TableWriter:
    """The process that writes summary.xlsx and summary.csv. It is forked when the run starts, so
    that importing pandas and openpyxl (~0.5 s) happens on the core the main process leaves idle while
    it loads the rules, not at the end of the run. A plain forked Process with a pipe (no executor
    thread in this process while the worker pools fork later). Messages, in this order:

        start(run_date, order)                the keys whose records can have findings, in output order
        ready(key, blob)                      that key's record is final, spooled at blob (any order)
        finish(overview, staging, report_keys, blobs)

    Between start and finish the writer fills the 问题 sheet with every record of `order` whose
    predecessors are all ready, so most of the sheet is written while the workers are still
    evaluating; finish writes the rest, the 报告 sheet and summary.csv."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_table_writer_main, args=(child,), name="xxgk-audit-tables", daemon=True)
        self._proc.start()
        child.close()

    def start(self, run_date: dt.date, order: list[str]) -> None:
        self._conn.send(("start", run_date, order))

    def ready(self, key: str, blob: Blob) -> None:
        self._conn.send(("ready", key, blob))

    def finish(self, overview: dict[str, Any], staging: Path, report_keys: list[str],
               blobs: dict[str, Blob]) -> None:
        self._conn.send(("finish", overview, staging, report_keys, blobs))

    def result(self) -> None:
        """Waits for the spreadsheets; an exception in the writer is raised here."""
        try:
            outcome = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise RuntimeError(f"写表格的子进程异常退出（退出码 {self._proc.exitcode}）") from None
        self._proc.join()
        if isinstance(outcome, BaseException):
            raise outcome

    def close(self) -> None:
        # after result() the writer has exited; otherwise the run failed: it has nothing to finish
        self._conn.close()
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


class _FindingsStream:
    """The writer's side of start/ready: the 问题 sheet filled in `order` as far as records are ready."""

    def __init__(self, run_date: dt.date, order: list[str]):
        from engine.render import tables

        self.run_date = run_date
        self.order = order
        self.done = 0                      # order[:done] are in the sheet
        self.ready_blobs: dict[str, Blob] = {}
        self.book = tables.SummaryWorkbook(run_date)

    @staticmethod
    def record(blob: Blob) -> dict[str, Any]:
        return json.loads(read_text(blob))

    def ready(self, key: str, blob: Blob) -> None:
        self.ready_blobs[key] = blob
        while self.done < len(self.order) and self.order[self.done] in self.ready_blobs:
            key = self.order[self.done]
            self.book.add_findings([self.record(self.ready_blobs.pop(key))])
            self.done += 1

    def remaining(self) -> list[str]:
        return self.order[self.done:]


def _table_writer_main(conn: Any) -> None:
    try:
        from openpyxl.cell import WriteOnlyCell      # noqa: F401 — imported now, used by tables.write_xlsx
        from openpyxl.styles import Font             # noqa: F401

        from engine.render import tables             # noqa: F401 — pandas
        stream: _FindingsStream | None = None
        failure: BaseException | None = None         # raised in the main process at finish
        while True:
            message = conn.recv()
            if message[0] == "finish":
                break
            try:
                if failure is not None:
                    continue
                if message[0] == "start":
                    stream = _FindingsStream(*message[1:])
                elif message[0] == "ready" and stream is not None:
                    stream.ready(message[1], message[2])
            except Exception as exc:    # noqa: BLE001 — handed to the main process at finish
                failure = exc
    except (EOFError, KeyboardInterrupt, OSError):   # the run ended (or was interrupted) before finish
        return
    try:
        if failure is not None:
            raise failure
        _write_tables_job(*message[1:], stream=stream)
        outcome: BaseException | None = None
    except BaseException as exc:     # noqa: BLE001 — handed to the main process, raised there
        outcome = exc
    try:
        conn.send(outcome)
    except Exception:                # noqa: BLE001 — an exception that does not pickle
        conn.send(RuntimeError(f"{type(outcome).__name__}：{outcome}"))


def _write_tables_job(overview: dict[str, Any], staging: Path, report_keys: list[str], blobs: dict[str, Blob],
                      stream: _FindingsStream | None) -> None:
    from engine.render import tables

    if stream is None:
        raise RuntimeError("写表格的子进程没有收到审核开始的消息")
    # the 问题 sheet is in report_keys order: `order` must be that order, and no other record may
    # carry findings (only evaluated reports do)
    streamed = set(stream.order)
    if [k for k in report_keys if k in streamed] != stream.order:
        raise RuntimeError("问题表的报告顺序与 findings.json 不一致")
    for key, summary in zip(report_keys, overview["reports"]):
        if key not in streamed and summary.get("findings"):
            raise RuntimeError(f"报告 {summary.get('source')} 有问题记录，但未经审核流程")
    rest = stream.remaining()
    tables.write_tables(overview, staging, stream.run_date, workbook=stream.book,
                        findings_of=lambda: (stream.record(blobs[k]) for k in rest))


def _previous_inputs_of(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """--previous reports: `parsed` when read as a report (compared against, not audited)."""
    out = []
    for r in records:
        if r.get("previous_only"):
            item = {k: r.get(k) for k in ("source", "status", "message", "agency", "year")}
            if item["status"] == "audited":
                item["status"] = "parsed"
            out.append(item)
    return out


def _run_phases(files: list[InputFile], previous_files: list[InputFile], options: AuditOptions,
                policy: ScoringPolicy, rule_info: dict[str, RuleInfo], office: Office, staging: Path,
                work: Path, progress: Callable[[str, int], Any], group_reports: Callable, letters: Any,
                store: RecordStore, sheets: TableWriter) -> list[str]:
    """Runs phases A–C, every record ending in `store`; returns the keys in output order. `sheets`
    is told the evaluated reports' output order, then each key whose record is final."""
    # --- duplicates (before parsing: a duplicate is never parsed twice) -------------------------
    records: dict[str, dict[str, Any]] = {}
    first_of_digest: dict[str, str] = {}
    parse_tasks: dict[str, ParseTask] = {}
    all_files = [(f"in:{i:06d}", f, False) for i, f in enumerate(files)] + \
                [(f"prev:{i:06d}", f, True) for i, f in enumerate(previous_files)]
    for key, f, is_previous in all_files:
        sha = file_digest(f.path, options.limits)
        rec = input_record(f.display, sha, {})
        if is_previous:
            rec["previous_only"] = True
        records[key] = rec
        if sha is not None and not is_previous:
            if sha in first_of_digest:
                first = records[first_of_digest[sha]]["source"]
                rec.update(status="duplicate", duplicate_of=first,
                           message=f"与 {first} 内容完全相同，只审核 {first}")
                continue
            first_of_digest[sha] = key
        parse_tasks[key] = ParseTask(key, str(f.path), f.display, str(work), options.hooks, options.limits)

    # --- (A) ingest + parse ---------------------------------------------------------------------
    bar = progress("读取并解析", len(parse_tasks))
    stall = options.limits.max_seconds + options.stall_grace if options.limits.max_seconds else None
    parsed = run_resilient(parse_task, parse_tasks, options.jobs, on_done=bar.update, stall_seconds=stall)
    bar.close()
    spills: dict[str, Blob] = {}
    for key, summary in parsed.items():
        source = records[key]["source"]
        if isinstance(summary, Crashed) and summary.stalled:
            summary = {"status": "timeout",
                       "message": f"文件 {source} 处理时间过长（超过 {stall:g} 秒无响应），已跳过"}
        elif isinstance(summary, (Crashed, TaskError)):
            summary = {"status": "broken",
                       "message": f"程序在读取或解析文件 {source} 时出错（{summary.message}），请将该文件提供给维护人员"}
        records[key].update({k: v for k, v in summary.items() if k in STATUS_FIELDS})
        if summary.get("spill") is not None:
            spills[key] = shared_path(summary["spill"])
    del parsed, parse_tasks          # what phase A leaves is in `records` and `spills`

    # --- (B) group by body and year -------------------------------------------------------------
    parsed_ok = sorted(k for k, r in records.items() if r["status"] == "audited")
    grouping = group_reports([(k, records[k]["agency"], records[k]["year"], records[k]["sha256"]) for k in parsed_ok],
                             reference_only={k for k in parsed_ok if records[k].get("previous_only")})
    notes: dict[str, list[str]] = {}
    for note in grouping.notes:
        for k in note.keys:
            notes.setdefault(k, []).append(note.message)

    # --- letter names and reference numbers, in source order ----------------------------------
    audited = [k for k in parsed_ok if not records[k].get("previous_only")]
    names = letters.assign_letter_names([(records[k]["agency"], records[k]["year"]) for k in audited])
    for i, key in enumerate(audited):
        rec = records[key]
        prev_key = grouping.previous.get(key)
        rec.update({
            "letter": f"letters/{names[i]}",
            "sequence": office.sequence_start + i,
            "reference_number": office.reference_number(office.sequence_start + i, options.run_date),
            "previous_source": records[prev_key]["source"] if prev_key else None,
            "same_year_sources": [records[k]["source"] for k in grouping.same_year.get(key, [])],
            "agency_notes": notes.get(key, []),
            "engine_fallback": False,
            "engine_note": None,
        })

    def eval_task_of(key: str) -> EvalTask:
        prev_key = grouping.previous.get(key)
        rec = records[key]
        return EvalTask(key, spills[key], spills[prev_key] if prev_key else None, dict(rec),
                        tuple(rec["same_year_sources"]))

    eval_tasks = TaskTable(audited, eval_task_of)

    # --- (C–E) evaluate, score, letter ------------------------------------------------------------
    (staging / "letters").mkdir()
    ctx = EvalContext(options.hooks, str(options.rules_dir), str(options.scoring_path or Path(options.rules_dir) / "scoring.yaml"),
                      office, options.run_date, str(staging / "letters"), options.limits.max_seconds,
                      str(store.folder))
    # the output order (as the final sort below); `audited` is sorted by key, and tasks run in it
    sheets.start(options.run_date, sorted(eval_tasks, key=lambda k: (records[k]["source"], k)))
    bar = progress("审核", len(eval_tasks))

    def keep(key: str, value: Any) -> Any:
        # a finished record goes to disk at once (and is final); failures stay in memory to be retried
        if not isinstance(value, Finished):
            return value
        store.put(key, value)
        sheets.ready(key, store.blobs[key])
        return STORED

    evaluated = run_resilient(eval_task, eval_tasks, options.jobs, init_eval_worker, (ctx,), on_done=bar.update,
                              stall_seconds=stall, keep=keep)
    bar.close()
    for key, value in evaluated.items():
        if isinstance(value, TaskError):
            evaluated[key] = {"engine_error": value.message}
    # A durable-rules failure raised as an exception (durable.EngineFailure) may come from the state
    # the worker built up on earlier reports: retry each such report alone in a fresh worker first.
    for key in sorted(k for k, v in evaluated.items() if _engine_error(v)):
        retry = run_resilient(eval_task, {key: eval_tasks[key]}, 1, init_eval_worker, (ctx,), stall_seconds=stall,
                              keep=keep)
        evaluated[key] = ({"engine_error": retry[key].message} if isinstance(retry[key], TaskError) else retry[key])
    fallback_needed = sorted(k for k, v in evaluated.items() if isinstance(v, Crashed) or _engine_error(v))
    if fallback_needed:
        init_eval_worker(ctx)     # this process now plays the worker, with the reference engine
        for key in fallback_needed:
            store.put(key, _reference_fallback(eval_tasks[key], evaluated[key], ctx))
            sheets.ready(key, store.blobs[key])
    for key, rec in records.items():
        if key not in store:                    # not evaluated: the status record is all there is
            store.put(key, rec)
    return sorted(records, key=lambda k: (records[k]["source"], k))


STORED = "stored"     # what run_resilient keeps of a finished record (the record itself is on disk)


def _engine_error(value: Any) -> bool:
    return isinstance(value, dict) and "engine_error" in value


def _reference_fallback(task: EvalTask, failure: Any, ctx: EvalContext) -> dict[str, Any]:
    why = failure.message if isinstance(failure, Crashed) else failure["engine_error"]
    try:
        report, previous = load_spills(task)
        results = _WORKER["evaluate"](report, _WORKER["catalog"], previous=previous, engine="reference")
        record = build_record(task.base, report, results, _WORKER["policy"], _WORKER["rule_info"], "reference")
        record["engine_fallback"] = True
        record["engine_note"] = (f"规则引擎 durable-rules 处理本报告时失败（{why}），"
                                 f"本报告改用参考引擎审核，审核规则相同。")
        write_letter(record, ctx, _WORKER["env"])
        return record
    except Exception as exc:      # noqa: BLE001 — one report, never the batch
        rec = dict(task.base)
        rec.update(status="broken", letter=None, reference_number=None,
                   message=f"规则引擎无法审核本报告（{why}；参考引擎也出错：{type(exc).__name__}：{exc}）")
        return rec


# --------------------------------------------------------------------------------------------
# Output directory
# --------------------------------------------------------------------------------------------


def check_output_path(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"输出路径 {out} 是一个文件，不是文件夹")
    if out.is_dir():
        visible = [p for p in out.iterdir() if not p.name.startswith(".")]
        if visible and not (out / "findings.json").exists():
            raise OutputPathError(
                f"输出文件夹 {out} 不是空的，也不是以前的审核结果（没有 findings.json）；"
                f"为免误删其中的文件，请指定一个新的或空的输出文件夹")


def replace_output(staging: Path, out: Path) -> None:
    """Move the finished outputs into OUT. An existing OUT is replaced only now; its hidden files
    (e.g. .gitkeep) are kept."""
    if out.exists():
        for hidden in out.iterdir():
            if hidden.name.startswith(".") and not (staging / hidden.name).exists():
                shutil.move(str(hidden), str(staging / hidden.name))
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, old)
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, out)
    os.chmod(out, 0o755)   # mkdtemp creates 0700
