"""Behaviour of the GP evaluators and of the default Terminator (needs no Optuna)."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pytest
from tests.terminator.conftest import QUIET

import ferrotune
import ferrotune.terminator as ft
from ferrotune.study import StudyDirection
from ferrotune.terminator.erroreval import _CROSS_VALIDATION_SCORES_KEY

pytestmark = QUIET


def _space() -> dict[str, Any]:
    d = ferrotune.distributions
    return {
        "x": d.FloatDistribution(-2.0, 2.0),
        "lr": d.FloatDistribution(1e-3, 1.0, log=True),
        "n": d.IntDistribution(1, 9, step=2),
        "opt": d.CategoricalDistribution(["a", "b", "c"]),
    }


def _trials(values: np.ndarray, seed: int = 0, **attrs: Any) -> list[Any]:
    rng = np.random.default_rng(seed)
    space = _space()
    trials = []
    for v in values:
        params = {
            "x": float(rng.uniform(-2, 2)),
            "lr": float(10 ** rng.uniform(-3, 0)),
            "n": int(rng.choice([1, 3, 5, 7, 9])),
            "opt": ["a", "b", "c"][int(rng.integers(3))],
        }
        trials.append(
            ferrotune.trial.create_trial(
                params=params, distributions=space, value=float(v), **attrs
            )
        )
    return trials


VALUES = np.random.default_rng(3).normal(size=30)


@pytest.mark.parametrize(
    "make", [lambda: ft.RegretBoundEvaluator(seed=1), lambda: ft.EMMREvaluator(seed=1)]
)
def test_equivariant_to_affine_maps_of_the_objective(make: Any) -> None:
    base = make().evaluate(_trials(VALUES), StudyDirection.MINIMIZE)
    assert math.isfinite(base)
    scaled = make().evaluate(_trials(1000.0 * VALUES + 7.0), StudyDirection.MINIMIZE)
    flipped = make().evaluate(_trials(-VALUES), StudyDirection.MAXIMIZE)
    if isinstance(make(), ft.RegretBoundEvaluator):
        assert scaled == pytest.approx(1000.0 * base, rel=1e-6)
    else:  # EMMR works on standardised values: it is scale-free
        assert scaled == pytest.approx(base, rel=1e-6)
    assert flipped == pytest.approx(base, rel=1e-9)


def test_regret_bound_is_non_negative_and_seeded() -> None:
    trials = _trials(VALUES)
    first = ft.RegretBoundEvaluator(seed=5).evaluate(trials, StudyDirection.MINIMIZE)
    again = ft.RegretBoundEvaluator(seed=5).evaluate(trials, StudyDirection.MINIMIZE)
    assert first == again
    assert first >= 0.0  # the max UCB includes the top trials, so it is at least their max LCB


def test_regret_bound_shrinks_as_the_optimum_is_pinned_down() -> None:
    """Many trials close to the optimum of a smooth function leave less room than a few."""
    rng = np.random.default_rng(0)
    d = ferrotune.distributions.FloatDistribution(-1.0, 1.0)

    def trials(n: int) -> list[Any]:
        xs = rng.uniform(-1, 1, size=n)
        return [
            ferrotune.trial.create_trial(params={"x": x}, distributions={"x": d}, value=x**2)
            for x in xs
        ]

    few = ft.RegretBoundEvaluator(seed=0).evaluate(trials(5), StudyDirection.MINIMIZE)
    many = ft.RegretBoundEvaluator(seed=0).evaluate(trials(80), StudyDirection.MINIMIZE)
    assert many < few


@pytest.mark.parametrize("evaluator", [ft.EMMREvaluator, ft.RegretBoundEvaluator])
def test_infinite_values_are_clipped_with_a_warning(evaluator: Any) -> None:
    values = VALUES.copy()
    values[4] = math.inf
    values[7] = -math.inf
    with pytest.warns(UserWarning, match="Clip non-finite values"):
        value = evaluator().evaluate(_trials(values), StudyDirection.MINIMIZE)
    assert math.isfinite(value)


def test_constant_objective_leaves_no_room() -> None:
    trials = _trials(np.ones(25))
    assert ft.RegretBoundEvaluator().evaluate(trials, StudyDirection.MINIMIZE) < 1e-9
    assert math.isfinite(ft.EMMREvaluator().evaluate(trials[:2], StudyDirection.MINIMIZE))


def test_emmr_is_finite_once_min_n_trials_complete() -> None:
    evaluator = ft.EMMREvaluator(min_n_trials=3)
    direction = StudyDirection.MAXIMIZE
    assert evaluator.evaluate(_trials(VALUES[:2]), direction) == sys.float_info.max * 0.1
    assert math.isfinite(evaluator.evaluate(_trials(VALUES[:3]), direction))


def test_gp_evaluators_use_the_intersection_search_space() -> None:
    """A parameter some trials lack is left out, as Optuna's intersection_search_space."""
    trials = _trials(VALUES[:12])
    d = ferrotune.distributions.FloatDistribution(0.0, 1.0)
    trials.append(
        ferrotune.trial.create_trial(
            params={"x": 0.0, "y": 0.5}, distributions={"x": _space()["x"], "y": d}, value=0.0
        )
    )
    for evaluator in (ft.RegretBoundEvaluator(seed=0), ft.EMMREvaluator(seed=0)):
        assert math.isfinite(evaluator.evaluate(trials, StudyDirection.MINIMIZE))


def _cv_objective(trial: Any) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    y = trial.suggest_float("y", -3.0, 3.0)
    rng = np.random.default_rng(trial.number)
    scores = (x**2 + y**2 + rng.normal(scale=1.0, size=5)).tolist()
    ft.report_cross_validation_scores(trial, scores)
    return float(np.mean(scores))


def test_default_terminator_stops_a_noisy_study() -> None:
    """Regret bound below the cross-validation error: the study stops after min_n_trials."""
    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0))
    callback = ft.TerminatorCallback(ft.Terminator(ft.RegretBoundEvaluator(seed=0)))
    study.optimize(_cv_objective, n_trials=150, callbacks=[callback])
    assert 20 < len(study.trials) < 150  # not at once: the bound has to come down first
    assert all(_CROSS_VALIDATION_SCORES_KEY in t.system_attrs for t in study.trials)


def test_emmr_with_median_error_stops_optunas_doc_example() -> None:
    """The example of Optuna's EMMREvaluator docstring (5-d sphere, TPE) terminates."""
    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0))
    emmr = ft.EMMREvaluator(seed=0)
    terminator = ft.Terminator(emmr, ft.MedianErrorEvaluator(emmr), min_n_trials=20)
    for _ in range(400):
        trial = study.ask()
        xs = [trial.suggest_float(f"x{i}", -10.0, 10.0) for i in range(5)]
        study.tell(trial, sum(x * x for x in xs))
        if terminator.should_terminate(study):
            break
    assert 30 <= len(study.trials) < 400  # warm-up 10 + 20 initial trials come first


def test_plot_with_default_evaluators() -> None:
    study = ferrotune.create_study()
    for i in range(4):
        trial = study.ask({"x": ferrotune.distributions.FloatDistribution(0, 1)})
        ft.report_cross_validation_scores(trial, [1.0, 2.0 + i])
        study.tell(trial, float(i))
    figure = ferrotune.visualization.plot_terminator_improvement(study, plot_error=True)
    improvement, error = figure.data
    assert list(improvement.x) == [0, 1, 2, 3]
    assert all(math.isfinite(v) and v >= 0 for v in improvement.y)
    assert list(error.y) == [pytest.approx(math.sqrt(1.5 * 0.25))] * 4  # trial 0 stays best
