"""The distinct-figures layout corpus: each seed with DISTINCT non-zero figures that keep every
identity of the template, laid out every way tests/layouts.py knows.

    .venv/bin/python tests/distinct.py OUT_DIR        # build it into OUT_DIR (for a look)

Why: the seeds' cells are almost all 0, so a value placed in the wrong row or column is still "0"
and counts as right. Here every figure of a document is different from every other (across its
three tables), so a misplaced value is a wrong value.

How (nothing here parses the seed tables: the values come from the hand-read SeedSpecs of
tests/fixtures/documents/make_fixtures.py):
- figures: per seed, a deterministic draw. 表三: each outcome row's six applicant figures are drawn,
  总计 is their sum, （七）总计 is the column sum of the outcome rows, 四 and 二 are drawn and 一 is
  三.七 + 四 − 二 (so 一 + 二 = 三.七 + 四); 表四: 总计 = the four results; 表二: drawn, the 万元 cell
  with two decimals. A blank stays blank; a short row (six values) stays short; a cell the seed
  does not have (16 values for 15 columns) stays what it was. Every figure is non-zero and no two
  figures of a document are equal. The "-blanks" originals (BLANKS_SEEDS) also leave a few cells
  blank, as agencies leave a cell for 0 (sums count it 0): in text a blank is where values shift.
- the distinct seed text (family "text"): the seed's text with its table values replaced in order
  (labels, layout untouched; the narrative's "no request received" given the table's numbers);
- every variant is compared with the TRUTH (`truth`): the drawn figures in their places (a cell
  that no layout can show — a short row — stays unknown);
- its Word file (make_fixtures.build_docx with the distinct SeedSpec) and that file's PDF by
  LibreOffice (one soffice run for all seeds): families "docx" and "pdf", and the PDF feeds the
  pdftotext families. In these narrow portrait tables the 4- and 5-digit 表三 figures wrap inside
  their cells (a real case: the readers must leave such rows unknown, never misread them); the
  same Word file on landscape A4 with widened columns, where every figure fits its cell, gives
  "pdf-wide" and its pdftotext families "pdftotext-layout-wide", "pdftotext-raw-wide";
- then every family of tests/layouts.py (tabs, Markdown whole / per row, Word-style HTML, borderless
  PDF, pdftotext -layout and reading order), rendered from the truth.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import random
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import layouts as L
from engine.model import Report
from engine.template import (ACTIVE_ITEMS, APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS,
                             application_rows, outcome_leaf_rows)

ROOT = L.ROOT
FIXTURE_MAKER = ROOT / "tests" / "fixtures" / "documents" / "make_fixtures.py"

# The families of this corpus: the distinct seed's own Word and PDF forms, then every layout family.
FAMILIES = ("text", "docx", "pdf", *L.FAMILIES, "pdf-wide", "pdftotext-layout-wide", "pdftotext-raw-wide")

_VALUE = re.compile(r"\d+(?:\.\d+)?")
LEAF_MAX = 250          # outcome rows' applicant figures and 表四 results are drawn from 1..LEAF_MAX
_TRIES = 2000


def fixture_maker():
    """tests/fixtures/documents/make_fixtures.py as a module (its SeedSpecs and DOCX builder)."""
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURE_MAKER)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_fixtures", module)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------

class _Draw:
    """Distinct non-zero integers for one document."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[Decimal] = set()

    def fresh(self, hi: int = LEAF_MAX) -> int:
        while True:
            n = self.rng.randint(1, hi)
            if Decimal(n) not in self.used:
                self.used.add(Decimal(n))
                return n

    def take(self, n: Decimal) -> bool:
        """Claim a computed figure; False when it equals one already used (the draw is retried)."""
        if n <= 0 or n in self.used:
            return False
        self.used.add(n)
        return True


def _swap(printed: str, figure) -> str:
    """The printed cell with its number replaced (an empty paragraph before it stays: "\\n0")."""
    if not printed.strip():
        return printed
    return _VALUE.sub(str(figure), printed, count=1)


