"""Reports for the text-signal and narrative tests, built from source lines by hand.

`report_from_lines` takes a document's lines and the line ranges of its parts *as stated by hand*
(heading line, last line), so these tests do not depend on the parser; the seed ranges below were
read off the seed files. Cells can be given as {address: value}; all others are absent.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.model import Cell, Metadata, Part, Report, SourceLine, Table
from engine.template import PART_IDS
from real_support import real_file

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "seeds"

# Part ranges (heading line, last line) per seed, read off the files by hand.
SEED_PARTS = {
    "000_07ac6476bfab88c2": {"一": (7, 32), "二": (33, 49), "三": (50, 80), "四": (81, 87),
                             "五": (88, 95), "六": (96, 99)},
    "001_5f25c15575702d27": {"一": (9, 22), "二": (23, 41), "三": (42, 72), "四": (73, 79),
                             "五": (80, 95), "六": (96, 98)},
    "002_6e41f544aa427844": {"一": (5, 15), "二": (16, 61), "三": (62, 350), "四": (351, 395),
                             "五": (396, 402), "六": (403, 404)},
    "003_bb47b10e518fda8c": {"一": (7, 30), "二": (31, 48), "三": (49, 80), "四": (81, 87),
                             "五": (88, 109), "六": (110, 115)},
    "004_62538884590742ab": {"一": (9, 38), "二": (39, 56), "三": (57, 92), "四": (93, 99),
                             "五": (100, 107), "六": (108, 110)},
}
SEED_META = {
    "000_07ac6476bfab88c2": ("金村镇人民政府", 2024),
    "001_5f25c15575702d27": ("阎村镇人民政府", 2023),
    "002_6e41f544aa427844": ("六安市金安区木厂镇人民政府", 2024),
    "003_bb47b10e518fda8c": ("南岭镇人民政府", 2024),
    "004_62538884590742ab": ("陈区镇人民政府", 2024),
}


def source_lines(text: str) -> list[SourceLine]:
    return [SourceLine(no=i, text=t, where=f"第{i}行") for i, t in enumerate(text.split("\n"), start=1)]


def cells_table(name: str, values: dict[str, object]) -> Table:
    cells = {a: Cell(a, "number", Decimal(str(v)), str(v)) for a, v in values.items()
             if a.startswith(name + ".")}
    return Table(name=name, present=bool(cells), cells=cells)


def report_from_lines(lines: list[SourceLine], ranges: dict[str, tuple[int, int]], *,
                      agency: str | None = None, year: int | None = None,
                      body_kind: str | None = "government",
                      cells: dict[str, object] | None = None, source: str = "test") -> Report:
    parts = {}
    for pid in PART_IDS:
        if pid not in ranges:
            parts[pid] = Part(pid, present=False)
            continue
        start, end = ranges[pid]
        body = [ln.text for ln in lines[start:end]]          # lines after the heading, up to `end`
        parts[pid] = Part(pid, True, heading=lines[start - 1].text, line_start=start, line_end=end,
                          text="\n".join(body))
    meta = Metadata(agency=agency, year=year, body_kind=body_kind)
    values = cells or {}
    tables = {n: cells_table(n, values) for n in ("active", "applications", "review")}
    return Report(source=source, format="txt", sha256="0", metadata=meta, parts=parts, tables=tables,
                  lines=lines)


def report_from_parts(parts: dict[str, str], **kw) -> Report:
    """A report whose parts have the given bodies (each part: a heading line, then its body lines)."""
    text_lines: list[str] = []
    ranges = {}
    for pid in PART_IDS:
        if pid not in parts:
            continue
        start = len(text_lines) + 1
        text_lines.append(f"{pid}、标题")
        text_lines.extend(parts[pid].split("\n"))
        ranges[pid] = (start, len(text_lines))
    return report_from_lines(source_lines("\n".join(text_lines)), ranges, **kw)


def seed_report(stem: str, cells: dict[str, object] | None = None) -> Report:
    text = (SEEDS / f"{stem}.txt").read_text(encoding="utf-8")
    agency, year = SEED_META[stem]
    return report_from_lines(source_lines(text), SEED_PARTS[stem], agency=agency, year=year,
                             cells=cells, source=stem)


def pingtan_report(year: int, cells: dict[str, object] | None = None) -> Report:
    """A pingtan crawl: the whole report is one physical line; parts are cut at their headings."""
    raw = (real_file(f"pingtan-{year}.txt")).read_text(encoding="utf-8")
    body = raw.split("==================== 正文 ====================", 1)[1].strip()
    heads = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
             "四、政府信息公开行政", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    pos = []
    cursor = 0
    for h in heads:
        i = body.index(h, cursor)
        pos.append(i)
        cursor = i + len(h)
    pos.append(len(body))
    line = SourceLine(no=1, text=body, where="第1行")
    parts = {}
    for pid, h, s, e in zip(PART_IDS, heads, pos, pos[1:]):
        parts[pid] = Part(pid, True, heading=h, line_start=1, line_end=1, text=body[s + len(h):e])
    meta = Metadata(agency="平潭综合实验区", year=year, body_kind="government")
    values = cells or {}
    tables = {n: cells_table(n, values) for n in ("active", "applications", "review")}
    return Report(source=f"pingtan-{year}", format="txt", sha256="0", metadata=meta, parts=parts,
                  tables=tables, lines=[line])
