from __future__ import annotations

import importlib
import inspect
import logging
import warnings
from typing import Any

import numpy as np
import optuna
import pytest
from scipy.stats import qmc

import ferrotune
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import QMCSampler

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _sampler(**kwargs: Any) -> QMCSampler:
    with pytest.warns(ExperimentalWarning):
        return QMCSampler(**kwargs)


def _unit_objective(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(3))


def _mixed_objective(trial: Any) -> float:
    a = trial.suggest_float("a", -1.0, 2.0)
    b = trial.suggest_float("b", 1e-3, 10.0, log=True)
    c = trial.suggest_int("c", 1, 9)
    d = trial.suggest_categorical("d", ["x", "y", "z"])
    e = trial.suggest_float("e", 0.0, 1.0, step=0.1)
    f = trial.suggest_int("f", 1, 1000, log=True)
    return a + b + c + len(d) + e + f


def test_signature_matches_optuna() -> None:
    ours = inspect.signature(QMCSampler.__init__).parameters
    theirs = inspect.signature(optuna.samplers.QMCSampler.__init__).parameters
    assert [(n, p.default, p.kind) for n, p in ours.items()] == [
        (n, p.default, p.kind) for n, p in theirs.items()
    ]


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"qmc_type": "lhs"}, ValueError, "lhs"),
        ({"seed": "1"}, TypeError, "'1'"),
        ({"scramble": 1}, TypeError, "1"),
        ({"independent_sampler": "random"}, TypeError, "random"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], needle: str) -> None:
    with pytest.raises(error, match=needle), warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        QMCSampler(**kwargs)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
@pytest.mark.parametrize("scramble", [False, True])
def test_points_follow_scipy_sequence(qmc_type: str, scramble: bool) -> None:
    study = ferrotune.create_study(sampler=_sampler(qmc_type=qmc_type, scramble=scramble, seed=7))
    study.optimize(_unit_objective, n_trials=33)
    engine_type = qmc.Sobol if qmc_type == "sobol" else qmc.Halton
    expected = engine_type(3, seed=7, scramble=scramble).random(32)
    got = np.array([[t.params[f"x{i}"] for i in range(3)] for t in study.trials[1:]])
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
@pytest.mark.parametrize("scramble", [False, True])
def test_same_trials_as_optuna(qmc_type: str, scramble: bool) -> None:
    ours = ferrotune.create_study(sampler=_sampler(qmc_type=qmc_type, scramble=scramble, seed=3))
    ours.optimize(_mixed_objective, n_trials=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = optuna.create_study(
            sampler=optuna.samplers.QMCSampler(qmc_type=qmc_type, scramble=scramble, seed=3)
        )
    theirs.optimize(_mixed_objective, n_trials=40)
    # The first trial comes from each library's own independent sampler.
    assert [t.params for t in ours.trials[1:]] == [t.params for t in theirs.trials[1:]]
    assert all(isinstance(t.params["c"], int) and t.params["d"] in "xyz" for t in ours.trials)


def test_scrambled_sequence_depends_on_seed() -> None:
    def run(seed: int) -> list[dict[str, Any]]:
        study = ferrotune.create_study(sampler=_sampler(scramble=True, seed=seed))
        study.optimize(_unit_objective, n_trials=6)
        return [t.params for t in study.trials]

    assert run(1) == run(1)
    assert run(1)[1:] != run(2)[1:]


def test_workers_share_the_sequence_through_storage() -> None:
    storage = ferrotune.storages.InMemoryStorage()
    first = ferrotune.create_study(storage=storage, study_name="s", sampler=_sampler(seed=0))
    first.optimize(_unit_objective, n_trials=5)
    second = ferrotune.load_study(study_name="s", storage=storage, sampler=_sampler(seed=0))
    second.optimize(_unit_objective, n_trials=5)
    expected = qmc.Sobol(3, scramble=False).random(16)[:9]
    got = np.array([[t.params[f"x{i}"] for i in range(3)] for t in second.trials[1:]])
    np.testing.assert_array_equal(got, expected)


def test_new_parameter_is_sampled_independently(caplog: pytest.LogCaptureFixture) -> None:
    study = ferrotune.create_study(sampler=_sampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    ferrotune.logging.enable_propagation()
    try:
        with caplog.at_level(logging.WARNING):
            study.optimize(
                lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 5, 6), n_trials=1
            )
    finally:
        ferrotune.logging.disable_propagation()
    trial = study.trials[-1]
    assert 5 <= trial.params["y"] <= 6
    assert "independently" in caplog.text


def test_missing_scipy_raises_clear_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> Any:
        if name.startswith("scipy"):
            raise ImportError("No module named 'scipy'")
        return real(name, package)

    study = ferrotune.create_study(sampler=_sampler(seed=0))
    study.optimize(_unit_objective, n_trials=1)
    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match="pip install scipy"):
        study.optimize(_unit_objective, n_trials=1)
