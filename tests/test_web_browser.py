"""The whole office flow in a real browser: Debian's headless chromium driven by Playwright for
Python (executable_path: the system chromium, no browser download). Screenshots of each page go to
tests/_artifacts/web/ for a person to look at."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from tests.browser_support import chromium_path
from tests.web_support import ADMIN_PASSWORD, ROOT, SEEDS, LiveServer, make_app

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "tests" / "_artifacts" / "web"
REAL = ROOT.parent / "shared" / "real"
REAL_PDFS = ("hongze-quzhengfu-2023.pdf", "huaian-shizhengfu-2024.pdf")


def real_pdfs() -> list[Path]:
    paths = [REAL / name for name in REAL_PDFS]
    if not all(p.is_file() for p in paths):
        message = "../shared/real 不存在（外部克隆）：跳过真实报告测试"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "——CI 中必须运行")
        pytest.skip(message)
    return paths


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not chromium_path():
        pytest.skip("没有 chromium")
    app = make_app(tmp_path_factory.mktemp("webdata"))
    with LiveServer(app) as live:
        yield live
    app.state.xxgk.runner.shutdown()


@pytest.fixture(scope="module")
def browser(server):
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, server, username: str, password: str) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/batches")


def score_of(page) -> float:
    return float(page.inner_text("#report-score"))


def test_office_flow_in_the_browser(server, browser, tmp_path):
    """Log in, upload the seeds and two real PDFs, wait for the batch, open an agency, dismiss a
    finding with a reason, see the score change, download a DOCX letter and the workbook, add a
    read-only user, log out; that user cannot decide; a request without CSRF token is refused."""
    pdfs = real_pdfs()
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # log in with a wrong password first: a Chinese error, still on the login page
    page.goto(server.url + "/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text(".error")
    shot(page, "01-login-error")
    log_in(page, server, "admin", ADMIN_PASSWORD)

    # upload the seeds and two real PDFs; the page follows the batch until it is done
    page.set_input_files("#file-input", [str(p) for p in [*SEEDS, *pdfs]])
    page.wait_for_url(re.compile(r".*/batches/[0-9]{8}-"), timeout=60_000)
    shot(page, "02-batch-running")
    page.wait_for_selector("#reports", timeout=300_000)
    rows = page.locator("#reports tbody tr")
    assert rows.count() == len(SEEDS) + len(pdfs)
    body = page.inner_text("#reports")
    assert "洪泽区人民政府" in body and "淮安市人民政府" in body and "金村镇人民政府" in body
    shot(page, "03-dashboard")

    # the common-problems filter narrows the table (the server's: every page of the batch)
    chip = page.locator("button.chip[data-filter]").first
    with page.expect_navigation():
        chip.click()
    assert "problem=" in page.url
    assert 0 < rows.count() <= len(SEEDS) + len(pdfs)
    assert "符合条件的" in page.inner_text("#report-count")
    with page.expect_navigation():
        page.locator("button.chip[data-filter='']").click()
    assert rows.count() == len(SEEDS) + len(pdfs)
    # the agency search, then back to the whole batch
    page.fill("input[name=q]", "洪泽")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    assert page.locator("#reports tbody td:first-child a").all_inner_texts() == ["洪泽区人民政府"]
    with page.expect_navigation():
        page.click("text=清除筛选")

    # open 洪泽 (a real defect in its table 四), dismiss one finding with a reason, see the score change
    page.click("#reports a:text-is(\"洪泽区人民政府\")")
    page.wait_for_selector("#report-score")
    before = score_of(page)
    shot(page, "04-agency")
    # a finding whose rule fires once here (a rule failing in several places is charged once)
    rules = page.locator("article.finding header .muted").all_inner_texts()
    single = next(i for i, r in enumerate(rules) if rules.count(r) == 1)
    form = page.locator("article.finding").nth(single).locator("form.decide")
    form.locator("input[name=reason]").fill("经核实，系排版转换造成，不属于报告错误")
    form.locator("button[value=dismissed]").click()
    page.wait_for_selector("#rescoring", state="detached", timeout=300_000)
    page.wait_for_selector("#report-score")
    assert score_of(page) > before
    assert "已排除" in page.inner_text("article.finding.decision-dismissed")
    shot(page, "05-dismissed")

    # download the DOCX letter and the workbook, and open them
    with page.expect_download() as download:
        page.click("text=下载 DOCX")
    docx_path = tmp_path / "letter.docx"
    download.value.save_as(docx_path)
    import docx
    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    assert "洪泽区人民政府" in text
    page.click("nav >> text=审核批次")
    page.locator("table a").first.click()
    with page.expect_download() as download:
        page.click("text=汇总表 summary.xlsx")
    import openpyxl
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(workbook.sheetnames) >= 2

    # admin adds a read-only user, logs out
    page.goto(server.url + "/users")
    page.fill("input[name=username]", "chakan")
    page.fill("input[name=password]", "chakan-pass-1")
    page.select_option("select[name=role]", "viewer")
    page.click("form.inline button[type=submit]")
    assert "chakan" in page.inner_text("table")
    shot(page, "06-users")
    page.click("button:has-text('退出')")
    page.wait_for_url(server.url + "/login")
    assert errors == []
    page.close()

    # the read-only user sees the results but no decision forms and no upload
    page = browser.new_page()
    log_in(page, server, "chakan", "chakan-pass-1")
    page.locator("table a").first.click()
    page.wait_for_selector("#reports", timeout=300_000)
    page.locator("#reports tbody a").first.click()
    page.wait_for_selector("#report-score")
    assert page.locator("form.decide").count() == 0
    assert page.locator("#upload-form").count() == 0
    shot(page, "07-viewer")
    # a decision posted without the CSRF token is refused, whoever sends it
    r = page.request.post(server.url + "/api/findings/any/decision", data={"status": "confirmed"})
    assert r.status == 403
    page.close()
