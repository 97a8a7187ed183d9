"""ferrotune.logging as Optuna scripts use it: the "optuna" logger, Optuna's line format."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

import ferrotune as optuna

_LINE = re.compile(r"^\[(?P<level>[DIWEC]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (?P<msg>.*)$")


@pytest.fixture
def optuna_lines() -> Iterator[io.StringIO]:
    """What a handler with the default formatter on the ``"optuna"`` logger receives."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(optuna.logging.create_default_formatter())
    logger = optuna.logging.get_logger("optuna")
    logger.addHandler(handler)
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        yield buffer
    finally:
        logger.removeHandler(handler)


def test_optuna_names_are_ferrotune_loggers() -> None:
    assert optuna.logging.get_logger("optuna") is logging.getLogger("ferrotune")
    assert optuna.logging.get_logger("optuna.study") is logging.getLogger("ferrotune.study")
    assert optuna.logging.get_logger("ferrotune.x") is logging.getLogger("ferrotune.x")
    assert optuna.logging.get_logger("my_sampler") is logging.getLogger("ferrotune.my_sampler")
    assert optuna.logging.get_logger("optunahub") is logging.getLogger("ferrotune.optunahub")


def test_study_lines_reach_the_optuna_logger_in_optunas_format(
    optuna_lines: io.StringIO,
) -> None:
    study = optuna.create_study(study_name="logged")
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    lines = optuna_lines.getvalue().splitlines()
    assert len(lines) == 3
    matches = [_LINE.match(line) for line in lines]
    assert all(m is not None and m["level"] == "I" for m in matches)
    messages = [m["msg"] for m in matches if m is not None]
    assert messages[0] == "A new study created in memory with name: logged"
    x0 = study.trials[0].params["x"]
    assert messages[1] == (
        f"Trial 0 finished with value: {x0} and parameters: {{'x': {x0}}}. "
        f"Best is trial 0 with value: {x0}."
    )
    best = study.best_trial
    assert messages[2].startswith("Trial 1 finished with value: ")
    assert messages[2].endswith(f"Best is trial {best.number} with value: {best.value}.")


def test_set_verbosity_silences_the_optuna_logger(optuna_lines: io.StringIO) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.create_study().optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=1)
    assert optuna_lines.getvalue() == ""
    optuna.logging.get_logger("optuna.custom").warning("careful")
    assert _LINE.match(optuna_lines.getvalue().strip())["level"] == "W"  # type: ignore[index]


def test_default_handler_uses_optunas_format() -> None:
    optuna.logging.get_logger("ferrotune")
    handler = optuna.logging._default_handler
    assert handler is not None
    record = logging.LogRecord("ferrotune", logging.ERROR, __file__, 1, "boom", None, None)
    assert re.match(r"^\[E \d{4}-.*\] boom$", handler.format(record))


def test_reset_library_root_logger_builds_a_new_default_handler() -> None:
    root = optuna.logging._get_library_root_logger()
    first = optuna.logging._default_handler
    try:
        optuna.logging._reset_library_root_logger()
        assert optuna.logging._default_handler is None
        assert first not in root.handlers
        assert root.level == logging.NOTSET
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        second = optuna.logging._default_handler
        assert second is not None and second is not first
        assert second in root.handlers
        assert optuna.logging.get_verbosity() == logging.WARNING
    finally:
        optuna.logging._reset_library_root_logger()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
