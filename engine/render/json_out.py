"""OUT/findings.json: the machine-readable audit, described by schemas/findings.schema.json.

Every other output (letters, index.html, spreadsheets) renders from this same document, so they can
never disagree with it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import jsonschema

from engine import SCHEMAS_DIR
from engine.model import AuditRecord, RecordHead
from engine.render.labels import STATUS_LABELS
from engine.render.office import Office
from engine.render.output import FinishedRun, RunOutput

FINDINGS_SCHEMA = SCHEMAS_DIR / "findings.schema.json"
FORMAT_ID = "xxgk-audit/findings/1"


def document_head(reports: Iterable[RecordHead], *, tool_version: str, rules_version: str, rules_digest: str,
                  rule_files: int, run_date: dt.date, office: Office) -> dict[str, Any]:
    """Everything in findings.json before `reports`; `reports` may be AuditSummary objects (status,
    findings' severities) — that is all the summary needs."""
    by_status = Counter(r.status for r in reports)
    severities = Counter(f.severity for r in reports for f in r.findings)
    return {
        "format": FORMAT_ID,
        "tool": {"name": "xxgk-audit", "version": tool_version},
        "rules": {"version": rules_version, "digest": rules_digest, "files": rule_files},
        "run_date": run_date.isoformat(),
        "office": office.to_json(),
        "summary": {
            "inputs": len(reports),
            "by_status": {s: by_status[s] for s in STATUS_LABELS if by_status[s]},
            "findings": {s: severities.get(s, 0) for s in ("error", "warning", "info")},
            "engine_fallbacks": sum(1 for r in reports if r.engine_fallback),
        },
    }


def report_text(record: AuditRecord) -> str:
    """One report's JSON as it appears inside findings.json's `reports` list."""
    return _nested(record.to_json(), 4)


def write_findings_stream(path: Path, head: dict[str, Any], reports: Iterable[str],
                          previous_inputs: list[dict[str, Any]]) -> None:
    """findings.json written report by report (`reports`: each report's report_text(), read from
    disk one at a time), laid out exactly as json.dumps(document, indent=2) would."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("{\n")
        for key, value in head.items():
            fh.write(f"  {json.dumps(key)}: {_nested(value, 2)},\n")
        fh.write('  "reports": [')
        first = True
        for text in reports:
            fh.write(("\n" if first else ",\n") + "    " + text)
            first = False
        fh.write("]" if first else "\n  ]")
        fh.write(f',\n  "previous_inputs": {_nested(previous_inputs, 2)}\n}}\n')


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


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class FindingsJson(RunOutput):
    """The Output that writes OUT/findings.json, streamed record by record."""

    def write(self, run: FinishedRun) -> None:
        write_findings_stream(self.ctx.out_dir / "findings.json", run.head, run.texts(), run.previous_inputs)
