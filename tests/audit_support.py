"""Hand-built stand-ins for the parser and the rule engine, so the batch runner, scoring and the
renderers can be tested on their own (tests/test_audit_*, test_render_*, test_browser_*).

The fake stages are module-level functions (workers find them by "module:function" name):
- fake_read: text files decoded as UTF-8 (NUL bytes → binary); everything else goes to the real
  engine.ingest.read_document (PDF renamed .txt, DOCX …);
- fake_parse: a file is a report when it contains 年度报告; agency from a line "单位：…", year from
  "年度：…"; "SLEEP" in the text sleeps 30 s (timeouts); "HANG" sleeps with the alarm blocked;
- fake_evaluate: one finding per "缺少：<part>" line (rule R-PART, error, 5 points), one warning per
  "警告" line (rule R-WARN), an identity failing in every column listed in "列：a,b,c" (rule R-SUM), a
  not-assessable rule when "表格缺失" appears; "CRASH" makes the durable engine kill its worker
  with SIGSEGV (the reference engine survives); "CRASHALL" kills the reference engine too (raises);
  "RAISE" makes the durable engine raise an exception (as durable.EngineFailure does).
"""
from __future__ import annotations

import faulthandler
import hashlib
import os
import re
import signal
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from engine.run import Hooks
from engine.ingest import IngestError, read_document, sniff_format
from engine.rules import catalog_digest
from engine.model import (Document, Evidence, Finding, Metadata, Part, Report, RuleResult, SourceLine,
                          Table)
from engine.template import PART_IDS, TABLE_NAMES

FAKE_HOOKS = Hooks(read_document="audit_support:fake_read", parse_document="audit_support:fake_parse",
                   load_catalog="audit_support:fake_load_catalog", evaluate="audit_support:fake_evaluate",
                   not_a_report_error="audit_support:FakeNotAReport")


class FakeNotAReport(Exception):
    pass


def fake_read(path, limits):
    path = Path(path)
    data = path.read_bytes() if path.exists() else b""
    fmt = sniff_format(path, data[:4096]) if data.strip() else "txt"
    if fmt not in ("txt", "md") or not data.strip():
        return read_document(path, limits)
    if b"\x00" in data:
        raise IngestError("binary", f"文件 {path} 不是文本", str(path))
    text = data.decode("utf-8")
    lines = [SourceLine(i + 1, t, f"第{i + 1}行") for i, t in enumerate(text.splitlines())]
    return Document(str(path), "txt", lines, hashlib.sha256(data).hexdigest(), "utf-8")


def fake_parse(doc: Document) -> Report:
    text = "\n".join(ln.text for ln in doc.lines)
    if "年度报告" not in text:
        raise FakeNotAReport(f"文件 {doc.path} 不是政府信息公开工作年度报告")
    if "SLEEP" in text:
        time.sleep(30)
    if "HANG" in text:      # like native code: the per-file alarm cannot interrupt it
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
        time.sleep(60)
    agency = re.search(r"单位：(\S+)", text)
    year = re.search(r"年度：(\d{4})", text)
    md = Metadata(title=doc.lines[0].text.strip(), agency=agency.group(1) if agency else None,
                  year=int(year.group(1)) if year else None, template="2021", body_kind="government")
    parts = {p: Part(p, present=True) for p in PART_IDS}
    tables = {t: Table(t, present=True, template="2021") for t in TABLE_NAMES}
    return Report(doc.path, doc.format, doc.sha256, md, parts, tables, lines=list(doc.lines))


@dataclass
class FakeRule:
    id: str
    title: str
    severity: str
    category: str
    points: float


@dataclass
class FakeCatalog:
    rules: list[FakeRule] = field(default_factory=list)
    version: str = "fake-1"
    digest: str = ""
    digest_files: int = 0


def fake_load_catalog(path) -> FakeCatalog:
    digest, files = catalog_digest(Path(path))
    return FakeCatalog(digest=digest, digest_files=files, rules=[
        FakeRule("R-PART", "缺少规定的部分", "error", "完整性", 5),
        FakeRule("R-WARN", "表述不规范", "warning", "规范性", 2),
        FakeRule("R-SUM", "表三总计不等于各列之和", "error", "一致性", 4),
        FakeRule("R-NA", "表二数字核对", "error", "一致性", 8),
        FakeRule("R-OK", "总是通过", "info", "规范性", 1),
    ])


