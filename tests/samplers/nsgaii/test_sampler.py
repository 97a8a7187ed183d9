from __future__ import annotations

import inspect
import pickle
import warnings
from collections import Counter
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.samplers.nsgaii import _crossovers as _theirs_crossovers

import ferrotune
from ferrotune import _core
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import NSGAIISampler, nsgaii

_ = _theirs_crossovers
optuna.logging.set_verbosity(optuna.logging.WARNING)
GEN_KEY = "NSGAIISampler:generation"


def _zdt1(trial: Any) -> tuple[float, float]:
    x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)])
    f1 = float(x[0])
    g = 1.0 + 9.0 * float(x[1:].mean())
    return f1, g * (1.0 - np.sqrt(f1 / g))


def _hypervolume(trials: list[Any]) -> float:
    values = np.array([t.values for t in trials])
    return float(_core.hypervolume(values, np.array([1.1, 11.0])))


def _quiet_optuna_sampler(**kwargs: Any) -> optuna.samplers.NSGAIISampler:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return optuna.samplers.NSGAIISampler(**kwargs)


# -- interface --------------------------------------------------------------------------------
def test_signature_matches_optuna() -> None:
    ours = inspect.signature(NSGAIISampler.__init__).parameters
    theirs = inspect.signature(optuna.samplers.NSGAIISampler.__init__).parameters
    assert list(ours) == list(theirs)
    for name, param in theirs.items():
        assert ours[name].default == param.default, name
        assert ours[name].kind == param.kind, name
    assert set(nsgaii.__all__) == set(optuna.samplers.nsgaii.__all__)


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"population_size": 1}, ValueError, "1"),
        ({"population_size": "50"}, TypeError, "'50'"),
        ({"mutation_prob": 1.5}, ValueError, "1.5"),
        ({"crossover_prob": -0.1}, ValueError, "-0.1"),
        ({"swapping_prob": 2.0}, ValueError, "2.0"),
        ({"crossover": "uniform"}, ValueError, "uniform"),
        ({"mutation": "poly"}, ValueError, "poly"),
        ({"seed": 1.5}, TypeError, "1.5"),
        ({"population_size": 2, "crossover": nsgaii.SPXCrossover()}, ValueError, "2"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], needle: str) -> None:
    with pytest.raises(error, match=needle):
        NSGAIISampler(**kwargs)


# -- optimisation behaviour ------------------------------------------------------------------
def test_generation_sizes_and_parent_cache_match_optuna() -> None:
    ours = ferrotune.create_study(
        directions=["minimize", "minimize"], sampler=NSGAIISampler(population_size=20, seed=0)
    )
    ours.optimize(_zdt1, n_trials=130)
    theirs = optuna.create_study(
        directions=["minimize", "minimize"],
        sampler=_quiet_optuna_sampler(population_size=20, seed=0),
    )
    theirs.optimize(_zdt1, n_trials=130)
    count = Counter(t.system_attrs[GEN_KEY] for t in ours.trials)
    assert count == Counter(t.system_attrs[GEN_KEY] for t in theirs.trials)
    assert count == {0: 20, 1: 20, 2: 20, 3: 20, 4: 20, 5: 20, 6: 10}
    attrs = ours.system_attrs
    by_id = {t._trial_id: t for t in ours.trials}
    for generation in range(1, 7):
        parents = attrs[f"NSGAIISampler:parent:{generation}"]
        assert len(parents) == 20
        assert all(by_id[i].system_attrs[GEN_KEY] < generation for i in parents)
    # parents of generation g come from generation g-1 and the parents of g-1
    pool = set(attrs["NSGAIISampler:parent:4"]) | {
        t._trial_id for t in ours.trials if t.system_attrs[GEN_KEY] == 4
    }
    assert set(attrs["NSGAIISampler:parent:5"]) <= pool


