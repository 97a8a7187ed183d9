"""MOTPE's Rust pieces against Optuna 5.0 on fixed inputs.

Hypervolume (2-D to 5-D), non-domination ranks, the HSSP picks of the multi-objective
split (Optuna's own ``_split_complete_trials_multi_objective`` on the same trials) and the
below-set weights of MOTPE's Parzen estimator. Optuna 5.0.0 is in the test extra, so the
reference values are computed here from its functions rather than stored.
"""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from optuna._hypervolume import compute_hypervolume
from optuna._hypervolume.hssp import _solve_hssp
from optuna.samplers._tpe.sampler import (
    _get_reference_point,
    _split_complete_trials_multi_objective,
)
from optuna.study._multi_objective import _fast_non_domination_rank

from ferrotune import _core
from ferrotune.distributions import FloatDistribution
from ferrotune.samplers._tpe._state import ParzenOptions, tpe_space

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _points(n: int, m: int, seed: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "grid":  # duplicates and many ties
        return rng.integers(0, 5, size=(n, m)).astype(float)
    if kind == "front":  # mutually non-dominated: on the unit simplex
        raw = rng.random((n, m)) + 1e-3
        return raw / raw.sum(axis=1, keepdims=True)
    return rng.normal(size=(n, m))


@pytest.mark.parametrize("kind", ["grid", "front", "normal"])
@pytest.mark.parametrize(("m", "n"), [(2, 300), (3, 200), (4, 40), (5, 20)])
def test_hypervolume_matches_optuna(m: int, n: int, kind: str) -> None:
    for seed in range(3):
        pts = _points(n, m, seed, kind)
        ref = pts.max(axis=0) + 0.5
        ours = _core.hypervolume(np.ascontiguousarray(pts), ref)
        theirs = compute_hypervolume(pts, ref)
        assert ours == pytest.approx(theirs, rel=1e-12)
    # A non-finite reference gives inf; no point gives 0.
    assert _core.hypervolume(np.ones((2, m)), np.full(m, np.inf)) == np.inf
    assert _core.hypervolume(np.empty((0, m)), np.full(m, 2.0)) == 0.0


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_ranks_match_optuna(m: int) -> None:
    for seed, kind in [(0, "grid"), (1, "normal"), (2, "grid")]:
        pts = _points(150, m, seed, kind)
        ours = _core.nondomination_rank(np.ascontiguousarray(pts))
        np.testing.assert_array_equal(ours, _fast_non_domination_rank(pts))
        for n_below in (1, 15, 60):
            ours = _core.nondomination_rank(np.ascontiguousarray(pts), n_below)
            theirs = _fast_non_domination_rank(pts, n_below=n_below)
            top = theirs <= np.sort(theirs)[n_below - 1]
            np.testing.assert_array_equal(ours[top], theirs[top])
            if not top.all():
                assert ours[~top].min() > ours[top].max()


def _optuna_split(loss: np.ndarray, n_below: int) -> list[int]:
    """Optuna's own split on COMPLETE trials with values ``loss`` (both minimised)."""
    m = loss.shape[1]
    study = optuna.create_study(directions=["minimize"] * m)
    trials = [optuna.trial.create_trial(values=list(v), params={}, distributions={}) for v in loss]
    for number, t in enumerate(trials):
        t.number = number
    below, _ = _split_complete_trials_multi_objective(trials, study, n_below)
    return sorted(t.number for t in below)


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("kind", ["grid", "front", "normal"])
def test_split_hssp_picks_match_optuna(m: int, kind: str) -> None:
    n = 60 if m < 4 else 30
    for seed in range(4):
        loss = _points(n, m, 10 * seed + m, kind)
        ranks = _fast_non_domination_rank(loss)
        for n_below in (1, 3, 7, 20):
            ours = _core.select_below(np.ascontiguousarray(loss), n_below).tolist()
            theirs = _optuna_split(loss, n_below)
            if kind != "grid":
                assert ours == theirs, (seed, n_below)
            else:
                # Integer grids have exact ties of hypervolume contribution, which each
                # side breaks by its own rounding: the same whole fronts, the same number
                # from the front that is split.
                assert sorted(ranks[ours]) == sorted(ranks[theirs]), (seed, n_below)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_hssp_on_one_front_matches_optuna(m: int) -> None:
    for seed in range(5):
        front = np.unique(_points(40, m, seed, "front"), axis=0)
        ref = _get_reference_point(front)
        for k in (1, 5, 12):
            ours = np.sort(_core.solve_hssp(np.ascontiguousarray(front), k, ref))
            theirs = np.sort(_solve_hssp(front, np.arange(front.shape[0]), k, ref))
            np.testing.assert_array_equal(ours, theirs)


def test_motpe_below_weights_match_optuna() -> None:
    """Optuna 5.0's MOTPE weighs the below set uniformly; the one-call path does too."""
    study = optuna.create_study(
        directions=["minimize", "minimize"],
        sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=0),
    )
    rng = np.random.default_rng(0)
    dist = FloatDistribution(-5.0, 5.0)
    odist = optuna.distributions.FloatDistribution(-5.0, 5.0)
    below = [
        optuna.trial.create_trial(
            values=[float(a), float(b)], params={"x": float(x)}, distributions={"x": odist}
        )
        for a, b, x in rng.normal(size=(40, 3))
    ]
    sampler = study.sampler
    assert isinstance(sampler, optuna.samplers.TPESampler)
    mpe = sampler._build_parzen_estimator(study, {"x": odist}, below, handle_below=True)
    weights = mpe._mixture_distribution.weights
    # 40 observations weighted alike, plus the prior kernel.
    np.testing.assert_allclose(weights[:-1], weights[0], rtol=0, atol=0)
    xs = np.linspace(-5.0, 5.0, 41)
    theirs = mpe.log_pdf({"x": xs})
    obs = np.array([[t.params["x"]] for t in below])
    space = tpe_space([dist], ParzenOptions(1.0, True, False, 24))
    ours = _core.parzen_log_pdf(space=space, obs=obs, weights=np.ones(40), x=xs[:, None])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
