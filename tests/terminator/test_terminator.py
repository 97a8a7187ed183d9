"""Terminator, TerminatorCallback and the error evaluators, against Optuna 5.0 in-process."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import optuna
import pytest
from tests.terminator.conftest import QUIET, both_studies, complete

import ferrotune
import ferrotune.terminator as ft
from ferrotune.storages import RDBStorage
from ferrotune.terminator.erroreval import _CROSS_VALIDATION_SCORES_KEY
from ferrotune.trial import TrialState

pytestmark = QUIET


class _Constant(ft.BaseImprovementEvaluator):
    def __init__(self, value: float) -> None:
        self.value = value
        self.seen: list[int] = []

    def evaluate(self, trials: list[Any], study_direction: Any) -> float:
        self.seen.append(len(trials))
        return self.value


def _terminator(improvement: float, error: float, min_n_trials: int) -> ft.Terminator:
    return ft.Terminator(_Constant(improvement), ft.StaticErrorEvaluator(error), min_n_trials)


def test_terminates_only_when_improvement_below_error() -> None:
    study, _ = both_studies([1.0, 2.0])
    assert _terminator(-1.0, 0.0, 1).should_terminate(study)
    assert not _terminator(0.0, 0.0, 1).should_terminate(study)  # equal: keep going
    assert not _terminator(3.0, 0.0, 1).should_terminate(study)


def test_min_n_trials_counts_complete_trials_only() -> None:
    study, _ = both_studies([1.0, None, None, 2.0])
    assert _terminator(-1.0, 0.0, 2).should_terminate(study)
    assert not _terminator(-1.0, 0.0, 3).should_terminate(study)


def test_evaluators_see_every_trial_of_the_study() -> None:
    study, _ = both_studies([1.0, None, 2.0])
    evaluator = _Constant(1.0)
    ft.Terminator(evaluator, ft.StaticErrorEvaluator(0.0), 1).should_terminate(study)
    assert evaluator.seen == [3]  # FAIL trials included, as Optuna passes study.trials


def test_non_positive_min_n_trials_is_rejected() -> None:
    with pytest.raises(ValueError, match="min_n_trials"):
        ft.Terminator(min_n_trials=0)


def test_default_error_evaluator_pairs_as_optuna() -> None:
    with_stagnation = ft.Terminator(ft.BestValueStagnationEvaluator())
    assert isinstance(with_stagnation._error_evaluator, ft.StaticErrorEvaluator)
    assert (
        with_stagnation._error_evaluator.evaluate([], ferrotune.study.StudyDirection.MINIMIZE) == 0
    )
    assert isinstance(ft.Terminator()._error_evaluator, ft.CrossValidationErrorEvaluator)
    assert isinstance(ft.Terminator()._improvement_evaluator, ft.RegretBoundEvaluator)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("patience", [0, 3, 7])
def test_callback_stops_optimize_where_optuna_does(direction: str, patience: int) -> None:
    rng = np.random.default_rng(patience)
    values = rng.normal(size=200).tolist()

    def run(mod: Any) -> int:
        study = mod.create_study(direction=direction, sampler=mod.samplers.RandomSampler(seed=0))
        terminator = mod.terminator.Terminator(
            mod.terminator.BestValueStagnationEvaluator(max_stagnation_trials=patience),
            min_n_trials=1,
        )
        study.optimize(
            lambda t: values[t.number],
            n_trials=200,
            callbacks=[mod.terminator.TerminatorCallback(terminator)],
        )
        return len(study.trials)

    n = run(ferrotune)
    assert n == run(optuna)
    assert n < 200


# --- error evaluators ---------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("k", [2, 3, 10])
def test_cross_validation_error_matches_optuna(direction: str, k: int) -> None:
    rng = np.random.default_rng(k)
    results = []
    for mod in (ferrotune, optuna):
        trials = [
            complete(
                mod,
                float(v),
                system_attrs={_CROSS_VALIDATION_SCORES_KEY: rng_scores},
            )
            for v, rng_scores in zip(
                np.random.default_rng(k).normal(size=8),
                [np.random.default_rng(i).normal(size=k).tolist() for i in range(8)],
                strict=True,
            )
        ]
        direction_enum = mod.study.StudyDirection[direction.upper()]
        results.append(
            mod.terminator.CrossValidationErrorEvaluator().evaluate(trials, direction_enum)
        )
    assert results[0] == pytest.approx(results[1], rel=1e-15)
    del rng


def test_cross_validation_error_is_the_scaled_std_of_the_best_trial() -> None:
    trials = [
        complete(ferrotune, 2.0, system_attrs={_CROSS_VALIDATION_SCORES_KEY: [1.0, -1.0]}),
        complete(ferrotune, 1.0, system_attrs={_CROSS_VALIDATION_SCORES_KEY: [2.0, -2.0, 0.0]}),
    ]
    minimize = ferrotune.study.StudyDirection.MINIMIZE
    maximize = ferrotune.study.StudyDirection.MAXIMIZE
    evaluator = ft.CrossValidationErrorEvaluator()
    assert evaluator.evaluate(trials, minimize) == pytest.approx(
        math.sqrt((1 / 3 + 1 / 2) * np.var([2.0, -2.0, 0.0]))
    )
    assert evaluator.evaluate(trials, maximize) == pytest.approx(math.sqrt(1.5 * 1.0))


def test_cross_validation_error_needs_scores_and_a_complete_trial() -> None:
    direction = ferrotune.study.StudyDirection.MINIMIZE
    evaluator = ft.CrossValidationErrorEvaluator()
    with pytest.raises(ValueError, match="report_cross_validation_scores"):
        evaluator.evaluate([complete(ferrotune, 0.0)], direction)
    with pytest.raises(ValueError, match="completed"):
        evaluator.evaluate([ferrotune.trial.create_trial(state=TrialState.FAIL)], direction)


def test_report_cross_validation_scores_stores_floats_in_any_storage(tmp_path: Any) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'cv.db'}")
    study = ferrotune.create_study(storage=storage)
    trial = study.ask()
    ft.report_cross_validation_scores(trial, np.array([0.5, 0.75, 1.0]))  # type: ignore[arg-type]
    study.tell(trial, 0.75)
    reloaded = ferrotune.load_study(study_name=study.study_name, storage=storage)
    assert reloaded.trials[0].system_attrs[_CROSS_VALIDATION_SCORES_KEY] == [0.5, 0.75, 1.0]
    error = ft.CrossValidationErrorEvaluator().evaluate(reloaded.trials, reloaded.direction)
    assert error == pytest.approx(math.sqrt((1 / 3 + 1 / 2) * np.var([0.5, 0.75, 1.0])))


def test_report_cross_validation_scores_needs_two_scores() -> None:
    trial = ferrotune.create_study().ask()
    with pytest.raises(ValueError, match="greater than one"):
        ft.report_cross_validation_scores(trial, [1.0])


def test_static_error_evaluator_returns_its_constant() -> None:
    evaluator = ft.StaticErrorEvaluator(constant=2.5)
    assert evaluator.evaluate([], ferrotune.study.StudyDirection.MAXIMIZE) == 2.5


class _Sum:
    """An improvement evaluator (for both libraries) that depends on every trial given."""

    def __init__(self) -> None:
        self.calls = 0

    def evaluate(self, trials: list[Any], study_direction: Any) -> float:
        self.calls += 1
        return float(sum(t.value * (i + 1) for i, t in enumerate(trials))) ** 2


@pytest.mark.parametrize(
    ("warm_up", "n_initial", "ratio"), [(0, 1, 0.5), (2, 5, 0.01), (3, 4, 2.0)]
)
def test_median_error_evaluator_matches_optuna(warm_up: int, n_initial: int, ratio: float) -> None:
    rng = np.random.default_rng(n_initial)
    values = rng.normal(size=12).tolist()
    per_library = []
    for mod in (ferrotune, optuna):
        paired = _Sum()
        evaluator = mod.terminator.MedianErrorEvaluator(paired, warm_up, n_initial, ratio)  # type: ignore[arg-type]
        direction = mod.study.StudyDirection.MINIMIZE
        outputs = []
        trials: list[Any] = []
        for i, v in enumerate(values):
            trials.append(
                complete(mod, v)
                if i % 4 != 3
                else mod.trial.create_trial(state=mod.trial.TrialState.FAIL)
            )
            outputs.append(evaluator.evaluate(list(trials), direction))
        per_library.append((outputs, paired.calls))
    assert per_library[0] == per_library[1]
    outputs, calls = per_library[0]
    n_needed = warm_up + n_initial  # COMPLETE trials; every 4th trial FAILs
    first = next(i for i in range(12) if i + 1 - (i + 1) // 4 >= n_needed)
    assert all(v == -sys.float_info.min for v in outputs[:first])
    assert all(v == outputs[first] > 0 for v in outputs[first:])
    assert calls == n_initial  # the threshold is computed once, then kept


@pytest.mark.parametrize(
    "kwargs",
    [
        {"warm_up_trials": -1},
        {"n_initial_trials": 0},
        {"threshold_ratio": 0.0},
        {"threshold_ratio": math.inf},
    ],
)
def test_median_error_evaluator_rejects_bad_arguments(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        ft.MedianErrorEvaluator(_Constant(0.0), **kwargs)
