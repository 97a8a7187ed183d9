"""Trial.report / should_prune semantics, checked side by side with Optuna 5.0 where both
libraries accept the input."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import ferrotune
from ferrotune.trial import TrialState

optuna = pytest.importorskip("optuna")

LIBS = pytest.mark.parametrize("lib", [ferrotune, optuna], ids=["ferrotune", "optuna"])


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)


@LIBS
def test_repeated_step_warns_and_keeps_first_value(lib: ModuleType) -> None:
    study = lib.create_study()
    trial = study.ask()
    trial.report(1.0, 3)
    with pytest.warns(UserWarning, match="already reported"):
        trial.report(2.0, 3)
    trial.report(0.5, 1)
    study.tell(trial, 0.0)
    frozen = study.trials[0]
    assert frozen.intermediate_values == {3: 1.0, 1: 0.5}
    assert frozen.last_step == 3


@LIBS
def test_value_is_cast_to_float(lib: ModuleType) -> None:
    study = lib.create_study()
    trial = study.ask()
    trial.report("0.25", 0)
    trial.report(np.float32(0.5), 1)
    trial.report(3, 2)
    study.tell(trial, 0.0)
    values = study.trials[0].intermediate_values
    assert values == {0: 0.25, 1: 0.5, 2: 3.0}
    assert all(type(v) is float for v in values.values())


@LIBS
@pytest.mark.parametrize("value", ["abc", None, [1.0], object()])
def test_bad_value_type_raises_type_error(lib: ModuleType, value: Any) -> None:
    trial = lib.create_study().ask()
    with pytest.raises(TypeError, match="value"):
        trial.report(value, 0)


@LIBS
@pytest.mark.parametrize("step", [None, "abc", [1], math.nan])
def test_bad_step_type_raises_type_error(lib: ModuleType, step: Any) -> None:
    trial = lib.create_study().ask()
    with pytest.raises(TypeError, match="step"):
        trial.report(0.5, step)


@LIBS
def test_negative_step_raises_value_error_naming_it(lib: ModuleType) -> None:
    trial = lib.create_study().ask()
    with pytest.raises(ValueError, match="-3"):
        trial.report(0.5, -3)


def test_integral_steps_of_other_types_are_accepted() -> None:
    study = ferrotune.create_study()
    trial = study.ask()
    trial.report(0.1, np.int64(2))
    trial.report(0.2, 4.0)
    study.tell(trial, 0.0)
    assert study.trials[0].intermediate_values == {2: 0.1, 4: 0.2}
    assert all(type(s) is int for s in study.trials[0].intermediate_values)


@pytest.mark.parametrize("step", [1.5, "3", True])
def test_ferrotune_rejects_steps_optuna_silently_truncates(step: Any) -> None:
    """Deliberate divergence: Optuna applies int() (1.5 -> 1, "3" -> 3, True -> 1);
    ferrotune asks for an integral step instead of reporting at a truncated one."""
    trial = ferrotune.create_study().ask()
    with pytest.raises(TypeError, match="step"):
        trial.report(0.5, step)


@LIBS
def test_nan_and_inf_values_are_stored(lib: ModuleType) -> None:
    study = lib.create_study(pruner=lib.pruners.NopPruner())
    trial = study.ask()
    trial.report(math.nan, 0)
    trial.report(math.inf, 1)
    assert not trial.should_prune()
    study.tell(trial, 0.0)
    values = study.trials[0].intermediate_values
    assert math.isnan(values[0]) and values[1] == math.inf


@LIBS
def test_pruned_trial_keeps_last_step_value(lib: ModuleType) -> None:
    """The value of a PRUNED trial is the value at its largest step (not the latest report)."""
    study = lib.create_study()

    def objective(trial: Any) -> float:
        trial.report(0.7, 5)
        trial.report(0.3, 2)
        raise lib.TrialPruned()

    study.optimize(objective, n_trials=1)
    trial = study.ask()
    trial.report(0.9, 0)
    study.tell(trial, state=lib.trial.TrialState.PRUNED)
    no_reports = study.ask()
    study.tell(no_reports, state=lib.trial.TrialState.PRUNED)
    nan_last = study.ask()
    nan_last.report(math.nan, 1)
    study.tell(nan_last, state=lib.trial.TrialState.PRUNED)

    trials = study.trials
    assert [t.state.name for t in trials] == ["PRUNED"] * 4
    assert [t.value for t in trials] == [0.7, 0.9, None, None]


@LIBS
@pytest.mark.parametrize(
    "states, expected",
    [(("COMPLETE",), 9), (("COMPLETE", "PRUNED"), 4), (None, 4)],
)
def test_max_trials_callback_counts_pruned_trials(
    lib: ModuleType, states: tuple[str, ...] | None, expected: int
) -> None:
    """Odd trials are pruned; the callback counts them only when PRUNED is among ``states``."""

    def objective(trial: Any) -> float:
        trial.report(1.0, 0)
        if trial.number % 2:
            raise lib.TrialPruned()
        return 1.0

    wanted = None if states is None else tuple(lib.trial.TrialState[s] for s in states)
    callback = lib.study.MaxTrialsCallback(5 if states == ("COMPLETE",) else 4, states=wanted)
    study = lib.create_study(pruner=lib.pruners.NopPruner())
    study.optimize(objective, n_trials=50, callbacks=[callback])
    assert len(study.trials) == expected


@LIBS
def test_multi_objective_report_and_should_prune_raise(lib: ModuleType) -> None:
    study = lib.create_study(
        directions=["minimize", "maximize"], pruner=lib.pruners.MedianPruner()
    )
    trial = study.ask()
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.report(1.0, 0)
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.should_prune()


@LIBS
def test_should_prune_without_reports_is_false(lib: ModuleType) -> None:
    study = lib.create_study(pruner=lib.pruners.MedianPruner(n_startup_trials=0))
    for _ in range(3):
        t = study.ask()
        t.report(0.0, 0)
        study.tell(t, 0.0)
    trial = study.ask()
    assert trial.should_prune() is False
    trial.report(1.0, 0)
    assert trial.should_prune()


def test_create_study_defaults_to_median_pruner() -> None:
    study = ferrotune.create_study()
    assert type(study.pruner) is ferrotune.pruners.MedianPruner
    assert study.pruner._n_startup_trials == 5


def test_median_pruner_prunes_in_optimize_loop() -> None:
    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(20):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return x

    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=40)
    pruned = study.get_trials(states=(TrialState.PRUNED,))
    assert len(pruned) > 10
    for t in pruned:
        assert len(t.intermediate_values) < 20
        assert t.value == t.intermediate_values[t.last_step]


def test_frozen_trial_copy_carries_every_slot() -> None:
    """should_prune hands pruners copy.copy of the live record: no field may be lost."""
    import copy

    from ferrotune.trial._frozen import FrozenTrial

    study = ferrotune.create_study()
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    trial.report(1.0, 0)
    trial.set_user_attr("a", 1)
    original = trial._cached_frozen_trial
    clone = copy.copy(original)
    for name in FrozenTrial.__slots__:
        assert getattr(clone, name) is getattr(original, name), name
