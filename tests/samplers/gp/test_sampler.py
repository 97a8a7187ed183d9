"""GPSampler behaviour: proposals, reproducibility, resume, running trials, constraints,
several objectives, degenerate histories and bad input."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ferrotune as ft
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.samplers import GPSampler
from ferrotune.trial import TrialState

ft.logging.set_verbosity(ft.logging.WARNING)


def _quadratic(trial: ft.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    y = trial.suggest_float("y", 1e-3, 10.0, log=True)
    n = trial.suggest_int("n", -4, 4)
    c = trial.suggest_categorical("c", ["a", "b", "c"])
    return (x - 1.0) ** 2 + (math.log10(y) - 0.5) ** 2 + (n + 2) ** 2 + (c != "b")


def _params(study: ft.Study) -> list[dict[str, Any]]:
    return [t.params for t in study.trials]


def test_exported_where_optuna_exports_it() -> None:
    assert ft.samplers.GPSampler is GPSampler


def test_same_seed_same_trials_and_optimum_found() -> None:
    runs = []
    for _ in range(2):
        study = ft.create_study(sampler=GPSampler(seed=3, n_startup_trials=5))
        study.optimize(_quadratic, n_trials=30)
        runs.append(_params(study))
    assert runs[0] == runs[1]
    best = study.best_params
    assert best["n"] == -2 and best["c"] == "b"
    assert abs(best["x"] - 1.0) < 0.3
    other = ft.create_study(sampler=GPSampler(seed=4, n_startup_trials=5))
    other.optimize(_quadratic, n_trials=12)
    assert _params(other)[5:] != runs[0][5:12]


def test_proposals_respect_int_step_log_and_choices() -> None:
    def objective(trial: ft.Trial) -> float:
        a = trial.suggest_int("a", 1, 1000, log=True)
        b = trial.suggest_float("b", -1.0, 1.0, step=0.25)
        c = trial.suggest_int("c", 0, 30, step=3)
        d = trial.suggest_categorical("d", [1, "two", None])
        assert isinstance(a, int) and 1 <= a <= 1000
        assert abs(b / 0.25 - round(b / 0.25)) < 1e-9 and -1.0 <= b <= 1.0
        assert isinstance(c, int) and c % 3 == 0 and 0 <= c <= 30
        assert d in (1, "two", None)
        return (math.log(a) - 3.0) ** 2 + b**2 + (c - 12) ** 2 / 100 + (d != "two")

    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(objective, n_trials=20)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_kernel_params_and_proposal_stored_on_the_trial() -> None:
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=3))
    study.optimize(_quadratic, n_trials=5)
    attrs = study.trials[-1].system_attrs
    assert "gp:kernel_params:0" in attrs and "gp:relative_params:0" in attrs
    assert "gp:kernel_params:0" not in study.trials[0].system_attrs


def test_resumed_study_in_a_new_sampler_proposes_as_an_uninterrupted_run(tmp_path: Path) -> None:
    whole = ft.create_study(
        storage=f"sqlite:///{tmp_path / 'a.db'}", sampler=GPSampler(seed=7, n_startup_trials=4)
    )
    whole.optimize(_quadratic, n_trials=14)
    url = f"sqlite:///{tmp_path / 'b.db'}"
    first = ft.create_study(
        storage=url, study_name="s", sampler=GPSampler(seed=7, n_startup_trials=4)
    )
    first.optimize(_quadratic, n_trials=8)
    del first
    resumed = ft.load_study(
        storage=url, study_name="s", sampler=GPSampler(seed=7, n_startup_trials=4)
    )
    resumed.optimize(_quadratic, n_trials=6)
    assert _params(resumed) == _params(whole)


@pytest.mark.parametrize("n_objectives", [1, 2])
def test_running_trials_do_not_get_the_same_proposal(n_objectives: int) -> None:
    def objective(trial: ft.Trial) -> Any:
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        if n_objectives == 2:
            return x, (1 - x) ** 2 + y
        return (x - 0.3) ** 2 + (y - 0.6) ** 2

    study = ft.create_study(
        directions=["minimize"] * n_objectives, sampler=GPSampler(seed=1, n_startup_trials=6)
    )
    study.optimize(objective, n_trials=8)
    points = []
    for _ in range(4):  # each asked while the earlier ones are still running
        t = study.ask()
        points.append((t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)))
    # qLogEI / qLogEHVI over the running trials push later proposals away from them.
    for i in range(4):
        for j in range(i):
            assert np.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]) > 0.02


def test_running_trials_with_constraints_use_the_batch_acquisition() -> None:
    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        trial.set_constraint("c", 0.4 - x)
        return (x - 0.3) ** 2 + (y - 0.6) ** 2

    study = ft.create_study(sampler=GPSampler(seed=1, n_startup_trials=6))
    study.optimize(objective, n_trials=8)
    points = []
    for _ in range(3):
        t = study.ask()
        points.append((t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)))
    assert len(set(points)) == 3
    # The first proposal sits at the feasible optimum's edge; the others move off it.
    assert all(np.hypot(p[0] - points[0][0], p[1] - points[0][1]) > 0.01 for p in points[1:])


def test_running_trials_with_constraints_and_two_objectives() -> None:
    def objective(trial: ft.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        y = trial.suggest_float("y", 0, 1)
        trial.set_constraint("c", 0.3 - x)
        return x, (1 - x) ** 2 + y

    study = ft.create_study(
        # A seed whose 6 random startup trials leave the front to find (RandomSampler draws
        # Optuna's stream since issue 19; on 8 seeds the check holds for 7, as before for 8).
        directions=["minimize", "minimize"],
        sampler=GPSampler(seed=0, n_startup_trials=6),
    )
    study.optimize(objective, n_trials=8)
    xs = []
    for _ in range(4):
        t = study.ask()
        xs.append(t.suggest_float("x", 0, 1))
        t.suggest_float("y", 0, 1)
    # qLogCEHVI: the feasible front x >= 0.3 is covered, not one point of it.
    assert min(xs) > 0.25 and max(xs) - min(xs) > 0.1


def test_pickles_and_keeps_proposing() -> None:
    import pickle

    sampler = GPSampler(seed=0, n_startup_trials=3)
    study = ft.create_study(sampler=sampler)
    study.optimize(_quadratic, n_trials=4)
    clone = pickle.loads(pickle.dumps(sampler))
    study.sampler = clone
    study.optimize(_quadratic, n_trials=2)
    assert len(study.trials) == 6


def test_n_jobs_runs() -> None:
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(_quadratic, n_trials=12, n_jobs=2)
    assert len(study.trials) == 12


def test_set_constraint_steers_to_the_feasible_region() -> None:
    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        trial.set_constraint("c", 0.6 - x)  # feasible iff x >= 0.6
        return x + y

    # The fraction depends on the 8 random startup trials: on seeds 0-7, 5 of 8 reach 70%
    # both with RandomSampler's former stream and with Optuna's (issue 19); seed 0 does.
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=8))
    study.optimize(objective, n_trials=25)
    later = study.trials[8:]
    feasible = [t for t in later if t.params["x"] >= 0.6]
    assert len(feasible) >= 0.7 * len(later)
    best = min((t for t in study.trials if t.params["x"] >= 0.6), key=lambda t: t.value)
    assert best.value < 0.75


def test_constraints_func_is_deprecated_and_honoured() -> None:
    # The unconstrained optimum (x = 0.1) is infeasible; the feasible one is x = 0.8.
    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        return min((x - 0.8) ** 2, (x - 0.1) ** 2 - 0.05)

    with pytest.warns(FutureWarning, match="constraints_func"):
        sampler = GPSampler(
            seed=0, n_startup_trials=5, constraints_func=lambda t: (0.5 - t.params["x"],)
        )
    study = ft.create_study(sampler=sampler)
    study.optimize(objective, n_trials=15)
    assert all(len(t.constraints) == 1 for t in study.trials)
    assert sum(t.params["x"] >= 0.5 for t in study.trials[5:]) >= 7
    best = min((t for t in study.trials if t.params["x"] >= 0.5), key=lambda t: t.value)
    assert abs(best.params["x"] - 0.8) < 0.05


def test_all_trials_infeasible_still_proposes() -> None:
    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.set_constraint("c", 2.0 - x)
        return x

    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(objective, n_trials=8)
    assert len(study.trials) == 8


@pytest.mark.parametrize("constrained", [False, True])
def test_two_objectives(constrained: bool) -> None:
    def objective(trial: ft.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        if constrained:
            trial.set_constraint("c", 0.2 - y)
        return x, (1 - x) ** 2 + y

    study = ft.create_study(
        directions=["minimize", "minimize"], sampler=GPSampler(seed=0, n_startup_trials=6)
    )
    study.optimize(objective, n_trials=16)
    assert len(study.best_trials) >= 2
    if not constrained:
        # The front is y = 0: proposals move there.
        assert np.median([t.params["y"] for t in study.trials[6:]]) < 0.3


def test_three_objectives() -> None:
    def objective(trial: ft.Trial) -> tuple[float, float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        return x, y, (1 - x) ** 2 + (1 - y) ** 2

    study = ft.create_study(
        directions=["minimize"] * 3, sampler=GPSampler(seed=0, n_startup_trials=5)
    )
    study.optimize(objective, n_trials=9)
    assert len(study.trials) == 9


# -- degenerate histories -------------------------------------------------------------------
def test_all_equal_values() -> None:
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=3))
    study.optimize(lambda t: 0.0 * t.suggest_float("x", 0, 1) + 1.0, n_trials=8)
    assert len(study.trials) == 8


def test_infinite_values_are_clipped_with_a_warning() -> None:
    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        return math.inf if x > 0.5 else -math.inf if x < 0.1 else x

    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=5))
    with pytest.warns(UserWarning, match="Clip non-finite"):
        study.optimize(objective, n_trials=10)
    assert len(study.trials) == 10


def test_nan_values_fail_the_trial_and_are_ignored() -> None:
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=3))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) if t.number % 2 else math.nan, n_trials=12)
    assert sum(t.state == TrialState.FAIL for t in study.trials) == 6


def test_single_finished_trial() -> None:
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=1))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert len(study.trials) == 3


def test_thousand_failed_trials() -> None:
    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=0))
    for _ in range(1000):
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        study.tell(trial, state=TrialState.FAIL)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
    assert sum(t.state == TrialState.COMPLETE for t in study.trials) == 4


def test_two_hundred_dimensions() -> None:
    def objective(trial: ft.Trial) -> float:
        return sum((trial.suggest_float(f"x{i}", 0, 1) - 0.5) ** 2 for i in range(200))

    study = ft.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(objective, n_trials=7)
    assert len(study.trials) == 7
    assert len(study.trials[-1].params) == 200


def test_deterministic_objective_warns_and_runs() -> None:
    with pytest.warns(ExperimentalWarning):
        sampler = GPSampler(seed=0, n_startup_trials=3, deterministic_objective=True)
    study = ft.create_study(sampler=sampler)
    study.optimize(_quadratic, n_trials=6)
    assert len(study.trials) == 6


def test_dynamic_space_falls_back_to_the_independent_sampler() -> None:
    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number % 2:
            return x + trial.suggest_float("extra", 0, 1)
        return x

    study = ft.create_study(
        sampler=GPSampler(seed=0, n_startup_trials=3, warn_independent_sampling=False)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        study.optimize(objective, n_trials=8)
    assert len(study.trials) == 8


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": "a"}, TypeError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"n_startup_trials": -1}, ValueError, "n_startup_trials"),
        ({"n_startup_trials": 2.0}, TypeError, "n_startup_trials"),
        ({"independent_sampler": "random"}, TypeError, "independent_sampler"),
        ({"constraints_func": 3}, TypeError, "constraints_func"),
    ],
)
def test_bad_arguments_name_the_value(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        GPSampler(**kwargs)


def test_positional_arguments_are_rejected() -> None:
    with pytest.raises(TypeError):
        GPSampler(0)  # type: ignore[misc]


def test_core_rejects_bad_kernel_params() -> None:
    with pytest.raises(ValueError, match="kernel_scale"):
        ft._core.GPKernelParams(
            inverse_squared_lengthscales=np.ones(2), kernel_scale=-1.0, noise_var=1.0
        )
    with pytest.raises(ValueError, match="`y` must be finite"):
        ft._core.gp_fit_kernel_params(
            x=np.zeros((2, 1)), y=np.array([0.0, np.nan]), is_categorical=np.zeros(1, bool)
        )
