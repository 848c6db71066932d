"""The letters and the dashboard in a real browser (Debian's headless chromium, driven over the
DevTools protocol): they load with no console error and no network request, links work, sorting
works, a letter prints on A4; screenshots go to tests/_artifacts/ for a person to look at."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from audit_support import audit_with_fake_hooks, report_text
from browser_support import chromium_path

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_path() is None, reason="chromium 未安装（scripts/test.sh 会自动安装）")]

ARTIFACTS = Path(__file__).parent / "_artifacts"


@pytest.fixture(scope="module")
def audit_out(tmp_path_factory) -> Path:
    return audit_with_fake_hooks(tmp_path_factory.mktemp("browser"), {
        "a.txt": report_text("甲镇人民政府", 2024, "缺少：五", "警告：<img src=x onerror=alert(1)>", "列：自然人,总计"),
        "b.txt": report_text("乙镇人民政府", 2024),
        "c.txt": report_text("丙镇人民政府", 2023, "表格缺失", "警告"),
        "x.txt": "无关文本\n",
    }, dt.date(2026, 11, 20))



def only_local(urls: list[str]) -> list[str]:
    return [u for u in urls if not re.match(r"^(file:|data:|about:)", u)]


def test_dashboard_loads_sorts_and_links_work(audit_out, browser):
    browser.navigate((audit_out / "index.html").as_uri())
    assert browser.evaluate("document.title").startswith("政府信息公开工作年度报告审核总览")
    agencies = "Array.from(document.querySelectorAll('#ranking tbody tr td:nth-child(2)')).map(td => td.textContent.trim())"
    # worst first (grade, then errors, then score): the office's triage order
    assert browser.evaluate(agencies) == ["甲镇人民政府", "丙镇人民政府", "乙镇人民政府"]
    # click 得分 → best score first
    browser.evaluate("document.querySelectorAll('#ranking th')[3].click()")
    assert browser.evaluate(agencies) == ["乙镇人民政府", "丙镇人民政府", "甲镇人民政府"]
    browser.evaluate("document.querySelectorAll('#ranking th')[1].click()")
    assert sorted(browser.evaluate(agencies)) == sorted(["乙镇人民政府", "丙镇人民政府", "甲镇人民政府"])
    assert browser.evaluate("document.querySelectorAll('#distribution rect').length") == 5
    ARTIFACTS.mkdir(exist_ok=True)
    browser.navigate((audit_out / "index.html").as_uri())       # back to the default order
    browser.screenshot(ARTIFACTS / "dashboard.png")
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    links = browser.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert len(links) == 3
    assert browser.console_errors() == []
    for link in links:
        browser.navigate(link)
        assert "审核意见书" in browser.evaluate("document.title")
        assert browser.evaluate("document.querySelector('.refno').textContent").startswith("公开审〔2026〕")
    assert browser.console_errors() == []
    assert only_local(browser.requested_urls()) == []


def test_letter_loads_escapes_and_prints_on_a4(audit_out, browser):
    letter = audit_out / "letters" / "甲镇" / "甲镇人民政府-2024.html"
    browser.navigate(letter.as_uri())
    # the report's own markup is shown as text, never run
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert "警告：<img src=x onerror=alert(1)>" in browser.evaluate("document.body.innerText")
    assert browser.evaluate("document.querySelectorAll('table.findings td.no').length") == 4
    # the CJK font is really used (not boxes): the heading is wider than a few glyph boxes of 0 width
    assert browser.evaluate("document.querySelector('h1').getBoundingClientRect().width") > 100
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "letter.png")
    assert (ARTIFACTS / "letter.png").stat().st_size > 10_000
    pdf = browser.print_pdf()
    assert pdf.startswith(b"%PDF")
    # A4 = 595 × 842 pt
    boxes = [tuple(float(x) for x in m.split()) for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)]
    assert boxes and all(abs(b[2] - 595.3) < 1.5 and abs(b[3] - 841.9) < 1.5 for b in boxes), boxes
    (ARTIFACTS / "letter.pdf").write_bytes(pdf)
    assert browser.console_errors() == []
    assert only_local(browser.requested_urls()) == []


def test_letter_without_findings(audit_out, browser):
    browser.navigate((audit_out / "letters" / "乙镇" / "乙镇人民政府-2024.html").as_uri())
    assert "未发现问题" in browser.evaluate("document.body.innerText")
    assert browser.console_errors() == []


def test_seed_audit_in_the_browser(tmp_path, browser, monkeypatch):
    """The real pipeline on the five seeds: every letter and the dashboard load cleanly; screenshots
    of the dashboard and of 木厂镇's letter go to tests/_artifacts/."""
    import importlib.util
    import shutil

    import engine.parse
    from engine.cli import main

    if not hasattr(engine.parse, "parse_document") or importlib.util.find_spec("engine.ingest.text") is None:
        pytest.skip("解析器尚未就绪")
    monkeypatch.chdir(tmp_path)
    shutil.copytree(Path(__file__).parent / "fixtures" / "seeds", tmp_path / "reports_in")
    assert main(["audit", "reports_in", "-o", "audit_out", "--date", "2026-01-05"]) == 0
    out = tmp_path / "audit_out"
    browser.navigate((out / "index.html").as_uri())
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "dashboard-seeds.png")
    links = browser.evaluate("Array.from(document.querySelectorAll('#ranking a')).map(a => a.href)")
    assert len(links) == 5
    for i, link in enumerate(links):
        browser.navigate(link)
        assert browser.evaluate("document.querySelector('.refno').textContent").startswith("公开审〔2026〕")
        if "%E6%9C%A8%E5%8E%82%E9%95%87" in link or "木厂镇" in link:     # 木厂镇
            browser.screenshot(ARTIFACTS / "letter-seed-muchang.png")
        elif i == len(links) - 1:
            browser.screenshot(ARTIFACTS / "letter-seed-lowest.png")
    assert browser.console_errors() == []
    assert only_local(browser.requested_urls()) == []
    assert (ARTIFACTS / "letter-seed-muchang.png").exists()
