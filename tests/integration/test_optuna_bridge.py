"""ferrotune samplers inside Optuna studies: Optuna's own sampler harness plus bridge tests."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.testing.pytest_samplers import (
    BasicSamplerTestCase,
    MultiObjectiveSamplerTestCase,
    RelativeSamplerTestCase,
    SingleOnlySamplerTestCase,
)

import ferrotune
from ferrotune.integration import optuna as bridge

optuna.logging.set_verbosity(optuna.logging.WARNING)
ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


# -- Optuna's harness ------------------------------------------------------------------------
class TestTPEBasic(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.TPESampler(n_startup_trials=2, seed=0)


class TestTPERelative(RelativeSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.TPESampler(n_startup_trials=0, seed=0)


class TestTPEMultiObjective(MultiObjectiveSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.TPESampler(n_startup_trials=2, seed=0)


class TestTPEUnivariateBasic(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.TPESampler(n_startup_trials=2, multivariate=False, seed=1)


class TestCmaEsBasic(BasicSamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.CmaEsSampler(n_startup_trials=2, seed=0)


class TestCmaEsRelative(RelativeSamplerTestCase):
    # Optuna runs CmaEsSampler through the numerical relative cases only (categorical
    # parameters are sampled independently by design); the mixed/categorical cases are
    # covered by the TPE bridge.
    test_sample_relative_categorical = None  # type: ignore[assignment]
    test_sample_relative_mixed = None  # type: ignore[assignment]

    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.CmaEsSampler(n_startup_trials=0, seed=0)


class TestCmaEsSingleOnly(SingleOnlySamplerTestCase):
    @pytest.fixture
    def sampler(self) -> Callable[[], optuna.samplers.BaseSampler]:
        return lambda: bridge.CmaEsSampler(seed=0)


# -- bridge behaviour ------------------------------------------------------------------------
def _mixed(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_int("y", 0, 10)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return x * x + y + abs(np.log10(lr) + 2) + (c == "a")


def _sphere(trial: Any) -> float:
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 1.0) ** 2 for i in range(4))


@pytest.mark.parametrize(
    "make",
    [
        (lambda: bridge.TPESampler(seed=3), lambda: ferrotune.samplers.TPESampler(seed=3)),
        (
            lambda: bridge.TPESampler(seed=4, multivariate=False),
            lambda: ferrotune.samplers.TPESampler(seed=4, multivariate=False),
        ),
        (
            lambda: bridge.CmaEsSampler(seed=5, warn_independent_sampling=False),
            lambda: ferrotune.samplers.CmaEsSampler(seed=5, warn_independent_sampling=False),
        ),
    ],
)
def test_optuna_study_samples_like_a_ferrotune_study(make: Any) -> None:
    """Same seed, same objective: the bridge inside Optuna proposes ferrotune's params."""
    make_bridge, make_native = make
    ostudy = optuna.create_study(sampler=make_bridge())
    ostudy.optimize(_mixed, n_trials=40)
    fstudy = ferrotune.create_study(sampler=make_native())
    fstudy.optimize(_mixed, n_trials=40)
    assert [t.params for t in ostudy.trials] == [t.params for t in fstudy.trials]


def test_same_seed_same_trials_and_maximize() -> None:
    runs = []
    for _ in range(2):
        study = optuna.create_study(direction="maximize", sampler=bridge.TPESampler(seed=11))
        study.optimize(lambda t: -_sphere(t), n_trials=30)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]


def test_finished_trials_are_converted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    converted: list[int] = []
    original = bridge._StudyView._convert

    def counting(self: Any, trial: optuna.trial.FrozenTrial) -> Any:
        converted.append(trial.number)
        return original(self, trial)

    monkeypatch.setattr(bridge._StudyView, "_convert", counting)
    sampler = bridge.TPESampler(seed=0, n_startup_trials=5)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=60)
    # Every finished trial became a history row exactly once, in finish order.
    assert sorted(converted) == list(range(59)) or sorted(converted) == list(range(60))
    assert len(converted) == len(set(converted))
    (view,) = sampler._views.values()
    history = view._get_trial_history()
    assert history.n == len(converted)
    np.testing.assert_array_equal(
        history.values[:, 0], [study.trials[n].value for n in history.numbers]
    )


