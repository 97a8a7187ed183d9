"""Pruner arguments, the vectorised percentile, Hyperband's bracket view, and the rule that
decisions never walk all trial objects."""

from __future__ import annotations

import math
import pickle
import warnings
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.pruners import (
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)
from ferrotune.pruners._percentile import _sorted_percentile
from ferrotune.trial import TrialState

optuna = pytest.importorskip("optuna")


# -- argument validation --
@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PercentilePruner(-1.0), "percentile=-1.0"),
        (lambda: PercentilePruner(100.5), "percentile=100.5"),
        (lambda: MedianPruner(n_startup_trials=-1), "n_startup_trials=-1"),
        (lambda: MedianPruner(n_warmup_steps=-2), "n_warmup_steps=-2"),
        (lambda: MedianPruner(interval_steps=0), "interval_steps=0"),
        (lambda: MedianPruner(n_min_trials=0), "n_min_trials=0"),
        (lambda: SuccessiveHalvingPruner(min_resource="x"), "min_resource` is x"),
        (lambda: SuccessiveHalvingPruner(min_resource=0), "min_resource` is 0"),
        (lambda: SuccessiveHalvingPruner(reduction_factor=1), "reduction_factor` is 1"),
        (lambda: SuccessiveHalvingPruner(min_early_stopping_rate=-1), "is -1"),
        (lambda: SuccessiveHalvingPruner(bootstrap_count=-1), "bootstrap_count` is -1"),
        (lambda: SuccessiveHalvingPruner(bootstrap_count=2), "bootstrap_count is 2"),
        (lambda: HyperbandPruner(max_resource="big"), "max_resource = big"),
        (lambda: HyperbandPruner(bootstrap_count=1), "bootstrap_count is 1"),
        (lambda: HyperbandPruner(min_resource=0), "min_resource` is 0"),
        (lambda: HyperbandPruner(reduction_factor=1), "reduction_factor` is 1"),
        (lambda: HyperbandPruner(min_resource=9, max_resource=3), "max_resource=3"),
        (lambda: ThresholdPruner(lower=2.0, upper=1.0), "lower=2.0"),
        (lambda: ThresholdPruner(upper=1.0, n_warmup_steps=-1), "-1"),
        (lambda: ThresholdPruner(upper=1.0, interval_steps=0), "but got 0"),
        (lambda: PatientPruner(None, patience=-1), "but got -1"),
        (lambda: PatientPruner(None, patience=1, min_delta=-0.5), "but got -0.5"),
        (lambda: WilcoxonPruner(p_threshold=1.5), "but got 1.5"),
        (lambda: WilcoxonPruner(n_startup_steps=-1), "but got -1"),
    ],
)
def test_bad_values_raise_value_error_naming_them(make: Any, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        with pytest.raises(ValueError, match=match):
            make()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PercentilePruner("50"), "percentile='50'"),
        (lambda: MedianPruner(n_startup_trials=2.5), "n_startup_trials=2.5"),
        (lambda: MedianPruner(n_warmup_steps="3"), "n_warmup_steps='3'"),
        (lambda: MedianPruner(interval_steps=None), "interval_steps=None"),
        (lambda: MedianPruner(n_min_trials=True), "n_min_trials=True"),
        (lambda: SuccessiveHalvingPruner(reduction_factor=2.0), "reduction_factor=2.0"),
        (lambda: HyperbandPruner(min_resource="1"), "min_resource='1'"),
        (lambda: ThresholdPruner(), "Either lower or upper"),
        (lambda: ThresholdPruner(lower="low"), "'low'"),
        (lambda: PatientPruner("median", patience=1), "'median'"),
        (lambda: PatientPruner(None, patience=1.0), "patience=1.0"),
        (lambda: WilcoxonPruner(p_threshold="0.1"), "p_threshold='0.1'"),
    ],
)
def test_bad_types_raise_type_error_naming_them(make: Any, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        with pytest.raises(TypeError, match=match):
            make()


def test_experimental_pruners_warn_like_optuna() -> None:
    with pytest.warns(ExperimentalWarning, match="PatientPruner is experimental"):
        PatientPruner(None, patience=1)
    with pytest.warns(ExperimentalWarning, match="WilcoxonPruner is experimental"):
        WilcoxonPruner()


def test_numpy_integers_are_accepted() -> None:
    pruner = MedianPruner(n_startup_trials=np.int64(3), n_warmup_steps=np.int32(1))
    assert pruner._n_startup_trials == 3 and pruner._n_warmup_steps == 1
    assert ThresholdPruner(lower=np.float32(0.5))._lower == 0.5


# -- the percentile of a sorted list equals numpy's --
@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=False, width=64, min_value=-1e300, max_value=1e300),
            st.sampled_from([0.0, -0.0, 1.0, 1.0, math.inf, -math.inf]),
        ),
        min_size=1,
        max_size=40,
    ),
    percentile=st.one_of(
        st.floats(min_value=0.0, max_value=100.0), st.sampled_from([0.0, 25.0, 50.0, 100.0])
    ),
)
def test_sorted_percentile_matches_numpy_bit_for_bit(
    values: list[float], percentile: float
) -> None:
    with np.errstate(invalid="ignore", over="ignore"):
        expected = float(np.nanpercentile(np.array(values), percentile))
    got = _sorted_percentile(sorted(values), percentile)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


