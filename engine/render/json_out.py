"""OUT/findings.json: the machine-readable audit, described by schemas/findings.schema.json.

Every other output (letters, index.html, spreadsheets) renders from this same document, so they can
never disagree with it. The same report records are also in OUT/findings.jsonl, one per line
(engine/render/jsonl_out.py). findings.json holds them in its `reports` list only while they total
at most INLINE_MAX_BYTES (a few thousand reports); above that `reports` is left out
(`reports_inline`: false) and findings.jsonl is the one place they are: a 160,000-report run would
otherwise write them twice, and findings.json would be a 2.4 GB document no reader can load.
Readers go through `load_findings` / `iter_reports`, which work either way (docs/outputs.md).

    document_head(...)          the top-level keys before `reports`
    report_text(record)         one report's JSON on one line (engine/render/record_text.py)
    load_findings(out_dir)      findings.json with `reports` filled in from findings.jsonl if left out
    iter_reports(out_dir)       the report records one at a time, whichever file holds them
    located_reports(out_dir)    the same with where each is in findings.jsonl; report_at reads one again
    letters_table(summaries)    the top-level `letters` table: agency/report → letter files
"""
from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import jsonschema
from referencing import Registry, Resource

from engine import SCHEMAS_DIR
from engine.model import RecordHead
from engine.render import posix_names
from engine.render.labels import STATUS_LABELS
from engine.render.office import Office
from engine.render.output import FinishedRun, RunCounts, RunOutput
# the record's text (engine/render/record_text.py); report_text and flat_view here too for the readers that
# take them from here (benchmarks/stages.py --against an older commit, where only json_out has them)
from engine.render.record_text import _encode_report, _json_default, flat_view, report_text  # noqa: F401

FINDINGS_SCHEMA = SCHEMAS_DIR / "findings.schema.json"
LINE_SCHEMA = SCHEMAS_DIR / "findings-line.schema.json"
FORMAT_ID = "xxgk-audit/findings/1"
FINDINGS_FILE = "findings.json"
REPORTS_FILE = "findings.jsonl"
# findings.json keeps its `reports` list up to this many bytes of report records (the seeds' records
# are ~5-15 KB each: some 2,000-6,000 reports). A reader then needs a few hundred MB at most.
INLINE_MAX_BYTES = 32 * 1024 * 1024


def document_head(reports: Iterable[RecordHead] | RunCounts, *, tool_version: str, rules_version: str,
                  rules_digest: str, rule_files: int, run_date: dt.date, office: Office) -> dict[str, Any]:
    """Everything in findings.json before `reports`; `reports` may be AuditSummary objects (status,
    findings' severities) — that is all the summary needs — or their RunCounts, counted already."""
    counts = reports if isinstance(reports, RunCounts) else RunCounts.of(reports)
    by_status, severities = counts.by_status, counts.severities
    return {
        "format": FORMAT_ID,
        "tool": {"name": "xxgk-audit", "version": tool_version},
        "rules": {"version": rules_version, "digest": rules_digest, "files": rule_files},
        "run_date": run_date.isoformat(),
        "office": office.to_json(),
        "summary": {
            "inputs": counts.inputs,
            "by_status": {s: by_status[s] for s in STATUS_LABELS if by_status[s]},
            "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
            "engine_fallbacks": counts.engine_fallbacks,
        },
    }


def write_findings_stream(path: Path, head: dict[str, Any], reports: Iterable[str | bytes] | None,
                          previous_inputs: list[dict[str, Any]], letters: Iterable[str | dict[str, Any]] = ()) -> None:
    """findings.json written report by report (`reports`: each report's report_text(), as text or
    as its UTF-8 bytes read from disk one at a time; None: left out, they are in findings.jsonl;
    `letters`: the entries, or each one's JSON text json.dumps(entry, ensure_ascii=False)), laid out
    as json.dumps(document, indent=2) would, except that each entry of `reports` and of `letters` is
    on one line (the reports exactly as in findings.jsonl). Written as bytes: a record's spooled
    text is copied, not decoded and encoded again."""
    with open(path, "wb", buffering=1 << 20) as fh:      # records of ~10 KiB gathered in 1 MiB writes
        fh.write(b"{\n")
        for key, value in head.items():
            fh.write(f"  {json.dumps(key)}: {_nested(value, 2)},\n".encode())
        if reports is not None:
            fh.write(b'  "reports": [')
            _write_items(fh, reports)
            fh.write(b",\n")
        fh.write(b'  "letters": [')
        _write_items(fh, (e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in letters))
        fh.write(f',\n  "previous_inputs": {_nested(previous_inputs, 2)}\n}}\n'.encode())


def _write_items(fh: Any, texts: Iterable[str | bytes]) -> None:
    first = True
    for text in texts:
        fh.write(b"\n    " if first else b",\n    ")
        fh.write(text if isinstance(text, bytes) else text.encode())
        first = False
    fh.write(b"]" if first else b"\n  ]")


def letters_table(summaries: Iterable[RecordHead]) -> Iterator[dict[str, Any]]:
    """findings.json's `letters`: for each report with a letter, in `reports` order, its agency,
    year and source and the letter files (HTML and DOCX, relative to OUT). File names are made
    safe (engine/render/letters.py safe_stem: no control, bidi or reserved characters, no # % ?,
    bounded bytes, no Windows device names) and numbered when two reports share a name, so the
    name alone may not say whose letter it is: `name_changed` marks those whose file name is not
    exactly "<agency>-<year>"."""
    for s in summaries:
        if s.letter:
            yield letter_entry(s)


