from __future__ import annotations

import optuna
import pytest

import ferrotune
from ferrotune.samplers import GridSampler, PartialFixedSampler, RandomSampler


def _objective(trial: ferrotune.trial.BaseTrial) -> float:
    x = trial.suggest_float("x", -10, 10)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return x**2 + {"a": 0, "b": 1, "c": 2}[c]


SPACE = {"x": [-5.0, 0.0, 5.0, 7.5], "c": ["a", "b", "c"]}


def test_grid_visits_every_point_once_and_stops() -> None:
    study = ferrotune.create_study(sampler=GridSampler(SPACE, seed=1))
    study.optimize(_objective, n_trials=100)
    points = [(t.params["x"], t.params["c"]) for t in study.trials]
    assert len(points) == 12 and len(set(points)) == 12
    assert study.best_params == {"x": 0.0, "c": "a"}
    assert study.sampler.is_exhausted(study)  # type: ignore[attr-defined]


def test_grid_visits_the_same_points_as_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    theirs = optuna.create_study(sampler=optuna.samplers.GridSampler(SPACE, seed=3))
    theirs.optimize(_objective, n_trials=12)
    ours = ferrotune.create_study(sampler=GridSampler(SPACE, seed=3))
    ours.optimize(_objective, n_trials=12)
    assert {tuple(t.params.items()) for t in ours.trials} == {
        tuple(t.params.items()) for t in theirs.trials
    }


def test_grid_errors() -> None:
    study = ferrotune.create_study(sampler=GridSampler({"x": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="not found in the given grid"):
        study.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=1)
    with pytest.raises(ValueError, match="empty"):
        GridSampler({"x": []})
    with pytest.raises(TypeError, match="list of values"):
        GridSampler({"x": "abc"})  # type: ignore[dict-item]
    with pytest.warns(UserWarning, match="out of range"):
        ferrotune.create_study(sampler=GridSampler({"x": [5.0]})).optimize(
            lambda t: t.suggest_float("x", 0, 1), n_trials=1
        )


def test_grid_with_enqueued_trial_needs_all_params() -> None:
    study = ferrotune.create_study(sampler=GridSampler(SPACE))
    study.enqueue_trial({"x": 0.0})
    with pytest.raises(ValueError, match="All parameters must be specified"):
        study.optimize(_objective, n_trials=1)


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
def test_partial_fixed_sampler() -> None:
    sampler = PartialFixedSampler({"c": "b"}, RandomSampler(seed=0))
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=20)
    assert {t.params["c"] for t in study.trials} == {"b"}
    assert len({t.params["x"] for t in study.trials}) == 20
    with pytest.raises(TypeError, match="base_sampler"):
        PartialFixedSampler({"c": "b"}, object())  # type: ignore[arg-type]


def test_grid_accepts_numpy_arrays() -> None:
    np = pytest.importorskip("numpy")
    space = {"x": np.array([-5.0, 0.0, 5.0, 7.5]), "c": np.array(["a", "b", "c"])}
    study = ferrotune.create_study(sampler=GridSampler(space, seed=3))  # type: ignore[arg-type]
    study.optimize(_objective, n_trials=100)
    assert {(t.params["x"], t.params["c"]) for t in study.trials} == {
        (x, c) for x in SPACE["x"] for c in SPACE["c"]
    }
    assert all(type(t.params["c"]) is str for t in study.trials)
    ints = ferrotune.create_study(sampler=GridSampler({"n": np.arange(3)}))  # type: ignore[dict-item]
    ints.optimize(lambda t: t.suggest_int("n", 0, 2), n_trials=10)
    assert sorted(t.params["n"] for t in ints.trials) == [0, 1, 2]
    with pytest.raises(ValueError, match="one-dimensional"):
        GridSampler({"x": np.zeros((2, 2))})  # type: ignore[dict-item]


def test_partial_fixed_sampler_is_experimental_as_in_optuna() -> None:
    with pytest.warns(ferrotune.exceptions.ExperimentalWarning, match="PartialFixedSampler"):
        PartialFixedSampler({"c": "b"}, RandomSampler(seed=0))
