"""Stage 7 — the command line. The only place that prints or exits.

Each subcommand lives in its own module with `register(subparsers)`; the registry below lists them
explicitly so adding a command touches one module and one line here.
"""
from __future__ import annotations

import argparse
import sys

from engine import __version__
from engine.cli.zh_argparse import ChineseArgumentParser

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_FINDINGS = 1        # --fail-on threshold reached
EXIT_USAGE = 2           # bad usage (argparse uses 2 as well)
EXIT_RULES = 3           # broken rule files
EXIT_INPUT = 4           # the input could not be read / is not a report (single-file commands)

# module name -> it must define register(subparsers)
COMMAND_MODULES = (
    "engine.cli.parse_cmd",
    "engine.cli.rules_cmd",
    "engine.cli.audit_cmd",
    "engine.cli.review_cmd",
    "engine.cli.serve_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = ChineseArgumentParser(
        prog="xxgk-audit",
        description="政府信息公开工作年度报告合规审核工具",
    )
    parser.add_argument("--version", action="version", version=f"xxgk-audit {__version__}",
                        help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:     # a command not written yet: leave it out
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":   # python -m engine.cli
    sys.exit(main())
