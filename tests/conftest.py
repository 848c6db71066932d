"""Session-wide checks for the test suite."""
from __future__ import annotations

import pytest

from tests.real_support import REAL, SKIP_MESSAGE, under_ci


def pytest_configure(config: pytest.Config) -> None:
    # Tests on the real reports skip in an outside clone; a CI run must not pass by skipping them.
    if under_ci() and not REAL.is_dir():
        raise pytest.UsageError(f"CI=true：{SKIP_MESSAGE}（CI 中不允许跳过），应有 {REAL}")