def test_hypervolume_comparable_to_optuna() -> None:
    ours, theirs = [], []
    for seed in range(3):
        study = ferrotune.create_study(
            directions=["minimize", "minimize"], sampler=NSGAIISampler(seed=seed)
        )
        study.optimize(_zdt1, n_trials=500)
        ours.append(_hypervolume(study.best_trials))
        ref = optuna.create_study(
            directions=["minimize", "minimize"], sampler=_quiet_optuna_sampler(seed=seed)
        )
        ref.optimize(_zdt1, n_trials=500)
        theirs.append(_hypervolume(ref.best_trials))
    random = ferrotune.create_study(
        directions=["minimize", "minimize"], sampler=ferrotune.samplers.RandomSampler(seed=0)
    )
    random.optimize(_zdt1, n_trials=500)
    assert np.mean(ours) > _hypervolume(random.best_trials) + 0.2
    assert np.mean(ours) >= np.mean(theirs) - 0.1


def test_same_seed_same_trials() -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        study = ferrotune.create_study(
            directions=["minimize", "minimize"],
            sampler=NSGAIISampler(population_size=10, seed=seed),
        )
        study.optimize(_zdt1, n_trials=60)
        return [t.params for t in study.trials]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_set_constraint_is_respected() -> None:
    def objective(trial: ferrotune.Trial) -> tuple[float, float]:
        values = _zdt1(trial)
        trial.set_constraint("c", 0.3 - trial.params["x0"])  # feasible iff x0 >= 0.3
        return values

    study = ferrotune.create_study(
        directions=["minimize", "minimize"], sampler=NSGAIISampler(population_size=20, seed=1)
    )
    study.optimize(objective, n_trials=200)
    last = max(int(k.rsplit(":", 1)[1]) for k in study.system_attrs if ":parent:" in k)
    parents = set(study.system_attrs[f"NSGAIISampler:parent:{last}"])
    parent_trials = [t for t in study.trials if t._trial_id in parents]
    assert all(t.params["x0"] >= 0.3 for t in parent_trials)
    late = [t for t in study.trials if t.number >= 150]
    assert np.mean([t.params["x0"] >= 0.3 for t in late]) > 0.8


def test_constraints_func_is_deprecated_but_stored() -> None:
    with pytest.warns(FutureWarning, match="constraints_func"):
        sampler = NSGAIISampler(
            population_size=10, seed=0, constraints_func=lambda t: (0.5 - t.params["x1"],)
        )
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(_zdt1, n_trials=60)
    for t in study.trials:
        assert t.system_attrs["constraints"] == (0.5 - t.params["x1"],)
    parents = set(study.system_attrs["NSGAIISampler:parent:5"])
    assert all(t.params["x1"] >= 0.5 for t in study.trials if t._trial_id in parents)


def _mixed_objective(trial: Any) -> tuple[float, float]:
    a = trial.suggest_float("a", -1.0, 2.0)
    b = trial.suggest_float("b", 1e-3, 10.0, log=True)
    c = trial.suggest_float("c", 0.0, 1.0, step=0.1)
    d = trial.suggest_int("d", -3, 7)
    e = trial.suggest_int("e", 1, 64, log=True)
    f = trial.suggest_int("f", 0, 30, step=3)
    g = trial.suggest_categorical("g", ["x", "y", "z"])
    h = trial.suggest_categorical("h", [1, 2.5, None])
    penalty = {"x": 0.0, "y": 1.0, "z": 2.0}[g] + (0.0 if h is None else float(h))
    return a**2 + np.log(b) + d + penalty, (a - 1) ** 2 + c + e / 64 + f / 30


@pytest.mark.parametrize(
    "crossover",
    [
        None,
        nsgaii.UniformCrossover(0.3),
        nsgaii.BLXAlphaCrossover(),
        nsgaii.SPXCrossover(),
        nsgaii.SBXCrossover(),
        nsgaii.VSBXCrossover(),
        nsgaii.UNDXCrossover(),
    ],
    ids=str,
)
def test_crossovers_keep_children_in_bounds(crossover: nsgaii.BaseCrossover | None) -> None:
    sampler = NSGAIISampler(
        population_size=8, seed=0, crossover=crossover, mutation=nsgaii.PolynomialMutation()
    )
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(_mixed_objective, n_trials=48)
    for t in study.trials:
        for name, value in t.params.items():
            dist = t.distributions[name]
            assert dist._contains(dist.to_internal_repr(value)), (name, value)
    assert max(t.system_attrs[GEN_KEY] for t in study.trials) == 5


