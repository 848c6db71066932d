"""part_view finds a character's source line from the kept lines' starts, and the source lines
only when a position is first asked for (most parts are never asked): the same views and the
same line (and place) for every position as the plain construction it replaces — a list with
one source line per character — on the seeds, the real reports and texts that probe its paths
(table rows, soft-wrapped lines, blank and space-only lines, one physical line holding parts)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine.facts.text_source import (_SOFT_END_OK, _SUBHEADING, PART_IDS, TextView,
                                      _source_lines_for, part_view, strip_spaces)
from engine.parse import parse_file
from real_support import require_real
from text_support import report_from_parts

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))
TEXTS = [
    {"一": "第一行没有标点并且很长很长\n接着写完。\n（一）小标题\n正文 2024 年 3 件。"},
    {"三": "表格\t1\t2\n叙述 收到申请 12 件，\n\n   \n答复 10件。\t\n", "五": "无"},
    {"五": "问题一\n问题二是一个很长的问题没有结束\n的句子。", "六": " \u3000 "},
]


def plain_part_view(report, part_id: str, keep_table_rows: bool = False) -> TextView | None:
    """The construction before the lazy spans (a18f45a), kept as the reference."""
    part = report.parts.get(part_id)
    if part is None or not part.present:
        return None
    local_lines = [ln if (keep_table_rows or "\t" not in ln) else "" for ln in part.text.split("\n")]
    src = _source_lines_for(report, part.line_start, part.line_end, local_lines)
    pieces: list[str] = []
    line_of: list[int | None] = []
    prev_soft = False
    stripped = strip_spaces("\n".join(local_lines)).split("\n")
    for local, line_no in zip(stripped, src):
        text = local.strip() if local else ""
        if not text:
            continue
        if pieces:
            if not prev_soft:
                pieces.append("\n")
                line_of.append(line_no)
        pieces.append(text)
        line_of.extend([line_no] * len(text))
        prev_soft = text[-1] not in _SOFT_END_OK and len(text) >= 8 and \
            not (len(text) <= 40 and "。" not in text and _SUBHEADING.match(text))
    return TextView(part=part_id, text="".join(pieces), line_of=line_of, lines=report.lines,
                    fallback_line=part.line_start)


def _same(report, modes=(False, True)) -> None:
    for pid in PART_IDS:
        for keep in modes:
            new, old = part_view(report, pid, keep), plain_part_view(report, pid, keep)
            if old is None:
                assert new is None
                continue
            assert new.text == old.text and new.masked == old.masked
            assert new.fallback_line == old.fallback_line
            for pos in range(-2, len(old.text) + 2):
                assert new.line_at(pos) == old.line_at(pos), (report.source, pid, pos)
                assert new.where_at(pos) == old.where_at(pos), (report.source, pid, pos)
            # asked out of order, on fresh views: the lines matched up to the first position
            # asked, then all of them
            rng = random.Random(len(old.text))
            for _ in range(3):
                view = part_view(report, pid, keep)
                for pos in rng.sample(range(-2, len(old.text) + 2), min(8, len(old.text) + 4)):
                    assert view.line_at(pos) == old.line_at(pos), (report.source, pid, pos)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_seed_views_are_the_plain_views(path):
    _same(parse_file(path))


@pytest.mark.parametrize("parts", TEXTS)
def test_probe_views_are_the_plain_views(parts):
    _same(report_from_parts(parts))


def test_real_views_are_the_plain_views():
    for path in sorted(require_real().iterdir()):
        if path.suffix in (".txt", ".html", ".docx") or (path.suffix == ".md" and path.name != "README.md"):
            _same(parse_file(path), (False,))
