"""Optuna 5.0's deprecation (FutureWarning) and experimental warnings, word for word."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import optuna
import optuna.terminator as ot
import pytest

import ferrotune
import ferrotune.terminator as ft
import ferrotune.visualization as fv
from ferrotune.exceptions import ExperimentalWarning


def _messages(make: Callable[[], Any]) -> list[tuple[str, str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make()
    return [(w.category.__name__, str(w.message)) for w in caught]


def _static(mod: Any) -> Any:
    return mod.terminator.StaticErrorEvaluator(0)


def _stagnation(mod: Any) -> Any:
    return mod.terminator.BestValueStagnationEvaluator()


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.terminator.Terminator(_stagnation(m), _static(m), min_n_trials=1),
        lambda m: m.terminator.TerminatorCallback(
            m.terminator.Terminator(_stagnation(m), _static(m))
        ),
        lambda m: m.terminator.CrossValidationErrorEvaluator(),
        lambda m: m.terminator.StaticErrorEvaluator(1.0),
        lambda m: m.terminator.BestValueStagnationEvaluator(),
        lambda m: m.terminator.RegretBoundEvaluator(),
        lambda m: m.terminator.EMMREvaluator(),
        lambda m: m.terminator.MedianErrorEvaluator(m.terminator.EMMREvaluator()),
    ],
    ids=[
        "Terminator",
        "TerminatorCallback",
        "CrossValidation",
        "Static",
        "Stagnation",
        "RegretBound",
        "EMMR",
        "Median",
    ],
)
def test_same_warnings_as_optuna(make: Callable[[Any], Any]) -> None:
    ours = _messages(lambda: make(ferrotune))
    theirs = _messages(lambda: make(optuna))
    assert ours == theirs
    assert ours  # every one of these warns


def test_subclass_of_base_improvement_evaluator_warns_on_super_init() -> None:
    class Constant(ft.BaseImprovementEvaluator):
        def __init__(self) -> None:
            super().__init__()

        def evaluate(self, trials: Any, study_direction: Any) -> float:
            return 0.0

    with pytest.warns(ExperimentalWarning, match="BaseImprovementEvaluator is experimental"):
        Constant()


def test_report_cross_validation_scores_warns() -> None:
    study = ferrotune.create_study()
    trial = study.ask()
    with pytest.warns(FutureWarning, match="`optuna.terminator` module has been deprecated"):
        ft.report_cross_validation_scores(trial, [1.0, 2.0])


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize(
    ("plot", "name"),
    [
        (fv.plot_terminator_improvement, "ferrotune.visualization"),
        (fv.matplotlib.plot_terminator_improvement, "ferrotune.visualization.matplotlib"),
    ],
)
def test_plot_is_experimental(plot: Callable[..., Any], name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    study = ferrotune.create_study()
    messages = _messages(lambda: plot(study, improvement_evaluator=_stagnation(ferrotune)))
    assert (
        "ExperimentalWarning",
        f"{name}.plot_terminator_improvement is experimental "
        "(supported from v3.2.0). The interface can change in the future.",
    ) in messages


def test_public_names_match_optuna() -> None:
    assert sorted(ft.__all__) == sorted(ot.__all__)
