"""The audit run: every input file → a status, and for annual reports a scored audit and a letter.

    run_audit(inputs, out, options) -> AuditRun

The steps, each a method of `Audit` below:
  load the rules      catalog, scoring policy and office, checked before any input is read
  list the inputs     every file, its display path and sha256; byte-identical files are audited
                      once (inputs.py)
  parse               in a pool of worker processes (pool.py, workers.py): the text reports probed
                      (body and year predicted from the head: probe.py), every other input read
                      and parsed, its Report spilled to disk
  pair and name       group the reports by body and year (engine.parse.agency), so each report is
                      compared with the same body's report of the year before — from the batch or
                      from --previous; give each audited report its letter's file name and 文号
  evaluate            parse (or read back), evaluate with durable-rules, score and write the
                      per-report outputs, one task per body's reports (onepass.py; a failed
                      prediction is put right with the two-phase path: grouped.py); a report
                      durable-rules cannot evaluate is retried alone, then evaluated here with the
                      reference engine and flagged (workers.py)
  write the outputs   findings.json, index.html, summary.xlsx/csv from the stored records
                      (outputs.py), in a staging folder swapped into place as OUT (outdir.py)

Memory stays flat in the number of reports: parsed reports and finished records live on disk
(records.py: RecordStore); the main process keeps where each one is.
Determinism: inputs are sorted by display path, outputs carry no timestamp but the run date, so
they are byte-identical whatever `jobs` and whatever the order of the inputs.
Nothing here prints: progress goes through the `progress` callback the CLI passes in.
"""
from __future__ import annotations

import gc
import json
from array import array
from collections import Counter
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import __version__
from engine.ledger.season import Season, SeasonOptions
from engine.dates import NO_YEAR
from engine.model import AuditRecord, AuditSummary
from engine.parse.agency import group_indexed
from engine.render.json_out import document_head
from engine.render.letters import letter_paths
from engine.render.office import Office, load_office
from engine.render.output import FinishedRun, OutputContext, RunOutput, read_summaries
from engine.run.inputs import InputFile, InputTable, expand_inputs, input_records
from engine.run.interpreter import collector_paused, quick_handoffs
from engine.run.keyed import BlobTable, KeyList, PackedStrings
from engine.run.options import AuditOptions, AuditRun, NullProgress
from engine.run.outdir import check_output_path, output_lock, reclaim, staging_folder, work_folder
from engine.run import outputs
from engine.run.pool import Crashed, SharedPool, TaskError, TaskTable, run_resilient
from engine.run.records import STORED, BaseRecords, Finished, RecordStore, catalog_rule_info
from engine.run.grouped import OnePassSteps
from engine.run.onepass import in_key_order
from engine.run.probe import Probe, ProbeTable
from engine.run.summary_pass import SummaryPass
from engine.run.warmup import start_worker
from engine.run.workers import (EngineFailed, EvalContext, EvalTask, Parsed, ParseTask, eval_task, init_eval_worker,
                                parse_task, preload_catalog, preload_scoring, prepare_eval_worker,
                                reference_fallback)
from engine.score import RuleInfo
from engine.spool import shared_path

# One pass from bytes to finished record (onepass.py): text reports are probed, grouped, then parsed
# and evaluated in one task each. Off with a ledger (its dispatch writes to the ledger as the letters
# are numbered: numbering must not be speculative there), and for tests comparing with two phases.
ONE_PASS = True


def run_audit(inputs: list[str | Path], out: str | Path, options: AuditOptions) -> AuditRun:
    out = Path(out)
    check_output_path(out)
    # two runs on one OUT exclude each other (outdir.py); tasks reach the workers without waiting
    # for the GIL's 5 ms (interpreter.py)
    with output_lock(out), quick_handoffs():
        reclaim(out)                 # what a killed run left beside OUT
        check_output_path(out)
        return _run_locked(inputs, out, options)


