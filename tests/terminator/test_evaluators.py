"""Improvement evaluators: stagnation against Optuna; the GP-free paths of the GP ones."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import optuna
import pytest
from tests.terminator.conftest import QUIET, complete

import ferrotune
import ferrotune.terminator as ft
from ferrotune.study import StudyDirection
from ferrotune.terminator.improvement.emmr import MARGIN_FOR_NUMARICAL_STABILITY

pytestmark = QUIET
DO_NOT_TERMINATE = sys.float_info.max * MARGIN_FOR_NUMARICAL_STABILITY


@pytest.mark.parametrize("direction", ["MINIMIZE", "MAXIMIZE"])
@pytest.mark.parametrize("seed", range(5))
def test_best_value_stagnation_matches_optuna(direction: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(size=30), 1).tolist()  # rounding makes ties
    values[rng.integers(30)] = math.inf if seed % 2 else -math.inf
    for n in range(1, 31):
        results = []
        for mod in (ferrotune, optuna):
            trials = [complete(mod, v) for v in values[:n]]
            trials.insert(0, mod.trial.create_trial(state=mod.trial.TrialState.FAIL))
            evaluator = mod.terminator.BestValueStagnationEvaluator(max_stagnation_trials=4)
            results.append(evaluator.evaluate(trials, mod.study.StudyDirection[direction]))
        assert results[0] == results[1]


def test_best_value_stagnation_counts_from_the_first_best_trial() -> None:
    evaluator = ft.BestValueStagnationEvaluator(max_stagnation_trials=3)
    trials = [complete(ferrotune, v) for v in [5.0, 1.0, 1.0, 2.0, 1.0]]
    assert evaluator.evaluate(trials, StudyDirection.MINIMIZE) == 3 - 3
    assert evaluator.evaluate(trials, StudyDirection.MAXIMIZE) == 3 - 4


@pytest.mark.parametrize(
    "evaluator", [lambda: ft.BestValueStagnationEvaluator(), lambda: ft.RegretBoundEvaluator()]
)
def test_no_complete_trial_is_an_error(evaluator: Any) -> None:
    failed = [ferrotune.trial.create_trial(state=ferrotune.trial.TrialState.FAIL)]
    with pytest.raises(ValueError, match="completed"):
        evaluator().evaluate(failed, StudyDirection.MAXIMIZE)


def test_best_value_stagnation_rejects_negative_patience() -> None:
    with pytest.raises(ValueError, match="-1"):
        ft.BestValueStagnationEvaluator(max_stagnation_trials=-1)


def test_regret_bound_needs_a_common_parameter() -> None:
    trials = [ferrotune.trial.create_trial(value=0.0, params={}, distributions={})]
    with pytest.raises(ValueError, match="intersection search space is empty"):
        ft.RegretBoundEvaluator().evaluate(trials, StudyDirection.MAXIMIZE)


def test_emmr_does_not_terminate_before_min_n_trials() -> None:
    evaluator = ft.EMMREvaluator(min_n_trials=3)
    trials = [complete(ferrotune, float(i)) for i in range(2)]
    assert evaluator.evaluate(trials, StudyDirection.MINIMIZE) == DO_NOT_TERMINATE


def test_emmr_with_no_common_parameter_warns_and_does_not_terminate() -> None:
    trials = [ferrotune.trial.create_trial(value=0.0) for _ in range(3)]
    with pytest.warns(UserWarning, match="cannot consider any search space"):
        value = ft.EMMREvaluator().evaluate(trials, StudyDirection.MINIMIZE)
    assert value == DO_NOT_TERMINATE


@pytest.mark.parametrize("min_n_trials", [1, 0, math.inf])
def test_emmr_rejects_bad_min_n_trials(min_n_trials: Any) -> None:
    with pytest.raises(ValueError, match="min_n_trials"):
        ft.EMMREvaluator(min_n_trials=min_n_trials)