def fake_evaluate(report: Report, catalog, previous=None, engine="durable") -> list[RuleResult]:
    text = "\n".join(ln.text for ln in report.lines)
    if "CRASHALL" in text and engine == "reference":
        raise RuntimeError("参考引擎也失败")
    if "RAISE" in text and engine == "durable":
        raise RuntimeError("durable-rules 出错（模拟）")
    if "CRASH" in text and engine == "durable":
        faulthandler.disable()    # pytest's fault handler would print the worker's stack: noise
        os.kill(os.getpid(), signal.SIGSEGV)
    results = [RuleResult("R-OK", "pass")]
    missing = [ln for ln in report.lines if ln.text.startswith("缺少：")]
    results.append(RuleResult("R-PART", "fail" if missing else "pass", [
        Finding("R-PART", "error", "完整性", "缺少规定的部分", f"报告缺少第{ln.text[3:]}部分", 5,
                "《政府信息公开条例》第五十条", "按模板补充该部分",
                Evidence(part=ln.text[3:], line=ln.no)) for ln in missing]))
    warns = [ln for ln in report.lines if "警告" in ln.text]
    results.append(RuleResult("R-WARN", "fail" if warns else "pass", [
        Finding("R-WARN", "warning", "规范性", "表述不规范", "第一部分表述不规范", 2, "国办公开办函〔2021〕30号",
                "", Evidence(part="一", line=ln.no)) for ln in warns]))
    cols = next((ln for ln in report.lines if ln.text.startswith("列：")), None)
    if cols:
        findings = []
        for col in cols.text[2:].split(","):
            addr = f"applications.三.七.{col}"
            findings.append(Finding("R-SUM", "error", "一致性", "表三总计不等于各列之和",
                                    f"“{col}”列总计 5 与各项之和 4 不符", 4, "国办公开办函〔2021〕30号",
                                    "核对并更正该列数字", Evidence(part="三", table="applications", cells=[addr],
                                                          values={addr: Decimal("5")}, line=cols.no)))
        results.append(RuleResult("R-SUM", "fail", findings))
    else:
        results.append(RuleResult("R-SUM", "pass"))
    if "表格缺失" in text:
        results.append(RuleResult("R-NA", "not_assessable", reason="表二缺失", cells=["active.item1.规章.本年制发件数"]))
    if previous is not None:
        results.append(RuleResult("R-PREV", "fail", [Finding(
            "R-PREV", "info", "跨年度", "与上年报告对比", f"上年报告为 {previous.source}", 0, "", "",
            Evidence(previous_source=previous.source))]))
    return results


def report_text(agency: str, year: int = 2024, *extra: str) -> str:
    return "\n".join([f"{agency}{year}年政府信息公开工作年度报告", f"单位：{agency}", f"年度：{year}", *extra]) + "\n"


def audit_with_fake_hooks(base: Path, inputs: dict[str, str | bytes], run_date) -> Path:
    """The batch run with FAKE_HOOKS on `inputs` (name -> content, written to base/in), run from
    `base` so the sources read in/<name>; returns the output folder base/out."""
    import contextlib

    from engine import DEFAULT_RULES_DIR
    from engine.run import AuditOptions, run_audit

    (base / "in").mkdir()
    for name, content in inputs.items():
        target = base / "in" / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    with contextlib.chdir(base):
        run_audit(["in"], base / "out", AuditOptions(rules_dir=DEFAULT_RULES_DIR, jobs=2, run_date=run_date,
                                                      hooks=FAKE_HOOKS))
    return base / "out"


def broken_load_catalog(path):
    from engine.rules import RuleLoadError

    raise RuleLoadError([(f"{path}/bad.yaml", 7, "未知的检查块 sum_of")])


BROKEN_RULES_HOOKS = Hooks(read_document=FAKE_HOOKS.read_document, parse_document=FAKE_HOOKS.parse_document,
                           load_catalog="audit_support:broken_load_catalog", evaluate=FAKE_HOOKS.evaluate,
                           not_a_report_error=FAKE_HOOKS.not_a_report_error)
