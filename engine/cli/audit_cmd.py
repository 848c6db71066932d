"""`xxgk-audit audit INPUT... [-o OUT]`: audit a folder of annual reports (engine/run/ does the work)."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import replace
from pathlib import Path

from engine import DEFAULT_RULES_DIR
from engine.cli.exits import EXIT_FINDINGS, EXIT_OK, EXIT_RULES, EXIT_USAGE
from engine.cli.zh_argparse import iso_date, positive_float, positive_int
from engine.ingest import DEFAULT_LIMITS
from engine.ledger.db import DEFAULT_LEDGER, default_ledger
from engine.render.labels import STATUS_LABELS

DEFAULT_INPUT = "reports_in"
DEFAULT_OUTPUT = "audit_out"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit", help="审核一批年度报告，输出评分、审核意见书、总览和汇总表",
        description="审核文件或文件夹（递归）中的全部政府信息公开工作年度报告。"
                    "每个输入文件都会得到一个状态；审核结果先写入临时文件夹，完成后再替换输出文件夹。",
        epilog="退出码：0 审核完成（无论发现多少问题）；1 使用 --fail-on 且发现相应级别的问题；"
               "2 用法错误；3 规则文件或评分配置有误。",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="*", metavar="INPUT", default=[DEFAULT_INPUT],
                   help=f"报告文件或文件夹，可以有多个（默认：{DEFAULT_INPUT}/）")
    p.add_argument("-o", "--output", default=DEFAULT_OUTPUT, metavar="OUT",
                   help=f"输出文件夹（默认：{DEFAULT_OUTPUT}/）；已存在时在审核完成后整体替换")
    p.add_argument("--jobs", "-j", type=positive_int, default=_default_jobs(), metavar="N",
                   help="并行工作进程数（默认：CPU 核数，最多 8）；结果与 N 无关")
    p.add_argument("--fail-on", choices=("error", "warning"), default=None,
                   help="发现该级别（warning 含 error）的问题时以退出码 1 结束，便于流水线判断")
    p.add_argument("--rules", type=Path, default=DEFAULT_RULES_DIR, metavar="DIR",
                   help="规则文件夹（含 scoring.yaml、office.yaml；默认：本程序的 rules/）")
    p.add_argument("--office", type=Path, default=None, metavar="FILE",
                   help="审核单位配置文件（默认：规则文件夹中的 office.yaml）")
    p.add_argument("--previous", type=Path, action="append", default=[], metavar="DIR",
                   help="上一年度报告所在的文件夹：只用于跨年度比对，本身不审核（可重复）")
    p.add_argument("--date", type=iso_date, default=None, metavar="YYYY-MM-DD",
                   help="审核日期（印在意见书上，并据此计算整改期限；默认：今天）")
    p.add_argument("--timeout", type=positive_float, default=None, metavar="秒",
                   help="每个文件的处理时间上限（默认：60 秒）")
    p.add_argument("--max-memory", type=positive_int, default=None, metavar="MB",
                   help="每个文件的内存上限：读取和解析一个文件可用的内存，超过时该文件记为“文件过大”，"
                        f"其余文件照常审核（默认：{DEFAULT_LIMITS.max_memory_mb} MB）")
    p.add_argument("--ledger", type=Path, default=None, metavar="FILE",
                   help=f"审核台账文件：记录人工复核决定、整改轮次、文号和单位名单，供以后的审核沿用"
                        f"（默认：当前文件夹中的 {DEFAULT_LEDGER}）")
    p.add_argument("--agencies", type=Path, default=None, metavar="FILE",
                   help="单位名单（CSV 或 XLSX，列：单位名称、类型，可选 别名、发布日期、链接），导入审核台账")
    p.add_argument("--by", default=None, metavar="姓名", help="审核人（记入审核台账；默认：当前系统用户）")
    p.add_argument("--cluster", default=None, metavar="tcp://主机:8786",
                   help="在 Dask 分布式集群上审核（调度器地址）；输入文件和输出文件夹须位于各工作节点都能以同一路径访问的共享存储上")
    p.set_defaults(func=run)


def _default_jobs() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _progress_factory():
    """A tqdm bar per phase, only when stderr is a terminal (no noise in logs and pipes)."""
    if not sys.stderr.isatty():
        return None
    # lazy, deliberately: tqdm only when there is a terminal to draw on
    from tqdm import tqdm

    tqdm.monitor_interval = 0     # no monitor thread: the run forks worker processes
    return lambda desc, total: tqdm(total=total, desc=desc, unit="份", file=sys.stderr, leave=False)


def run(args: argparse.Namespace) -> int:
    # lazy, deliberately: the CLI imports every command module to build its parser, and the run's
    # modules (parser, rule loader, renderers, ledger: ~0.3 s) are needed only when auditing
    from engine import run as audit_run
    from engine.ledger import LedgerError, current_user
    from engine.ledger.agencies import AgencyListError
    from engine.ledger.deadlines import DeadlineConfigError
    from engine.render.office import OfficeConfigError
    from engine.rules import RuleLoadError
    from engine.score import ScoringConfigError

    if not args.rules.is_dir():
        print(f"错误：规则文件夹不存在：{args.rules}", file=sys.stderr)
        return EXIT_USAGE
    limits = DEFAULT_LIMITS
    if args.timeout is not None:
        limits = replace(limits, max_seconds=args.timeout)
    if args.max_memory is not None:
        limits = replace(limits, max_memory_mb=args.max_memory)
    options = audit_run.AuditOptions(rules_dir=args.rules, office_path=args.office,
                                     previous_dirs=list(args.previous), jobs=args.jobs,
                                     run_date=args.date or dt.date.today(), limits=limits,
                                     progress=_progress_factory(), ledger=args.ledger or default_ledger(),
                                     agencies=args.agencies, by=(args.by or "").strip() or current_user(),
                                     cluster=args.cluster)
    try:
        run_result = audit_run.run_audit(args.inputs, Path(args.output), options)
    except (audit_run.InputPathError, audit_run.OutputPathError, audit_run.ClusterUnavailable) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except OfficeConfigError as exc:
        print(f"错误：审核单位配置文件 {exc.path} 有误：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {exc.path}: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except ScoringConfigError as exc:
        print(f"错误：评分配置文件 {exc.path} 有误：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {exc.path}: {problem}", file=sys.stderr)
        return EXIT_RULES
    except LedgerError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    except (AgencyListError, DeadlineConfigError) as exc:
        what = "单位名单" if isinstance(exc, AgencyListError) else "公布期限配置文件"
        print(f"错误：{what} {exc.path} 有误：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {exc.path}: {problem}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, AgencyListError) else EXIT_RULES
    except RuleLoadError as exc:
        print("错误：规则文件有误，未进行审核：", file=sys.stderr)
        for line in _rule_problems(exc):
            print(f"  {line}", file=sys.stderr)
        return EXIT_RULES
    except OSError as exc:       # e.g. OUT's folder not writable, disk full
        print(f"错误：无法写入审核结果 {args.output}：{exc.strerror or exc}"
              f"{f'（{exc.filename}）' if exc.filename else ''}", file=sys.stderr)
        return EXIT_USAGE

    counts = run_result.count_by_status()
    total = sum(counts.values())
    parts = [f"{STATUS_LABELS.get(s, s)} {n} 个" for s, n in sorted(counts.items(), key=_status_order) if n]
    summary = run_result.summary["findings"]
    fallbacks = run_result.summary["engine_fallbacks"]
    out = run_result.out
    print(f"审核完成：共 {total} 个输入文件（{'，'.join(parts) or '无'}）；"
          f"发现错误 {summary['error']} 项、警告 {summary['warning']} 项、提示 {summary['info']} 项"
          f"{f'；{fallbacks} 份报告改用参考引擎审核' if fallbacks else ''}。"
          f"结果在 {out}/（总览 {out / 'index.html'}，审核意见书在 {out / 'letters'}/）。")
    warning = _office_warning(args)
    if warning:
        print(warning, file=sys.stderr)
    if args.fail_on:
        wanted = ("error",) if args.fail_on == "error" else ("error", "warning")
        if run_result.count_findings(wanted):
            return EXIT_FINDINGS
    return EXIT_OK


def _office_warning(args: argparse.Namespace) -> str | None:
    """While the office settings hold the shipped example values, every run says so (as do the
    dashboard and every letter): letters must not go out signed by an example office."""
    from engine.render.office import load_office     # lazy like the run itself: --help stays quick

    default = args.rules / "office.yaml"
    unset = load_office(args.office or (default if default.exists() else None)).placeholder_fields()
    if not unset:
        return None
    return (f"注意：审核单位配置（{args.office or default}）中的{'、'.join(unset)}仍是示例值，"
            "审核意见书上的落款和联系方式不是本单位信息。请修改后重新审核，再发出意见书。")


def _status_order(item: tuple[str, int]) -> int:
    keys = list(STATUS_LABELS)
    return keys.index(item[0]) if item[0] in keys else len(keys)


def _rule_problems(exc: BaseException) -> list[str]:
    """file:line: message lines from RuleLoadError.problems, whatever shape each problem has."""
    lines = []
    for p in getattr(exc, "problems", None) or [exc]:
        if isinstance(p, (tuple, list)) and len(p) >= 3:
            file, line, message = p[0], p[1], p[2]
        else:
            file, line, message = getattr(p, "file", None), getattr(p, "line", None), getattr(p, "message", str(p))
        where = f"{file}:{line}" if file and line else (str(file) if file else "")
        lines.append(f"{where}: {message}" if where else str(message))
    return lines
