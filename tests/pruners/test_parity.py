"""Decision parity with Optuna 5.0: the same learning curves, replayed through ferrotune and
Optuna with ask/tell, must be pruned at exactly the same steps.

Each replay runs trials one after another in one study (same study name in both libraries,
so Hyperband assigns the same brackets); trial ``i`` reports the fixed curve ``i`` and is
told PRUNED at the first step where ``should_prune()`` is true, COMPLETE otherwise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import ferrotune

optuna = pytest.importorskip("optuna")

PrunerFactory = Callable[[ModuleType], Any]


def _curves(seed: int, n_trials: int, n_steps: int, nan_rate: float = 0.0) -> np.ndarray:
    """Crossing, noisy learning curves ``level + gap / (step + 1) + noise``."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.0, 1.0, size=(n_trials, 1))
    gap = rng.uniform(0.0, 2.0, size=(n_trials, 1))
    steps = np.arange(n_steps, dtype=np.float64)[None, :]
    curves = level + gap / (steps + 1.0) + rng.normal(0.0, 0.05, size=(n_trials, n_steps))
    if nan_rate:
        curves[rng.random(curves.shape) < nan_rate] = np.nan
    return curves


def _replay(
    lib: ModuleType,
    pruner: Any,
    curves: np.ndarray,
    direction: str,
    study_name: str,
    report_every: int = 1,
    step_orders: list[np.ndarray] | None = None,
    storage: str | None = None,
) -> list[int | None]:
    """Prune step of each trial (``None`` when it completed)."""
    study = lib.create_study(
        storage=storage,
        study_name=study_name,
        direction=direction,
        sampler=lib.samplers.RandomSampler(seed=0),
        pruner=pruner,
    )
    pruned_at: list[int | None] = []
    for i, curve in enumerate(curves):
        study.enqueue_trial({"x": float(i) / len(curves)})
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        order = step_orders[i] if step_orders is not None else range(len(curve))
        stopped = None
        reported = []
        for step in order:
            step = int(step)
            if step % report_every:
                continue
            trial.report(float(curve[step]), step)
            reported.append(curve[step])
            if trial.should_prune():
                stopped = step
                break
        pruned_at.append(stopped)
        if stopped is None:
            final = float(np.nanmean(reported)) if step_orders is not None else float(curve[-1])
            if np.isnan(final):
                final = 10.0
            study.tell(trial, final)
        else:
            study.tell(trial, state=lib.trial.TrialState.PRUNED)
    return pruned_at


