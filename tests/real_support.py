"""Access to the real published reports in ../shared/real, for tests only.

Those reports come from public repositories: they are never copied into the project, nor is
anything made from them (variants go to a temporary folder). A test that needs one asks for it by
name with `real_file`; in an outside clone without ../shared/real the test is skipped with a clear
message, and under CI=true the absence is a failure instead, so a CI run cannot pass by skipping.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL = REPO_ROOT.parent / "shared" / "real"
SKIP_MESSAGE = "../shared/real 不存在（外部克隆）：跳过真实报告测试"


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_real() -> Path:
    """The ../shared/real folder; skips the calling test (fails it under CI=true) when absent."""
    if REAL.is_dir():
        return REAL
    if under_ci():
        pytest.fail(f"CI=true：{SKIP_MESSAGE}（CI 中不允许跳过）")
    pytest.skip(SKIP_MESSAGE)


def real_file(name: str) -> Path:
    """The path of ../shared/real/<name>; skips (fails under CI=true) when the folder is absent.

    A folder that is present but lacks the named file is always a failure: that is a broken checkout,
    not an outside clone.
    """
    path = require_real() / name
    if not path.is_file():
        pytest.fail(f"../shared/real 中缺少 {name}")
    return path


def real_names(pattern: str) -> list[str]:
    """The names in ../shared/real matching `pattern`, for parametrizing at collection time.

    Empty when the folder is absent (the session-level check in conftest.py fails the run under
    CI=true); tests resolve each name with `real_file` at run time.
    """
    return sorted(p.name for p in REAL.glob(pattern)) if REAL.is_dir() else []
