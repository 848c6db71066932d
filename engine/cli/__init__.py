"""Stage 7 — the command line. The only place that prints or exits.

Each subcommand lives in its own module with `register(subparsers)`; the registry below lists them
explicitly so adding a command touches one module and one line here.
"""
from __future__ import annotations

import argparse
import sys

from engine import __version__
from engine.cli import audit_cmd, parse_cmd, review_cmd, rules_cmd, serve_cmd
from engine.cli.exits import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, EXIT_RULES, EXIT_USAGE
from engine.cli.zh_argparse import ChineseArgumentParser

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FINDINGS", "EXIT_USAGE", "EXIT_RULES", "EXIT_INPUT"]

# each defines register(subparsers)
COMMANDS = (parse_cmd, rules_cmd, audit_cmd, review_cmd, serve_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="xxgk-audit",
        description="政府信息公开工作年度报告合规审核工具",
    )
    parser.add_argument("--version", action="version", version=f"xxgk-audit {__version__}",
                        help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for module in COMMANDS:
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
