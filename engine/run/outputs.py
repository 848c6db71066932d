"""The list of outputs the run writes, and the spreadsheet writer's side process.

    REPORT_OUTPUTS   one file per audited report, written by the evaluation workers
    RUN_OUTPUTS      files written once per run, from every record

The interface is engine/render/output.py (ReportOutput, RunOutput, OutputContext, FinishedRun).
To add a format — say a DOCX letter — write one module with one class:

    # engine/render/docx_letters.py
    class DocxLetters(ReportOutput):
        folder = "letters"                          # created under OUT before any report is evaluated
        def __init__(self, ctx): ...                # once per worker: load templates here
        def write(self, record: AuditRecord): ...   # one report: write under ctx.out_dir

and add it to REPORT_OUTPUTS below (a per-run format: a RunOutput subclass with `write(run)`, added
to RUN_OUTPUTS). Nothing else changes: the run prepares the folders, hands every output the same
records, and moves everything written under ctx.out_dir into OUT atomically at the end.

Spreadsheets: summary.xlsx and summary.csv are written by a process forked when the run starts, so
that importing its modules happens on the core the main process leaves idle while
it loads the rules, not at the end of the run. A plain forked Process with a pipe (no executor
thread in this process while the worker pools fork later). Messages, in this order:

    start(run_date, order, out_dir, rule_info)
                                the keys whose records can have findings, in output order
    ready([(key, blob, rows)], [summary])
                                those keys' records are final, spooled at blob, their 问题 rows at
                                rows (None: read the record) — any order, a few dozen a message;
                                and where the next summaries of the run's summary pass are spooled
                                (summary_pass.py: every report's, in output order, as they are final)
    finish(run, out_dir)        every record is final: the FinishedRun

Between start and finish the writer fills the 问题 sheet with every record of `order` whose
predecessors are all ready, and the 报告 sheet and summary.csv with the summaries of the pass, so
most of the workbook is written while the workers are still evaluating; finish writes the rest
(all of 报告 again should the pass not have covered the run's reports: FinishedRun.passed) and
packs the workbook.
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any, Callable

from engine.model import AuditRecord
from engine.render.dashboard import Dashboard
from engine.render.json_out import FindingsJson
from engine.render.jsonl_out import FindingsLines, is_subsequence
from engine.render.docx_letter import DocxLetters
from engine.render.letters import HtmlLetters
from engine.render.output import FinishedRun, OutputContext, ReportOutput, RunOutput
from engine.run.keyed import KeyList
from engine.run.lifeline import die_with_parent, name_process
from engine.spool import Blob, SpoolReader


class Spreadsheets(RunOutput):
    """The Output that writes OUT/summary.xlsx and OUT/summary.csv, in a side process (above)."""

    # ready records sent to the writer in messages of this many: one message a record cost the main
    # process a pickle and a write, and the writer a read, per report
    BATCH = 32

    def __init__(self) -> None:
        self._answered = False                 # wait() has the writer's answer: it exits on its own
        self._batch: list[tuple[str, Blob, Blob | None]] = []
        self._summaries: list[Blob] = []       # the summary pass's, in its order
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_table_writer_main, args=(child, os.getpid()), name="xxgk-audit-tables",
                                 daemon=True)
        self._proc.start()
        child.close()

    def start(self, ctx: OutputContext, order: list[str]) -> None:
        super().start(ctx, order)
        self._conn.send(("start", ctx.run_date, order, ctx.out_dir, ctx.rule_info))

    def ready(self, key: str, blob: Blob, rows: Blob | None = None) -> None:
        self._batch.append((key, blob, rows))
        if len(self._batch) >= self.BATCH:
            self._flush()

    def summary_sink(self) -> Callable[[Blob], None]:
        return self._summary

    def _summary(self, blob: Blob) -> None:
        self._summaries.append(blob)
        if len(self._summaries) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch or self._summaries:
            self._conn.send(("ready", self._batch, self._summaries))
            self._batch, self._summaries = [], []

    def write(self, run: FinishedRun) -> None:
        self._flush()
        # `run.summaries` travels as the list of where each summary is
        self._conn.send(("finish", run, self.ctx.out_dir))

    def wait(self) -> None:
        """Waits for the spreadsheets (written and closed when the writer answers); an exception in
        the writer is raised here. The writer's exit is joined by close(), at the run's very end:
        meanwhile the run joins its workers and moves its outputs into place (the exit of a process
        is ~1–2 ms of the kernel freeing its pages, which the run waited for here)."""
        try:
            outcome = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise RuntimeError(f"写表格的子进程异常退出（退出码 {self._proc.exitcode}）") from None
        self._answered = True
        if isinstance(outcome, BaseException):
            raise outcome

    def close(self) -> None:
        # after wait() the writer has answered and exits on its own; otherwise the run failed: it
        # has nothing to finish
        self._conn.close()
        if not self._answered and self._proc.is_alive():
            self._proc.kill()
        self._proc.join()


class FindingsStream:
    """The writer's side of start/ready: the 问题 sheet filled in `order` as far as records are ready;
    with `out_dir` and `rule_info`, the 报告 sheet and summary.csv (tables.ReportStream) filled with
    the summaries of the run's summary pass as they come (summary)."""

    def __init__(self, run_date: dt.date, order: list[str], out_dir: Path | None = None,
                 rule_info: dict[str, Any] | None = None):
        from engine.render import tables     # lazy: imported in the writer process only

        self.run_date = run_date
        self.order = order
        self.done = 0                      # order[:done] are in the sheet
        self.ready_blobs: dict[str, tuple[Blob, Blob | None]] = {}
        self.book = tables.SummaryWorkbook(run_date)
        self.reader = SpoolReader()
        self.reports = None
        if out_dir is not None and rule_info is not None:
            self.reports = tables.ReportStream(self.book, out_dir, tables.scoring_categories(rule_info))

    def summary(self, blob: Blob) -> None:
        """The next summary of the run's summary pass (output order): its 报告 and summary.csv rows."""
        if self.reports is not None:
            self.reports.add(self.reader.object(blob))

    def record(self, blob: Blob) -> AuditRecord:
        return AuditRecord.from_json(json.loads(self.reader.text(blob)))

    def ready(self, key: str, blob: Blob, rows: Blob | None = None) -> None:
        """That key's record is final: its findings.json text at `blob`, its 问题 rows at `rows`
        (finding_rows.finding_values, spooled by the worker; None: made here from the text)."""
        self.ready_blobs[key] = (blob, rows)
        while self.done < len(self.order) and self.order[self.done] in self.ready_blobs:
            blob, rows = self.ready_blobs.pop(self.order[self.done])
            if rows is not None:
                self.book.add_finding_values(self.reader.object(rows))
            else:
                self.book.add_findings([self.record(blob)])
            self.done += 1

    def close(self) -> None:
        self.reader.close()
        if self.reports is not None:
            self.reports.close()

    def remaining(self) -> list[str]:
        return self.order[self.done:]