# -- persistence and extension points ---------------------------------------------------------
def test_workers_share_one_population_through_storage() -> None:
    storage = ferrotune.storages.InMemoryStorage()
    study = ferrotune.create_study(directions=["minimize", "minimize"], storage=storage)
    workers = [NSGAIISampler(population_size=10, seed=s) for s in (0, 1)]
    for i in range(70):
        sampler = workers[i % 2]
        study.sampler = sampler
        trial = study.ask()
        study.tell(trial, _zdt1(trial))
    counts = Counter(t.system_attrs[GEN_KEY] for t in study.trials)
    assert counts == dict.fromkeys(range(7), 10)
    for worker in workers:  # both workers read the same cached parents
        parents = {t._trial_id for t in worker.get_parent_population(study, 3)}
        assert parents == set(study.system_attrs["NSGAIISampler:parent:3"])


def test_custom_strategies_receive_frozen_trials() -> None:
    seen: dict[str, int] = {}

    def elite(study: ferrotune.Study, population: list[Any]) -> list[Any]:
        seen["elite"] = len(population)
        return sorted(population, key=lambda t: t.values[0])[:5]

    def after(study: Any, trial: Any, state: Any, values: Any) -> None:
        seen["after"] = seen.get("after", 0) + 1

    with pytest.warns(ExperimentalWarning):
        sampler = NSGAIISampler(
            population_size=5,
            seed=0,
            elite_population_selection_strategy=elite,
            after_trial_strategy=after,
        )
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(_zdt1, n_trials=12)
    assert seen == {"elite": 10, "after": 12}  # generation 2: 5 children + 5 parents
    parents = sampler.get_parent_population(study, 2)
    assert len(parents) == 5


def test_pickle_roundtrip_keeps_state() -> None:
    sampler = NSGAIISampler(population_size=6, seed=0)
    study = ferrotune.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(_zdt1, n_trials=20)
    clone = pickle.loads(pickle.dumps(sampler))
    assert clone.population_size == 6
    assert [t.number for t in clone.get_parent_population(study, 2)] == [
        t.number for t in sampler.get_parent_population(study, 2)
    ]


def test_workers_share_population_through_sqlite(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'nsga.db'}"
    directions = ["minimize", "minimize"]
    first = ferrotune.create_study(
        study_name="s",
        storage=url,
        directions=directions,
        sampler=NSGAIISampler(population_size=8, seed=0),
    )
    second = ferrotune.load_study(
        study_name="s", storage=url, sampler=NSGAIISampler(population_size=8, seed=1)
    )
    for i in range(40):
        study = (first, second)[i % 2]
        trial = study.ask()
        study.tell(trial, _zdt1(trial))
    trials = first.trials
    assert Counter(t.system_attrs[GEN_KEY] for t in trials) == dict.fromkeys(range(5), 8)
    for generation in range(1, 5):
        stored = set(first.system_attrs[f"NSGAIISampler:parent:{generation}"])
        for sampler, study in ((first.sampler, first), (second.sampler, second)):
            assert isinstance(sampler, NSGAIISampler)
            got = {t._trial_id for t in sampler.get_parent_population(study, generation)}
            assert got == stored


def test_pruned_failed_and_single_objective() -> None:
    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", -3, 3)
        y = trial.suggest_int("y", -3, 3)
        if trial.number % 7 == 3:
            raise ferrotune.TrialPruned()
        if trial.number % 11 == 5:
            raise RuntimeError("fail")
        return x**2 + y**2

    study = ferrotune.create_study(sampler=NSGAIISampler(population_size=10, seed=0))
    study.optimize(objective, n_trials=120, catch=(RuntimeError,))
    complete = [t for t in study.trials if t.state == ferrotune.trial.TrialState.COMPLETE]
    counts = Counter(t.system_attrs[GEN_KEY] for t in complete)
    assert all(c == 10 for g, c in counts.items() if g < max(counts))
    assert study.best_value < 0.1


def test_parallel_threads() -> None:
    study = ferrotune.create_study(
        directions=["minimize", "minimize"], sampler=NSGAIISampler(population_size=10, seed=0)
    )
    study.optimize(_zdt1, n_trials=80, n_jobs=2)
    assert len(study.trials) == 80
    counts = Counter(t.system_attrs[GEN_KEY] for t in study.trials)
    assert sum(counts.values()) == 80 and max(counts.values()) <= 12
