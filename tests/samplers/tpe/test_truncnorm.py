"""Parity of the Rust truncated-normal primitives with scipy (and mpmath in far tails)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special, stats

from ferrotune import _core
from ferrotune.samplers._tpe import _truncnorm as tn

mpmath = pytest.importorskip("mpmath")
mpmath.mp.dps = 60

# scipy is well-conditioned on these; tiny far-tail intervals are checked against mpmath.
SCIPY_BOUNDS = [
    (30.0, 40.0),
    (-40.0, -30.0),
    (-1e-3, 1e-3),
    (-8.0, -7.99),
    (-37.5, 37.5),
    (0.0, 1.0),
    (-2.0, 0.0),
    (10.0, np.inf),
    (-np.inf, -10.0),
    (-np.inf, np.inf),
]


def _mp_log_mass(a: float, b: float) -> float:
    """Exact log Gaussian mass of [a, b] (mirrored so the subtraction is benign)."""
    if a > 0:
        a, b = -b, -a
    lo = mpmath.mpf(0) if a == -np.inf else mpmath.ncdf(mpmath.mpf(a))
    hi = mpmath.mpf(1) if b == np.inf else mpmath.ncdf(mpmath.mpf(b))
    return float(mpmath.log(hi - lo))


def _bounds(min_width: float = 1e-8) -> st.SearchStrategy[tuple[float, float]]:
    start = st.floats(-45.0, 45.0, allow_nan=False)
    width = st.floats(min_width, 30.0, allow_nan=False)
    return st.tuples(start, width).map(lambda t: (t[0], t[0] + t[1]))


def test_log_ndtr_matches_scipy_over_wide_range() -> None:
    x = np.concatenate([np.linspace(-60, 40, 2001), [-1e3, -100.0, 1e-10, -1e-10]])
    np.testing.assert_allclose(tn.log_ndtr(x), special.log_ndtr(x), rtol=1e-13, atol=1e-300)


def test_ndtri_exp_matches_scipy() -> None:
    y = -np.logspace(-12, 3, 500)
    np.testing.assert_allclose(tn.ndtri_exp(y), special.ndtri_exp(y), rtol=1e-11)
    assert tn.ndtri_exp(np.array([0.0]))[0] == np.inf


@pytest.mark.parametrize(("a", "b"), SCIPY_BOUNDS)
def test_far_tail_logpdf_and_ppf_match_scipy(a: float, b: float) -> None:
    q = np.array([1e-10, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-10])
    expected_ppf = stats.truncnorm.ppf(q, a, b)
    got_ppf = tn.ppf(q, a, b)
    scale = min(b - a, 1.0)
    np.testing.assert_allclose(got_ppf, expected_ppf, rtol=1e-8, atol=1e-8 * scale)
    inside = got_ppf[np.isfinite(got_ppf)]
    np.testing.assert_allclose(
        tn.logpdf(inside, a, b), stats.truncnorm.logpdf(inside, a, b), rtol=1e-9, atol=1e-9
    )


def test_log_gauss_mass_far_tails_keep_precision() -> None:
    # Naive log(Phi(b) - Phi(a)) is -inf here; the exact value is close to log Phi(-30).
    got = tn.log_gauss_mass(np.array([30.0, -40.0]), np.array([40.0, -30.0]))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, special.log_ndtr(-30.0), rtol=1e-12)


@pytest.mark.parametrize(
    ("a", "b"), [(5.0, 5.0 + 1e-9), (31.0, 31.00000001), (-40.0, -39.9999999), (-1e-9, 2e-9)]
)
def test_tiny_intervals_are_exact(a: float, b: float) -> None:
    got = tn.logpdf(np.array([a]), a, b)[0]
    expected = -0.5 * a * a - 0.5 * np.log(2 * np.pi) - _mp_log_mass(a, b)
    assert got == pytest.approx(expected, rel=1e-13)


@settings(max_examples=300, deadline=None)
@given(bounds=_bounds(), q=st.floats(1e-9, 1 - 1e-9))
def test_ppf_parity_hypothesis(bounds: tuple[float, float], q: float) -> None:
    a, b = bounds
    expected = stats.truncnorm.ppf(q, a, b)
    got = tn.ppf(np.array([q]), a, b)[0]
    assert a <= got <= b
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-7 * (b - a))


@settings(max_examples=300, deadline=None)
@given(
    bounds=_bounds(1e-3),
    frac=st.floats(0.0, 1.0),
    loc=st.floats(-100, 100),
    scale=st.floats(1e-3, 1e3),
)
def test_logpdf_parity_scipy_hypothesis(
    bounds: tuple[float, float], frac: float, loc: float, scale: float
) -> None:
    a, b = bounds
    x = loc + scale * (a + frac * (b - a))
    z = (x - loc) / scale
    assume(a <= z <= b)
    expected = stats.truncnorm.logpdf(z, a, b) - np.log(scale)
    got = tn.logpdf(np.array([x]), a, b, loc, scale)[0]
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-7)


@settings(max_examples=300, deadline=None)
@given(bounds=_bounds())
def test_log_gauss_mass_exact_hypothesis(bounds: tuple[float, float]) -> None:
    # scipy itself loses digits on tiny far-tail intervals: compare to 60-digit mpmath.
    a, b = bounds
    got = tn.log_gauss_mass(np.array([a]), np.array([b]))[0]
    assert got == pytest.approx(_mp_log_mass(a, b), rel=1e-12, abs=1e-12)


def test_logpdf_outside_support_and_degenerate() -> None:
    out = tn.logpdf(np.array([-3.0, 0.0]), -1.0, 1.0)
    assert out[0] == -np.inf
    assert np.isnan(tn.logpdf(np.array([0.0]), 1.0, 1.0)[0])


def test_rvs_distribution_and_seed() -> None:
    a, b, loc, scale = -0.5, 2.0, 1.0, 3.0
    x = tn.rvs(np.full(20000, a), b, loc, scale, rng=np.random.default_rng(0))
    assert np.all((x >= loc + a * scale) & (x <= loc + b * scale))
    ks = stats.kstest(x, stats.truncnorm(a, b, loc=loc, scale=scale).cdf)
    assert ks.pvalue > 1e-3
    again = tn.rvs(np.full(20000, a), b, loc, scale, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(x, again)
    far = tn.rvs(np.full(1000, 30.0), 40.0, rng=np.random.default_rng(1))
    assert np.all((far >= 30.0) & (far <= 40.0))
    assert far.mean() == pytest.approx(stats.truncnorm.mean(30.0, 40.0), rel=1e-2)


def test_shape_mismatch_raises_value_error() -> None:
    with pytest.raises(ValueError, match="length"):
        _core.truncnorm_ppf(np.zeros(2), np.zeros(3), np.ones(2))