def test_history_sees_pruned_failed_and_added_trials() -> None:
    sampler = bridge.TPESampler(seed=0, n_startup_trials=3)
    study = optuna.create_study(sampler=sampler)
    study.add_trial(
        optuna.trial.create_trial(
            params={"x": 1.0},
            distributions={"x": optuna.distributions.FloatDistribution(-5, 5)},
            value=1.0,
        )
    )

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        if trial.number % 3 == 1:
            trial.report(x, 0)
            raise optuna.TrialPruned
        if trial.number % 3 == 2:
            raise RuntimeError("boom")
        return x * x

    study.optimize(objective, n_trials=12, catch=(RuntimeError,))
    study.ask()  # syncs the history
    history = next(iter(sampler._views.values()))._get_trial_history()
    states = [ferrotune.trial.TrialState(s) for s in history.states]
    assert states.count(ferrotune.trial.TrialState.PRUNED) == 4
    assert states.count(ferrotune.trial.TrialState.FAIL) == 4
    assert history.n == 13
    rows, values = history.intermediate_at(0)
    assert len(rows) == 4 and np.all(np.isfinite(values))


def test_sqlite_storage_matches_in_memory(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'bridge.db'}"
    on_disk = optuna.create_study(
        storage=url, sampler=bridge.TPESampler(seed=2, n_startup_trials=3)
    )
    on_disk.optimize(_mixed, n_trials=8)
    in_memory = optuna.create_study(sampler=bridge.TPESampler(seed=2, n_startup_trials=3))
    in_memory.optimize(_mixed, n_trials=8)
    assert [t.params for t in on_disk.trials] == [t.params for t in in_memory.trials]


def test_threads_and_constant_liar_see_running_trials() -> None:
    sampler = bridge.TPESampler(seed=0, n_startup_trials=2)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=10)
    running = study.ask()
    running.suggest_float("x0", -5, 5)
    view = next(iter(sampler._views.values()))
    nxt = study.ask()
    view.sync(nxt.number)
    assert [t.number for t in view.running_trials()] == [running.number, nxt.number]
    study.tell(running, 1.0)
    study.tell(nxt, 1.0)
    study.optimize(_sphere, n_trials=20, n_jobs=2)
    assert len(study.trials) == 32
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def test_tpe_bridge_beats_random_search() -> None:
    tpe, rnd = [], []
    for seed in range(3):
        s = optuna.create_study(sampler=bridge.TPESampler(seed=seed))
        s.optimize(_sphere, n_trials=80)
        tpe.append(s.best_value)
        r = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
        r.optimize(_sphere, n_trials=80)
        rnd.append(r.best_value)
    assert np.median(tpe) < np.median(rnd)


def test_cmaes_bridge_converges_and_takes_optuna_objects() -> None:
    study = optuna.create_study(sampler=bridge.CmaEsSampler(seed=0))
    study.optimize(_sphere, n_trials=300)
    assert study.best_value < 1e-2

    independent = optuna.samplers.RandomSampler(seed=1)
    with pytest.warns(ferrotune.exceptions.ExperimentalWarning, match="source_trials"):
        warm = bridge.CmaEsSampler(
            seed=0,
            source_trials=study.trials,
            independent_sampler=independent,
            warn_independent_sampling=False,
        )
    study2 = optuna.create_study(sampler=warm)

    def objective(trial: optuna.Trial) -> float:
        trial.suggest_categorical("tag", ["a", "b"])  # goes to Optuna's RandomSampler
        return _sphere(trial)

    study2.optimize(objective, n_trials=40)
    # Warm-started from the solved run: already near the optimum.
    assert study2.best_value < 0.5
    assert {t.params["tag"] for t in study2.trials} == {"a", "b"}


def test_bridge_pickles_without_its_caches() -> None:
    sampler = bridge.TPESampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=15)
    clone = pickle.loads(pickle.dumps(sampler))
    assert clone._views == {}
    study.sampler = clone
    study.optimize(_sphere, n_trials=5)
    assert len(study.trials) == 20


def test_bad_arguments_are_rejected_by_the_ferrotune_sampler() -> None:
    with pytest.raises(ValueError, match="n_startup_trials"):
        bridge.TPESampler(n_startup_trials=-1)
    with pytest.raises(TypeError, match="seed"):
        bridge.CmaEsSampler(seed="zero")
