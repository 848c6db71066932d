"""`xxgk-audit rules check|test|doc` and `xxgk-audit explain RULE_ID`: tools for rule authors."""
from __future__ import annotations

import sys
from pathlib import Path

from engine.cli.exits import EXIT_RULES, EXIT_USAGE

# The stages are imported inside the commands, deliberately: the CLI imports every command module
# to build its parser, and the rule compiler with the fact extractors and the evaluators takes about
# 1 s to import (cn2an alone 0.4 s) — `xxgk-audit --help` and `parse` need none of it.


def register(subparsers) -> None:
    rules = subparsers.add_parser("rules", help="规则文件工具：检查、测试、生成规则目录")
    sub = rules.add_subparsers(dest="rules_command", metavar="子命令")
    check = sub.add_parser("check", help="检查规则文件（格式、字段、单元格地址、编号、安全子集）")
    check.add_argument("dir", nargs="?", default=None, metavar="DIR", help="规则目录（默认 rules/）")
    check.set_defaults(func=cmd_check)
    test = sub.add_parser("test", help="运行每条规则的示例")
    test.add_argument("dir", nargs="?", default=None, metavar="DIR", help="规则目录（默认 rules/）")
    test.add_argument("--engine", choices=("durable", "reference", "both"), default="both",
                      help="用哪个求值器运行示例（默认两者都用）")
    test.add_argument("--rule", action="append", default=None, metavar="RULE_ID", help="只测试这条规则（可重复）")
    test.set_defaults(func=cmd_test)
    doc = sub.add_parser("doc", help="由规则生成规则目录页")
    doc.add_argument("dir", nargs="?", default=None, metavar="DIR", help="规则目录（默认 rules/）")
    doc.add_argument("-o", "--output", default="docs/rules.md",
                     metavar="FILE", help="输出文件（.md 或 .html，默认 docs/rules.md；- 为标准输出）")
    doc.set_defaults(func=cmd_doc)
    rules.set_defaults(func=lambda a: (rules.print_help(sys.stderr), 2)[1])
    explain = subparsers.add_parser("explain", help="显示一条规则的说明")
    explain.add_argument("rule_id", metavar="RULE_ID", help="规则编号，例如 XXGK-R303，也可只写 R303")
    explain.add_argument("--rules", default=None, metavar="DIR", help="规则目录（默认 rules/）")
    explain.set_defaults(func=cmd_explain)


def _load(directory):
    from engine.rules import DEFAULT_RULES_DIR, RuleLoadError, load_catalog   # lazy: see above
    try:
        return load_catalog(directory or DEFAULT_RULES_DIR), None
    except RuleLoadError as exc:
        for f, line, msg in exc.problems:
            print(f"{f}:{line}: {msg}", file=sys.stderr)
        print(f"规则文件有 {len(exc.problems)} 处错误。", file=sys.stderr)
        return None, EXIT_RULES


def cmd_check(args) -> int:
    catalog, code = _load(args.dir)
    if catalog is None:
        return code
    print(f"规则检查通过：{len(catalog.files)} 个文件，{len(catalog.rules)} 条规则，"
          f"{len(catalog.clauses)} 个引擎条件。")
    return 0


def cmd_test(args) -> int:
    from engine.evaluate.examples import rules_lacking, run_examples   # lazy: see above
    catalog, code = _load(args.dir)
    if catalog is None:
        return code
    engines = ("durable", "reference") if args.engine == "both" else (args.engine,)
    outcomes = run_examples(catalog, engines=engines,
                            rule_ids=set(args.rule) if args.rule else None)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"{o.file}:{o.line}: {o.rule_id} 示例“{o.name}”未通过：{o.detail}", file=sys.stderr)
    lacking_fail = rules_lacking(catalog, "fail")
    lacking_pass = rules_lacking(catalog, "pass")
    for rid in lacking_fail:
        print(f"{rid}：缺少“不通过”（fail）示例", file=sys.stderr)
    for rid in lacking_pass:
        print(f"{rid}：缺少“通过”（pass）示例", file=sys.stderr)
    n_examples = len({(o.rule_id, o.index) for o in outcomes})
    print(f"示例 {n_examples} 个（{'、'.join(engines)}）：{len(outcomes) - len(failed)} 次通过，"
          f"{len(failed)} 次未通过；缺少不通过示例的规则 {len(lacking_fail)} 条。")
    return EXIT_RULES if failed or lacking_fail or lacking_pass else 0


def cmd_doc(args) -> int:
    from engine.rules.doc import catalog_html, catalog_markdown   # lazy: see above
    catalog, code = _load(args.dir)
    if catalog is None:
        return code
    text = catalog_html(catalog) if str(args.output).endswith((".html", ".htm")) \
        else catalog_markdown(catalog)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"已生成规则目录：{out}（{len(catalog.rules)} 条规则）")
    return 0


def cmd_explain(args) -> int:
    from engine.rules.doc import explain_text   # lazy: see above
    catalog, code = _load(args.rules)
    if catalog is None:
        return code
    matches = find_rules(catalog, args.rule_id)
    if len(matches) != 1:
        shown = matches or [r.id for r in catalog.rules]
        what = "有多条规则与" if matches else "没有编号为"
        tail = "相符，请写完整编号：" if matches else " 的规则。现有规则："
        print(f"{what} {args.rule_id}{tail}{'、'.join(sorted(shown))}", file=sys.stderr)
        return EXIT_USAGE
    print(explain_text(catalog.rule(matches[0])))
    return 0


def find_rules(catalog, text: str) -> list[str]:
    """Rule ids meant by `text`: the exact id (any case), else those whose number part matches —
    `R302`, `r302` and `302` all mean XXGK-R302 (an office quotes the short form from a letter)."""
    wanted = text.strip().upper()
    ids = [r.id for r in catalog.rules]
    exact = [i for i in ids if i.upper() == wanted]
    if exact or not wanted:
        return exact
    return [i for i in ids if wanted in _short_forms(i)]


def _short_forms(rule_id: str) -> set[str]:
    last = rule_id.upper().rsplit("-", 1)[-1]          # XXGK-R302 → R302
    return {last, last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")} - {""}     # → 302
