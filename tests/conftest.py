"""Session-wide checks for the test suite."""
from __future__ import annotations

import pytest
from hypothesis import settings

from tests.browser_support import Browser
from tests.real_support import REAL, SKIP_MESSAGE, under_ci

# Under CI the property tests draw the same examples every run: a red CI is then a regression of the
# commit, never a lucky draw (hypothesis' advice for CI). Local runs draw new examples each time and
# keep failures in .hypothesis/; a failure they find becomes an explicit @example or fixture.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if under_ci():
    settings.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    # Tests on the real reports skip in an outside clone; a CI run must not pass by skipping them.
    if under_ci() and not REAL.is_dir():
        raise pytest.UsageError(f"CI=true：{SKIP_MESSAGE}（CI 中不允许跳过），应有 {REAL}")


@pytest.fixture(autouse=True)
def _ledger_in_tmp(tmp_path, monkeypatch):
    """An audit or review run without --ledger would create xxgk-audit.sqlite in the working directory
    (the checkout, for tests that do not chdir): every test gets its own default ledger in its
    temporary folder instead (also for the CLI run in a subprocess), so no test writes into the
    checkout or sees another's decisions."""
    # beside the test's folder, not in it (tests list their folders); inherited by subprocesses
    monkeypatch.setenv("XXGK_AUDIT_LEDGER", str(tmp_path.parent / f"{tmp_path.name}.xxgk-audit.sqlite"))


@pytest.fixture
def browser(tmp_path):
    """Headless chromium on a blank page, driven over its DevTools pipe (tests/browser_support.py);
    closed after the test. Modules that drive the browser otherwise (Playwright) define their own."""
    b = Browser(tmp_path / "profile")
    b.open_page()
    yield b
    b.close()
