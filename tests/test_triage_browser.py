"""The overview page in a real browser (Debian's headless chromium), opened from file://: the
common-problems list filters the table and a button brings every report back; a large audit's
table pages through data files loaded with <script src> (page size lowered here), and filtering and
sorting work on every report, not just the page shown."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import Browser, chromium_path
from engine.render import dashboard
from engine.render.dashboard import write_dashboard
from triage_support import audited, document, finding, triage_reports

ARTIFACTS = Path(__file__).parent / "_artifacts"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_path() is None, reason="chromium 未安装（scripts/test.sh 会自动安装）")]

ROWS = "Array.from(document.querySelectorAll('#ranking tbody tr')).map(tr => Array.from(tr.cells).map(c => c.textContent.trim()))"
AGENCIES = "Array.from(document.querySelectorAll('#ranking tbody tr td:nth-child(2)')).map(td => td.textContent.trim())"



def click(browser: Browser, selector: str) -> None:
    browser.evaluate(f"document.querySelector({selector!r}).click()")


def wait_for(browser: Browser, expression: str) -> None:
    """Until the page's expression is true (a data file loads asynchronously)."""
    browser.evaluate("new Promise((ok, fail) => { const t0 = Date.now(); (function poll() {"
                     f" if ({expression}) ok(true); else if (Date.now() - t0 > 10000) fail('timeout');"
                     " else setTimeout(poll, 20); }()); })", await_promise=True)


def local_only(browser: Browser) -> None:
    assert browser.console_errors() == []
    assert [u for u in browser.requested_urls() if not re.match(r"^(file:|data:|about:)", u)] == []


def test_a_common_problem_filters_the_table_and_all_reports_come_back(tmp_path, browser):
    write_dashboard(tmp_path / "index.html", document(triage_reports()))
    browser.navigate((tmp_path / "index.html").as_uri())
    initial = browser.evaluate(ROWS)
    assert [r[1] for r in initial] == ["丙镇人民政府", "甲镇人民政府", "丁镇人民政府", "乙镇人民政府"]
    assert browser.evaluate("document.getElementById('filter-note').hidden") is True
    click(browser, 'button.problem[data-rule="R-E"]')
    assert browser.evaluate(AGENCIES) == ["丙镇人民政府", "甲镇人民政府"]
    assert browser.evaluate("document.getElementById('filter-note').hidden") is False
    assert "表三总计不等于各列之和" in browser.evaluate("document.getElementById('filter-text').textContent")
    click(browser, 'button.problem[data-rule="R-I"]')
    assert browser.evaluate(AGENCIES) == ["甲镇人民政府", "丁镇人民政府"]
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "dashboard-filtered.png")
    click(browser, "#filter-clear")
    # the rows the script renders are the rows the page was written with
    assert browser.evaluate(ROWS) == initial
    assert browser.evaluate("document.getElementById('filter-note').hidden") is True
    assert browser.evaluate("document.querySelectorAll('#ranking a')[1].getAttribute('href')") == \
        "letters/甲镇人民政府-2024.html"
    local_only(browser)


def test_a_large_table_pages_filters_and_sorts_across_data_files(tmp_path, browser, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE_ROWS", 3)
    reports = [audited(f"in/{i:02d}.txt", f"{i:02d}镇", 50 + i, "合格",
                       [finding("R-E" if i % 3 == 0 else "R-W", "error", "问题三" if i % 3 == 0 else "其他问题")],
                       seq=i) for i in range(1, 9)]
    write_dashboard(tmp_path / "index.html", document(reports))
    browser.navigate((tmp_path / "index.html").as_uri())
    assert browser.evaluate(AGENCIES) == ["01镇", "02镇", "03镇"]
    assert browser.evaluate("document.getElementById('pager').hidden") is False
    click(browser, "#pager-next")
    wait_for(browser, "document.querySelector('#ranking tbody td:nth-child(2)').textContent === '04镇'")
    assert browser.evaluate(AGENCIES) == ["04镇", "05镇", "06镇"]
    assert "第 2 / 3 页" in browser.evaluate("document.getElementById('pager-text').textContent")
    click(browser, "#pager-next")
    wait_for(browser, "document.querySelector('#ranking tbody td:nth-child(2)').textContent === '07镇'")
    assert browser.evaluate(AGENCIES) == ["07镇", "08镇"]
    assert browser.evaluate("document.getElementById('pager-next').disabled") is True
    # a problem: its reports from every page
    click(browser, 'button.problem[data-rule="R-E"]')
    wait_for(browser, "!document.getElementById('filter-note').hidden")
    assert browser.evaluate(AGENCIES) == ["03镇", "06镇"]
    assert browser.evaluate("document.getElementById('pager').hidden") is True
    ARTIFACTS.mkdir(exist_ok=True)
    browser.screenshot(ARTIFACTS / "dashboard-paged-filtered.png")
    click(browser, "#filter-clear")
    assert browser.evaluate(AGENCIES) == ["01镇", "02镇", "03镇"]
    # 得分: best first over all reports
    browser.evaluate("document.querySelectorAll('#ranking th')[3].click()")
    assert browser.evaluate(AGENCIES) == ["08镇", "07镇", "06镇"]
    assert [r[0] for r in browser.evaluate(ROWS)] == ["8", "7", "6"]       # rank kept
    local_only(browser)


def test_a_missing_data_file_is_said_in_chinese(tmp_path, browser, monkeypatch):
    monkeypatch.setattr(dashboard, "PAGE_ROWS", 2)
    reports = [audited(f"in/{i}.txt", f"{i}镇", 60, "合格", [], seq=i) for i in range(1, 4)]
    write_dashboard(tmp_path / "index.html", document(reports))
    for f in (tmp_path / "index-data").iterdir():
        f.unlink()
    browser.navigate((tmp_path / "index.html").as_uri())
    click(browser, "#pager-next")
    wait_for(browser, "document.getElementById('pager-text').textContent.includes('无法读取数据文件')")
    assert browser.evaluate(AGENCIES) == ["1镇", "2镇"]
