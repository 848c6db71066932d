"""The catalog page (`xxgk-audit rules doc`): every rule with its id, title, severity, category,
points, basis, rationale, remedy, scope, condition and examples, generated from the rule files."""
from __future__ import annotations

import html
import json

from engine.rules.blocks.registry import BLOCKS
from engine.sources import PLACEHOLDER, load_sources

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
EXPECT_ZH = {"pass": "通过", "fail": "不通过", "not_assessable": "不可核对", "not_applicable": "不适用"}


def applies_text(applies: dict) -> str:
    parts = []
    if applies.get("templates"):
        parts.append("格式：" + "、".join(f"{t}年版" for t in applies["templates"]))
    if applies.get("years"):
        y = applies["years"]
        parts.append(f"年度：{y.get('from', '')}–{y.get('to', '')}")
    if applies.get("body_kinds"):
        kinds = {"government": "人民政府", "department": "部门"}
        parts.append("机关：" + "、".join(kinds[k] for k in applies["body_kinds"]))
    if applies.get("previous"):
        parts.append("需上一年度报告")
    if applies.get("previous_templates"):
        parts.append("上一年度报告格式：" + "、".join(f"{t}年版" for t in applies["previous_templates"]))
    return "；".join(parts) or "全部报告"


def rule_markdown(rule) -> str:
    block = BLOCKS[rule.check]
    lines = [f"### {rule.id} {rule.title}", "",
             f"- 严重程度：{SEVERITY_ZH[rule.severity]}　类别：{rule.category}　扣分：{rule.points:g}",
             f"- 依据：{doc_basis(rule.basis)}",
             f"- 适用范围：{applies_text(rule.applies)}",
             f"- 理由：{rule.rationale}",
             f"- 整改要求：{rule.remedy}",
             f"- 检查方式：`{rule.check}`（{block.SUMMARY}），参数 "
             f"`{json.dumps(rule.options, ensure_ascii=False)}`",
             f"- 问题表述：{rule.message}",
             f"- 规则文件：`{rule.file.rsplit('/', 1)[-1]}` 第 {rule.line} 行",
             "- 示例："]
    for ex in rule.examples:
        lines.append(f"  - {EXPECT_ZH[ex['expect']]}：{ex.get('name', '')}")
    return "\n".join(lines) + "\n"


def catalog_markdown(catalog) -> str:
    out = ["# 审核规则目录", "",
           f"本页由 `xxgk-audit rules doc` 根据 `rules/` 下的规则文件生成，请勿手工修改。"
           f"规则共 {len(catalog.rules)} 条；规则文件摘要 `{catalog.digest[:16]}`。", ""]
    by_cat: dict[str, list] = {}
    for r in sorted(catalog.rules, key=lambda r: r.id):
        by_cat.setdefault(r.category, []).append(r)
    out.append("| 编号 | 标题 | 严重程度 | 类别 | 扣分 |")
    out.append("|---|---|---|---|---|")
    for r in sorted(catalog.rules, key=lambda r: r.id):
        out.append(f"| {r.id} | {r.title} | {SEVERITY_ZH[r.severity]} | {r.category} | {r.points:g} |")
    out.append("")
    for cat, rules in by_cat.items():
        out.append(f"## {cat}")
        out.append("")
        out.extend(rule_markdown(r) for r in rules)
    return "\n".join(out)


def catalog_html(catalog) -> str:
    rows = []
    for r in sorted(catalog.rules, key=lambda r: r.id):
        examples = "".join(f"<li>{EXPECT_ZH[e['expect']]}：{html.escape(e.get('name', ''))}</li>"
                           for e in r.examples)
        rows.append(
            f"<section id='{r.id}'><h2>{r.id} {html.escape(r.title)}</h2><dl>"
            f"<dt>严重程度</dt><dd>{SEVERITY_ZH[r.severity]}（{html.escape(r.category)}，扣 {r.points:g} 分）</dd>"
            f"<dt>依据</dt><dd>{html.escape(doc_basis(r.basis))}</dd>"
            f"<dt>适用范围</dt><dd>{html.escape(applies_text(r.applies))}</dd>"
            f"<dt>理由</dt><dd>{html.escape(r.rationale)}</dd>"
            f"<dt>整改要求</dt><dd>{html.escape(r.remedy)}</dd>"
            f"<dt>检查方式</dt><dd><code>{html.escape(r.check)}</code> {html.escape(BLOCKS[r.check].SUMMARY)}</dd>"
            f"<dt>问题表述</dt><dd>{html.escape(r.message)}</dd>"
            f"<dt>示例</dt><dd><ul>{examples}</ul></dd></dl></section>")
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>审核规则目录</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto}dt{font-weight:bold}"
            "section{border-top:1px solid #ccc}</style></head><body><h1>审核规则目录</h1>"
            f"<p>规则共 {len(catalog.rules)} 条，规则文件摘要 <code>{catalog.digest[:16]}</code>。</p>"
            + "".join(rows) + "</body></html>")


def explain_text(rule) -> str:
    text = rule_markdown(rule)
    return text.replace("### ", "", 1)


def doc_basis(basis: str) -> str:
    """{format_doc} as the catalogue shows it: both format documents, chosen per report."""
    docs = "／".join(f.doc for f in load_sources().formats)
    return basis.replace(PLACEHOLDER, f"年度报告格式（按报告所用格式：{docs}）")