def _table_writer_main(conn: Any, parent_pid: int) -> None:
    die_with_parent(parent_pid)      # a killed run leaves no writer behind (lifeline.py)
    name_process("xxgk-tables")
    try:
        # lazy, deliberately: the writer's modules are imported here, in the forked writer, on the
        # core the main process leaves idle while it loads the rules — never in the main process
        from engine.render import tables             # noqa: F401
        stream: FindingsStream | None = None
        failure: BaseException | None = None         # raised in the main process at finish
        while True:
            message = conn.recv()
            if message[0] == "finish":
                break
            try:
                if failure is not None:
                    continue
                if message[0] == "start":
                    stream = FindingsStream(*message[1:])
                elif message[0] == "ready" and stream is not None:
                    for item in message[1]:
                        stream.ready(*item)
                    for blob in message[2]:
                        stream.summary(blob)
            except Exception as exc:    # noqa: BLE001 — handed to the main process at finish
                failure = exc
    except (EOFError, KeyboardInterrupt, OSError):   # the run ended (or was interrupted) before finish
        return
    try:
        if failure is not None:
            raise failure
        _write_tables(*message[1:], stream=stream)
        outcome: BaseException | None = None
    except BaseException as exc:     # noqa: BLE001 — handed to the main process, raised there
        outcome = exc
    finally:
        if stream is not None:
            stream.close()
    try:
        conn.send(outcome)
    except Exception:                # noqa: BLE001 — an exception that does not pickle
        conn.send(RuntimeError(f"{type(outcome).__name__}：{outcome}"))


def _write_tables(run: FinishedRun, out_dir: Path, stream: FindingsStream | None) -> None:
    from engine.render import tables     # lazy: already imported by _table_writer_main

    if stream is None:
        raise RuntimeError("写表格的子进程没有收到审核开始的消息")
    # the 问题 sheet is in output order: `order` must be that order, and no other record may carry
    # findings (only evaluated reports do)
    # one walk over both orders: no set or list of every key (docs/scale.md)
    order, j = stream.order, 0
    keys = getattr(run.blobs, "keys_in_order", None)
    if not (isinstance(order, KeyList) and keys is not None and order.same(keys())):   # every report evaluated
        if not is_subsequence(order, run.blobs):
            raise RuntimeError("问题表的报告顺序与 findings.json 不一致")
        for i, key in enumerate(run.blobs):        # only the records never streamed are read here
            if j < len(order) and key == order[j]:
                j += 1
            elif run.summaries[i].findings:
                raise RuntimeError(f"报告 {run.summaries[i].source} 有问题记录，但未经审核流程")
    rest = stream.remaining()
    # the 报告 rows written from the summary pass stand when that pass was over these very reports
    reports = stream.reports
    if reports is not None and not (run.passed and reports.rows == len(run.summaries)):
        reports.close()
        stream.book.restart_reports()
        reports = stream.reports = None
    tables.write_tables(run.overview, out_dir, stream.run_date, workbook=stream.book,
                        findings_of=lambda: (stream.record(run.blobs[k]) for k in rest), rule_info=run.rule_info,
                        reports=reports)


# The outputs, in the order they are written: the spreadsheets first (their side process then works
# while this one writes the others).
REPORT_OUTPUTS: tuple[type[ReportOutput], ...] = (HtmlLetters, DocxLetters)
RUN_OUTPUTS: tuple[type[RunOutput], ...] = (Spreadsheets, FindingsLines, FindingsJson, Dashboard)
