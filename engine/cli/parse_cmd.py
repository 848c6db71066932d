"""`xxgk-audit parse FILE [--with-lines]`: print the report model as JSON (schemas/report.schema.json).

Errors (missing file, binary, empty, unsupported, not an annual report) print one Chinese message on
stderr and exit with EXIT_INPUT; never a traceback.
"""
from __future__ import annotations

import json
import sys
from dataclasses import replace

from engine import ingest
from engine.cli.exits import EXIT_INPUT, EXIT_OK
from engine.cli.zh_argparse import positive_int


def register(subparsers) -> None:
    p = subparsers.add_parser("parse", help="解析一份年度报告，输出 JSON 模型",
                              description="解析一份政府信息公开工作年度报告（.txt/.md/.docx/.pdf/.html），"
                                          "以 JSON 输出报告模型（各部分、三张表的单元格、元数据、解析诊断）。")
    p.add_argument("file", metavar="FILE", help="报告文件")
    p.add_argument("--with-lines", action="store_true", help="同时输出报告的全部文本行（用于核对出处）")
    p.add_argument("--max-memory", type=positive_int, default=None, metavar="MB",
                   help=f"读取和解析该文件可用的内存上限（默认：{ingest.DEFAULT_LIMITS.max_memory_mb} MB）")
    p.set_defaults(func=run)


def run(args) -> int:
    # lazy, deliberately: the CLI imports every command module to build its parser; the parser
    # (~0.3 s to import) only when a file is parsed, and the caps without the rest of the run
    from engine import parse
    from engine.ingest import IngestError, read_document
    from engine.run.pool import TimeCapExceeded, file_caps

    limits = ingest.DEFAULT_LIMITS
    if args.max_memory is not None:
        limits = replace(limits, max_memory_mb=args.max_memory)
    try:
        with file_caps(limits):       # the same per-file time and memory caps as the batch
            doc = read_document(args.file, limits)
            report = parse.parse_document(doc)
            model = report.to_json(with_lines=args.with_lines)
    except TimeCapExceeded:
        print(f"错误：文件 {args.file} 处理时间超过上限 {limits.max_seconds:g} 秒，已停止", file=sys.stderr)
        return EXIT_INPUT
    except MemoryError:
        print(f"错误：文件 {args.file} 处理时所需内存超过上限（{limits.max_memory_mb} MB），已停止", file=sys.stderr)
        return EXIT_INPUT
    except IngestError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except parse.NotAReportError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:        # a defect of ours must still not end in a traceback
        print(f"错误：解析 {args.file} 时发生内部错误（{type(exc).__name__}: {exc}），请将该文件提交给维护人员",
              file=sys.stderr)
        return EXIT_INPUT
    json.dump(model, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK
