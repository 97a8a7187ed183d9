"""Hypervolume, non-domination ranks and HSSP helpers against Optuna's implementations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optuna._hypervolume import compute_hypervolume
from optuna.study._multi_objective import _fast_non_domination_rank

from ferrotune.importance._multi_objective import (
    greedy_hssp,
    hypervolume,
    non_domination_ranks,
    reference_point,
    select_best,
)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 25),
    m=st.integers(2, 4),
    seed=st.integers(0, 2**31 - 1),
    grid=st.booleans(),
)
def test_hypervolume_matches_optuna(n: int, m: int, seed: int, grid: bool) -> None:
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 4, size=(n, m)).astype(float) if grid else rng.random((n, m))
    ref = np.full(m, 4.5 if grid else 1.1)
    ours = hypervolume(points, ref)
    theirs = compute_hypervolume(points, ref)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_hypervolume_ignores_points_beyond_reference() -> None:
    pts = np.array([[0.5, 0.5], [2.0, 0.1]])
    assert hypervolume(pts, np.array([1.0, 1.0])) == pytest.approx(0.25)
    assert hypervolume(np.empty((0, 2)), np.array([1.0, 1.0])) == 0.0


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(2, 3), seed=st.integers(0, 2**31 - 1))
def test_non_domination_ranks_match_optuna(n: int, m: int, seed: int) -> None:
    loss = np.random.default_rng(seed).integers(0, 5, size=(n, m)).astype(float)
    assert non_domination_ranks(loss).tolist() == _fast_non_domination_rank(loss).tolist()


def test_select_best_and_hssp() -> None:
    loss = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.9, 0.9], [0.2, 0.8]])
    chosen = select_best(loss, 2)
    assert len(chosen) == 2 and set(chosen) <= {0, 1, 2, 4}
    # HSSP of the front keeps the pair with the largest joint hypervolume.
    front = loss[[0, 1, 2, 4]]
    picked = greedy_hssp(front, 1, reference_point(front))
    assert picked.tolist() == [2]
    assert select_best(loss, 5).tolist() == [0, 1, 2, 3, 4]
    assert select_best(loss, 0).size == 0