def _applications(spec, draw: _Draw, blanks: int) -> dict[str, tuple[str, ...]] | None:
    """表三 with distinct figures keeping relations 1–3 (a blank cell counts 0); None when a
    computed sum collides. `blanks`: that many outcome rows get one applicant cell left blank."""
    variant = spec.variant
    leaves = outcome_leaf_rows(variant)
    width = len(APPLICANT_COLUMNS) - 1
    rows: dict[str, list[int]] = {}
    for key in leaves:
        parts = [draw.fresh() for _ in range(width)]
        rows[key] = parts
    whole = [k for k in leaves if len(spec.applications[k]) == len(APPLICANT_COLUMNS)]
    blank = {(k, draw.rng.randrange(width)) for k in draw.rng.sample(whole, min(blanks, len(whole)))}
    for k, c in blank:
        rows[k][c] = 0
    rows["四"] = [draw.fresh() for _ in range(width)]
    rows["二"] = [draw.fresh() for _ in range(width)]
    rows["三.七"] = [sum(rows[k][c] for k in leaves) for c in range(width)]
    rows["一"] = [rows["三.七"][c] + rows["四"][c] - rows["二"][c] for c in range(width)]
    for key in ("三.七", "一"):
        if not all(draw.take(Decimal(v)) for v in rows[key]):
            return None
    out = {}
    for row in application_rows(variant):
        figures = [*rows[row.key], sum(rows[row.key])]
        if not draw.take(Decimal(figures[-1])):
            return None
        printed = spec.applications[row.key]
        out[row.key] = tuple(_swap(p, "" if (row.key, c) in blank else f)
                             for c, (p, f) in enumerate(zip(printed, figures)))
    return out


def _review(spec, draw: _Draw, blanks: int) -> tuple[str, ...] | None:
    """表四 with distinct figures, 总计 = the four results in each group; a blank group stays blank;
    cells beyond the fifteen (seed 003's sixteenth column) get a figure of their own. `blanks`:
    that many groups get one result left blank (counted 0)."""
    figures: list[int | str] = []
    blank = set(draw.rng.sample(range(len(REVIEW_GROUPS)), blanks)) if len(spec.review) == 15 else set()
    for g, _ in enumerate(REVIEW_GROUPS):
        parts: list[int | str] = [draw.fresh() for _ in REVIEW_COLUMNS[:-1]]
        if g in blank:
            parts[draw.rng.randrange(len(parts))] = ""
        total = sum(p for p in parts if p != "")
        figures += [*parts, total]
        if not draw.take(Decimal(total)):
            return None
    figures += [draw.fresh() for _ in range(len(spec.review) - len(figures))]
    return tuple(_swap(p, f) for p, f in zip(spec.review, figures))


def _active(spec, draw: _Draw, blanks: int) -> tuple[tuple[str, ...], ...]:
    """表二 with distinct figures (no identity inside the table); the 万元 cell with two decimals.
    `blanks`: that many rows of three cells get one left blank."""
    columns = [item.columns for item in ACTIVE_ITEMS[spec.template] for _ in item.rows]
    wide = [i for i, printed in enumerate(spec.active) if len(printed) == 3 and all(p.strip() for p in printed)]
    blank = {(i, draw.rng.randrange(3)) for i in draw.rng.sample(wide, min(blanks, len(wide)))}
    out = []
    for r, (printed, cols) in enumerate(zip(spec.active, columns)):
        row = []
        for i, p in enumerate(printed):
            col = cols[i] if i < len(cols) else None
            if col == "本年收费金额":
                figure = f"{draw.fresh()}.{draw.rng.randint(1, 9)}{draw.rng.randint(1, 9)}"
                draw.take(Decimal(figure))
            else:
                figure = draw.fresh()
            row.append(_swap(p, "" if (r, i) in blank else figure))
        out.append(tuple(row))
    return tuple(out)


# Blank cells of the "blanks" originals: per table, how many rows get one cell left blank; the
# seeds made so too (seed 002 states one cell per line: a blank there is an empty line, which no
# reader can place).
BLANKS = {"active": 2, "applications": 6, "review": 2}
BLANKS_SEEDS = ("000", "001", "003", "004")


def distinct_spec(spec, blanks: bool = False, draw_key: str = ""):
    """The seed's SeedSpec with distinct figures (deterministic per seed and `draw_key`); `blanks`:
    a few cells left blank as agencies leave a cell for 0 (BLANKS), the sums counting them 0."""
    rng = random.Random(f"distinct-{spec.stem}{'-blanks' if blanks else ''}{draw_key}")
    n = BLANKS if blanks else dict.fromkeys(BLANKS, 0)
    for _ in range(_TRIES):
        draw = _Draw(rng)
        active = _active(spec, draw, n["active"])
        applications = _applications(spec, draw, n["applications"])
        review = _review(spec, draw, n["review"]) if applications is not None else None
        if applications is not None and review is not None:
            return dataclasses.replace(spec, active=active, applications=applications, review=review)
    raise RuntimeError(f"{spec.stem}: no distinct draw in {_TRIES} tries")


