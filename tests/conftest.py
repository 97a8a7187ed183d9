"""Shared pytest configuration."""

from __future__ import annotations

import os

import pytest

import ferrotune


@pytest.fixture(autouse=True)
def _quiet_logs() -> None:
    """Per-trial INFO lines are noise in tests; tests that check logs raise the level."""
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    """A module-level ``importorskip`` of a missing package fails the module in CI too."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _in_ci() and "could not import" in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"optional test dependency missing in CI: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI every optional package is installed: a skip for a missing one is a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _in_ci():
        reason = str(report.longrepr)
        if "could not import" in reason:
            report.outcome = "failed"
            report.longrepr = f"optional test dependency missing in CI: {reason}"
