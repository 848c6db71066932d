"""The parse skeleton's work done once: the folded text's joins (parts.fold_document), part 一's
folded text cut from the folded lines (parts.folded_part_text), the heading search stopped once the
probe's question is answered (find_headings(enough=)), the reader's line texts (TextDocument.texts),
the reversed-text test of arabic_years, the metadata's header pre-checks and set_reading in C —
each the same answer as the plain computation it replaces."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from engine.ingest.text import TextDocument, read, source_lines
from engine.model import Cell, Table
from engine.parse import parse_document, set_reading
from engine.parse import metadata as M
from engine.parse import parts as P
from engine.parse.normalize import fold

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*.txt"))
REAL = Path(__file__).resolve().parents[2] / "shared" / "real"

TEXTS = [
    "x\n", "\nx\n\n", "a\r\nb\r\n", "a\rb", "一、总体情况\r\n\r\n",
    "标题\n\n一、总体情况\n\u200b 正文其\n二、主动公开政府信息情况\n| a | b |\n- 3 -\n三、收到和处理政府信息公开申请情况\n",
    "# 丙镇人民政府\n## 2024年政府信息公开工作年度报告\n### 一、总体情况\n\u3000其它事项\u200b\n\n## 二、主动公开政府信息情况\n",
    "一、总体情况 今年…… 二、主动公开政府信息情况 表格…… 三、收到和处理政府信息公开申请情况 四、政府信息公开行政复议、行政诉讼情况"
    " 五、存在的主要问题及改进情况 六、其他需要报告的事项 无。",
    "二、主动公开政府信息情况 一、总体情况\n一、总体情况其\n它\n",
    "报告\n一、总体情况\n\n\n",
    "没有任何标题的一段文字。\n第二行",
]


def _texts():
    out = list(TEXTS)
    out += [p.read_text(encoding="utf-8") for p in SEEDS[:8]]
    if REAL.is_dir():
        out += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REAL.glob("*.txt"))[:20]]
    return out


def _doc(text: str):
    return read(Path("r.md"), text.encode("utf-8"))


@pytest.mark.parametrize("text", _texts())
def test_skeleton_shortcuts_give_the_plain_answers(text):
    doc = _doc(text)
    lines = doc.lines
    assert isinstance(doc, TextDocument) and doc.texts == [ln.text for ln in lines]
    assert doc.joined == "\n".join(doc.texts)
    texts = doc.texts
    f = P.fold_document(texts)
    pure, folded = P.fold_texts(lines)
    assert (f.pure, f.folded) == (pure, folded)
    assert f.whole == "\n".join(pure) and f.folded_whole == "\n".join(folded)
    headings = P.find_headings(folded, lines)
    assert P.find_headings(folded, lines, whole=f.folded_whole) == headings
    joined = P._Joined(folded)
    starts = [0] + [m.end() for m in re.finditer("\n", joined.whole)]
    assert joined.starts == starts
    parts = P.build_parts(headings, lines)
    assert P.build_parts(headings, lines, texts) == parts
    assert list(parts) == list("一二三四五六")
    for pid, part in parts.items():
        assert P.folded_part_text(headings, texts, pure, pid) == (fold(part.text) if part.present else "")
    first = min((h.line_index for h in headings.values()), default=None)
    assert M.extract_metadata(lines, parts, first, folded=pure, whole=f.whole,
                              part_one=P.folded_part_text(headings, texts, pure, "一")) == \
        M.extract_metadata(lines, parts, first)
    assert M._title(lines, first, pure) == M._title(lines, first)
    assert M._publication_date(lines, pure) == M._publication_date(lines)


@pytest.mark.parametrize("text", _texts())
def test_heading_search_stopped_at_part_two_answers_the_probe(text):
    lines = _doc(text).lines
    folded = P.fold_lines(lines)
    full = P.find_headings(folded, lines)
    short = P.find_headings(folded, lines, enough="二")
    assert min((h.line_index for h in short.values()), default=None) == \
        min((h.line_index for h in full.values()), default=None)
    assert short.get("一") == full.get("一") and short.get("二") == full.get("二")
    assert short.items() <= full.items()


def test_arabic_years_reversed_check_is_the_substitution():
    rng = random.Random(5)
    alphabet = "〇零○一二三四五六七八九年 2x"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 14)))
        want = text if "年" not in text else M._CN_YEAR.sub(lambda m: m.group().translate(M._CN_DIGITS), text)
        assert M.arabic_years(text) == want
    assert M.arabic_years("二〇二三 年度") == "2023 年度"


def test_header_fields_still_found_with_the_folded_lines():
    text = "标题：甲县人民政府2023年政府信息公开工作年度报告\n发布时间：2024-01-20\n一、总体情况\n正文\n"
    lines = _doc(text).lines
    pure = P.fold_lines(lines)
    assert M._title(lines, 2, pure) == ("甲县人民政府2023年政府信息公开工作年度报告", 1)
    assert M._publication_date(lines, pure) == "2024-01-20"


def _set_reading_plain(table: Table, lines: list) -> tuple[bool, str]:
    read = [c for c in table.cells.values() if c.kind != "missing"]
    located = [c for c in table.cells.values() if c.line is not None]
    structured = bool(table.present and located) and all(
        0 < c.line <= len(lines) and lines[c.line - 1].table is not None for c in located)
    reading = ("unreadable" if not table.present or not read
               else "complete" if len(read) == len(table.cells) else "partial")
    return structured, reading


@pytest.mark.parametrize("present", [True, False])
@pytest.mark.parametrize("cells", [
    [], [("number", 1)], [("missing", None)], [("number", 1), ("missing", None)], [("blank", 0), ("number", 2)],
    [("number", None), ("number", 3)], [("number", 9)], [("number", 2), ("number", 3)],
])
def test_set_reading_as_plainly_computed(present, cells):
    grid = source_lines(["a", "b", "c"])
    grid[1] = grid[1]._replace(table=1)
    grid[2] = grid[2]._replace(table=1)
    for lines in (grid, source_lines(["a", "b", "c"])):
        table = Table(name="active", present=present,
                      cells={f"c{i}": Cell(address=f"c{i}", kind=k, line=n) for i, (k, n) in enumerate(cells)})
        set_reading(table, lines)
        assert (table.structured, table.reading) == _set_reading_plain(table, lines)


def test_parse_document_reads_the_readers_texts_or_the_lines():
    from engine.model import Document

    doc = _doc(next(t for t in TEXTS if t.startswith("# 丙镇")))
    plain = Document(path=doc.path, format=doc.format, lines=doc.lines, sha256=doc.sha256)
    assert parse_document(doc).to_json(with_lines=True) == parse_document(plain).to_json(with_lines=True)


def test_fold_of_long_texts_is_translate():
    from engine.parse import normalize as N

    rng = random.Random(11)
    wide = [chr(c) for c in [*range(0x20, 0x3000, 7), *range(0x3000, 0x3100), *range(0xFE00, 0x10000, 3),
                             0x4E00, 0x4E8C, 0x1F600, 0x20000]] + list("其它，（）")
    common = list("其它，（）：“”；abc一二三\u3000－—０１\t ")
    for _ in range(800):
        for alphabet in (wide, common):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(64, 300)))
            want = text.translate(N._TABLE)
            assert N._fold_long(text) == N._fold_distinct(text) == want
            assert fold(text) == want.replace("其它", "其他")
    many = "".join(chr(c) for c in range(0x1100, 0x1100 + 200))     # past _MAX_STOPS stops
    assert N._fold_long(many * 2) == (many * 2).translate(N._TABLE)


def test_fold_of_short_texts_is_translate():
    from engine.parse import normalize as N

    rng = random.Random(13)
    alphabet = list("其它，（）：“”；abc一二三\u3000－—０１\t ①Ａ") + [chr(c) for c in range(0xFF00, 0xFF60)]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 64)))
        assert fold(text) == text.translate(N._TABLE).replace("其它", "其他")


def _period_plain(t: str):
    for rx in (M._PERIOD_NAMED, M._PERIOD):
        for m in rx.finditer(t):
            y2 = m.group("y2") or m.group("y1")
            start = M._iso(m.group("y1"), M._md(m.group("m1")), M._md(m.group("d1")))
            end = M._iso(y2, M._md(m.group("m2")), M._md(m.group("d2")))
            if not (start and end and start <= end):
                continue
            if rx is M._PERIOD and not (start.endswith("-01-01") and end.endswith("-12-31")):
                continue
            return start, end
    return None


def test_unnamed_period_scan_starts_at_the_first_range():
    rng = random.Random(17)
    pieces = ["2024年1月1日至2024年12月31日", "2023 年 1 月 1 日—2023年12月31日", "12024年1月1日到2024年12月31日",
              "2024年3月1日至2024年3月31日", "2024年13月1日至2024年12月31日", "统计期限为2024年1月1日至12月31日",
              "年", "1", "2", " ", "\n", "至", "月", "日", "2024年", "0年1月1日-", "x", "2025年1月1日~2025年12月31日"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 10)))
        assert M._period_in(text) == _period_plain(text), text


def test_no_other_character_folds_to_the_title_checks_characters():
    # _title_by_report_name looks for 公 and 报 in the text as written before folding it: fold()
    # must make them of no other character (the BMP and the compatibility ideographs); _title and
    # _publication_date look for 标题, 日, 时间, 发布 in the folded lines: fold() must keep them
    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x2F800, 0x2FA20)]
    assert not [hex(c) for c in codes if chr(c) not in "公报" and fold(chr(c)) in ("公", "报")]
    assert all(fold(c) == c for c in "公报标题日时间发布")


def test_probe_head_reads_the_title_from_the_lines_above_the_heading():
    from engine.ingest import DEFAULT_LIMITS
    from engine.run.probe import probe_text

    def probe(text, tmp):
        p = tmp / "r.txt"
        p.write_text(text, encoding="utf-8")
        return probe_text(str(p), DEFAULT_LIMITS)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        body = "一、总体情况\n正文\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
        got = probe("丙镇人民政府\n2024年政府信息公开工作年度报告\n" + body, tmp)
        assert (got.agency, got.year) == ("丙镇人民政府", 2024)
        filler = "".join(f"第{i}行说明\n" for i in range(20))
        got = probe(filler + "丙镇人民政府2023年政府信息公开工作年度报告\n" + body, tmp)
        assert got is None or (got.agency, got.year) == ("丙镇人民政府", 2023)
        assert probe("信息公开\n" + body, tmp) is None


def _region_by_lists(pid, headings, end):
    """parse._region_of as the lists of headings before and after the part spell it."""
    from engine.parse import Pos, Region
    from engine.template import PART_IDS

    idx = PART_IDS.index(pid)
    before = [headings[p] for p in PART_IDS[:idx + 1] if p in headings]
    after = [headings[p] for p in PART_IDS[idx + 1:] if p in headings]
    start = Pos(before[-1].line_index, before[-1].end) if before else Pos(0, 0)
    stop = Pos(after[0].line_index, after[0].start) if after else end
    if (stop.line, stop.col) < (start.line, start.col):
        stop = end
    return Region(start, stop)


def test_regions_of_the_tables_are_those_the_heading_lists_give():
    import engine.parse as parse
    from engine.parse import Pos
    from engine.template import PART_IDS

    rng = random.Random(5)
    end = Pos(90, 7)
    for mask in range(64):
        for _ in range(4):
            headings = {}
            for i, pid in enumerate(PART_IDS):
                if mask >> i & 1:
                    line = rng.randint(0, 95)          # out of order at times, past the end at times
                    col = rng.randint(0, 9)
                    headings[pid] = P.Heading(pid, line, col, col + rng.randint(0, 20), True)
            for pid in PART_IDS:
                assert parse._region_of(pid, headings, end) == _region_by_lists(pid, headings, end), (mask, pid)