def _spec_cells(spec) -> list[str]:
    """The spec's printed cells in the order the seed text states them (blanks included)."""
    keys = [r.key for r in application_rows(spec.variant)]
    return [*(v for row in spec.active for v in row), *(v for k in keys for v in spec.applications[k]),
            *spec.review]


def distinct_text(spec, distinct) -> str:
    """The seed's text with the values inside its three tables replaced, in order, by the distinct
    spec's figures. Fails when the seed's values are not the spec's (the spec was read by hand)."""
    lines = (L.SEEDS / f"{spec.stem}.txt").read_text(encoding="utf-8").split("\n")
    pairs = iter([(a, b) for a, b in zip(_spec_cells(spec), _spec_cells(distinct)) if a.strip()])
    for a, b in spec.tables:
        for i in range(a - 1, b):
            fields = lines[i].split("\t")
            for j, f in enumerate(fields):
                if _VALUE.fullmatch(f.strip()):
                    expected, figure = next(pairs)
                    assert f.strip() == expected.strip(), (spec.stem, i + 1, f, expected)
                    fields[j] = f.replace(f.strip(), figure.strip())
            lines[i] = "\t".join(fields)
    assert next(pairs, None) is None, f"{spec.stem}: the seed text has fewer table values than its spec"
    inside = {n for a, b in spec.tables for n in range(a - 1, b)}
    for i, line in enumerate(lines):
        if i not in inside:
            for pattern, words, key in _NO_REQUESTS:
                line = pattern.sub(words.format(distinct.applications[key][-1].strip()), line)
            lines[i] = line
    return "\n".join(lines)


# The seeds' narrative says no request came in; with distinct figures it states the numbers of the
# table (else the distinct original would contradict its own table: XXGK-N901, N903).
_NO_REQUESTS = ((re.compile(r"未接?收到(?:依申请公开|政府信息公开)[^。，；]*"), "收到政府信息公开申请{}件", "一"),
                (re.compile(r"受理依申请公开0件"), "受理依申请公开{}件", "一"),
                (re.compile(r"新收到政府信息公开申请0条"), "新收到政府信息公开申请{}条", "一"),
                (re.compile(r"答复政府信息公开申请0条"), "答复政府信息公开申请{}条", "三.七"))


def expected_cells(seed: Report, spec, distinct) -> dict[str, tuple[str, Decimal | None]]:
    """The cells the distinct original must give: the seed's cells with each number replaced by the
    figure at the same place (a blank or an unreadable cell stays what it is)."""
    mapping: dict[str, str] = {}
    for addrs, row in zip(_active_addresses(spec), distinct.active):
        mapping.update(zip(addrs, row))
    for key, row in distinct.applications.items():
        mapping.update(zip((f"applications.{key}.{c}" for c in APPLICANT_COLUMNS), row))
    mapping.update(zip((f"review.{g}.{c}" for g in REVIEW_GROUPS for c in REVIEW_COLUMNS), distinct.review))
    out = {}
    for table in seed.tables.values():
        for addr, cell in table.cells.items():
            if cell.kind == "number" and not mapping[addr].strip():
                out[addr] = ("blank", None)
            elif cell.kind == "number":
                out[addr] = ("number", Decimal(mapping[addr].strip()))
            else:
                out[addr] = (cell.kind, None)
    return out


def _active_addresses(spec):
    for item in ACTIVE_ITEMS[spec.template]:
        for row in item.rows:
            yield [f"active.{item.key}.{row}.{c}" for c in item.columns]


# ------------------------------------------------------------------------------------------
# Building the corpus
# ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class DistinctOriginal:
    name: str                 # distinct-000 …
    seed: Path                # the seed text it was made from
    text: Path                # the distinct seed text (the original)
    docx: Path
    pdf: Path | None
    wide_pdf: Path | None       # the landscape Word file's PDF (figures fit their cells)
    expected: dict[str, tuple[str, Decimal | None]]


def widen(docx_path: Path, target: Path) -> Path:
    """The Word file on landscape A4 with every table column widened in proportion, so that the
    figures fit their cells (in the portrait file the 4- and 5-digit 表三 figures wrap inside their
    narrow cells, and the PDF readers leave those rows unknown)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm

    document = docx.Document(str(docx_path))
    section = document.sections[0]
    before = section.page_width - section.left_margin - section.right_margin
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    factor = (section.page_width - section.left_margin - section.right_margin) / before
    for element in document.element.body.iter(qn("w:gridCol"), qn("w:tcW")):
        width = element.get(qn("w:w"))
        if width and width.isdigit():
            element.set(qn("w:w"), str(int(int(width) * factor)))
    document.save(str(target))
    return target


def _libreoffice_pdfs(docs: list[Path], out: Path) -> None:
    """All Word files to PDF in one LibreOffice run (its start-up is most of the cost)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not docs:
        return
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), *map(str, docs)], check=True, capture_output=True, timeout=600)


