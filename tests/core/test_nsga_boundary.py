"""The NSGA-II bindings reject bad input with ValueError naming it, and are thread-safe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from ferrotune import _core

F = _core.NSGACrossover


def _space(d: int = 2, n_choices: tuple[int, ...] = (3,)) -> _core.NSGASpace:
    return _core.NSGASpace(
        bounds=np.tile([0.0, 1.0], (d, 1)),
        lower_limit=np.zeros(d),
        n_choices=np.array(n_choices, dtype=np.int64),
    )


def _parents(p: int = 5, d: int = 2) -> _core.NSGAPopulation:
    rng = np.random.default_rng(0)
    return _core.NSGAPopulation(
        numeric=rng.random((p, d)),
        categorical=(np.arange(p) % 3).reshape(p, 1).astype(np.int64),
        loss=rng.random((p, 2)),
    )


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: F.uniform(swapping_prob=1.5), "swapping_prob"),
        (lambda: F.sbx(eta=-1.0, uniform_crossover_prob=0.5, use_child_gene_prob=0.5), "eta"),
        (lambda: F.vsbx(eta=2.0, uniform_crossover_prob=2.0, use_child_gene_prob=0.5), "uniform"),
        (lambda: F.blx_alpha(alpha=float("nan")), "alpha"),
        (lambda: F.undx(sigma_xi=float("inf")), "sigma_xi"),
        (
            lambda: _core.NSGAOperators(
                crossover=F.spx(), crossover_prob=-0.1, swapping_prob=0.5, mutation_prob=0.1
            ),
            "crossover_prob",
        ),
        (
            lambda: _core.NSGAOperators(
                crossover=F.spx(),
                crossover_prob=0.9,
                swapping_prob=0.5,
                mutation_prob=0.1,
                mutation="gauss",
            ),
            "mutation",
        ),
        (
            lambda: _core.NSGASpace(
                bounds=np.array([[1.0, 0.0]]),
                lower_limit=np.zeros(1),
                n_choices=np.empty(0, dtype=np.int64),
            ),
            "bounds",
        ),
        (
            lambda: _core.NSGASpace(
                bounds=np.zeros((2, 3)),
                lower_limit=np.zeros(2),
                n_choices=np.empty(0, dtype=np.int64),
            ),
            "bounds",
        ),
        (lambda: _space(n_choices=(0,)), "n_choices"),
        (
            lambda: _core.NSGAPopulation(
                numeric=np.zeros((2, 1)),
                categorical=np.zeros((3, 0), dtype=np.int64),
                loss=np.zeros((2, 2)),
            ),
            "categorical",
        ),
        (
            lambda: _core.NSGAPopulation(
                numeric=np.zeros((2, 1)),
                categorical=np.zeros((2, 0), dtype=np.int64),
                loss=np.array([[0.0, np.nan], [1.0, 1.0]]),
            ),
            "loss",
        ),
        (lambda: _core.nsga_nondomination_ranks(loss=np.array([[np.nan, 1.0]])), "NaN"),
        (
            lambda: _core.nsga_nondomination_ranks(loss=np.zeros((3, 2)), penalty=np.zeros(2)),
            "penalty",
        ),
        (lambda: _core.nsga_crowding_order(values=np.array([[np.nan]])), "values"),
        (
            lambda: _core.nsga_select_elite(
                values=np.zeros((3, 2)), signs=np.ones(3), population_size=2
            ),
            "signs",
        ),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(make: Any, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        make()


def test_children_reject_a_population_that_does_not_fit() -> None:
    ops = _core.NSGAOperators(
        crossover=F.undx(sigma_xi=0.5), crossover_prob=0.9, swapping_prob=0.5, mutation_prob=0.1
    )
    with pytest.raises(ValueError, match="needs 3 parents"):
        _core.nsga_children(
            operators=ops, space=_space(), parents=_parents(p=2), n_children=4, seed=0
        )
    with pytest.raises(ValueError, match="shape mismatch"):
        _core.nsga_children(
            operators=ops, space=_space(d=3), parents=_parents(), n_children=4, seed=0
        )
    with pytest.raises(ValueError, match="out of range"):
        _core.nsga_children(
            operators=ops, space=_space(n_choices=(2,)), parents=_parents(), n_children=4, seed=0
        )


def test_shared_objects_give_serial_results_across_threads() -> None:
    ops = _core.NSGAOperators(
        crossover=F.sbx(eta=20.0, uniform_crossover_prob=0.5, use_child_gene_prob=0.5),
        crossover_prob=0.9,
        swapping_prob=0.5,
        mutation_prob=0.2,
        mutation="polynomial",
    )
    space, parents = _space(), _parents()

    def run(seed: int) -> list[Any]:
        out = _core.nsga_children(
            operators=ops, space=space, parents=parents, n_children=200, seed=seed
        )
        return [a.tolist() for a in out]

    serial = [run(s) for s in range(8)]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(run, range(8))) == serial
    numeric = np.array(serial[0][0])
    assert ((numeric >= 0.0) & (numeric <= 1.0)).all()
