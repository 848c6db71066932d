"""The 总计 of rows of the requests table whose blank cells vanished in reading-order text
(engine/parse/stream_blank.py), where the table's identities pin it.

A short row (fewer figures than columns) prints its figures in column order; its last figure is its
总计 or — 总计 left blank, as agencies do — an applicant column's. Which applicant columns the other
figures sit in is never in the text (the identities treat the six applicant columns alike), but the
总计 column can be pinned: see `totals`.
"""
from __future__ import annotations

from decimal import Decimal

from engine.model import Diagnostic, SourceLine, Table
from engine.parse import diagnostics as D
from engine.parse.cells import Token
from engine.parse.grid import cell_from_token

TOTAL_RELATIONS_MIN_PRINTED = 4      # a candidate row with this many figures makes "every total blank" implausible


def totals(name: str, rows: list[tuple[str, list[str]]], short: dict[str, list[Token]], table: Table,
           lines: list[SourceLine], diagnostics: list[Diagnostic], resolved: frozenset[str]) -> set[str]:
    """The 总计 of short rows (fewer figures than columns) of the requests table, when the identities
    leave no doubt. A short row's last figure is its 总计 or, 总计 left blank, an applicant column's: when
    it equals the sum of the row's other figures it is a CANDIDATE. A relation of the 总计 column
    (一 + 二 = 三.七 + 四; 三.七 = the outcomes) whose every row's 总计 is read or a candidate is taken
    when it holds with the candidates and fails with any of them blank instead — except all of them
    blank at once (the agency leaving the whole column blank), which only a candidate row of four
    figures or more (three applicant figures adding up to a fourth) rules out. The row's other
    figures stay unknown: which applicant columns they sit in is not in the text."""
    width = dict(rows)
    known: dict[str, Decimal] = {}
    cand: dict[str, Token] = {}
    for key, row in rows:
        t = _read_total(table, row)
        if t is not None:
            known[key] = t
        elif key in short:
            toks = short[key]
            vals = [t.value for t in toks]
            if len(toks) >= 2 and all(t.value_kind == "number" and not t.unit for t in toks) \
                    and all(v == v.to_integral_value() for v in vals) and vals[-1] > 0 and sum(vals[:-1]) == vals[-1]:
                cand[key] = toks[-1]
    keys = [k for k, _ in rows]
    leaves = [k for k in keys if k.startswith("三.") and k != "三.七"]
    relations = [(["一", "二"], ["三.七", "四"]), (["三.七"], leaves)]
    confirmed: set[str] = set()
    for left, right in relations:
        members = left + right
        if not all(k in width for k in members) or not all(k in known or k in cand for k in members):
            continue
        used = [k for k in members if k in cand]
        if not used or len(used) > 8:
            continue
        values = {k: cand[k].value for k in used}
        if not _pins(left, right, known, values, used):
            continue
        if _holds(left, right, known, values, set(used)) \
                and max(len(short[k]) for k in used) < TOTAL_RELATIONS_MIN_PRINTED:
            continue             # every candidate blank would hold too, and no row rules it out
        confirmed.update(used)
    placed: set[str] = set()
    for key in sorted(confirmed, key=keys.index):
        addr = width[key][-1]
        tok = cand[key]
        table.cells[addr] = cell_from_token(addr, tok, lines[tok.line], "order")
        placed.add(addr)
        rest = width[key][:-1]
        diagnostics[:] = [d for d in diagnostics if not (d.table == name and d.code in resolved
                                                         and set(width[key]).intersection(d.cells))]
        diagnostics.append(D.make(
            "ROW_TOO_FEW_VALUES",
            f"{D.row_title(name, key)}应有 {len(width[key])} 个数值，文本中只有 {len(short[key])} 个"
            f"（{'、'.join(t.raw for t in short[key])}），空白单元格在文本中已消失：最后一个数值等于其余数值之和，"
            f"且与表中各行总计之间的合计关系吻合，读作“总计”；其余数值所属的列无法确定，按未知处理",
            lines[tok.line], name, rest))
    return placed


def _read_total(table: Table, row: list[str]) -> Decimal | None:
    """The row's 总计 as read with certainty: every cell of the row read, 总计 a number (or the
    whole row blank: 0)."""
    cells = [table.cells.get(a) for a in row]
    if any(c is None or c.kind == "missing" for c in cells):
        return None
    if cells[-1].kind == "number":
        return cells[-1].value
    if all(c.kind == "blank" for c in cells):
        return Decimal(0)
    return None


def _holds(left: list[str], right: list[str], known: dict[str, Decimal], cand: dict[str, Decimal],
           blank: set[str]) -> bool:
    def total(k: str) -> Decimal:
        return Decimal(0) if k in blank else known.get(k, cand.get(k, Decimal(0)))
    return sum(map(total, left)) == sum(map(total, right))


def _pins(left: list[str], right: list[str], known: dict[str, Decimal], cand: dict[str, Decimal],
          used: list[str]) -> bool:
    """The relation holds with every candidate, and with none of them blank instead but some others
    not (the case of all of them blank is the caller's)."""
    if not _holds(left, right, known, cand, set()):
        return False
    return not any(_holds(left, right, known, cand, {k for n, k in enumerate(used) if mask >> n & 1})
                   for mask in range(1, 2 ** len(used) - 1))
