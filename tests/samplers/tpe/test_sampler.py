"""TPESampler behaviour: options, defaults, reproducibility, MOTPE, constraints, liar."""

from __future__ import annotations

import logging
import math
import pickle
from typing import Any

import numpy as np
import pytest
from optuna._hypervolume import compute_hypervolume
from optuna._hypervolume.hssp import _solve_hssp
from optuna.study._multi_objective import _fast_non_domination_rank

import ferrotune
from ferrotune import _core
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import TPESampler
from ferrotune.samplers._tpe import default_gamma, default_weights, hyperopt_default_gamma
from ferrotune.samplers._tpe._split import split_history, split_multi_objective
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


def _mixed(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", 1e-3, 10, log=True)
    i = trial.suggest_int("i", 0, 10)
    s = trial.suggest_float("s", 0, 1, step=0.1)
    li = trial.suggest_int("li", 1, 64, log=True)
    c = trial.suggest_categorical("c", ["a", "b", None])
    return x**2 + math.log(y) ** 2 + (i - 3) ** 2 + s + math.log(li) + (c != "b")


def _params(study: Any) -> list[dict[str, Any]]:
    return [t.params for t in study.trials]


def test_default_sampler_and_signature_defaults() -> None:
    study = ferrotune.create_study()
    assert isinstance(study.sampler, TPESampler)
    sampler = TPESampler()
    assert sampler._n_startup_trials == 10
    assert sampler._n_ei_candidates == 24
    assert sampler._constant_liar is True
    assert sampler._multivariate is None
    assert sampler._prior_weight == 1.0
    assert sampler._consider_magic_clip and not sampler._consider_endpoints
    assert sampler._is_multivariate(study)
    mo = ferrotune.create_study(directions=["minimize", "maximize"])
    assert not sampler._is_multivariate(mo)


@pytest.mark.parametrize("multivariate", [True, False])
def test_same_seed_same_trials_mixed_space(multivariate: bool) -> None:
    runs = []
    for _ in range(2):
        study = ferrotune.create_study(
            sampler=TPESampler(seed=3, multivariate=multivariate, n_startup_trials=5)
        )
        study.optimize(_mixed, n_trials=25)
        runs.append(_params(study))
    assert runs[0] == runs[1]
    other = ferrotune.create_study(sampler=TPESampler(seed=4, multivariate=multivariate))
    other.optimize(_mixed, n_trials=25)
    assert _params(other) != runs[0]


@pytest.mark.parametrize("multivariate", [True, False])
def test_incremental_above_estimator_matches_rebuilds(multivariate: bool) -> None:
    # Past ~100 trials the above estimator is updated in place instead of rebuilt; the
    # proposals (and so the whole run) must be those of a rebuild on every trial.
    runs = []
    for incremental in (True, False):
        sampler = TPESampler(seed=5, multivariate=multivariate)
        sampler._incremental_above = incremental
        study = ferrotune.create_study(sampler=sampler)
        study.optimize(_mixed, n_trials=260)
        runs.append(_params(study))
        if incremental:
            caches = list(sampler._caches.values())
            assert caches and any(cache.above for cache in caches)
    assert runs[0] == runs[1]


def test_values_stay_in_their_domains() -> None:
    study = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=3))
    study.optimize(_mixed, n_trials=40)
    for t in study.trials[3:]:
        p = t.params
        assert -5 <= p["x"] <= 5 and 1e-3 <= p["y"] <= 10
        assert isinstance(p["i"], int) and 0 <= p["i"] <= 10
        assert isinstance(p["li"], int) and 1 <= p["li"] <= 64
        assert abs(p["s"] * 10 - round(p["s"] * 10)) < 1e-9
        assert p["c"] in ("a", "b", None)


def test_n_startup_trials_are_random_sampler_draws() -> None:
    def objective(t: Any) -> float:
        return t.suggest_float("x", 0, 1)

    tpe = ferrotune.create_study(sampler=TPESampler(seed=1, n_startup_trials=7))
    tpe.optimize(objective, n_trials=7)
    rnd = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=1))
    rnd.optimize(objective, n_trials=7)
    assert _params(tpe) == _params(rnd)


def test_tpe_concentrates_near_the_optimum() -> None:
    def objective(t: Any) -> float:
        return (t.suggest_float("x", -10, 10) - 3.0) ** 2 + (t.suggest_float("y", -10, 10)) ** 2

    study = ferrotune.create_study(sampler=TPESampler(seed=0))
    study.optimize(objective, n_trials=80)
    late = np.array([[t.params["x"], t.params["y"]] for t in study.trials[-30:]])
    assert np.median(np.abs(late[:, 0] - 3.0)) < 2.0
    assert study.best_value < 0.5