def _run_locked(inputs: list[str | Path], out: Path, options: AuditOptions) -> AuditRun:
    run_outputs = [cls() for cls in outputs.RUN_OUTPUTS]     # the spreadsheet writer forks now
    season = None
    frozen = False
    try:
        # what the process holds then (the modules the rules imported, the catalog) lives as long as
        # the run: out of the collector's sight until its end (below), its collections do not walk
        # it again and again (~5 ms less before the workers fork, a few ms later: interpreter.py)
        with collector_paused(then_freeze=True):
            rules = load_rules(options)
        frozen = True
        files = expand_inputs(inputs, exclude=out)
        previous = [f for d in options.previous_dirs for f in expand_inputs([d], exclude=out)]
        season = Season.open(SeasonOptions(options.ledger, options.run_date, options.agencies, options.deadlines_file,
                                           options.by, str(out)))
        with staging_folder(out) as staging, work_folder(out) as work:
            out_ctx = OutputContext(staging, rules.office, options.run_date, rules.rule_info)
            audit = Audit(options, rules, out_ctx, Path(work), run_outputs, season)
            try:
                audit.start_workers(len(files) + len(previous))
                audit.list_inputs(files, previous)
                del files, previous          # the records and the table of files to parse hold them now
                audit.parse()
                audit.pair_and_name(lazy=bool(audit.probes))   # one pass: named as the tasks are made
                audit.evaluate()
                audit.remember()
                summary, statuses = audit.write_outputs()
            finally:
                audit.pool.close()
                audit.records.close()
                audit.store.close()
        return AuditRun(out=out, summary=summary, statuses=statuses)
    finally:
        if season is not None:
            season.close()
        for output in run_outputs:
            output.close()
        if frozen:
            gc.unfreeze()        # a process that runs again (tests, a server) collects them as before


# --------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------


@dataclass
class Rules:
    """What the run loads before reading any input (a mistake in any of it stops the run)."""
    catalog: Any
    rule_info: dict[str, RuleInfo]
    office: Office

    @property
    def digest(self) -> str:
        """The catalog's digest of the rules folder (engine.rules.catalog_digest), as findings.json gives it."""
        return "sha256:" + self.catalog.digest

    @property
    def files(self) -> int:
        return self.catalog.digest_files

    @property
    def version(self) -> str:
        return str(getattr(self.catalog, "version", "") or self.catalog.digest[:12])


def load_rules(options: AuditOptions) -> Rules:
    """Raises OfficeConfigError, ScoringConfigError, RuleLoadError (the CLI's exit codes)."""
    office = load_office(options.office_file)
    preload_scoring(options.scoring_file)   # checked here; the workers' state takes it (workers.py)
    catalog = preload_catalog(options.hooks, Path(options.rules_dir))
    return Rules(catalog, catalog_rule_info(catalog), office)


# --------------------------------------------------------------------------------------------
# The run's steps
# --------------------------------------------------------------------------------------------


