"""The 上海 page (../shared/real, 2019 format, blank cells left blank) with DISTINCT figures in 表三,
printed by chromium and read in reading order (`pdftotext` without -layout): the reader of rows whose
blank cells vanished (engine/parse/stream_blank.py, stream_totals.py) must never put a figure into the
wrong cell. The real page's own figures repeat (18 and 18, 72 and 72, many 1s), which hides a value
placed in the wrong cell: here every applicant column is scaled by its own factor and each printed
总计 recomputed, so every identity still holds and a misplaced figure shows. The modified page and
its print stay in a temporary folder."""
from __future__ import annotations

import re
import shutil

import pytest
from lxml import html as lxml_html

import layouts
from engine.parse import parse_file
from real_support import real_file

# per applicant column (自然人 … 其他); the second set widens 自然人 enough to change the print's flow
FACTORS = [(1, 3, 7, 11, 13, 17), (19, 2, 5, 23, 29, 31)]


def _scaled(page: str, factors: tuple[int, ...]) -> str:
    doc = lxml_html.fromstring(page)
    table = next(t for t in doc.iter("table") if "本年新收政府信息公开申请数量" in t.text_content())
    changed = 0
    for tr in table.iter("tr"):
        tds = tr.findall("td")
        if len(tds) < 8 or not any(re.search(r"[\u4e00-\u9fff]", td.text_content()) for td in tds[:-7]):
            continue
        cells = tds[-7:]
        texts = [c.text_content().strip() for c in cells]
        if not any(t.isdigit() for t in texts):
            continue
        total = 0
        for cell, text, factor in zip(cells, texts, factors):
            if text.isdigit():
                total += int(text) * factor
                _set(cell, text, str(int(text) * factor))
        if texts[6].isdigit():
            _set(cells[6], texts[6], str(total))
        changed += 1
    assert changed >= 10, "the page's 表三 was not found as expected"
    return lxml_html.tostring(doc, encoding="unicode")


def _set(cell, old: str, new: str) -> None:
    el = next(e for e in cell.iter() if e.text and e.text.strip() == old)
    el.text = el.text.replace(old, new)


@pytest.mark.parametrize("factors", FACTORS)
def test_distinct_figures_on_the_shanghai_page_are_never_misplaced(tmp_path, factors):
    if not (shutil.which("pdftotext") and (shutil.which("chromium") or shutil.which("chromium-browser"))):
        pytest.skip("pdftotext / chromium 不可用：无法生成阅读顺序变体")
    page = tmp_path / "page.html"
    page.write_text(_scaled(real_file("shanghai-bangongting-2019.html").read_text(encoding="utf-8"), factors),
                    encoding="utf-8")
    original = parse_file(page)
    text = layouts.pdftotext(layouts.chromium_pdf(page, tmp_path / "page.pdf"), tmp_path / "page.txt", False)
    tally = layouts.compare(original, parse_file(text), "pdftotext-raw")
    assert tally.wrong == 0, tally.wrong_cells
    assert not tally.silent_unknown, tally.silent_unknown
    assert not tally.guessed and not tally.unanalysed, (tally.guessed, tally.unanalysed)
    if factors != FACTORS[1]:
        # the page's own flow (figures before their labels): the blank rows, 表二, the 总计 of
        # 一/二/三.七/四 and every cell the sums pin (engine/parse/stream_place.py) are read — every
        # cell the text determines (tests/placements.py), as on the page with its own figures
        assert tally.right >= 122, (tally.right, tally.unknown)
        assert tally.determinable_right == tally.determinable, (tally.determinable_right, tally.determinable)
