"""The runner behind `xxgk-audit rules test`: every example of every rule (rules/*.yaml,
described in engine/rules/examples.py), evaluated by each engine, judged against its expectation."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.evaluate import evaluate
from engine.rules.examples import build_report


@dataclass
class ExampleOutcome:
    rule_id: str
    index: int
    name: str
    file: str
    line: int
    expected: str
    got: str
    ok: bool
    detail: str = ""


def run_examples(catalog, engines: tuple[str, ...] = ("durable", "reference"),
                 rule_ids: set[str] | None = None) -> list[ExampleOutcome]:
    """Run every example of every rule (or of `rule_ids`) with each engine."""
    out = []
    for rule in catalog.rules:
        if rule_ids is not None and rule.id not in rule_ids:
            continue
        sub = catalog.subset({rule.id})
        for k, ex in enumerate(rule.examples):
            directory = Path(rule.file).parent
            name = ex.get("name") or f"示例{k + 1}"
            line = rule.example_lines[k] if k < len(rule.example_lines) else rule.line
            try:
                report = build_report(ex["report"], directory)
                prev = build_report(ex["previous"], directory) if ex.get("previous") else None
            except Exception as exc:   # a broken fixture is a failed example, not a crash
                out.append(ExampleOutcome(rule.id, k, name, rule.file, line, ex["expect"], "error",
                                          False, f"示例报告无法构造：{type(exc).__name__}: {exc}"))
                continue
            for engine in engines:
                results = evaluate(report, sub, previous=prev, engine=engine)
                out.append(_judge(rule, k, name, line, ex, results, engine))
    return out


def _judge(rule, k, name, line, ex, results, engine) -> ExampleOutcome:
    got_res = next((r for r in results if r.rule_id == rule.id), None)
    got = got_res.outcome if got_res is not None else "not_applicable"
    problems = []
    if got != ex["expect"]:
        detail = f"期望 {ex['expect']}，实际 {got}"
        if got_res is not None and got_res.reason:
            detail += f"（{got_res.reason}）"
        if got_res is not None and got_res.findings:
            detail += "：" + "；".join(f.message for f in got_res.findings[:3])
        problems.append(detail)
    elif got == "fail":
        if ex.get("findings") is not None and len(got_res.findings) != ex["findings"]:
            problems.append(f"期望 {ex['findings']} 条问题，实际 {len(got_res.findings)} 条："
                            + "；".join(f.message for f in got_res.findings[:5]))
        pointed = {c for f in got_res.findings for c in f.evidence.cells}
        missing = [c for c in ex.get("cells") or [] if c not in pointed]
        if missing:
            problems.append(f"问题未指向单元格 {'、'.join(missing)}")
        text = " ".join(f.message for f in got_res.findings)
        for s in ex.get("message_contains") or []:
            if s not in text:
                problems.append(f"消息中没有“{s}”：{text}")
    return ExampleOutcome(rule.id, k, name, rule.file, line, ex["expect"], got, not problems,
                          f"[{engine}] " + "；".join(problems) if problems else "")


def rules_lacking(catalog, expect: str) -> list[str]:
    return [r.id for r in catalog.rules if not any(e["expect"] == expect for e in r.examples)]
