"""Rule examples: small report descriptions in YAML that a rule must pass or fail (Semgrep-style
fixtures with expected findings): their reports, built from the description, and the check of
their shape when the catalog loads. The runner behind `xxgk-audit rules test` is
engine/evaluate/examples.py.

A description states only what differs from a complete, consistent report:

    report:
      year: 2024                 # default 2024
      template: "2021"           # default "2021"; also the layout of the tables
      body_kind: government      # default government
      agency: 示例镇人民政府      # null = not found
      period: true               # statistics period found (default true)
      fill: 0                    # value of every cell not listed (default 0; "blank" etc. allowed)
      parts: {六: "本年度未收取信息处理费。", 五: null}     # text, or null = part absent
      tables: {review: absent, applications: {variant: single}}
      cells:                     # number, or blank / — / 无 / missing / any other text
        applications.一.自然人: 3
        review.行政复议.总计: blank
      diagnostics: [{code: ROW_TOO_FEW_VALUES, line: 12, table: applications}]
      lines: ["第一行原文", …]   # optional source lines (evidence excerpts)
      file: examples/000_07ac6476bfab88c2.txt   # or: parse a report file (relative to the rule file: keep it inside the rules folder)
      source: 金村镇2023年报.docx  # file name the report stands for (default "<example>")
      same_year_sources: [other.docx]   # other reports of the same body and year (batch grouping)

An example: {name, expect: pass|fail|not_assessable|not_applicable, findings: N (optional, exact),
cells: [addresses the findings must point at] (optional), message_contains: [...] (optional),
report: {...}, previous: {...} (last year's report, optional)}.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from engine import template as T
from engine.model import Cell, Diagnostic, Metadata, Part, Report, SourceLine, Table
from engine.parse import parse_file

DASHES = {"—", "-", "/", "／", "－", "——", "--", "–"}


def cell_from_value(address: str, value: Any) -> Cell | None:
    """A Cell from an example value; None for "missing" (the cell is not in the source)."""
    if value is None or value == "missing":
        return None
    if isinstance(value, bool):
        return Cell(address=address, kind="text", raw=str(value))
    if isinstance(value, (int, float)):
        return Cell(address=address, kind="number", value=Decimal(str(value)), raw=str(value))
    text = str(value).strip()
    if text in ("blank", ""):
        return Cell(address=address, kind="blank", raw="")
    if text in DASHES:
        return Cell(address=address, kind="dash", raw=text)
    if text == "无":
        return Cell(address=address, kind="none", raw=text)
    try:
        return Cell(address=address, kind="number", value=Decimal(text), raw=text)
    except InvalidOperation:
        return Cell(address=address, kind="text", raw=text)


def _layout(table: str, template: str, variant: str | None) -> list[str]:
    if table == "applications":
        return T.application_addresses(variant or T.DEFAULT_APPLICATION_VARIANT[template])
    return T.table_addresses(table, template)


def build_report(desc: dict[str, Any], directory: Path | None = None) -> Report:
    """The Report an example describes."""
    if desc.get("file"):
        return _parsed_fixture(desc, directory)
    year = desc.get("year", 2024)
    template = desc.get("template", "2021")
    lines = [SourceLine(no=i + 1, text=t, where=f"第{i + 1}行")
             for i, t in enumerate(desc.get("lines") or [])]
    agency = desc.get("agency", "示例镇人民政府")
    period = desc.get("period", True)
    md = Metadata(title=f"{agency or ''}{year or ''}年政府信息公开工作年度报告", agency=agency,
                  year=year, year_source="title" if year else None, template=template,
                  body_kind=desc.get("body_kind", "government"),
                  period_start=f"{year}-01-01" if period and year else None,
                  period_end=f"{year}-12-31" if period and year else None)
    parts = {}
    for pid in T.PART_IDS:
        spec = (desc.get("parts") or {}).get(pid, "（示例正文）")
        if spec is None:
            parts[pid] = Part(id=pid, present=False)
        else:
            text = spec if isinstance(spec, str) else spec.get("text", "")
            heading = None if isinstance(spec, str) else spec.get("heading")
            parts[pid] = Part(id=pid, present=True, heading=heading or
                              f"{pid}、{T.PART_TITLES[pid]}", text=text)
    fill = desc.get("fill", 0)
    tables = {}
    for name in T.TABLE_NAMES:
        spec = (desc.get("tables") or {}).get(name, {})
        if spec in ("absent", None):
            tables[name] = Table(name=name, present=False)
            continue
        t_template = spec.get("template", template)
        variant = spec.get("variant") if name == "applications" else None
        if name == "applications" and variant is None:
            variant = T.DEFAULT_APPLICATION_VARIANT[t_template]
        table = Table(name=name, present=True, template=t_template, variant=variant)
        for addr in _layout(name, t_template, variant):
            cell = cell_from_value(addr, fill)
            if cell is not None:
                table.cells[addr] = cell
        tables[name] = table
    for addr, value in (desc.get("cells") or {}).items():
        table = tables[addr.split(".", 1)[0]]
        cell = cell_from_value(addr, value)
        if cell is None:
            table.cells.pop(addr, None)
        else:
            table.cells[addr] = cell
    diags = [Diagnostic(code=d["code"], message=d.get("message", d["code"]), line=d.get("line"),
                        table=d.get("table"), severity=d.get("severity", "warning"),
                        cells=list(d.get("cells") or []))
             for d in desc.get("diagnostics") or []]
    return Report(source=desc.get("source", "<example>"), format="txt", sha256="0" * 64, metadata=md,
                  parts=parts, tables=tables, diagnostics=diags, lines=lines,
                  same_year_sources=list(desc.get("same_year_sources") or []))


def _parsed_fixture(desc: dict[str, Any], directory: Path | None) -> Report:
    path = Path(desc["file"])
    if not path.is_absolute() and directory is not None:
        path = directory / path
    return parse_file(str(path))


def check_example(example: dict[str, Any], directory: Path) -> list[tuple[tuple, str]]:
    """Semantic problems of one example: (path inside the example, Chinese message)."""
    out: list[tuple[tuple, str]] = []
    known = T.all_known_addresses()
    for key in ("report", "previous"):
        desc = example.get(key)
        if not desc:
            continue
        for addr in desc.get("cells") or {}:
            if addr not in known:
                out.append(((key, "cells", addr), f"未知的单元格地址“{addr}”"))
        if desc.get("file"):
            p = Path(desc["file"])
            full = p if p.is_absolute() else directory / p
            if not full.is_file():
                out.append(((key, "file"), f"示例文件不存在：{desc['file']}"))
            elif not full.resolve().is_relative_to(directory.resolve()):
                # a copy of the rules folder must work anywhere (`--rules DIR`): no file outside it
                out.append(((key, "file"), f"示例文件应放在规则文件夹之内（例如 examples/ 下）：{desc['file']}"))
    for k, addr in enumerate(example.get("cells") or []):
        if addr not in known:
            out.append((("cells", k), f"未知的单元格地址“{addr}”"))
    return out
