"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE (dev by default, ci when CI is set)."""

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.needs import require_dot

settings.register_profile("dev", max_examples=60, deadline=None)
# CI draws the same examples every run (derandomize), so a red CI is never a roll of the dice;
# dev and thorough draw new ones each time, to keep finding what CI would not.
settings.register_profile(
    "ci", max_examples=150, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_dot") is not None:
        require_dot(f"{item.name}")


@pytest.fixture
def fresh():
    """The operation catalogue as the test found it: ops a test adds with define_op are
    removed afterwards, so other tests see only the built-in ones."""
    from autograd import CATALOGUE
    from autograd.define import remove_op

    before = set(CATALOGUE)
    yield
    for name in reversed([n for n in CATALOGUE if n not in before]):  # the ones on top first
        remove_op(name)
