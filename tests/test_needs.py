"""tests/needs.py: a check that needs `dot` skips where it is missing, and fails under CI."""

from __future__ import annotations

import pytest

from tests import needs


def test_a_missing_dot_is_a_skip_on_a_machine_and_a_failure_under_ci(monkeypatch) -> None:
    monkeypatch.setattr(needs.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the page needs Graphviz's dot program"):
        needs.require_dot("the page")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI installs it"):
        needs.require_dot("the page")


def test_a_present_dot_lets_the_check_run(monkeypatch) -> None:
    monkeypatch.setattr(needs.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setenv("CI", "true")
    needs.require_dot("the page")  # returns: nothing skipped, nothing failed
