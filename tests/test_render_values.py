"""How letters show the stated value of a cell: numbers as written, no-number cells in Chinese."""
from pathlib import Path

import pytest

from engine.render.letters import shown_value


@pytest.mark.parametrize("value, shown", [
    (0, "0"), (12.0, "12"), (9116.36, "9116.36"),
    ("missing", "（缺失或无法读取）"), ("blank", "（空白）"), ("无", "无"),
    (None, None), (True, None),
    ("0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", None),   # a whole source row: quoted as 原文 instead
])
def test_shown_value(value, shown):
    assert shown_value(value) == shown


def test_no_english_kind_word_reaches_a_seed_letter(tmp_path):
    from engine.cli import main
    out = tmp_path / "out"
    inputs = Path(__file__).resolve().parents[1] / "reports_in"
    assert main(["audit", str(inputs), "-o", str(out), "--jobs", "1", "--ledger", str(tmp_path / "l.sqlite")]) == 0
    for letter in (out / "letters").rglob("*.html"):
        text = letter.read_text(encoding="utf-8")
        for word in ("：missing<", "：blank<", "：dash<"):
            assert word not in text, (letter.name, word)