def _both(
    factory: PrunerFactory,
    curves: np.ndarray,
    direction: str,
    name: str,
    **kwargs: Any,
) -> tuple[list[int | None], list[int | None]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental / NaN warnings of either library
        ours = _replay(ferrotune, factory(ferrotune), curves, direction, name, **kwargs)
        theirs = _replay(optuna, factory(optuna), curves, direction, name, **kwargs)
    return ours, theirs


def _flip(curves: np.ndarray, direction: str) -> np.ndarray:
    return -curves if direction == "maximize" else curves


CONFIGS: dict[str, PrunerFactory] = {
    "median-default": lambda lib: lib.pruners.MedianPruner(),
    "median-warmup-interval": lambda lib: lib.pruners.MedianPruner(
        n_startup_trials=3, n_warmup_steps=4, interval_steps=3
    ),
    "median-min-trials": lambda lib: lib.pruners.MedianPruner(n_startup_trials=0, n_min_trials=6),
    "percentile-25": lambda lib: lib.pruners.PercentilePruner(25.0, n_startup_trials=4),
    "percentile-80-interval": lambda lib: lib.pruners.PercentilePruner(
        80.0, n_startup_trials=2, n_warmup_steps=2, interval_steps=2
    ),
    "percentile-0": lambda lib: lib.pruners.PercentilePruner(0.0, n_startup_trials=2),
    "percentile-100": lambda lib: lib.pruners.PercentilePruner(100.0, n_startup_trials=2),
    "sha-auto": lambda lib: lib.pruners.SuccessiveHalvingPruner(),
    "sha-1-2": lambda lib: lib.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
    "sha-2-3-rate1": lambda lib: lib.pruners.SuccessiveHalvingPruner(
        min_resource=2, reduction_factor=3, min_early_stopping_rate=1
    ),
    "sha-bootstrap": lambda lib: lib.pruners.SuccessiveHalvingPruner(
        min_resource=1, reduction_factor=2, bootstrap_count=3
    ),
    "threshold-upper": lambda lib: lib.pruners.ThresholdPruner(upper=1.2, n_warmup_steps=2),
    "threshold-both-interval": lambda lib: lib.pruners.ThresholdPruner(
        lower=-1.2, upper=1.1, interval_steps=4
    ),
    "patient-median": lambda lib: lib.pruners.PatientPruner(
        lib.pruners.MedianPruner(n_startup_trials=2), patience=2
    ),
    "patient-none-delta": lambda lib: lib.pruners.PatientPruner(None, patience=1, min_delta=0.02),
}


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_prune_steps_match_optuna(config: str, seed: int, direction: str) -> None:
    curves = _flip(_curves(seed, n_trials=40, n_steps=24), direction)
    if config.startswith("threshold"):
        curves = np.abs(curves)  # bounds are one-sided in value, whatever the direction
    ours, theirs = _both(CONFIGS[config], curves, direction, f"parity-{config}-{seed}")
    assert ours == theirs
    if config not in ("median-min-trials", "percentile-100", "sha-bootstrap"):
        assert any(s is not None for s in ours), "the replay should exercise pruning"


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("seed", [0, 1])
def test_nan_values_match_optuna(seed: int, direction: str) -> None:
    curves = _flip(_curves(seed + 10, n_trials=30, n_steps=20, nan_rate=0.08), direction)
    for name in ("median-default", "percentile-25", "threshold-upper", "sha-1-2"):
        ours, theirs = _both(CONFIGS[name], curves, direction, f"nan-{name}-{seed}")
        assert ours == theirs, name


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_resource": 1, "max_resource": 81, "reduction_factor": 3},  # 5 brackets
        {"min_resource": 1, "max_resource": "auto", "reduction_factor": 3},
        {"min_resource": 2, "max_resource": 64, "reduction_factor": 2},  # 6 brackets
        {"min_resource": 1, "max_resource": 27, "reduction_factor": 3, "bootstrap_count": 2},
    ],
    ids=["R81-eta3", "auto-eta3", "r2-R64-eta2", "bootstrap"],
)
def test_hyperband_matches_optuna(kwargs: dict[str, Any], seed: int, direction: str) -> None:
    curves = _flip(_curves(seed + 100, n_trials=50, n_steps=81), direction)
    ours, theirs = _both(
        lambda lib: lib.pruners.HyperbandPruner(**kwargs),
        curves,
        direction,
        f"hyperband-{seed}",
    )
    assert ours == theirs
    assert any(s is not None for s in ours)
    assert len({s for s in ours if s is not None}) > 1, "several brackets / rungs prune"