def test_n_ei_candidates_one_and_validation() -> None:
    study = ferrotune.create_study(sampler=TPESampler(seed=0, n_ei_candidates=1))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=15)
    with pytest.raises(ValueError, match="n_ei_candidates"):
        TPESampler(n_ei_candidates=0)
    with pytest.raises(ValueError, match="n_startup_trials"):
        TPESampler(n_startup_trials=-1)
    with pytest.raises(TypeError, match="seed"):
        TPESampler(seed="0")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("consider_prior", True),
        ("prior_weight", 0.5),
        ("consider_magic_clip", False),
        ("consider_endpoints", True),
        ("gamma", hyperopt_default_gamma),
        ("weights", default_weights),
        ("warn_independent_sampling", True),
    ],
)
def test_deprecated_options_warn_and_work(name: str, value: Any) -> None:
    with pytest.warns(FutureWarning, match=name):
        sampler = TPESampler(seed=0, n_startup_trials=3, **{name: value})
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(_mixed, n_trials=12)
    assert len(study.trials) == 12


def test_prior_weight_must_be_non_negative() -> None:
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="prior_weight"):
        TPESampler(prior_weight=-1.0)


def test_custom_gamma_and_weights_are_called() -> None:
    seen: dict[str, list[int]] = {"gamma": [], "weights": []}

    def gamma(n: int) -> int:
        seen["gamma"].append(n)
        return 2

    def weights(n: int) -> np.ndarray:
        seen["weights"].append(n)
        return np.linspace(1.0, 2.0, n) if n else np.zeros(0)

    with pytest.warns(FutureWarning):
        sampler = TPESampler(seed=0, n_startup_trials=4, gamma=gamma, weights=weights)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=8)
    assert seen["gamma"] == [4, 5, 6, 7]
    assert 2 in seen["weights"]  # below set of size gamma(n)

    def negative(n: int) -> np.ndarray:
        return -np.ones(n)

    with pytest.warns(FutureWarning):
        bad = TPESampler(seed=0, n_startup_trials=2, weights=negative)
    study = ferrotune.create_study(sampler=bad)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    with pytest.raises(ValueError, match="negative"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_default_gamma_and_weights_match_optuna() -> None:
    from optuna.samplers._tpe import sampler as osampler

    for n in (0, 1, 9, 10, 11, 100, 249, 250, 251, 10_000):
        assert default_gamma(n) == osampler.default_gamma(n)
        assert hyperopt_default_gamma(n) == osampler.hyperopt_default_gamma(n)
        np.testing.assert_array_equal(default_weights(n), osampler.default_weights(n))


def test_group_decomposition_samples_conditional_spaces() -> None:
    def objective(t: Any) -> float:
        kind = t.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return t.suggest_float("xa", -5, 5) ** 2
        return 1.0 + t.suggest_int("ib", -5, 5) ** 2

    with pytest.warns(ExperimentalWarning, match="group"):
        sampler = TPESampler(seed=0, group=True, n_startup_trials=5)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(objective, n_trials=40)
    groups = sampler._cache(study).group
    assert groups is not None
    names = sorted(tuple(sorted(g)) for g in groups.calculate(study._get_trial_history()))
    assert names == [("ib",), ("kind",), ("xa",)]
    assert study.best_value < 1.0
    with pytest.raises(ValueError, match="multivariate"):
        TPESampler(group=True, multivariate=False)


def test_independent_fallback_logs_when_asked(caplog: pytest.LogCaptureFixture) -> None:
    def objective(t: Any) -> float:
        x = t.suggest_float("x", 0, 1)
        if t.number % 2:
            return x + t.suggest_float("z", 0, 1)
        return x

    with pytest.warns(FutureWarning):
        sampler = TPESampler(seed=0, n_startup_trials=2, warn_independent_sampling=True)
    study = ferrotune.create_study(sampler=sampler)
    with caplog.at_level(logging.WARNING):
        study.optimize(objective, n_trials=8)
    assert any("sampled independently" in r.getMessage() for r in caplog.records)


def test_constant_liar_sees_running_trials() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=2)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    running = study.ask()
    x_running = running.suggest_float("x", 0, 1)
    current = study.ask()
    space = {"x": ferrotune.distributions.FloatDistribution(0, 1)}
    frozen = study._storage.get_trial(current._trial_id)
    extra, numbers = sampler._running_observations(study, frozen, space)
    assert extra.shape == (1, 1) and extra[0, 0] == x_running
    assert numbers.tolist() == [running.number]
    no_liar = TPESampler(seed=0, constant_liar=False)
    extra, _ = no_liar._running_observations(study, frozen, space)
    assert extra.shape == (0, 1)
    # Relative params are recorded for other workers' liars, as Optuna does.
    current.suggest_float("x", 0, 1)
    attrs = study._storage.get_trial(current._trial_id).system_attrs
    assert "tpe:relative_params:0" in attrs


