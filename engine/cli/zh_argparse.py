"""argparse speaking Chinese: help, usage and every usage error.

argparse writes its own words ("usage:", "positional arguments", "invalid choice", "the following
arguments are required" …) through gettext with no Chinese catalogue. ChineseArgumentParser replaces
them where they appear: the usage prefix in the help formatter, the group titles and the -h/--help
line when the parser is built, and the finished error message in `error()` (every usage error,
including ArgumentTypeError raised by our own converters, reaches the user through it).

Sub-parsers made with add_subparsers().add_parser() are of the same class (argparse's default), so
one parser class covers the whole command tree.

    ChineseArgumentParser(prog=..., ...)     a drop-in argparse.ArgumentParser
    translate_error(message) -> str          argparse's English error text in Chinese
    iso_date(text) / positive_int(text) / positive_float(text)   option converters with Chinese errors
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import NoReturn

from engine.dates import date_problem

USAGE_PREFIX = "用法："


def _quoted_list(text: str) -> str:
    """"'a', 'b'" (argparse's repr list of choices) → "a、b"."""
    return "、".join(part.strip().strip("'\"") for part in text.split(","))


# argparse (3.11, 3.12) error texts → Chinese, tried in order on the whole message.
_ERRORS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"^argument (?P<arg>.+?): (?P<rest>.*)$", re.S),
     lambda m: f"参数 {_argument_name(m['arg'])}：{translate_error(m['rest'])}"),
    (re.compile(r"^invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)$", re.S),
     lambda m: f"无效的取值 {m['value'].strip(chr(39))}（可选：{_quoted_list(m['choices'])}）"),
    (re.compile(r"^the following arguments are required: (?P<args>.*)$", re.S),
     lambda m: f"缺少必需的参数：{_argument_list(m['args'])}"),
    (re.compile(r"^unrecognized arguments: (?P<args>.*)$", re.S),
     lambda m: f"无法识别的参数：{m['args']}"),
    (re.compile(r"^expected one argument$"), lambda m: "需要给出一个值"),
    (re.compile(r"^expected at most one argument$"), lambda m: "最多只能给出一个值"),
    (re.compile(r"^expected at least one argument$"), lambda m: "至少需要给出一个值"),
    (re.compile(r"^expected (?P<n>\d+) arguments?$"), lambda m: f"需要给出 {m['n']} 个值"),
    (re.compile(r"^invalid (?P<type>\S+) value: (?P<value>.*)$", re.S),
     lambda m: f"无效的取值：{m['value'].strip(chr(39))}"),
    (re.compile(r"^ambiguous option: (?P<opt>\S+) could match (?P<matches>.*)$", re.S),
     lambda m: f"选项 {m['opt']} 不明确，可能是：{'、'.join(s.strip() for s in m['matches'].split(','))}"),
    (re.compile(r"^not allowed with argument (?P<arg>.*)$", re.S),
     lambda m: f"不能与参数 {m['arg']} 同时使用"),
    (re.compile(r"^ignored explicit argument (?P<value>.*)$", re.S),
     lambda m: f"该选项不接受取值：{m['value'].strip(chr(39))}"),
    (re.compile(r"^one of the arguments (?P<args>.*) is required$", re.S),
     lambda m: f"以下参数必须给出一个：{m['args']}"),
    (re.compile(r"^can't open '(?P<file>.*)': (?P<err>.*)$", re.S),
     lambda m: f"无法打开文件 {m['file']}：{m['err']}"),
    (re.compile(r"^unexpected option string: (?P<opt>.*)$", re.S),
     lambda m: f"意外的选项：{m['opt']}"),
]


def _argument_name(name: str) -> str:
    # Positionals are named by their metavar or dest; the command slot is "命令" already.
    return name.replace("/", " 或 ")


def _argument_list(text: str) -> str:
    return "、".join(_argument_name(a.strip()) for a in text.split(","))


def translate_error(message: str) -> str:
    """argparse's English error message in Chinese; text that is already ours passes unchanged."""
    for pattern, render in _ERRORS:
        m = pattern.match(message)
        if m:
            return render(m)          # type: ignore[operator]
    return message


class _ChineseFormatterMixin:
    def add_usage(self, usage, actions, groups, prefix=None):   # noqa: ANN001 — argparse's signature
        super().add_usage(usage, actions, groups, USAGE_PREFIX if prefix is None else prefix)


_FORMATTERS: dict[type, type] = {}


def _chinese_formatter(cls: type) -> type:
    if issubclass(cls, _ChineseFormatterMixin):
        return cls
    if cls not in _FORMATTERS:
        _FORMATTERS[cls] = type(f"Chinese{cls.__name__}", (_ChineseFormatterMixin, cls), {})
    return _FORMATTERS[cls]


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose help and usage errors are in Chinese; errors exit with 2."""

    def __init__(self, *args, add_help: bool = True,
                 formatter_class: type = argparse.HelpFormatter, **kwargs) -> None:
        super().__init__(*args, add_help=False, formatter_class=_chinese_formatter(formatter_class),
                         **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{translate_error(message)}\n")


# --- option converters (their messages reach the user as "参数 --x：…") --------------------------

def iso_date(text: str) -> dt.date:
    problem = date_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return dt.date.fromisoformat(text.strip())


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正数：{text}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"应为正数：{text}")
    return value
