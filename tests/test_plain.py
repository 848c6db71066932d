"""The plain-row fast path (engine/parse/plain.py) never reads a table differently from the general
reader (engine/parse/grid.read_rows + rows.place_row): every document below is parsed both ways and
the reports must be equal — cells, diagnostics, spans, metadata.

Documents: the seeds, the document fixtures, the reports the CLI ships with, the real reports
(read where they are), the text layouts of tests/layouts.py for each original, the distinct-figure
seeds (three draws, with and without blank cells) in those layouts, synthetic reports of
benchmarks/audit.py, and random edits of the distinct TAB texts made to break rows in the ways the
fast path must refuse (a value dropped or doubled, units, spaces, text after the values, a second
line of values, TABs turned into spaces …).
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

import distinct as D
import layouts as L
from engine.ingest import IngestError, read_document
from engine.parse import NotAReportError, parse_document, plain

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def _both(path: Path) -> tuple[object, object]:
    """(fast path on, off): the report's JSON with its lines, or the NotAReportError's message."""
    try:
        read_document(path)
    except IngestError:
        return None, None       # (an input that cannot be read: no table to compare)
    out = []
    for enabled in (True, False):
        plain.ENABLED = enabled
        try:
            try:
                out.append(parse_document(read_document(path)).to_json(with_lines=True))
            except NotAReportError as exc:
                out.append(("not a report", exc.message))
        finally:
            plain.ENABLED = True
    return out[0], out[1]


class _Counting:
    """Counts the tables the fast path read, wholly or partly (plain.Partial: its inline rows, the
    general reader reading the others), so that the comparison is not vacuous."""

    def __init__(self, monkeypatch):
        self.read = 0
        self.partial = 0
        self.short = 0          # rows read as short (plain.Partial.short: ROW_TOO_FEW_VALUES, certain)
        original = plain.plain_rows

        def counted(*args, **kwargs):
            got = original(*args, **kwargs)
            self.read += got is not None
            if isinstance(got, plain.Partial):
                self.partial += 1
                self.short += len(got.short)
            return got

        monkeypatch.setattr(plain, "plain_rows", counted)


def _documents(tmp: Path) -> list[Path]:
    docs = [p for folder in (ROOT / "tests" / "fixtures" / "seeds", ROOT / "tests" / "fixtures" / "documents",
                             ROOT / "reports_in")
            for p in sorted(folder.glob("*")) if p.is_file() and p.suffix.lower() not in (".py", ".json", ".md")]
    for original in L.originals(include_real=True):
        if original.path.suffix.lower() != ".pdf" or original.path.parent == L.REAL:
            docs.append(original.path)
        report = parse_document(read_document(original.path))
        docs.extend(_text_layouts(report, tmp / original.name))
    return docs


def _text_layouts(report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for suffix, render in ((".tabs.txt", L.render_tabs), (".whole.md", L.render_md_whole),
                           (".rows.md", L.render_md_per_row), (".word.html", L.render_word_html)):
        path = out / f"{out.name}{suffix}"
        path.write_text(render(report), encoding="utf-8")
        made.append(path)
    return made


def _distinct_texts(tmp: Path) -> list[Path]:
    maker = D.fixture_maker()
    tmp.mkdir(parents=True, exist_ok=True)
    made = []
    for key in ("", "k1", "k2"):
        for spec in maker.SEEDS:
            for blanks in (False, True):
                text = D.distinct_text(spec, D.distinct_spec(spec, blanks, key))
                path = tmp / f"distinct-{spec.stem[:3]}{'-blanks' if blanks else ''}{key}.txt"
                path.write_text(text, encoding="utf-8")
                made.append(path)
                made.extend(_text_layouts(parse_document(read_document(path)), tmp / path.stem))
    return made


def test_fast_and_general_reading_agree_on_every_layout(tmp_path, monkeypatch):
    counting = _Counting(monkeypatch)
    docs = _documents(tmp_path / "layouts") + _distinct_texts(tmp_path / "distinct")
    import audit as bench
    (tmp_path / "synthetic").mkdir()
    bench.generate(25, tmp_path / "synthetic", 0.2)
    docs += sorted((tmp_path / "synthetic").glob("*.txt"))
    differ = [p.name for p in docs if (pair := _both(p))[0] != pair[1]]
    assert differ == []
    assert counting.read >= len(docs) // 2       # most tables of these layouts are plain


# Edits of one table row of a TAB text, each a way a row stops being plain (or stays plain in a
# way the fast path must read exactly as the general reader does).
def _edit(line: str, rng: random.Random) -> list[str]:
    cells = line.split("\t")
    values = [i for i, c in enumerate(cells) if D._VALUE.fullmatch(c.strip())]
    if not values:
        return [line]
    i = rng.choice(values)
    kind = rng.randrange(16)
    if kind == 0:
        del cells[i]                                    # a value lost
    elif kind == 1:
        cells.insert(i, cells[i])                       # a value doubled
    elif kind == 2:
        cells[i] = f" {cells[i]} "                      # spaces around a value
    elif kind == 3:
        cells[i] = cells[i] + rng.choice(["元", "万元", " 万元", "件", "%"])
    elif kind == 4:
        cells[i] = rng.choice(["—", "-", "无", "/", "1,234", "12.345678", "０", "3 4", "数据1", "abc"])
    elif kind == 5:
        cells.append(rng.choice(["备注", "见附件", "1", " "]))   # a cell after the values
    elif kind == 6:
        cells[i] = ""                                   # a blank cell
    elif kind == 7:
        return [" ".join(cells)]                        # TABs turned into spaces
    elif kind == 8:
        return ["  ".join(cells)]                       # column-laid text
    elif kind == 9:
        return [line, "\t".join(["", *("7" for _ in values)])]     # a second line of values
    elif kind == 10:
        return [line, "\t\t\t\t"]                       # a line of empty cells
    elif kind == 11:
        return [line, "\t反复申请\t\t"]                  # a wrapped label's rest
    elif kind == 12:
        return ["\t".join(cells[:values[0]]), "\t".join(["", *cells[values[0]:]])]   # values below the label
    elif kind == 13:
        cells[values[0] - 1] = cells[values[0] - 1] + "3"    # a digit in the label's cell
    elif kind == 14:
        return [line + "\t"]                            # an empty cell at the edge
    else:
        cells.insert(values[0], "说明")                   # a text cell before the values
    return ["\t".join(cells)]


def test_fast_and_general_reading_agree_on_broken_rows(tmp_path, monkeypatch):
    counting = _Counting(monkeypatch)
    maker = D.fixture_maker()
    rng = random.Random("plain-rows")
    texts = [D.distinct_text(spec, D.distinct_spec(spec, blanks, key))
             for key in ("", "k1") for spec in maker.SEEDS for blanks in (False, True)]
    differ = []
    for n in range(160):
        lines = rng.choice(texts).split("\n")
        rows = [i for i, line in enumerate(lines) if "\t" in line and D._VALUE.search(line)]
        for i in sorted(rng.sample(rows, min(len(rows), rng.randint(1, 3))), reverse=True):
            lines[i:i + 1] = _edit(lines[i], rng)
        path = tmp_path / f"edit-{n:03d}.txt"
        path.write_text("\n".join(lines), encoding="utf-8")
        fast, general = _both(path)
        if fast != general:
            differ.append(path.name)
    assert differ == []
    assert counting.partial >= 60        # most edited tables keep some inline rows (plain.Partial)
    assert counting.short >= 50          # ... and some rows lost a value (short rows)


def test_variant_detection_without_the_split_scan_agrees_with_both_scans(tmp_path):
    """detect_variant skips the split labels' scan when no split-only row's head is in the region:
    the variant and the anchors handed on are those of scanning both label sets."""
    from engine.parse import _region_of, _doc_end
    from engine.parse.applications import ANCHORS, _SPLIT_ONLY, detect_variant
    from engine.parse.parts import find_headings, fold_texts

    docs = _distinct_texts(tmp_path) + sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))
    single = 0
    for path in docs:
        doc = read_document(path)
        pure, folded = fold_texts(doc.lines)
        region = _region_of("三", find_headings(folded, doc.lines), _doc_end(folded))
        variant, _, found = detect_variant(doc.lines, folded, region)
        split = ANCHORS["split"].find(folded, region)
        expected = "split" if {a.key for a in split} & set(_SPLIT_ONLY) else None
        if expected is None and any(a.key == "三.六" for a in ANCHORS["single"].find(folded, region)):
            expected = "single"
        assert variant == expected, path.name
        for name, anchors in found.items():
            assert anchors == ANCHORS[name].find(folded, region)
        single += variant == "single"
    assert single > 0


def test_a_short_row_followed_by_padding_cells_is_read_short(monkeypatch):
    """Seed 004's 表三 rows "(一) 予以公开⇥0⇥0⇥0⇥0⇥0⇥0⇥" (six values, then an empty cell that the
    inline rows' trailing padding covers) are short rows (ROW_TOO_FEW_VALUES) without the general
    reader, and the report is the one the general reader gives."""
    got = []
    original = plain.plain_rows

    def recorded(*args, **kwargs):
        out = original(*args, **kwargs)
        got.append(out)
        return out

    monkeypatch.setattr(plain, "plain_rows", recorded)
    path = ROOT / "tests" / "fixtures" / "seeds" / "004_62538884590742ab.txt"
    fast, general = _both(path)
    assert fast == general
    partial = [r for r in got if r.__class__ is plain.Partial]
    assert partial and partial[0].trail >= 1
    assert {"三.一", "三.二"} <= partial[0].short.keys()

