"""Shared pytest configuration."""

from __future__ import annotations

import pytest

import ferrotune


@pytest.fixture(autouse=True)
def _quiet_logs() -> None:
    """Per-trial INFO lines are noise in tests; tests that check logs raise the level."""
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