def letter_entry(s: RecordHead) -> dict[str, Any]:
    """One report's entry of `letters` (letters_table)."""
    stem, docx = posix_names.stem_and_docx(s.letter)
    return {"source": s.source, "agency": s.agency, "year": s.year, "html": s.letter, "docx": docx,
            "name_changed": stem != f"{s.agency}-{s.year if s.year is not None else '年度不详'}"}


def load_findings(out_dir: str | Path) -> dict[str, Any] | None:
    """OUT/findings.json as one document, with `reports` read from findings.jsonl when the run left
    them out of it (a large run: this holds every record in memory — prefer iter_reports there).
    None when OUT has no findings.json."""
    path = Path(out_dir) / FINDINGS_FILE
    if not path.is_file():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    if "reports" not in document:
        document["reports"] = list(_lines(Path(out_dir) / document.get("reports_file", REPORTS_FILE)))
    return document


def iter_reports(out_dir: str | Path) -> Iterator[dict[str, Any]]:
    """The report records of OUT, one at a time, in `reports` order: from findings.jsonl (every run
    writes it), else from findings.json (a result written before findings.jsonl existed)."""
    return (record for _offset, _length, record in located_reports(out_dir))


def located_reports(out_dir: str | Path) -> Iterator[tuple[int | None, int | None, dict[str, Any]]]:
    """iter_reports' records, each with where its line is in findings.jsonl: (byte offset, length,
    record); (None, None, record) for a result without findings.jsonl. A reader that keeps the
    places reads one record again alone (report_at: the web app's results index)."""
    lines = Path(out_dir) / REPORTS_FILE
    if lines.is_file():
        yield from _located_lines(lines)
        return
    document = load_findings(out_dir)
    for record in document["reports"] if document else []:
        yield None, None, record


def report_at(out_dir: str | Path, offset: int, length: int) -> dict[str, Any] | None:
    """The record whose line located_reports found at `offset` (`length` bytes) of findings.jsonl;
    None when the file is gone or no longer holds a whole record there (OUT replaced since)."""
    try:
        with open(Path(out_dir) / REPORTS_FILE, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
        return json.loads(data) if len(data) == length else None
    except (FileNotFoundError, ValueError):
        return None


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    return (record for _offset, _length, record in _located_lines(path))


def _located_lines(path: Path) -> Iterator[tuple[int, int, dict[str, Any]]]:
    with open(path, "rb") as fh:
        offset = 0
        for line in fh:
            if line.strip():
                yield offset, len(line), json.loads(line)
            offset += len(line)


def _nested(value: Any, indent: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=_json_default)
    return text.replace("\n", "\n" + " " * indent)


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n"


def validate_findings(document: dict[str, Any]) -> list[str]:
    """Schema problems of a findings document, as "path: message" strings (empty when valid)."""
    schema = json.loads(FINDINGS_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(json.loads(dumps(document))), key=lambda e: list(e.absolute_path))]


def validate_report_line(line: str) -> list[str]:
    """Problems of one line of findings.jsonl (one line of JSON, valid against
    schemas/findings-line.schema.json, which refers to findings.schema.json's report)."""
    if "\n" in line.rstrip("\n"):
        return ["(line): 一行只能有一份报告记录"]
    try:
        record = json.loads(line)
    except ValueError as exc:
        return [f"(line): 不是合法的 JSON：{exc}"]
    findings = json.loads(FINDINGS_SCHEMA.read_text(encoding="utf-8"))
    registry = Registry().with_resource(findings["$id"], Resource.from_contents(findings))
    schema = json.loads(LINE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))]


class FindingsJson(RunOutput):
    """The Output that writes OUT/findings.json, streamed record by record; the records only while
    they total at most INLINE_MAX_BYTES (otherwise they are in findings.jsonl only). Its `letters`
    entries are written to a temporary file while the run reads the summaries once (observer), and
    copied from there: nothing per report is kept in memory."""

    def __init__(self) -> None:
        self._letters: Any = None          # the `letters` entries, one JSON text a line

    def observer(self) -> Callable[[RecordHead], None]:
        self.close()
        self._letters = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n", prefix="xxgk-letters-")
        return self._observe

    def _observe(self, summary: RecordHead) -> None:
        if summary.letter:
            # json.dumps(…, ensure_ascii=False) with its C encoder built once (not once a report)
            self._letters.write(_encode_report(letter_entry(summary)) + "\n")

    def _observed_letters(self) -> Iterator[str]:
        self._letters.seek(0)
        for line in self._letters:
            yield line[:-1]

    def write(self, run: FinishedRun) -> None:
        inline = sum(blob.length for blob in run.blobs.values()) <= INLINE_MAX_BYTES
        head = {**run.head, "reports_file": REPORTS_FILE, "reports_inline": inline}
        letters = (self._observed_letters() if self._letters is not None
                   else (_encode_report(entry) for entry in letters_table(run.summaries)))
        write_findings_stream(self.ctx.out_dir / FINDINGS_FILE, head, run.raw_texts() if inline else None,
                              run.previous_inputs, letters)
        self.close()

    def close(self) -> None:
        if self._letters is not None:
            self._letters.close()
            self._letters = None