def test_parallel_jobs_complete() -> None:
    study = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=4))
    study.optimize(lambda t: (t.suggest_int("i", 0, 20) - 7) ** 2, n_trials=30, n_jobs=2)
    assert len(study.trials) == 30
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_pruned_trials_are_used() -> None:
    def objective(t: Any) -> float:
        x = t.suggest_float("x", 0, 1)
        t.report(x, step=0)
        if t.number % 3 == 0:
            raise ferrotune.TrialPruned()
        return x

    study = ferrotune.create_study(
        sampler=TPESampler(seed=0, n_startup_trials=3), pruner=ferrotune.pruners.NopPruner()
    )
    study.optimize(objective, n_trials=20)
    assert any(t.state == TrialState.PRUNED for t in study.trials)
    history = study._get_trial_history()
    below, above = split_history(history, 30, [True])
    # With more "below" slots than complete trials, pruned ones follow (best first).
    pruned = np.flatnonzero(history.states == TrialState.PRUNED)
    assert set(pruned) <= set(below.tolist())
    assert not above.any()


def test_split_single_objective_picks_best_with_number_ties() -> None:
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    values = [3.0, 1.0, 1.0, 2.0, 1.0, 5.0]
    for _ in values:
        study.enqueue_trial({"x": 0.5})
    it = iter(values)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) * 0 + next(it), n_trials=6)
    history = study._get_trial_history()
    below, above = split_history(history, 2, [True])
    assert sorted(history.numbers[below].tolist()) == [1, 2]
    assert above.sum() == 4
    below, _ = split_history(history, 2, [False])
    assert sorted(history.numbers[below].tolist()) == [0, 5]


def test_constraints_func_and_set_constraint() -> None:
    def constraints(trial: Any) -> list[float]:
        return [trial.params["x"] - 0.5]

    with pytest.warns(FutureWarning, match="constraints_func"):
        sampler = TPESampler(seed=0, n_startup_trials=5, constraints_func=constraints)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(lambda t: -t.suggest_float("x", 0, 1), n_trials=30)
    violation = study._get_trial_history().constraint_violation
    assert np.all(np.isfinite(violation))
    late = [t.params["x"] for t in study.trials[-10:]]
    assert np.median(late) < 0.75  # pushed towards the feasible boundary, not x = 1
    history = study._get_trial_history()
    below, _ = split_history(history, 3, [True])
    assert np.all(violation[below] <= 0)

    def objective(t: Any) -> float:
        x = t.suggest_float("x", 0, 1)
        t.set_constraint("c", x - 0.5)
        return -x

    study = ferrotune.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=30)
    assert study.best_params["x"] <= 0.5


def test_multi_objective_motpe() -> None:
    def objective(t: Any) -> tuple[float, float]:
        x = t.suggest_float("x", 0, 1)
        y = t.suggest_float("y", 0, 1)
        return x, (1 - x) + y

    study = ferrotune.create_study(
        directions=["minimize", "minimize"], sampler=TPESampler(seed=0, n_startup_trials=10)
    )
    study.optimize(objective, n_trials=50)
    ys = [t.params["y"] for t in study.trials[25:]]
    assert np.median(ys) < 0.3
    again = ferrotune.create_study(
        directions=["minimize", "minimize"], sampler=TPESampler(seed=0, n_startup_trials=10)
    )
    again.optimize(objective, n_trials=50)
    assert _params(again) == _params(study)


def test_nondomination_rank_and_hssp_match_optuna() -> None:
    rng = np.random.default_rng(0)
    for m in (2, 3, 4):
        pts = np.round(rng.random((60, m)), 1)
        for n_below in (5, 20, 60):
            ours = _core.nondomination_rank(pts, n_below)
            ref = _fast_non_domination_rank(pts, n_below=n_below)
            top = ref <= np.sort(ref)[n_below - 1]
            np.testing.assert_array_equal(ours[top], ref[top])
        front = pts[ref == 0]
        refp = np.full(m, 1.5)
        assert _core.hypervolume(np.ascontiguousarray(front), refp) == pytest.approx(
            compute_hypervolume(front, refp), rel=1e-12
        )
        uniq = np.unique(front, axis=0)
        k = max(1, uniq.shape[0] // 2)
        got = np.sort(_core.solve_hssp(np.ascontiguousarray(uniq), k, refp))
        expected = np.sort(_solve_hssp(uniq, np.arange(uniq.shape[0]), k, refp))
        assert _core.hypervolume(uniq[got], refp) == pytest.approx(
            compute_hypervolume(uniq[expected], refp), rel=1e-9
        )
    chosen = split_multi_objective(np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [2, 2]]), 3)
    assert chosen.tolist() == [0, 1, 2]


def test_pickle_reseed_and_hyperopt_parameters() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=2)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    clone = pickle.loads(pickle.dumps(sampler))
    assert isinstance(clone, TPESampler) and clone._caches == {}
    sampler.reseed_rng()
    # Deprecated in Optuna 4.9.0 (removal in 6.0.0): it warns as Optuna does.
    with pytest.warns(FutureWarning, match="hyperopt_parameters has been deprecated in v4.9.0"):
        params = TPESampler.hyperopt_parameters()
    assert params["n_startup_trials"] == 20 and params["gamma"] is hyperopt_default_gamma
    with pytest.warns(FutureWarning):
        TPESampler(**params)
