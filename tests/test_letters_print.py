"""Every letter of ../shared/real + the seeds, printed: the HTML letter through headless chromium and
the DOCX letter through LibreOffice, each on at most 3 A4 pages with the 落款 and date on the page of
the closing paragraph (the last page). The DOCX letters are opened with python-docx (title, 文号,
each finding, 落款). No letter shows a directory of the office's disk. Page figures go to
tests/_artifacts/letter-pages.txt, screenshots next to them."""
from __future__ import annotations

import html as html_module
import json
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pypdfium2
import pytest

from browser_support import Browser, chromium_path
from engine.cli import main
from real_support import require_real

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
ARTIFACTS = Path(__file__).parent / "_artifacts"
MAX_PAGES = 3
OFFICE_YAML = "name: 平潭综合实验区政务公开工作领导小组办公室\ncontact: 政务公开科，联系电话：0591-23456789\n"
CLOSINGS = ("请你单位对照上述问题逐项整改", "上述提示事项供参考，无需整改", "本次审核未发现问题，无需整改")


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> tuple[Path, dict]:
    """The real pipeline on the real reports and the seeds, read from folders inside a 'batch/'
    folder (a path no letter may show)."""
    real = require_real()
    base = tmp_path_factory.mktemp("print")
    (base / "batch" / "real").mkdir(parents=True)
    for f in sorted(real.iterdir()):
        if f.suffix.lower() in (".txt", ".pdf", ".html", ".docx"):
            shutil.copy(f, base / "batch" / "real" / f.name)
    shutil.copytree(SEEDS, base / "batch" / "seeds")
    out = base / "out"
    # as letters go out: from an office that has set its name and telephone (no example-value banner)
    (base / "office.yaml").write_text(OFFICE_YAML, encoding="utf-8")
    assert main(["audit", str(base / "batch"), "-o", str(out), "--date", "2026-12-07", "--jobs", "2",
                 "--office", str(base / "office.yaml")]) == 0
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert sum(r["status"] == "audited" for r in doc["reports"]) >= 14
    return out, doc


def audited(doc: dict) -> list[dict]:
    return [r for r in doc["reports"] if r["status"] == "audited"]


def page_texts(pdf: bytes | Path) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]
    finally:
        document.close()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def closing_and_signature_pages(pages: list[str], office: str, date: str) -> tuple[int, int]:
    """(page of the closing paragraph, page of the 落款 + date): the signature is the last place
    the office's name is followed by the date."""
    flat = [squeeze(p) for p in pages]
    closing = next(i for i, p in enumerate(flat) if any(c in p for c in CLOSINGS))
    sign = max(i for i, p in enumerate(flat) if squeeze(office + date) in p)
    return closing, sign


def record_pages(kind: str, figures: dict[str, int]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "letter-pages.txt"
    lines = [line for line in (path.read_text(encoding="utf-8").splitlines() if path.exists() else [])
             if not line.startswith(kind + " ")]
    lines += [f"{kind} {pages} {name}" for name, pages in sorted(figures.items())]
    path.write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
    print("\n".join(f"{kind} {pages} 页 {name}" for name, pages in sorted(figures.items())))


@pytest.mark.skipif(chromium_path() is None, reason="chromium 未安装（scripts/test.sh 会自动安装）")
def test_html_letters_print_on_three_pages_with_the_signature_on_the_closing_page(audit, tmp_path):
    out, doc = audit
    office, date = doc["office"]["name"], "2026年12月7日"
    browser = Browser(tmp_path / "profile")
    figures = {}
    try:
        browser.open_page()
        for r in audited(doc):
            path = out / r["letter"]
            browser.navigate(path.as_uri())
            pdf = browser.print_pdf()
            pages = page_texts(pdf)
            figures[path.name] = len(pages)
            closing, sign = closing_and_signature_pages(pages, office, date)
            assert closing == sign == len(pages) - 1, (path.name, closing, sign, len(pages))
            if "上海" in path.name or "陈区镇" in path.name:
                ARTIFACTS.mkdir(exist_ok=True)
                browser.screenshot(ARTIFACTS / f"letter-compact-{path.stem}.png")
                (ARTIFACTS / f"letter-compact-{path.stem}.pdf").write_bytes(pdf)
    finally:
        browser.close()
    record_pages("html", figures)
    assert max(figures.values()) <= MAX_PAGES, figures


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice 未安装（scripts/test.sh 会自动安装）")
def test_docx_letters_print_on_three_pages_with_the_signature_on_the_closing_page(audit, tmp_path):
    out, doc = audit
    office, date = doc["office"]["name"], "2026年12月7日"
    files = [out / Path(r["letter"]).with_suffix(".docx") for r in audited(doc)]
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *map(str, files)],
                   check=True, capture_output=True, timeout=600)
    figures = {}
    for f in files:
        pages = page_texts(tmp_path / "pdf" / f.with_suffix(".pdf").name)
        figures[f.name] = len(pages)
        closing, sign = closing_and_signature_pages(pages, office, date)
        assert closing == sign == len(pages) - 1, (f.name, closing, sign, len(pages))
        if "上海" in f.name:
            document = pypdfium2.PdfDocument(tmp_path / "pdf" / f.with_suffix(".pdf").name)
            ARTIFACTS.mkdir(exist_ok=True)
            document[0].render(scale=1.2).to_pil().save(ARTIFACTS / f"letter-docx-{f.stem}-p1.png")
            document.close()
    record_pages("docx", figures)
    assert max(figures.values()) <= MAX_PAGES, figures