def build_originals(out: Path, draw_key: str = "") -> list[DistinctOriginal]:
    """The five seeds with distinct figures, and again with a few blank cells (BLANKS_SEEDS): text,
    Word file and (LibreOffice present) PDF. `draw_key`: another draw (for a look beyond the tests')."""
    from engine.parse import parse_file

    maker = fixture_maker()
    out.mkdir(parents=True, exist_ok=True)
    # the Word files take their narrative from the distinct texts (the numbers of requests stated)
    maker.SEEDS_DIR = out / "texts"
    maker.SEEDS_DIR.mkdir(exist_ok=True)
    made = []
    for spec, blanks in [*((s, False) for s in maker.SEEDS),
                         *((s, True) for s in maker.SEEDS if s.stem[:3] in BLANKS_SEEDS)]:
        name = f"distinct-{spec.stem[:3]}{'-blanks' if blanks else ''}"
        distinct = distinct_spec(spec, blanks, draw_key)
        text = out / f"{name}.txt"
        text.write_text(distinct_text(spec, distinct), encoding="utf-8")
        shutil.copyfile(text, maker.SEEDS_DIR / f"{spec.stem}.txt")
        docx = maker.build_docx(distinct, out / f"{name}.docx")
        seed_path = L.SEEDS / f"{spec.stem}.txt"
        expected = expected_cells(parse_file(seed_path), spec, distinct)
        made.append(DistinctOriginal(name, seed_path, text, docx, None, None, expected))
    wide = [widen(m.docx, out / f"{m.name}-wide.docx") for m in made]
    _libreoffice_pdfs([*(m.docx for m in made), *wide], out)
    for m in made:
        pdf, wide_pdf = out / f"{m.name}.pdf", out / f"{m.name}-wide.pdf"
        m.pdf = pdf if pdf.is_file() else None
        m.wide_pdf = wide_pdf if wide_pdf.is_file() else None
    return made


def build_corpus(out: Path, draw_key: str = "") -> list[tuple[DistinctOriginal, Report, str, Path]]:
    """(original, the truth: its parsed report holding the drawn figures, family, variant path) for
    every distinct original and family; "text" is the distinct seed text itself."""
    from engine.parse import parse_file

    entries = []
    for m in build_originals(out, draw_key):
        report = truth(parse_file(m.text), m.expected)
        variants = {"text": m.text, "docx": m.docx, **({"pdf": m.pdf} if m.pdf else {})}
        variants.update(L.build_variants(L.Original(m.name, m.text, m.pdf), report, out / m.name))
        if m.wide_pdf is not None:
            variants["pdf-wide"] = m.wide_pdf
            for family, layout in (("pdftotext-layout-wide", True), ("pdftotext-raw-wide", False)):
                made = L.pdftotext(m.wide_pdf, out / m.name / f"{m.name}.{family}.txt", layout)
                if made is not None:
                    variants[family] = made
        entries.extend((m, report, family, path) for family, path in variants.items())
    return entries


def truth(report: Report, expected: dict[str, tuple[str, Decimal | None]]) -> Report:
    """`report` with its cells replaced by the drawn figures (what every variant is compared with):
    a cell the original's own reader left unknown — a blank where the seed's layout cannot show it —
    is still the figure drawn for it; a cell no reader can read (a short row) stays unknown."""
    import copy

    from engine.model import Cell

    out = copy.deepcopy(report)
    for table in out.tables.values():
        for addr, cell in table.cells.items():
            kind, value = expected[addr]
            if kind != "missing":        # (an unreadable row keeps the values it stated)
                table.cells[addr] = Cell(addr, kind, value, raw="" if value is None else str(value),
                                         line=cell.line, read=cell.read or "order")
    return out


def cells_of(report: Report) -> dict[str, tuple[str, Decimal | None]]:
    return {a: (c.kind, c.value if c.kind == "number" else None)
            for t in report.tables.values() for a, c in t.cells.items()}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    for m, _, family, path in build_corpus(Path(argv[0])):
        print(m.name, family, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