class Audit(OnePassSteps):
    """One run's state as its steps fill it in: a record per input file (key -> AuditRecord, keys
    as inputs.input_records gives them, kept on disk: BaseRecords), where each parsed report is
    spilled, the pairing by body and year, and the store of finished records."""

    def __init__(self, options: AuditOptions, rules: Rules, out: OutputContext, work: Path,
                 run_outputs: list[RunOutput], season: Season):
        self.options, self.rules, self.out, self.work, self.outputs = options, rules, out, work, run_outputs
        self.season = season
        self.ledger_ids: dict[str, int] = {}           # key -> the report's row in the audit ledger
        self.progress = options.progress or (lambda _description, _total: NullProgress())
        # per-input tables in a few bytes a key (keyed.py, docs/scale.md)
        self.to_parse: MutableMapping[str, InputFile] = InputTable()
        self.spills = BlobTable()                      # key -> the parsed Report (a pickle)
        self.probes = ProbeTable()                     # key -> (the probe's prediction, its file) (one pass)
        self.naming: Naming | None = None              # one pass: the letters and pairing not yet in the records
        self.one_pass = ONE_PASS and season.ledger is None
        self.diverged = False                          # a prediction failed: outputs made ready again at the end
        self.summary_pass: SummaryPass | None = None   # the outputs' pass over the summaries, as they are final
        self.reference_only: set[str] = set()          # --previous reports: compared against, never audited
        self.mismatched: dict[str, Parsed] = {}        # key -> its full parse, where the probe was wrong
        self.failed: dict[str, EngineFailed] = {}      # key -> durable-rules' failure in a group task
        self.previous_of: dict[str, str] = {}          # key -> key of last year's report
        self.audited = KeyList()                       # the keys to evaluate, in key order (8 B a key: keyed.py)
        self.store = RecordStore(work / "records")
        self.records = BaseRecords(self.store.folder)  # key -> the record so far (on disk)
        self.ctx = EvalContext(options.hooks, str(options.rules_dir), str(options.scoring_file), out.office,
                               options.run_date, str(out.out_dir), options.limits.max_seconds, str(self.store.folder),
                               season.context)
        self.pool = SharedPool(options.jobs, start_worker, (self.ctx,), options.cluster)

    def start_workers(self, files: int) -> None:
        """The workers fork now, before this process holds anything per report (pool.py), with the
        state this process prepared for them (prepare_eval_worker); each loads the catalog's signal
        and figure sets as it starts (warmup.start_worker), while this process lists the inputs."""
        if files:
            if not self.options.cluster:
                prepare_eval_worker(self.ctx)     # once here, inherited by every worker it forks
            self.pool.jobs = max(1, min(self.options.jobs, files))
            self.pool.start()

    def list_inputs(self, files: list[InputFile], previous: list[InputFile]) -> None:
        # each record spooled as it is made (mainmem: not a dict of every input's record first)
        # one pass: each INPUT file is hashed by the worker that probes it (probe), not here while
        # the workers wait; the duplicates are found from those digests (drop_duplicates)
        found = input_records(files, previous, self.options.limits, save=self.records.save,
                              pending=self.records.pending, digest_later=self.one_pass)
        self.to_parse = found.to_parse

    def parse(self) -> None:
        """Every input parsed (its Report spilled), or — one pass — probed: its body and year
        predicted, its parse left to the task that evaluates it (onepass.py)."""
        if self.one_pass:
            self.probe()
        options = self.options
        work = str(self.work)
        tasks = TaskTable(sorted(self.to_parse), lambda key: self.parse_task(key, work))
        bar = self.progress("读取并解析", len(tasks))
        run_resilient(parse_task, tasks, options.jobs, on_done=bar.update, stall_seconds=options.stall_seconds,
                      keep=self.parsed, pools=self.pool)
        bar.close()
        self.to_parse = InputTable()

    def parse_task(self, key: str, work: str | None = None, file: InputFile | None = None) -> ParseTask:
        f = file or (self.to_parse[key] if key in self.to_parse else self.probes[key][1])
        return ParseTask(key, str(f.path), f.display, work or str(self.work), self.options.hooks, self.options.limits)

    def parsed(self, key: str, outcome: Any) -> Any:
        """A parse outcome applied to the input's record as it arrives (none is kept in memory)."""
        record, stall_seconds = self.records[key], self.options.stall_seconds
        if isinstance(outcome, Crashed) and outcome.stalled:
            outcome = Parsed("timeout", f"文件 {record.source} 处理时间过长（超过 {stall_seconds:g} 秒无响应），已跳过")
        elif isinstance(outcome, (Crashed, TaskError)):
            outcome = Parsed("broken", f"程序在读取或解析文件 {record.source} 时出错（{outcome.message}），"
                                       f"请将该文件提供给维护人员")
        outcome.apply_to(record)
        self.records.save(key, record)
        if outcome.spill is not None:
            self.spills[key] = shared_path(outcome.spill)
        return STORED

    def predicted(self, key: str) -> bool:
        """True for a probed input whose spooled record does not hold the prediction yet: it is still
        "pending" as listed (one pass: the probe's outcome is not saved per key; record_so_far applies
        it when the record is next read and saved)."""
        return self.records.statuses[key] == "pending" and key in self.probes

    def record_so_far(self, key: str, probe: Probe | None = None) -> AuditRecord:
        """The input's record so far, with the probe's prediction when it is not saved in it yet
        (`probe`: the key's prediction, when the caller has it at hand)."""
        record = self.records[key]
        # as predicted(key), from the record read anyway (its status is the one statuses holds)
        if record.status == "pending" and (probe is not None or key in self.probes):
            probe = probe or self.probes[key][0]
            Parsed("audited", None, probe.format, probe.agency, probe.year).apply_to(record)
        return record

    def pair_and_name(self, lazy: bool = False) -> None:
        """Pairs each report with last year's (and notes same-year peers), then names the letters
        and numbers them, in source order. `lazy` (one pass): each record is given its name when
        its group task is made (name), while the workers are busy, not here while they wait."""
        records, probes = self.records, self.probes
        statuses = records.statuses
        parsed = in_key_order(KeyList(k for k, status in statuses.items() if status == "audited"
                                      or (status == "pending" and k in probes)))
        # what pairing and naming read of each report, packed (8 bytes and the agency's text a report):
        # a prediction's from the probe table, any other record read back here, one at a time
        agencies, years = PackedStrings(), array("q")
        reference: set[int] = set()        # positions in `parsed` of the --previous reports
        for i, k in enumerate(parsed):
            if statuses[k] == "pending":   # predicted (self.predicted(k)): not saved with it yet
                agency, year = probes.agency_year(k)
            else:
                record = records[k]
                agency, year = record.agency, record.year
                if record.previous_only:
                    reference.add(i)
            agencies.append(agency or "")  # (None and "" name no body and the same letter)
            years.append(NO_YEAR if year is None else year)
        grouping = group_indexed(((agencies[i], None if y == NO_YEAR else y) for i, y in enumerate(years)),
                                 reference, lambda i: records.sha256(parsed[i]))
        notes: dict[str, list[str]] = {}
        for note in grouping.notes:
            for i in note.keys:
                notes.setdefault(parsed[i], []).append(note.message)
        self.previous_of = {parsed[i]: parsed[p] for i, p in grouping.previous.items()}
        same_year = {parsed[i]: [parsed[o] for o in others] for i, others in grouping.same_year.items()}
        del grouping
        self.audited = KeyList(k for i, k in enumerate(parsed) if i not in reference)
        self.reference_only = {parsed[i] for i in reference}
        packed = PackedStrings()
        for letter in letter_paths((agencies[i] or None, None if years[i] == NO_YEAR else years[i])
                                          for i in range(len(parsed)) if i not in reference):
            packed.append(letter)
        del agencies, years
        self.naming = Naming(packed, same_year, notes)
        if not lazy:
            for key in self.audited:
                self.name(key)
            self.naming = None

    def name(self, key: str, probe: Probe | None = None, save: bool = True) -> AuditRecord:
        """The record of an audited report given its letter, 文号 and pairing (pair_and_name), saved
        (`probe`: its prediction, when the caller has it at hand). `save=False` (a group task's
        member: its record travels with the task and comes back finished): not saved — naming again
        gives the same record (OnePassSteps.save_names saves those the correction steps read)."""
        naming, records = self.naming, self.records
        office, run_date = self.rules.office, self.options.run_date
        record, previous = self.record_so_far(key, probe), self.previous_of.get(key)
        sequence = self.audited.bisect_left(key)      # the index in source order (self.audited is sorted)
        record.letter = naming.letters[sequence]
        record.sequence = office.sequence_start + sequence
        record.reference_number = office.reference_number(record.sequence, run_date)
        # with a ledger, the 文号 is the one this agency, year and round had before (or the
        # next free one), and a resubmission is a 复核 round
        dispatch = self.season.dispatch(record.agency, record.year, record.sha256 or "", record.source,
                                        run_date.year, office.sequence_start,
                                        lambda seq: office.reference_number(seq, run_date))
        if dispatch is not None:
            record.sequence, record.reference_number = dispatch.sequence, dispatch.reference_number
            record.round = dispatch.round
            self.ledger_ids[key] = dispatch.report_id
        record.previous_source = records.sources[previous] if previous else None
        record.same_year_sources = [records.sources[k] for k in naming.same_year.get(key, [])]
        record.agency_notes = naming.notes.get(key, [])
        if save:
            records.save(key, record)
        return record

    def eval_task(self, key: str) -> EvalTask:
        previous = self.previous_of.get(key)
        return EvalTask(key, self.spills[key], self.spills[previous] if previous else None, self.records[key])

    def keep(self, key: str, value: Any) -> Any:
        """A finished record goes to the store at once (and is final); failures stay in memory to
        be retried."""
        if not isinstance(value, Finished):
            return value
        self.store.add(key, value)
        if not self.diverged:
            for output in self.outputs:
                output.ready(key, value.blob, value.rows)
            if self.summary_pass is not None:
                self.summary_pass.advance()
        return STORED

    def _ready(self, key: str) -> None:
        for output in self.outputs:
            output.ready(key, self.store.blobs[key])

    def start_outputs(self) -> None:
        records = self.records
        # the output order (as write_outputs sorts); tasks run in key order, which is nearly it
        order = records.ordered(self.audited)
        for output in self.outputs:
            output.start(self.out, order)
        # the records that are not evaluated are final already: in the store now, so that the
        # outputs' pass over every summary (summary_pass.py) goes on past them while the workers
        # evaluate (--previous inputs: not in that pass, stored at the end)
        # (the keys' codes walked, not their strings: a pass over every input while the workers wait)
        audited = bytearray(max(self.audited._codes, default=-1) + 1)    # a byte a code: no set of them
        for code in self.audited._codes:
            if code >= 0:
                audited[code] = 1
        keys = records.statuses.key_list(without_prefix="prev")
        for i, code in enumerate(keys._codes):
            if 0 <= code < len(audited) and audited[code]:
                continue
            key = keys[i]
            at = self.audited.bisect_left(key) if code < 0 else len(self.audited)   # a key of a test's own
            if key not in self.store and (at == len(self.audited) or self.audited[at] != key):
                self.store.put(key, records[key])
        self.summary_pass = SummaryPass(records.ordered(keys), self.store, self.outputs)

    def restart_outputs(self) -> None:
        """After a failed prediction some records were made ready before they were final: the run
        outputs start again, with every record final."""
        for output in self.outputs:
            output.close()
        if self.summary_pass is not None:
            self.summary_pass.close()
            self.summary_pass = None             # read again at the end, every record final
        self.outputs[:] = [cls() for cls in outputs.RUN_OUTPUTS]
        self.start_outputs()
        for key in self.audited:
            if key in self.store:
                self._ready(key)

    def evaluate(self) -> None:
        """Every audited report evaluated, scored and its per-report outputs written; then every
        record (evaluated or not) is in the store."""
        options, records = self.options, self.records
        for cls in outputs.REPORT_OUTPUTS:
            cls.prepare(self.out.out_dir)
        ctx = self.ctx
        self.start_outputs()
        if self.probes:
            evaluated = self.evaluate_groups()
        else:
            bar = self.progress("审核", len(self.audited))
            evaluated = run_resilient(eval_task, TaskTable(self.audited, self.eval_task), options.jobs,
                                      on_done=bar.update, stall_seconds=options.stall_seconds, keep=self.keep,
                                      pools=self.pool)
            bar.close()
        self.pool.release()             # the workers exit while this process goes on
        retries = sorted(k for k, v in evaluated.items() if isinstance(v, (TaskError, EngineFailed)))
        if retries or any(isinstance(v, Crashed) for v in evaluated.values()):
            self.pool.close()           # the workers gone before any other is forked
        # A durable-rules failure raised as an exception may come from the state the worker built up
        # on earlier reports: retry each such report alone in a fresh worker first.
        for key in retries:
            retry = run_resilient(eval_task, {key: self.eval_task(key)}, 1, init_eval_worker, (ctx,),
                                  stall_seconds=options.stall_seconds, keep=self.keep, cluster=options.cluster)
            evaluated[key] = EngineFailed(retry[key].message) if isinstance(retry[key], TaskError) else retry[key]
        failed = sorted(k for k, v in evaluated.items() if isinstance(v, (Crashed, EngineFailed)))
        if failed:
            init_eval_worker(ctx)     # this process now plays the worker, with the reference engine
            for key in failed:
                self.store.put(key, reference_fallback(self.eval_task(key), evaluated[key].message))
                if not self.diverged:
                    self._ready(key)
        if self.diverged:
            self.restart_outputs()
        for key in records:
            if key not in self.store:               # not evaluated: the status record is all there is
                self.store.put(key, records[key])

    def remember(self) -> None:
        """The ledger learns each evaluated report's findings (ids, charge, in the letter or not)."""
        for key, report_id in self.ledger_ids.items():
            if key in self.store:
                self.season.remember(report_id, json.loads(self.store.text(key)).get("findings") or [])

    def write_outputs(self) -> tuple[dict[str, Any], Counter]:
        """Every run-level output written; returns findings.json's summary and the statuses."""
        run = self.finished_run()
        for output in self.outputs:
            output.write(run)
        for output in self.outputs:
            output.wait()
        return run.head["summary"], Counter(self.counts.by_status)

    def finished_run(self) -> FinishedRun:
        records, store = self.records, self.store
        # in output order, a few bytes a key (keyed.py: no sort when inputs are numbered by source)
        report_keys = records.ordered(records.statuses.key_list(without=store.previous_only))
        # the summaries are read back from disk one at a time, once for every output here
        # (read_summaries: the outputs' observers), never all in memory at once
        summaries = store.slims(report_keys)
        counts = self.summary_pass.complete(report_keys) if self.summary_pass is not None else None
        self.summary_pass = None
        self.counts = counts or read_summaries(summaries, self.outputs)
        head = document_head(self.counts, tool_version=__version__, rules_version=self.rules.version,
                             rules_digest=self.rules.digest, rule_files=self.rules.files,
                             run_date=self.options.run_date, office=self.rules.office)
        if self.season.context.registry:
            head["missing_agencies"] = self.season.missing_agencies(
                s.agency for s in summaries if s.status == "audited")
        previous_inputs = previous_inputs_of(store.slims(records.ordered(sorted(store.previous_only))))
        return FinishedRun(head, summaries, previous_inputs, self.rules.rule_info, store.blobs.view(report_keys),
                           passed=counts is not None)


@dataclass
class Naming:
    """What pair_and_name gives the audited reports: each one's letter path (in self.audited's
    order), same-year peers and agency notes."""
    letters: PackedStrings      # a few bytes beyond the text a report (keyed.py), kept while the tasks are made
    same_year: dict[str, list[str]]
    notes: dict[str, list[str]]


def previous_inputs_of(summaries: Iterable[AuditSummary]) -> list[dict[str, Any]]:
    """findings.json's `previous_inputs`: a --previous report read as a report is `parsed` (it was
    compared against, not audited)."""
    out = []
    for s in summaries:
        item = {"source": s.source, "status": s.status, "message": s.message, "agency": s.agency, "year": s.year}
        if item["status"] == "audited":
            item["status"] = "parsed"
        out.append(item)
    return out