def docx_text(path: Path) -> tuple[list[str], list[str]]:
    """(body paragraphs, table cell texts) of a DOCX letter."""
    d = docx.Document(str(path))
    cells = [cell.text for t in d.tables for row in t.rows for cell in row.cells]
    return [p.text for p in d.paragraphs], cells


def test_docx_letters_say_what_the_html_letters_say(audit):
    out, doc = audit
    for r in audited(doc):
        paragraphs, cells = docx_text(out / Path(r["letter"]).with_suffix(".docx"))
        text = "\n".join(paragraphs + cells)
        html = html_module.unescape(re.sub(r"<[^>]+>", "", (out / r["letter"]).read_text(encoding="utf-8")))
        assert "政府信息公开工作年度报告\n审核意见书" in paragraphs, r["letter"]
        assert r["reference_number"] in paragraphs and f"{r['agency'] or '（报告未载明发布单位）'}：" in paragraphs
        closing = [p.text for t in docx.Document(str(out / Path(r["letter"]).with_suffix(".docx"))).tables
                   for row in t.rows for c in row.cells for p in c.paragraphs][-2:]
        assert closing == [doc["office"]["name"], "2026年12月7日"]
        # each finding charged to the agency has its numbered row, in both forms
        numbered = [c for c in cells[::2] if c.isdigit()]
        letter_findings = [f for f in r["findings"] if f.get("charge", "agency") == "agency"]
        assert numbered == [str(k) for k in range(1, len(letter_findings) + 1)], r["letter"]
        for f in letter_findings:
            assert f["title"] in text and f["title"] in html, (r["letter"], f["title"])
        # the same words in both forms
        for para in paragraphs:
            if para.strip():       # list numbers are the HTML list's own
                assert squeeze(re.sub(r"^\d+\. ", "", para)) in squeeze(html), (r["letter"], para)


def test_no_letter_shows_a_directory(audit):
    out, doc = audit
    for r in audited(doc):
        html = (out / r["letter"]).read_text(encoding="utf-8")
        paragraphs, cells = docx_text(out / Path(r["letter"]).with_suffix(".docx"))
        for text in (html, "\n".join(paragraphs + cells)):
            assert "batch/" not in text and "/real/" not in text and "/seeds/" not in text, r["letter"]
            assert Path(r["source"]).name in text
            assert "docs/template.md" not in text and "XXGK-" not in text


def test_docx_letters_are_deterministic(audit, tmp_path):
    out, doc = audit
    r = audited(doc)[0]
    first = (out / Path(r["letter"]).with_suffix(".docx")).read_bytes()
    from engine.model import AuditRecord
    from engine.render.docx_letter import render_docx
    from engine.render.letter_content import build_letter
    from engine.render.office import Office
    import datetime as dt

    office = Office(name="平潭综合实验区政务公开工作领导小组办公室", contact="政务公开科，联系电话：0591-23456789")
    again = render_docx(build_letter(AuditRecord.from_json(r), office, dt.date(2026, 12, 7)))
    assert again == first
