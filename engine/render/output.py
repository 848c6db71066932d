"""The Output interface: what every format the run writes implements.

Two kinds, both listed in engine/run/outputs.py (REPORT_OUTPUTS, RUN_OUTPUTS):

    ReportOutput   one file per audited report (the HTML letter), written by the evaluation worker
                   right after it scored the report, from its AuditRecord.
    RunOutput      one file (or a few) per run, from every record (findings.json, index.html,
                   summary.xlsx + summary.csv), written by the main process at the end.

Adding a format is one module with one class implementing one of these, plus one line in
engine/run/outputs.py. The run never holds every record in memory: a RunOutput reads the records
through `FinishedRun` (slim summaries for overviews, full records one at a time for details).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.model import AuditRecord, AuditSummary, RecordHead
from engine.render.office import Office
from engine.score import RuleInfo
from engine.spool import Blob, read_blob, read_text


@dataclass(frozen=True)
class OutputContext:
    """What every output may need besides the records (picklable: it travels to the workers)."""
    out_dir: Path            # the run's staging folder, moved into place as OUT when the run succeeds
    office: Office           # the reviewing office (name, 文号, deadline)
    run_date: dt.date        # the only date an output may carry (outputs are deterministic)
    # the catalog's rules (titles, scoring categories) for the run outputs; None in the workers
    rule_info: dict[str, RuleInfo] | None = field(default=None, compare=False)


class ReportOutput:
    """A file per audited report. An instance is made once per worker process (load templates in
    __init__), then `write` is called for each report that worker evaluated."""

    folder: str = ""         # created under OUT before any report is evaluated (prepare)

    def __init__(self, ctx: OutputContext):
        self.ctx = ctx

    @classmethod
    def prepare(cls, out_dir: Path) -> None:
        """Called once per run in the main process, before any worker starts."""
        if cls.folder:
            (out_dir / cls.folder).mkdir(parents=True, exist_ok=True)

    def write(self, record: AuditRecord) -> None:
        raise NotImplementedError


@dataclass
class FinishedRun:
    """Every record of a finished run, as the run-level outputs read them, in output order (by
    source path). `summaries` is read back from disk as it is iterated (it may be iterated several
    times); `records()` and `texts()` read the full records one at a time."""
    head: dict[str, Any]                   # findings.json before `reports` (json_out.document_head)
    summaries: Sequence[AuditSummary]      # every input file except --previous ones
    previous_inputs: list[dict[str, Any]]  # the --previous inputs: source, status, message, agency, year
    rule_info: dict[str, RuleInfo]         # rule metadata by id (titles of rules that no report fails)
    blobs: dict[str, Blob]                 # the findings.json text of each record of `summaries`, in order
    # the summaries went through the run's summary pass while it evaluated, each given to the outputs'
    # summary sinks once, in this order (summary_pass.py): what a sink made of them stands
    passed: bool = False

    @property
    def overview(self) -> dict[str, Any]:
        """findings.json's document with slim records: what the dashboard renders."""
        return {**self.head, "reports": self.summaries, "previous_inputs": self.previous_inputs}

    def texts(self) -> Iterator[str]:
        """Each record's JSON text, as it appears in findings.json's `reports`."""
        return (read_text(b) for b in self.blobs.values())

    def raw_texts(self) -> Iterator[bytes]:
        """The same texts as UTF-8 bytes, as they are spooled (one descriptor per spool file)."""
        fds: dict[str, int] = {}
        try:
            for blob in self.blobs.values():
                fd = fds.get(blob.path)
                if fd is None:
                    fd = fds[blob.path] = os.open(blob.path, os.O_RDONLY)
                data = os.pread(fd, blob.length, blob.offset)
                yield data if len(data) == blob.length else read_blob(blob)   # read_blob says what is wrong
        finally:
            for fd in fds.values():
                os.close(fd)

    def records(self) -> Iterator[AuditRecord]:
        return (AuditRecord.from_json(json.loads(t)) for t in self.texts())


@dataclass
class RunCounts:
    """What findings.json's `summary` counts of the reports (json_out.document_head), gathered in the
    one pass over them (read_summaries)."""
    inputs: int = 0
    by_status: Counter = field(default_factory=Counter)
    severities: Counter = field(default_factory=Counter)
    engine_fallbacks: int = 0

    def add(self, r: RecordHead) -> None:
        self.inputs += 1
        self.by_status[r.status] += 1
        self.severities.update(f.severity for f in r.findings)
        self.engine_fallbacks += bool(r.engine_fallback)

    @classmethod
    def of(cls, reports: Iterable[RecordHead]) -> "RunCounts":
        counts = cls()
        for r in reports:
            counts.add(r)
        return counts


def read_summaries(summaries: Iterable[AuditSummary], outputs: Iterable["RunOutput"]) -> RunCounts:
    """The one pass of the main process over every report's summary (read back from disk one at a
    time): the counts of findings.json's summary, and what each output gathers (its observer)."""
    counts = RunCounts()
    observers = [counts.add, *(o for o in (output.observer() for output in outputs) if o is not None)]
    for summary in summaries:
        for observe in observers:
            observe(summary)
    return counts


class RunOutput:
    """Files written once per run. Instances are made when the run starts, before the rules load
    (an output may start a side process then: the spreadsheets do). The run calls, in this order:
    start(ctx, order) once the evaluated reports' output order is known; ready(key, blob, rows) as
    each of their records is final (in any order; an output may render it at once); observer() and the
    summaries through it once every record is known (read_summaries); write(run) when every
    record is known; wait() after every output's write (an error in a side process is raised there);
    close() always, even when the run failed."""

    def start(self, ctx: OutputContext, order: list[str]) -> None:
        self.ctx = ctx

    def observer(self) -> Callable[[AuditSummary], None] | None:
        """What this output does with each summary while the run reads them all once, in output
        order, before any write() (read_summaries): an output that needs every report (a count, a
        ranking) gathers it here instead of reading `run.summaries` again. None: nothing."""
        return None

    def summary_sink(self) -> Callable[[Blob], None] | None:
        """Where this output is told, in the same pass as observer() and in output order, where
        each summary is spooled (a pickled AuditSummary) — for an output that reads the summaries in
        another process. Only the pass made while the run evaluates (summary_pass.py) feeds it;
        FinishedRun.passed says whether that pass covered `run.summaries` exactly. None: nothing."""
        return None

    def ready(self, key: str, blob: Blob, rows: Blob | None = None) -> None:
        """`blob`: the record's findings.json text; `rows`: its summary.xlsx 问题 rows, pickled
        (finding_rows.finding_values), when the worker that finished it spooled them."""

    def write(self, run: FinishedRun) -> None:
        raise NotImplementedError

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass
