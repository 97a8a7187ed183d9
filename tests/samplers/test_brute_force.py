from __future__ import annotations

import inspect
import itertools
import warnings
from typing import Any

import optuna
import pytest

import ferrotune
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import BruteForceSampler
from ferrotune.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _sampler(**kwargs: Any) -> BruteForceSampler:
    with pytest.warns(ExperimentalWarning):
        return BruteForceSampler(**kwargs)


def _grid_objective(trial: Any) -> float:
    a = trial.suggest_int("a", 1, 3)
    b = trial.suggest_float("b", 0.0, 0.3, step=0.1)
    c = trial.suggest_categorical("c", ["u", None, 2.5])
    return a + b + (0.0 if c is None else 1.0)


def _conditional_objective(trial: Any) -> float:
    c = trial.suggest_categorical("c", ["float", "int"])
    if c == "float":
        return float(trial.suggest_float("x", 1, 3, step=0.5))
    a = trial.suggest_int("a", 1, 3)
    b = trial.suggest_int("b", a, 3)
    return float(a + b)


def _combos(study: Any) -> list[tuple[tuple[str, Any], ...]]:
    return [tuple(sorted(t.params.items(), key=lambda kv: kv[0])) for t in study.trials]


def test_signature_matches_optuna() -> None:
    ours = inspect.signature(BruteForceSampler.__init__).parameters
    theirs = inspect.signature(optuna.samplers.BruteForceSampler.__init__).parameters
    assert [(n, p.default) for n, p in ours.items()] == [(n, p.default) for n, p in theirs.items()]


def test_enumerates_every_combination_once_and_stops() -> None:
    study = ferrotune.create_study(sampler=_sampler(seed=0))
    study.optimize(_grid_objective)  # no n_trials: the sampler stops the study
    expected = {
        (("a", a), ("b", b), ("c", c))
        for a, b, c in itertools.product([1, 2, 3], [0.0, 0.1, 0.2, 0.3], ["u", None, 2.5])
    }
    combos = _combos(study)
    assert len(combos) == 36
    assert set(combos) == expected


@pytest.mark.parametrize("avoid_premature_stop", [False, True])
def test_conditional_space_like_optuna(avoid_premature_stop: bool) -> None:
    study = ferrotune.create_study(
        sampler=_sampler(seed=1, avoid_premature_stop=avoid_premature_stop)
    )
    study.optimize(_conditional_objective)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = optuna.create_study(
            sampler=optuna.samplers.BruteForceSampler(
                seed=1, avoid_premature_stop=avoid_premature_stop
            )
        )
    ref.optimize(_conditional_objective)
    combos = _combos(study)
    assert len(combos) == 11 == len(set(combos))
    assert set(combos) == set(_combos(ref))


def test_parallel_workers_cover_the_space() -> None:
    study = ferrotune.create_study(sampler=_sampler(seed=0, avoid_premature_stop=True))
    study.optimize(_conditional_objective, n_jobs=2)
    assert {c for c in _combos(study)} == {
        (("c", "float"), ("x", x)) for x in (1.0, 1.5, 2.0, 2.5, 3.0)
    } | {(("a", a), ("b", b), ("c", "int")) for a in (1, 2, 3) for b in range(a, 4)}


def test_running_trials_are_avoided_with_ask() -> None:
    study = ferrotune.create_study(sampler=_sampler(seed=0))
    asked = [study.ask() for _ in range(4)]
    values = [t.suggest_int("x", 0, 3) for t in asked]
    assert sorted(values) == [0, 1, 2, 3]  # running trials' values are not repeated


def test_pruned_and_failed_trials_count_as_tried() -> None:
    def objective(trial: Any) -> float:
        x = trial.suggest_int("x", 0, 4)
        if x == 1:
            raise ferrotune.TrialPruned()
        if x == 2:
            raise RuntimeError("boom")
        return float(x)

    study = ferrotune.create_study(sampler=_sampler(seed=0))
    study.optimize(objective, catch=(RuntimeError,))
    assert sorted(t.params["x"] for t in study.trials) == [0, 1, 2, 3, 4]


def test_seed_fixes_the_order() -> None:
    def order(seed: int) -> list[Any]:
        study = ferrotune.create_study(sampler=_sampler(seed=seed))
        study.optimize(_grid_objective)
        return _combos(study)

    assert order(5) == order(5)
    assert order(5) != order(6)


def test_continuous_float_is_rejected() -> None:
    study = ferrotune.create_study(sampler=_sampler(seed=0))
    with pytest.raises(ValueError, match="step"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="'1'"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        BruteForceSampler(seed="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="yes"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        BruteForceSampler(avoid_premature_stop="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("objective", [_grid_objective, _conditional_objective])
@pytest.mark.parametrize("avoid_premature_stop", [False, True])
def test_incremental_tree_matches_exact_rebuild(
    objective: Any, avoid_premature_stop: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ferrotune.samplers import _brute_force

    rebuilds = []
    real_populate = _brute_force._populate

    def counting_populate(*args: Any) -> None:
        rebuilds.append(1)
        real_populate(*args)

    monkeypatch.setattr(_brute_force, "_populate", counting_populate)
    fast = ferrotune.create_study(
        sampler=_sampler(seed=4, avoid_premature_stop=avoid_premature_stop)
    )
    fast.optimize(objective)
    assert rebuilds == []  # the incremental tree handled every suggestion
    slow_sampler = _sampler(seed=4, avoid_premature_stop=avoid_premature_stop)
    monkeypatch.setattr(slow_sampler, "_subtree", lambda *a, **k: None)
    slow = ferrotune.create_study(sampler=slow_sampler)
    slow.optimize(objective)
    assert rebuilds  # and this run used the exact rebuild
    assert [t.params for t in fast.trials] == [t.params for t in slow.trials]


def test_incremental_tree_matches_exact_rebuild_with_running_trials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run(exact: bool) -> list[Any]:
        sampler = _sampler(seed=2)
        if exact:
            monkeypatch.setattr(sampler, "_subtree", lambda *a, **k: None)
        study = ferrotune.create_study(sampler=sampler)
        in_flight: list[Any] = []
        for _ in range(28):  # fewer than the 36 points: tell never exhausts outside optimize
            trial = study.ask()
            _grid_objective(trial)
            in_flight.append(trial)
            if len(in_flight) == 3:
                study.tell(in_flight.pop(0), 0.0)
        return [t.params for t in study.trials]

    assert run(exact=False) == run(exact=True)


@pytest.mark.parametrize("grid", [False, True])
def test_grid_samplers_stop_after_the_grid_with_hyperband(grid: bool) -> None:
    # Hyperband shows the sampler one bracket's trials; the grid samplers look at all of
    # them (as Optuna's, which read the storage), so the study stops after the grid.
    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_int("x", 0, 9)
        for step in range(10):
            trial.report(x * step, step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return x

    sampler: ferrotune.samplers.BaseSampler
    if grid:
        sampler = ferrotune.samplers.GridSampler({"x": list(range(10))}, seed=0)
    else:
        sampler = _sampler(seed=0)
    pruner = ferrotune.pruners.HyperbandPruner(min_resource=1, max_resource=10)
    study = ferrotune.create_study(sampler=sampler, pruner=pruner)
    study.optimize(objective, n_trials=50)
    assert sorted(t.params["x"] for t in study.trials) == list(range(10))
    assert {t.state for t in study.trials} == {TrialState.COMPLETE, TrialState.PRUNED}
