"""`xxgk-audit review list|confirm|dismiss|undo`: review decisions kept in the audit ledger.

Decisions apply on the next audit run with the same ledger: a dismissed finding stays in
findings.json with its decision but is neither scored nor in the letter; a confirmed item
待人工核对 becomes a finding of the letter; undo withdraws the latest decision.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from engine.cli.exits import EXIT_OK, EXIT_USAGE
from engine.cli.zh_argparse import iso_date
from engine.ledger.db import DEFAULT_LEDGER, LedgerError, default_ledger
from engine.render.labels import SEVERITY_LABELS

CHARGE_LABELS = {"agency": "问题", "manual": "待人工核对"}


def register(subparsers: argparse._SubParsersAction) -> None:

    p = subparsers.add_parser(
        "review", help="审核结果复核：查看、确认、排除（豁免）或撤销对问题的决定",
        description="人工复核记录在审核台账中，下次审核时生效：已排除的问题仍列在 findings.json 中"
                    "（附决定），但不扣分、不写入审核意见书；确认“待人工核对”的事项后，它作为问题写入意见书。")
    sub = p.add_subparsers(dest="review_command", metavar="操作")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--ledger", type=Path, default=None, metavar="FILE",
                        help=f"审核台账文件（默认：当前文件夹中的 {DEFAULT_LEDGER}）")
    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--by", default=None, metavar="姓名", help="作出决定的人（默认：当前系统用户）")

    ls = sub.add_parser("list", parents=[common], help="列出最近一轮审核的问题及其复核状态")
    ls.add_argument("--agency", default=None, metavar="单位", help="只列出该单位（名称或其一部分）")
    ls.add_argument("--pending", action="store_true", help="只列出尚未作出决定（或豁免已到期）的事项")
    ls.add_argument("--date", type=iso_date, default=None, metavar="YYYY-MM-DD", help="判断豁免是否到期的日期（默认：今天）")
    ls.set_defaults(func=list_items)

    cf = sub.add_parser("confirm", parents=[common, who], help="确认问题（“待人工核对”事项确认后写入审核意见书）")
    cf.add_argument("id", metavar="ID", help="问题编号（见 findings.json 或 review list）")
    cf.add_argument("--note", default=None, metavar="说明", help="备注")
    cf.set_defaults(func=confirm)

    ds = sub.add_parser("dismiss", parents=[common, who], help="排除问题（误报），或以 --until 豁免至某日")
    ds.add_argument("id", metavar="ID", help="问题编号")
    ds.add_argument("--reason", required=True, metavar="理由", help="排除或豁免的理由（必填）")
    ds.add_argument("--until", type=iso_date, default=None, metavar="YYYY-MM-DD",
                    help="豁免截止日期：此后该问题重新计入")
    ds.set_defaults(func=dismiss)

    ud = sub.add_parser("undo", parents=[common, who], help="撤销对该问题的最近一次决定")
    ud.add_argument("id", metavar="ID", help="问题编号")
    ud.set_defaults(func=undo)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _open(args: argparse.Namespace, must_exist: bool = True):
    args.ledger = args.ledger or default_ledger()
    if must_exist and not args.ledger.is_file():
        raise LedgerError(f"审核台账 {args.ledger} 不存在：请先用 audit 命令审核（或用 --ledger 指定台账文件）")
    # lazy, deliberately: the ledger's store imports the parser (ids.py); the CLI imports every
    # command module to build its parser, so only a review command pays for it
    from engine.ledger.store import Ledger

    return Ledger(args.ledger)


def _run(action) -> int:
    try:
        return action()
    except LedgerError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE


def _by(args: argparse.Namespace) -> str:
    from engine.ledger.decisions import current_user     # lazy like _open's Ledger

    return (args.by or "").strip() or current_user()


def list_items(args: argparse.Namespace) -> int:
    def action() -> int:
        today = args.date or dt.date.today()
        with _open(args) as ledger:
            items = ledger.review_items(args.agency)
        if args.pending:
            items = [i for i in items if i.decision is None or i.decision.expired(today)]
        if not items:
            print("没有符合条件的事项。")
            return EXIT_OK
        for item in items:
            f, d = item.finding, item.decision
            state = d.label(today) if d else "待审核"
            if d and d.status == "dismissed" and d.until and not d.expired(today):
                state += f"（豁免至 {d.until}）"
            kind = CHARGE_LABELS.get(f.charge, f.charge)
            where = f"（{f.location}）" if f.location else ""
            round_label = f"第{item.round}轮" if item.round > 1 else "首轮"
            print(f"{f.finding_id}  [{state}]  {item.agency or '（未识别单位）'} {item.year}年度 {round_label}  "
                  f"{f.rule_id} {SEVERITY_LABELS.get(f.severity or '', f.severity or '')}·{kind}：{f.message}{where}")
        print(f"共 {len(items)} 项。")
        return EXIT_OK
    return _run(action)


def confirm(args: argparse.Namespace) -> int:
    def action() -> int:
        with _open(args) as ledger:
            d = ledger.decide(args.id, "confirmed", _by(args), note=args.note)
        print(f"已确认 {d.finding_id}（{d.by}，{d.at}）。下次审核时生效。")
        return EXIT_OK
    return _run(action)


def dismiss(args: argparse.Namespace) -> int:
    def action() -> int:
        if not args.reason.strip():
            print("错误：--reason 不能为空", file=sys.stderr)
            return EXIT_USAGE
        with _open(args) as ledger:
            d = ledger.decide(args.id, "dismissed", _by(args), reason=args.reason.strip(), until=args.until)
        until = f"，豁免至 {d.until}" if d.until else ""
        print(f"已排除 {d.finding_id}（{d.by}，{d.at}{until}）。下次审核时生效。")
        return EXIT_OK
    return _run(action)


def undo(args: argparse.Namespace) -> int:
    def action() -> int:
        with _open(args) as ledger:
            d = ledger.undo(args.id, _by(args))
            now = ledger.decision(args.id)
        label = {"confirmed": "确认", "dismissed": "排除"}[d.status]
        after = f"现按此前的决定（{now.label(dt.date.today())}）处理" if now else "该事项恢复为待审核"
        print(f"已撤销 {d.finding_id} 的{label}决定（{d.at}）；{after}。")
        return EXIT_OK
    return _run(action)