def test_hyperband_brackets_match_optuna() -> None:
    curves = _curves(7, n_trials=60, n_steps=81)
    pruners = []
    for lib in (ferrotune, optuna):
        pruner = lib.pruners.HyperbandPruner(max_resource=81)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _replay(lib, pruner, curves, "minimize", "brackets")
        pruners.append(pruner)
    ours, theirs = pruners
    assert ours._n_brackets == theirs._n_brackets == 5
    assert ours._trial_allocation_budgets == theirs._trial_allocation_budgets
    dummy = optuna.create_study(study_name="brackets")
    seen = set()
    for number in range(300):
        frozen = optuna.trial.create_trial(value=0.0)
        frozen.number = number
        expected = theirs._get_bracket_id(dummy, frozen)
        assert ours._bracket_of_number("brackets", number) == expected
        seen.add(expected)
    assert seen == set(range(5))


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kwargs", [{}, {"p_threshold": 0.2, "n_startup_steps": 5}])
def test_wilcoxon_matches_optuna(kwargs: dict[str, Any], seed: int, direction: str) -> None:
    pytest.importorskip("scipy")
    rng = np.random.default_rng(seed + 1000)
    n_trials, n_instances = 25, 16
    difficulty = rng.uniform(0.0, 3.0, size=n_instances)
    quality = rng.uniform(0.0, 1.0, size=(n_trials, 1))
    curves = _flip(
        difficulty[None, :] + quality + rng.normal(0.0, 0.3, size=(n_trials, n_instances)),
        direction,
    )
    orders = [rng.permutation(n_instances) for _ in range(n_trials)]
    ours, theirs = _both(
        lambda lib: lib.pruners.WilcoxonPruner(**kwargs),
        curves,
        direction,
        f"wilcoxon-{seed}",
        step_orders=orders,
    )
    assert ours == theirs
    assert any(s is not None for s in ours)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_sparse_reports_match_optuna(direction: str) -> None:
    """Reports only every third step: interval checks are postponed to reported steps."""
    curves = _flip(_curves(42, n_trials=40, n_steps=30), direction)
    for name in ("median-warmup-interval", "percentile-80-interval", "sha-2-3-rate1"):
        ours, theirs = _both(CONFIGS[name], curves, direction, f"sparse-{name}", report_every=3)
        assert ours == theirs, name


@pytest.mark.parametrize("config", ["median-default", "sha-1-2", "patient-median"])
def test_sqlite_storage_decisions_match_optuna(config: str, tmp_path: Any) -> None:
    """Decisions do not depend on the storage: ferrotune on SQLite vs Optuna in memory."""
    curves = _curves(3, n_trials=25, n_steps=16)
    url = f"sqlite:///{tmp_path / 'parity.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _replay(
            ferrotune, CONFIGS[config](ferrotune), curves, "minimize", "db", storage=url
        )
        theirs = _replay(optuna, CONFIGS[config](optuna), curves, "minimize", "db")
    assert ours == theirs
    assert any(s is not None for s in ours)


def test_sqlite_storage_hyperband_matches_optuna(tmp_path: Any) -> None:
    curves = _curves(4, n_trials=30, n_steps=27)
    url = f"sqlite:///{tmp_path / 'hb.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _replay(
            ferrotune,
            ferrotune.pruners.HyperbandPruner(max_resource=27),
            curves,
            "minimize",
            "hb-db",
            storage=url,
        )
        theirs = _replay(
            optuna, optuna.pruners.HyperbandPruner(max_resource=27), curves, "minimize", "hb-db"
        )
    assert ours == theirs


