"""Crossovers and mutations of ``ferrotune.samplers.nsgaii`` against Optuna's."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import optuna
import pytest

import ferrotune
from ferrotune.samplers import nsgaii


@pytest.mark.parametrize(
    ("factory", "error"),
    [
        (lambda: nsgaii.UniformCrossover(1.5), ValueError),
        (lambda: nsgaii.SBXCrossover(eta=-1.0), ValueError),
        (lambda: nsgaii.VSBXCrossover(use_child_gene_prob=0.0), ValueError),
        (lambda: nsgaii.SBXCrossover(uniform_crossover_prob=2.0), ValueError),
        (lambda: nsgaii.BLXAlphaCrossover("a"), TypeError),  # type: ignore[arg-type]
        (lambda: nsgaii.PolynomialMutation(eta=-1.0), ValueError),
    ],
)
def test_bad_operator_arguments(factory: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        factory()


def _crossover_pairs() -> list[tuple[Any, Any]]:
    o = optuna.samplers.nsgaii
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            (nsgaii.UniformCrossover(0.3), o.UniformCrossover(0.3)),
            (nsgaii.BLXAlphaCrossover(0.4), o.BLXAlphaCrossover(0.4)),
            (nsgaii.SPXCrossover(), o.SPXCrossover()),
            (nsgaii.SBXCrossover(), o.SBXCrossover()),
            (
                nsgaii.SBXCrossover(eta=5, uniform_crossover_prob=0.2),
                o.SBXCrossover(eta=5, uniform_crossover_prob=0.2),
            ),
            (nsgaii.VSBXCrossover(), o.VSBXCrossover()),
            (nsgaii.UNDXCrossover(), o.UNDXCrossover()),
            (nsgaii.UNDXCrossover(0.8, 0.3), o.UNDXCrossover(0.8, 0.3)),
        ]


@pytest.mark.parametrize(("ours", "theirs"), _crossover_pairs(), ids=lambda c: str(c))
def test_crossover_draws_match_optuna(ours: Any, theirs: Any) -> None:
    our_study = ferrotune.create_study(directions=["minimize", "minimize"])
    their_study = optuna.create_study(directions=["minimize", "minimize"])
    bounds = np.array([[0.0, 1.0], [-2.0, 3.0], [1.0, 1.5], [-1.0, 1.0]])
    data = np.random.default_rng(0)
    for k in range(30):
        parents = bounds[:, 0] + data.random((ours.n_parents, 4)) * (bounds[:, 1] - bounds[:, 0])
        a = ours.crossover(parents, np.random.RandomState(k), our_study, bounds)
        b = theirs.crossover(parents, np.random.RandomState(k), their_study, bounds)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("crossover", "centre"),
    [
        (nsgaii.BLXAlphaCrossover(), "midpoint"),
        (nsgaii.SPXCrossover(), "centroid"),
        (nsgaii.UNDXCrossover(), "midpoint"),
        (nsgaii.VSBXCrossover(), "midpoint"),
    ],
    ids=lambda c: str(c),
)
def test_crossover_children_centre_on_parents(crossover: Any, centre: str) -> None:
    study = ferrotune.create_study(directions=["minimize", "minimize"])
    bounds = np.array([[-100.0, 100.0]] * 3)
    parents = np.array([[0.0, 1.0, 2.0], [1.0, 3.0, 0.0], [0.5, -1.0, 1.0]])[: crossover.n_parents]
    rng = np.random.RandomState(0)
    children = np.array([crossover.crossover(parents, rng, study, bounds) for _ in range(4000)])
    target = parents[:2].mean(axis=0) if centre == "midpoint" else parents.mean(axis=0)
    np.testing.assert_allclose(children.mean(axis=0), target, atol=0.1)


def test_uniform_crossover_takes_genes_from_parents() -> None:
    study = ferrotune.create_study(directions=["minimize", "minimize"])
    parents = np.array([[0.0] * 6, [1.0] * 6])
    rng = np.random.RandomState(1)
    children = np.array(
        [
            nsgaii.UniformCrossover(0.3).crossover(parents, rng, study, np.zeros((6, 2)))
            for _ in range(3000)
        ]
    )
    assert set(np.unique(children)) == {0.0, 1.0}
    assert abs(children.mean() - 0.7) < 0.02  # second parent with probability 1 - 0.3


def test_polynomial_mutation_matches_optuna() -> None:
    ours = nsgaii.PolynomialMutation(eta=15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = optuna.samplers.nsgaii.PolynomialMutation(eta=15)
    study = ferrotune.create_study()
    their_study = optuna.create_study()
    for k in range(50):
        x = k / 50
        a = ours.mutation(x, np.random.RandomState(k), study, np.array([0.0, 1.0]))
        b = theirs.mutation(x, np.random.RandomState(k), their_study, np.array([0.0, 1.0]))
        assert a == pytest.approx(b, abs=1e-14)