# -- decisions read the columnar history, not trial objects --
def _study_with_history(pruner: Any, n_trials: int = 30, n_steps: int = 10) -> Any:
    """Finished trials that all ran to the end (decisions asked for and ignored, so rung
    values are recorded)."""
    study = ferrotune.create_study(pruner=pruner)
    rng = np.random.default_rng(0)
    for _ in range(n_trials):
        trial = study.ask()
        level = rng.uniform()
        for step in range(n_steps):
            trial.report(level + 1.0 / (step + 1), step)
            trial.should_prune()
        study.tell(trial, level)
    return study


@pytest.mark.parametrize(
    "pruner",
    [MedianPruner(), PercentilePruner(10.0), SuccessiveHalvingPruner(min_resource=1)],
    ids=["median", "percentile", "sha"],
)
def test_decisions_do_not_list_finished_trials(
    pruner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    study = _study_with_history(pruner)
    storage = study._storage
    original = storage.get_all_trials

    def only_running(study_id: int, deepcopy: bool = True, states: Any = None) -> Any:
        if states is None or set(states) != {TrialState.RUNNING}:
            raise AssertionError(f"a pruner listed trials in states {states}")
        return original(study_id, deepcopy=deepcopy, states=states)

    monkeypatch.setattr(storage, "get_all_trials", only_running)
    trial = study.ask()
    decisions = []
    for step in range(10):
        trial.report(2.0, step)  # worse than every finished trial
        decisions.append(trial.should_prune())
    assert any(decisions)


def test_percentile_index_tracks_new_trials() -> None:
    """The per-step sorted values grow as trials finish (incl. pruned/failed, which are
    excluded) and agree with a direct numpy percentile."""
    study = ferrotune.create_study(pruner=PercentilePruner(30.0, n_startup_trials=0))
    rng = np.random.default_rng(5)
    for i in range(60):
        trial = study.ask()
        v = float(rng.normal())
        trial.report(v, 0)
        trial.should_prune()
        state = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL][i % 3]
        if state == TrialState.COMPLETE:
            study.tell(trial, v)
        else:
            study.tell(trial, state=state)
    complete = [t.intermediate_values[0] for t in study.get_trials(states=(TrialState.COMPLETE,))]
    threshold = float(np.percentile(complete, 30.0))
    for value, expected in ((threshold - 1e-9, False), (threshold + 1e-9, True)):
        trial = study.ask()
        trial.report(value, 0)
        assert trial.should_prune() is expected
        study.tell(trial, state=TrialState.FAIL)


# -- Hyperband: the sampler sees its bracket --
def _recording_sampler(lib: ModuleType) -> Any:
    class Recording(lib.samplers.RandomSampler):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__(seed=0)
            self.seen: list[tuple[int, list[int]]] = []

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            numbers = [t.number for t in study.get_trials(deepcopy=False)]
            self.seen.append((trial.number, numbers))
            return super().sample_independent(study, trial, name, dist)

    return Recording()


def test_hyperband_sampler_sees_only_its_bracket_like_optuna() -> None:
    rng = np.random.default_rng(3)
    levels = rng.uniform(size=60)
    seen = []
    for lib in (ferrotune, optuna):
        sampler = _recording_sampler(lib)
        study = lib.create_study(
            study_name="hb-view",
            sampler=sampler,
            pruner=lib.pruners.HyperbandPruner(max_resource=27),
        )
        for level in levels:
            trial = study.ask()
            trial.suggest_float("x", 0.0, 1.0)
            for step in range(27):
                trial.report(float(level) + 1.0 / (step + 1), step)
                if trial.should_prune():
                    study.tell(trial, state=lib.trial.TrialState.PRUNED)
                    break
            else:
                study.tell(trial, float(level))
        seen.append(sampler.seen)
    ours, theirs = seen
    assert ours == theirs
    assert any(len(numbers) < number for number, numbers in ours), "views are filtered"