def _replay_interleaved(
    lib: ModuleType, pruner: Any, curves: np.ndarray, direction: str, name: str, width: int
) -> list[int | None]:
    """Up to ``width`` trials run at once, reporting one step each in turn (as parallel
    workers would): running trials' rung values and unfinished trials come into play."""
    study = lib.create_study(study_name=name, direction=direction, pruner=pruner)
    result: list[int | None] = [None] * len(curves)
    active: list[tuple[int, Any, int]] = []  # (curve index, trial, next step)
    next_curve = 0
    while active or next_curve < len(curves):
        while len(active) < width and next_curve < len(curves):
            active.append((next_curve, study.ask(), 0))
            next_curve += 1
        still = []
        for index, trial, step in active:
            trial.report(float(curves[index, step]), step)
            if trial.should_prune():
                result[index] = step
                study.tell(trial, state=lib.trial.TrialState.PRUNED)
            elif step + 1 == curves.shape[1]:
                study.tell(trial, float(curves[index, step]))
            else:
                still.append((index, trial, step + 1))
        active = still
    return result


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize(
    "config", ["median-default", "percentile-25", "sha-1-2", "sha-bootstrap", "hyperband"]
)
def test_interleaved_trials_match_optuna(config: str, direction: str) -> None:
    curves = _flip(_curves(77, n_trials=40, n_steps=27), direction)

    def factory(lib: ModuleType) -> Any:
        if config == "hyperband":
            return lib.pruners.HyperbandPruner(max_resource=27)
        return CONFIGS[config](lib)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _replay_interleaved(ferrotune, factory(ferrotune), curves, direction, "mix", 5)
        theirs = _replay_interleaved(optuna, factory(optuna), curves, direction, "mix", 5)
    assert ours == theirs
    if config != "sha-bootstrap":
        assert any(s is not None for s in ours)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_added_trials_with_rung_attrs_match_optuna(direction: str) -> None:
    """Rung values of trials added with ``add_trial`` compete, rung by rung, as in Optuna
    (including odd ones: a rung without the previous one, a look-alike key)."""
    rng = np.random.default_rng(9)
    curves = _flip(_curves(9, n_trials=20, n_steps=12), direction)
    results = []
    for lib in (ferrotune, optuna):
        study = lib.create_study(
            direction=direction,
            pruner=lib.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
        )
        for i in range(12):
            attrs = {f"completed_rung_{r}": float(v) for r, v in enumerate(rng.normal(size=3))}
            if i % 4 == 0:
                del attrs["completed_rung_0"]
            if i % 5 == 0:
                attrs["completed_rung_01"] = 0.0
            state = [lib.trial.TrialState.COMPLETE, lib.trial.TrialState.PRUNED][i % 2]
            study.add_trial(
                lib.trial.create_trial(
                    state=state,
                    value=0.0 if i % 2 == 0 else None,
                    system_attrs=attrs,
                    intermediate_values={0: 0.0},
                )
            )
        rng = np.random.default_rng(9)  # same attrs for the second library
        pruned_at = []
        for curve in curves:
            trial = study.ask()
            stopped = None
            for step, value in enumerate(curve):
                trial.report(float(value), step)
                if trial.should_prune():
                    stopped = step
                    break
            pruned_at.append(stopped)
            if stopped is None:
                study.tell(trial, float(curve[-1]))
            else:
                study.tell(trial, state=lib.trial.TrialState.PRUNED)
        results.append(pruned_at)
    assert results[0] == results[1]
    assert any(s is not None for s in results[0])


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_added_trials_with_intermediate_values_match_optuna(direction: str) -> None:
    """Trials added with ``add_trial`` (sparse steps, NaN values, PRUNED/FAIL states) feed
    the percentile exactly as Optuna's completed-trials scan does."""
    sign = -1.0 if direction == "maximize" else 1.0
    curves = _flip(_curves(21, n_trials=25, n_steps=10), direction)
    results = []
    for lib in (ferrotune, optuna):
        rng = np.random.default_rng(21)
        study = lib.create_study(
            direction=direction,
            pruner=lib.pruners.PercentilePruner(40.0, n_startup_trials=3, n_min_trials=2),
        )
        states = [lib.trial.TrialState.COMPLETE, lib.trial.TrialState.PRUNED]
        for i in range(15):
            steps = sorted(rng.choice(10, size=int(rng.integers(1, 10)), replace=False))
            values = {int(s): sign * float(rng.uniform(0.5, 2.0)) for s in steps}
            if i % 3 == 0:
                values[int(steps[0])] = math.nan
            state = states[i % 2]
            study.add_trial(
                lib.trial.create_trial(
                    state=state,
                    value=0.0 if state == lib.trial.TrialState.COMPLETE else None,
                    intermediate_values=values,
                )
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pruned_at = []
            for curve in curves:
                trial = study.ask()
                stopped = None
                for step, value in enumerate(curve):
                    trial.report(float(value), step)
                    if trial.should_prune():
                        stopped = step
                        break
                pruned_at.append(stopped)
                if stopped is None:
                    study.tell(trial, float(curve[-1]))
                else:
                    study.tell(trial, state=lib.trial.TrialState.PRUNED)
        results.append(pruned_at)
    assert results[0] == results[1]
    assert any(s is not None for s in results[0])
