"""The property tests' profile under CI (tests/conftest.py): the same examples every run."""
from __future__ import annotations

from hypothesis import settings

from tests.real_support import under_ci


def test_ci_profile_draws_the_same_examples_every_run():
    profile = settings.get_profile("ci")
    assert profile.derandomize and profile.database is None


def test_ci_loads_the_ci_profile():
    # locally the default profile stays random (new examples each run); under CI=true the ci one is loaded
    assert settings.default.derandomize is under_ci()
