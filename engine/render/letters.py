"""OUT/letters/<agency>-<year>.html: one 审核意见书 per audited report, ready to send.

    letter_env() -> jinja2.Environment                  autoescape on: report text is always escaped
    assign_letter_names([(agency, year), ...]) -> [file name, ...]   safe and unique, in the given order
    render_letter(record, office, run_date, env) -> str    record: an AuditRecord
    HtmlLetters                                          the Output (engine/render/output.py) that writes them
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

import jinja2

from engine.model import AuditRecord, Diagnostic
from engine.render.labels import CELL_KIND_LABELS, SEVERITY_LABELS, TABLE_LABELS, part_label
from engine.render.office import Office
from engine.render.output import OutputContext, ReportOutput
from engine.template import describe_address

LEGAL_BASIS = ("《中华人民共和国政府信息公开条例》第四十七条、第五十条和《国务院办公厅政府信息与政务公开办公室"
               "关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）")

# Characters Windows, macOS or Linux forbid in file names, plus controls and white space.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s#%&{}$!`\'=+@;^~\[\],]+')
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}
_MAX_STEM = 60
_MAX_STEM_BYTES = 120       # + "-年度不详-NNN.html" stays far below 255 bytes
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
MAX_CELLS_LISTED = 8      # a finding about a whole row lists its first cells and counts the rest


def letter_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("engine.render", "templates"),
        autoescape=True,                  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    env.filters["cell"] = describe_address
    env.filters["part"] = part_label
    env.filters["table"] = lambda t: TABLE_LABELS.get(t, t or "")
    env.filters["severity"] = lambda s: SEVERITY_LABELS.get(s, s)
    env.filters["num"] = format_number
    env.filters["shown_value"] = shown_value
    env.globals["MAX_CELLS_LISTED"] = MAX_CELLS_LISTED
    return env


def shown_value(value: Any) -> str | None:
    """The stated value of a cell as the letter shows it: numbers, and short text (—, 无, 空白);
    a long text (a whole source row) is already quoted as 原文 and not repeated per cell."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return format_number(value)
    text = str(value).strip()
    if text in CELL_KIND_LABELS:      # evidence carries the cell's kind where no number was stated
        return CELL_KIND_LABELS[text]
    return text if 0 < len(text) <= 12 else None


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def format_number(value: Any) -> str:
    if value is None:
        return "（未填写）"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def safe_stem(agency: str | None, year: int | None) -> str:
    """A letter's file name stem from a safe subset of the agency's name: no control, format (bidi
    overrides such as U+202E), private-use, unassigned or white-space characters, none of the
    characters reserved by file systems, URLs or shells (# % ? & … break the dashboard's links),
    at most _MAX_STEM_BYTES bytes of UTF-8 (file names are limited to 255 bytes), never a
    Windows device name. findings.json gives each report's letter file beside its agency."""
    text = _UNSAFE.sub("", unicodedata.normalize("NFC", agency or ""))
    name = "".join(c for c in text if unicodedata.category(c) not in _UNSAFE_CATEGORIES)
    name = _bytes_prefix(name[:_MAX_STEM], _MAX_STEM_BYTES).strip(".-_ ") or "未识别单位"
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = f"_{name}"
    return f"{name}-{year if year is not None else '年度不详'}"


def _bytes_prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form has at most `limit` bytes (whole characters)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def assign_letter_names(items: list[tuple[str | None, int | None]]) -> list[str]:
    """File names for the letters, in the order given (the batch passes source-path order): the
    first of a name keeps it, later ones get -2, -3 … (compared case-insensitively)."""
    used: set[str] = set()
    names = []
    for agency, year in items:
        stem = safe_stem(agency, year)
        candidate, n = stem, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        names.append(f"{candidate}.html")
    return names


def render_letter(record: AuditRecord, office: Office, run_date: dt.date, env: jinja2.Environment) -> str:
    rectified = rectified_items(record)
    return env.get_template("letter.html.j2").render(
        r=record,
        findings=letter_findings(record),
        office=office,
        legal_basis=LEGAL_BASIS,
        run_date=run_date,
        deadline=office.deadline(run_date),
        counts=record.counts or {"error": 0, "warning": 0, "info": 0},
        point_notes=point_notes(record),
        diagnostics=letter_diagnostics(record),
        rectified=rectified,
        remaining={e["id"] for e in rectified if e["status"] == "未整改"},
    )


def letter_findings(record: AuditRecord) -> list:
    """The findings the letter lists: those that count (a review decision or the 待人工核对 charge
    can keep one in findings.json but out of the letter — engine/ledger/season.py)."""
    return [f for f in record.findings if f.counted]


def rectified_items(record: AuditRecord) -> list[dict[str, Any]]:
    """In a 复核 round, each finding of the earlier letter with 已整改/未整改 (已排除 ones are left out)."""
    earlier = (record.round or {}).get("earlier") or []
    return [e for e in earlier if e.get("status") in ("已整改", "未整改")]


def letter_diagnostics(record: AuditRecord) -> list[Diagnostic]:
    """Parse diagnostics worth telling the agency: errors and warnings on lines no finding already
    covers (rules turn most format problems into findings of their own)."""
    covered = {f.evidence.line for f in record.findings} - {None}
    return [d for d in record.diagnostics
            if d.severity in ("error", "warning") and (d.line is None or d.line not in covered)]


def point_notes(record: AuditRecord) -> list[str]:
    """What each finding costs, as the letter says it: the rule's deduction on its first finding
    (after the scoring policy: a rule failing several times may count once), and on its further
    findings that they belong to the same rule."""
    deducted = {d["rule_id"]: d["points"] for d in record.scoring.get("deductions", []) if d["outcome"] == "fail"}
    seen: set[str] = set()
    notes = []
    for f in letter_findings(record):
        if f.rule_id in seen:
            notes.append("同一规则，已合并计分")
        else:
            notes.append(f"扣 {format_number(deducted.get(f.rule_id, f.points))} 分")
        seen.add(f.rule_id)
    return notes


class HtmlLetters(ReportOutput):
    """OUT/letters/<name>.html for every audited report (the name is the record's `letter`)."""

    folder = "letters"

    def __init__(self, ctx: OutputContext):
        super().__init__(ctx)
        self.env = letter_env()

    def write(self, record: AuditRecord) -> None:
        html = render_letter(record, self.ctx.office, self.ctx.run_date, self.env)
        Path(self.ctx.out_dir, self.folder, Path(record.letter).name).write_text(html, encoding="utf-8")
