"""The Rust CMA-ES (``ferrotune._core.CmaEsOptimizer``) against the ``cmaes`` package."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from ferrotune._core import CmaEsOptimizer, cmaes_warm_start_mgd

cmaes = pytest.importorskip("cmaes")


def _ellipsoid(x: np.ndarray) -> np.ndarray:
    x = np.atleast_2d(x)
    scale = 1e3 ** (np.arange(x.shape[1]) / max(x.shape[1] - 1, 1))
    return np.asarray(((scale * x) ** 2).sum(axis=1))


def _bounds(n: int) -> np.ndarray:
    return np.array([[-4.0, 6.0]] * n)


@pytest.mark.parametrize("lr_adapt", [False, True])
@pytest.mark.parametrize("n", [2, 7, 120])  # 120: the divide-and-conquer eigensolver (d >= 80)
def test_full_cma_update_matches_cmaes(n: int, lr_adapt: bool) -> None:
    rng = np.random.default_rng(n)
    mean = rng.uniform(-1, 1, n)
    ref = cmaes.CMA(mean=mean.copy(), sigma=1.3, bounds=_bounds(n), seed=3, lr_adapt=lr_adapt)
    ours = CmaEsOptimizer(mean, 1.3, bounds=_bounds(n), seed=3, lr_adapt=lr_adapt)
    assert ours.population_size == ref.population_size
    for _ in range(6):
        xs = np.array([ref.ask() for _ in range(ref.population_size)])
        values = _ellipsoid(xs)
        ref.tell(list(zip(xs, values)))
        ours.tell(xs, values)
        np.testing.assert_allclose(ours.mean, ref.mean, rtol=1e-9, atol=1e-12)
        assert ours.sigma == pytest.approx(ref._sigma, rel=1e-9)
        np.testing.assert_allclose(ours.cov, ref._C, rtol=1e-8, atol=1e-12)
    assert ours.generation == ref.generation == 6


def test_active_weights_used_in_update() -> None:
    # Solutions far out in the worst ranks change C through the negative weights.
    n = 3
    ref = cmaes.CMA(mean=np.zeros(n), sigma=1.0, seed=1, population_size=10)
    ours = CmaEsOptimizer(np.zeros(n), 1.0, seed=1, popsize=10)
    xs = np.random.default_rng(0).normal(size=(10, n)) * np.array([1.0, 5.0, 0.1])
    values = np.arange(10, dtype=float)
    ref.tell(list(zip(xs, values)))
    ours.tell(xs, values)
    np.testing.assert_allclose(ours.cov, ref._C, rtol=1e-10)


def test_sepcma_update_matches_cmaes() -> None:
    n = 6
    ref = cmaes.SepCMA(mean=np.ones(n), sigma=0.8, bounds=_bounds(n), seed=5)
    ours = CmaEsOptimizer(np.ones(n), 0.8, bounds=_bounds(n), seed=5, variant="sepcma")
    for _ in range(6):
        xs = np.array([ref.ask() for _ in range(ref.population_size)])
        values = _ellipsoid(xs)
        ref.tell(list(zip(xs, values)))
        ours.tell(xs, values)
    np.testing.assert_allclose(ours.mean, ref.mean, rtol=1e-10)
    assert ours.sigma == pytest.approx(ref._sigma, rel=1e-10)
    np.testing.assert_allclose(np.diag(ours.cov), ref._C, rtol=1e-10)


def test_cmawm_update_matches_cmaes() -> None:
    bounds = np.array([[0.0, 1.0], [0.0, 4.0], [0.0, 1.0], [0.0, 2.0]])
    steps = np.array([0.0, 1.0, 0.0, 1.0])
    mean = np.array([0.5, 2.0, 0.5, 1.0])
    ref = cmaes.CMAwM(mean=mean.copy(), sigma=0.5, bounds=bounds, steps=steps, seed=2)
    ours = CmaEsOptimizer(mean, 0.5, bounds=bounds, steps=steps, seed=2, variant="cmawm")

    def f(x: np.ndarray) -> float:
        return float((x[0] - 0.2) ** 2 + (x[1] - 4) ** 2 + x[2] ** 2 + abs(x[3] - 2))

    for _ in range(8):
        pairs = [ref.ask() for _ in range(ref.population_size)]
        raw = np.array([p[1] for p in pairs])
        values = np.array([f(p[0]) for p in pairs])
        ref.tell(list(zip(raw, values)))
        ours.tell(raw, values)
        np.testing.assert_allclose(ours.mean, ref.mean, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ours.margin_scale, ref._A, rtol=1e-8)
        assert ours.sigma == pytest.approx(ref._cma._sigma, rel=1e-9)
        np.testing.assert_allclose(ours.cov, ref._cma._C, rtol=1e-8, atol=1e-12)
    enc, raw = ours.ask_with_raw(50)
    assert set(np.unique(enc[:, 1])) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert set(np.unique(enc[:, 3])) <= {0.0, 1.0, 2.0}
    np.testing.assert_array_equal(enc[:, [0, 2]], raw[:, [0, 2]])


def test_warm_start_matches_cmaes() -> None:
    rng = np.random.default_rng(0)
    xs = rng.uniform(size=(60, 3))
    values = ((xs - 0.3) ** 2).sum(axis=1)
    mean, sigma, cov = cmaes_warm_start_mgd(xs, values)
    rmean, rsigma, rcov = cmaes.get_warm_start_mgd(list(zip(xs, values)))
    np.testing.assert_allclose(mean, rmean, rtol=1e-12)
    assert sigma == pytest.approx(rsigma, rel=1e-10)
    np.testing.assert_allclose(cov, rcov, rtol=1e-9)
    with pytest.raises(ValueError, match="at least one source solution"):
        cmaes_warm_start_mgd(xs[:5], values[:5])


def test_samples_respect_bounds_and_seed() -> None:
    n = 5
    a = CmaEsOptimizer(np.full(n, 0.9), 2.0, bounds=np.array([[0.0, 1.0]] * n), seed=9)
    b = CmaEsOptimizer(np.full(n, 0.9), 2.0, bounds=np.array([[0.0, 1.0]] * n), seed=9)
    xa, xb = a.ask(200), b.ask(200)
    np.testing.assert_array_equal(xa, xb)
    assert xa.min() >= 0.0 and xa.max() <= 1.0
    c = CmaEsOptimizer(np.full(n, 0.9), 2.0, bounds=np.array([[0.0, 1.0]] * n), seed=10)
    assert not np.array_equal(c.ask(200), xa)


def test_sepcma_bounded_draws_are_truncated_normals() -> None:
    """SepCMA abandons a draw at its first coordinate outside the box and resolves
    later attempts in closed form; what it returns must still be "draw all, keep if
    inside": independent truncated normals per coordinate (with this many attempts
    resampling practically always succeeds; clipping is tested below)."""
    stats = pytest.importorskip("scipy.stats")
    n, sigma = 3, 1.0
    mean = np.array([0.2, 0.8, 0.5])
    opt = CmaEsOptimizer(
        mean, sigma, bounds=np.array([[0.0, 1.0]] * n), seed=4, variant="sepcma",
        n_max_resampling=10_000,
    )  # fmt: skip
    x = opt.ask(4000)
    assert x.min() >= 0.0 and x.max() <= 1.0
    for j in range(n):
        a, b = (0.0 - mean[j]) / sigma, (1.0 - mean[j]) / sigma
        cdf = stats.truncnorm(a, b, loc=mean[j], scale=sigma).cdf
        assert stats.kstest(x[:, j], cdf).pvalue > 1e-3, j
    # Coordinates independent: no correlation left between them.
    corr = np.corrcoef(x.T)
    assert np.all(np.abs(corr[np.triu_indices(n, 1)]) < 0.1)


@pytest.mark.parametrize(("n", "n_max_resampling"), [(4, 1), (2, 10), (2, 30)])
def test_sepcma_clipping_mass_matches_the_resampling_rule(n: int, n_max_resampling: int) -> None:
    """After ``n_max_resampling`` draws outside the box the next draw is clipped: the
    share of clipped candidates is ``(1 - P)^(K + 1)`` with ``P`` the box's mass (K > 4
    takes the closed-form branch after four direct attempts)."""
    stats = pytest.importorskip("scipy.stats")
    opt = CmaEsOptimizer(
        np.full(n, 0.5), 2.0, bounds=np.array([[0.0, 1.0]] * n), seed=5, variant="sepcma",
        n_max_resampling=n_max_resampling,
    )  # fmt: skip
    draws = 6000
    y = opt.ask(draws)
    p_in = (stats.norm.cdf(0.25) - stats.norm.cdf(-0.25)) ** n
    clipped = np.any((y == 0.0) | (y == 1.0), axis=1).mean()
    expected = (1 - p_in) ** (n_max_resampling + 1)
    assert abs(clipped - expected) < 4 * np.sqrt(expected * (1 - expected) / draws)
    inside = y[~np.any((y == 0.0) | (y == 1.0), axis=1)]
    cdf = stats.truncnorm(-0.25, 0.25, loc=0.5, scale=2.0).cdf
    assert stats.kstest(inside[:, 0], cdf).pvalue > 1e-3


@pytest.mark.parametrize("variant", ["cma", "sepcma", "cmawm"])
def test_state_round_trip(variant: str) -> None:
    n = 4
    opt = CmaEsOptimizer(
        np.zeros(n),
        1.0,
        bounds=np.array([[-3.0, 3.0]] * n),
        steps=np.array([0.0, 1.0, 0.0, 0.0]),
        seed=4,
        variant=variant,
        restart_strategy="ipop",
    )
    for _ in range(5):
        xs = opt.ask(opt.population_size)
        opt.tell(xs, _ellipsoid(xs))
    state = opt.__getstate__()
    assert isinstance(state, bytes)
    clone = pickle.loads(pickle.dumps(opt))
    other = CmaEsOptimizer(np.ones(2), 0.1)
    other.__setstate__(state)
    for restored in (clone, other, CmaEsOptimizer.from_bytes(state)):
        assert restored.to_bytes() == state
        assert restored.generation == 5
        np.testing.assert_array_equal(restored.ask(3), opt.__class__.from_bytes(state).ask(3))
    with pytest.raises(ValueError, match="corrupt"):
        CmaEsOptimizer.from_bytes(state[:-1])


def test_restarts_trigger_on_rastrigin() -> None:
    n = 4
    opt = CmaEsOptimizer(
        np.full(n, 3.0),
        1.5,
        bounds=np.array([[-5.12, 5.12]] * n),
        seed=0,
        restart_strategy="ipop",
    )
    p0 = opt.population_size
    restarted = 0
    while restarted < 2 and opt.generation < 3000:
        xs = opt.ask(opt.population_size)
        values = 10 * n + (xs**2 - 10 * np.cos(2 * np.pi * xs)).sum(axis=1)
        restarted += opt.tell(xs, values)
    assert restarted == 2 and opt.n_restarts == 2
    assert opt.population_size == 4 * p0


def test_bad_input() -> None:
    bounds = np.array([[0.0, 1.0]] * 2)
    with pytest.raises(ValueError, match="outside its bounds"):
        CmaEsOptimizer(np.array([0.5, 1.5]), 0.1, bounds=bounds)
    with pytest.raises(ValueError, match="sigma"):
        CmaEsOptimizer(np.array([0.5, 0.5]), -0.1)
    with pytest.raises(ValueError, match="nope"):
        CmaEsOptimizer(np.array([0.5, 0.5]), 0.1, restart_strategy="nope")
    with pytest.raises(ValueError, match="foo"):
        CmaEsOptimizer(np.array([0.5, 0.5]), 0.1, variant="foo")
    opt = CmaEsOptimizer(np.array([0.5, 0.5]), 0.1)
    with pytest.raises(ValueError, match="popsize"):
        opt.tell(np.zeros((2, 2)), np.zeros(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="NaN"):
            opt.tell(np.zeros((opt.population_size, 2)), np.full(opt.population_size, np.nan))