def test_hyperband_view_history_and_best_trial() -> None:
    pruner = HyperbandPruner(max_resource=9)
    study = ferrotune.create_study(study_name="hb-hist", pruner=pruner)
    for i in range(40):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        for step in range(9):
            trial.report(float(i % 7) + 0.1 * step, step)
            if trial.should_prune():
                study.tell(trial, state=TrialState.PRUNED)
                break
        else:
            study.tell(trial, float(i % 7))
    assert pruner._n_brackets == 3
    finished = study.get_trials(deepcopy=False)
    total = 0
    for bracket in range(3):
        view = pruner._create_bracket_study(study, bracket)
        history = view._get_trial_history()
        members = [t.number for t in finished if pruner._get_bracket_id(study, t) == bracket]
        assert sorted(history.numbers.tolist()) == members
        assert [t.number for t in view.get_trials(deepcopy=False)] == members
        total += history.n
        complete = [t for t in finished if t.number in members and t.state == TrialState.COMPLETE]
        if complete:
            assert view.best_trial.value == min(t.value for t in complete)
    assert total == len(finished)
    # a fresh trial is given the view of its own bracket
    trial = study.ask()
    view = pruner._filter_study(study, study._storage.get_trial(trial._trial_id))
    assert view.get_trials(deepcopy=False)
    assert pruner._get_bracket_id(study, trial) == view._bracket_id


def test_hyperband_pickles_and_keeps_brackets() -> None:
    pruner = HyperbandPruner(max_resource=27)
    study = _study_with_history(NopPruner(), n_trials=10, n_steps=27)
    pruner._try_initialization(study)
    clone = pickle.loads(pickle.dumps(pruner))
    assert clone._n_brackets == pruner._n_brackets == 4
    assert clone._trial_allocation_budgets == pruner._trial_allocation_budgets
    assert [clone._bracket_of_number("s", n) for n in range(50)] == [
        pruner._bracket_of_number("s", n) for n in range(50)
    ]


def test_hyperband_waits_for_a_completed_trial_with_auto_max_resource() -> None:
    pruner = HyperbandPruner()
    study = ferrotune.create_study(pruner=pruner)
    trial = study.ask()
    trial.report(1.0, 0)
    assert trial.should_prune() is False
    assert pruner._n_brackets is None
    assert pruner._filter_study(study, study._storage.get_trial(trial._trial_id)) is study


# -- Successive Halving --
def test_successive_halving_records_rungs_and_estimates_min_resource() -> None:
    study = _study_with_history(SuccessiveHalvingPruner(), n_trials=3, n_steps=300)
    pruner = study.pruner
    trial = study.ask()
    for step in range(3):
        trial.report(0.0, step)  # better than everything: promoted
        assert not trial.should_prune()
    assert pruner._min_resource == 2  # max last step 299 // 100
    attrs = study._storage.get_trial_system_attrs(trial._trial_id)
    assert attrs["completed_rung_0"] == 0.0
    assert "completed_rung_1" not in attrs


# -- Wilcoxon --
def test_wilcoxon_warns_on_nan_and_skips() -> None:
    pytest.importorskip("scipy")
    with pytest.warns(ExperimentalWarning):
        pruner = WilcoxonPruner()
    study = ferrotune.create_study(pruner=pruner)
    best = study.ask()
    for step in range(5):
        best.report(float(step), step)
    study.tell(best, 2.0)
    trial = study.ask()
    trial.report(math.nan, 0)
    with pytest.warns(UserWarning, match="infinity/NaNs"):
        assert trial.should_prune() is False


def test_wilcoxon_prunes_clearly_worse_trial() -> None:
    pytest.importorskip("scipy")
    with pytest.warns(ExperimentalWarning):
        pruner = WilcoxonPruner(p_threshold=0.1)
    study = ferrotune.create_study(pruner=pruner)
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 1, size=20)
    best = study.ask()
    for step, v in enumerate(base):
        best.report(float(v), step)
    study.tell(best, float(base.mean()))
    trial = study.ask()
    pruned_at = None
    for step, v in enumerate(base + 0.5 + rng.normal(0, 0.01, size=20)):
        trial.report(float(v), step)
        if trial.should_prune():
            pruned_at = step
            break
    assert pruned_at is not None and pruned_at < 10


@pytest.mark.parametrize(
    "pruner",
    [MedianPruner(n_startup_trials=2), SuccessiveHalvingPruner(), HyperbandPruner()],
    ids=["median", "sha", "hyperband"],
)
def test_pruners_in_threaded_optimize(pruner: Any) -> None:
    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(30):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return x

    study = ferrotune.create_study(pruner=pruner, sampler=ferrotune.samplers.RandomSampler(0))
    study.optimize(objective, n_trials=60, n_jobs=2)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 60
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert pruned and all(len(t.intermediate_values) < 30 for t in pruned)


@pytest.mark.parametrize("rate", [65, 2**31, 10**30])
def test_successive_halving_with_a_huge_min_early_stopping_rate_never_prunes(rate: int) -> None:
    # The first rung's step, min_resource * reduction_factor ** rate, is beyond every step
    # reported here: no trial is pruned (and the power is not built as a huge int).
    study = ferrotune.create_study(
        pruner=SuccessiveHalvingPruner(min_resource=1, min_early_stopping_rate=rate)
    )

    def objective(trial: ferrotune.Trial) -> float:
        for step in (0, 1, 2**40, 2**62):
            trial.report(float(step), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return 1.0

    study.optimize(objective, n_trials=4)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 4
    assert all("completed_rung_0" not in t.system_attrs for t in study.trials)
