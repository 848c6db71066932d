"""fee_facts asks whether anything could contradict the no-fee statement (_may_conflict) before
whether the report makes the statement: the same facts as deciding the statement first, on the
seeds and on texts with and without the statement, fee figures, fee notices and 表三（六）2."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from engine.facts.extractors import text_figures as TF
from engine.facts.extractors.text_signals import signal_set
from engine.facts.narrative import extract_figures
from engine.model import Cell
from engine.parse import parse_file
from text_support import report_from_parts

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))
REQUESTS = [{"rule": "R1", "kind": "fee", "sources": ["amount", "notices"], "file": "",
             "statement": "no_fee_statement"},
            {"rule": "R2", "kind": "fee", "sources": ["dropped_unpaid"], "file": "",
             "statement": "no_fee_notice_statement"},
            {"rule": "R3", "kind": "fee", "sources": ["amount", "notices", "dropped_unpaid"], "file": ""}]
SIX = ["本年度未收取信息处理费。", "本年度未发出收费通知。", "收取信息处理费120元。", "发出收费通知2件。",
       "本年度未收取信息处理费，发出收费通知3件，全市收取处理费5元。", "无。"]
DROPPED = [None, 0, 2, "—"]


def plain_fee_facts(report, req, figures):
    """fee_facts before the shortcut (a18f45a): the statement decided first."""
    sset = signal_set(req.get("file") or None)
    signal = req.get("statement") or "no_fee_statement"
    if not sset.decide(report, [signal])[signal]:
        return
    yield from TF._conflicts(report, req, figures, lambda: TF._statement_base(report, req, sset, signal))


def _reports():
    for path in SEEDS:
        yield parse_file(path)
    for six, dropped in itertools.product(SIX, DROPPED):
        cells = {} if dropped is None else {TF.DROPPED_UNPAID: 0 if dropped == "—" else dropped}
        report = report_from_parts({"一": "总体情况。", "六": six}, cells=cells, agency="某县人民政府", year=2024)
        if dropped == "—":        # a dash: not a stated number (unknown)
            table = report.tables["applications"]
            table.cells[TF.DROPPED_UNPAID] = Cell(TF.DROPPED_UNPAID, "dash", None, "—")
        yield report


@pytest.mark.parametrize("report", list(_reports()), ids=lambda r: r.source)
def test_fee_facts_are_those_of_the_statement_first(report):
    figures = extract_figures(report)
    for req in REQUESTS:
        assert list(TF.fee_facts(report, req, figures)) == list(plain_fee_facts(report, req, figures))


def test_the_texts_reach_both_answers():
    seen = set()
    for report in _reports():
        figures = extract_figures(report)
        seen.update(bool(list(TF.fee_facts(report, req, figures))) for req in REQUESTS)
    assert seen == {True, False}
