"""pytest plugin of the compat run (``-p compat_plugin``).

Records one outcome per test id (and per module that fails to collect) as JSON in the file
named by COMPAT_RESULTS, and fails the session when a real optuna module was imported, in
this process or in any subprocess (those write to COMPAT_VIOLATIONS_DIR at exit).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import optuna_alias
import pytest

_outcomes: dict[str, str] = {}
_messages: dict[str, str] = {}


def _record(nodeid: str, outcome: str, longrepr: Any) -> None:
    previous = _outcomes.get(nodeid)
    if previous in ("failed", "error"):
        return
    _outcomes[nodeid] = outcome
    if outcome in ("failed", "error") and longrepr is not None:
        text = str(longrepr)
        _messages[nodeid] = text[-4000:]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselects the test ids that match a pattern of COMPAT_DESELECT (one regex a line)."""
    patterns = [re.compile(p) for p in os.environ.get("COMPAT_DESELECT", "").splitlines() if p]
    if not patterns:
        return
    kept, dropped = [], []
    for item in items:
        if any(p.fullmatch(item.nodeid) for p in patterns):
            dropped.append(item)
            _outcomes[item.nodeid] = "deselected"
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        if report.failed:
            _record(report.nodeid, "failed", report.longrepr)
        elif report.skipped:
            # xfail markers of Optuna's own tests report as skipped
            _record(report.nodeid, "skipped", None)
        else:
            _record(report.nodeid, "passed", None)
    elif report.failed:  # setup or teardown error
        _record(report.nodeid, "failed", report.longrepr)
    elif report.skipped and report.when == "setup":
        _record(report.nodeid, "skipped", None)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _record(report.nodeid, "error", report.longrepr)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    bad = optuna_alias.violations()
    out_dir = os.environ.get("COMPAT_VIOLATIONS_DIR")
    if out_dir and os.path.isdir(out_dir):
        for name in sorted(os.listdir(out_dir)):
            with open(os.path.join(out_dir, name)) as fh:
                bad += [f"(subprocess {name}) {line}" for line in fh.read().splitlines()]
    path = os.environ.get("COMPAT_RESULTS")
    if path:
        with open(path, "w") as fh:
            json.dump(
                {"outcomes": _outcomes, "messages": _messages, "real_optuna_imported": bad},
                fh,
            )
    if bad:
        print("\nREAL OPTUNA WAS IMPORTED:\n  " + "\n  ".join(bad))
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
