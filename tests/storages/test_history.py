from __future__ import annotations

import math

import numpy as np
import pytest

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution
from ferrotune.samplers import RandomSampler
from ferrotune.storages import TrialHistory
from ferrotune.trial import TrialState, create_trial


def test_history_rows_follow_finished_trials() -> None:
    study = ferrotune.create_study(sampler=RandomSampler(seed=0))

    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 2:
            trial.report(5.0, 1)
            trial.report(4.0, 7)
            raise ferrotune.TrialPruned()
        if trial.number == 3:
            return math.nan
        if trial.number == 4:
            trial.suggest_categorical("c", ["a", "b"])
        return x

    study.optimize(objective, n_trials=5)
    running = study.ask()  # not in the history
    running.suggest_float("x", 0, 1)
    history = study._get_trial_history()
    assert history.n == 5
    assert history.numbers.tolist() == [0, 1, 2, 3, 4]
    assert history.states.tolist() == [1, 1, 2, 3, 1]
    xs = [t.params["x"] for t in study.trials[:5]]
    assert history.param("x").tolist() == xs
    c = history.param("c")
    assert np.isnan(c[:4]).all() and c[4] in (0.0, 1.0)
    assert history.distribution("c") == CategoricalDistribution(["a", "b"])
    values = history.values
    assert values.shape == (5, 1)
    assert values[0, 0] == xs[0] and np.isnan(values[2, 0]) and np.isnan(values[3, 0])
    assert history.last_step.tolist() == [-1, -1, 7, -1, -1]
    assert history.last_intermediate[2] == 4.0
    rows, vals = history.intermediate_at(7)
    assert rows.tolist() == [2] and vals.tolist() == [4.0]
    assert history.intermediate_at(99)[0].size == 0
    assert history.count(TrialState.COMPLETE) == 3
    assert history.trials[4].number == 4
    assert np.isnan(history.param("unknown")).all()
    with pytest.raises(ValueError):
        history.numbers[0] = 10  # read-only views


def test_history_grows_incrementally_and_keeps_old_views() -> None:
    study = ferrotune.create_study(sampler=RandomSampler(seed=1))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10)
    first = study._get_trial_history().param("x").copy()
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_float("y", 0, 1), n_trials=200)
    history = study._get_trial_history()
    assert history.n == 210
    assert np.array_equal(history.param("x")[:10], first)
    assert np.isnan(history.param("y")[:10]).all()
    assert not np.isnan(history.param("y")[10:]).any()


def test_history_of_added_trials_and_constraints() -> None:
    study = ferrotune.create_study(directions=["minimize", "maximize"])
    dist = {"x": FloatDistribution(0, 1)}
    study.add_trial(
        create_trial(params={"x": 0.5}, distributions=dist, values=[1, 2], constraints={"a": 2})
    )
    study.add_trial(create_trial(params={"x": 0.1}, distributions=dist, values=[3, 4]))
    history = study._get_trial_history()
    assert history.values.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert history.constraint_violation[0] == 2.0
    assert np.isnan(history.constraint_violation[1])


def test_generic_storage_history_path() -> None:
    """A storage without its own history gets one built incrementally from get_all_trials."""
    from ferrotune.storages import InMemoryStorage
    from ferrotune.storages._base import BaseStorage

    storage = InMemoryStorage()
    study = ferrotune.create_study(storage=storage, sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=7)
    generic = BaseStorage.get_trial_history(storage, study._study_id)
    assert isinstance(generic, TrialHistory)
    assert generic.param("x").tolist() == [t.params["x"] for t in study.trials]
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert BaseStorage.get_trial_history(storage, study._study_id).n == 10


def test_snapshots_stay_consistent_while_other_threads_finish_trials() -> None:
    import threading

    study = ferrotune.create_study(sampler=RandomSampler(seed=2))

    def objective(trial: ferrotune.Trial) -> float:
        trial.report(1.0, 0)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=5)
    snapshot = study._get_trial_history()
    stop = threading.Event()
    errors: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            h = study._get_trial_history()
            n = h.n
            lengths = {
                h.numbers.shape[0],
                h.values.shape[0],
                h.param("x").shape[0],
                len(h.trials),
                h.states.shape[0],
            }
            rows, _ = h.intermediate_at(0)
            if lengths != {n} or (rows.size and rows.max() >= n):
                errors.append(f"inconsistent snapshot: n={n}, lengths={lengths}")

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    study.optimize(objective, n_trials=300, n_jobs=2)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert snapshot.n == 5 and len(snapshot.trials) == 5  # old snapshots do not move
    assert snapshot.intermediate_at(0)[0].tolist() == [0, 1, 2, 3, 4]
    assert [t.number for t in snapshot.trials] == [0, 1, 2, 3, 4]
    assert snapshot.trials[-1].number == 4 and len(snapshot.trials[1:3]) == 2
    with pytest.raises(RuntimeError, match="read-only"):
        snapshot.append(study.trials[0])


def test_incremental_pruner_indexes_survive_new_snapshots() -> None:
    # Every finished trial makes a new snapshot; the pruners' incremental indexes must key
    # on the live history (root), or they would be rebuilt from scratch on every trial.
    from ferrotune.pruners._percentile import _completed_index
    from ferrotune.pruners._successive_halving import _rung_index

    study = ferrotune.create_study(pruner=ferrotune.pruners.SuccessiveHalvingPruner())

    def objective(trial: ferrotune.Trial) -> float:
        for step in range(5):
            trial.report(float(trial.number + step), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return 0.0

    study.optimize(objective, n_trials=3)
    first = study._get_trial_history()
    study.optimize(objective, n_trials=3)
    second = study._get_trial_history()
    assert first is not second and second.n == first.n + 3
    assert first.root is second.root and second.root.root is second.root
    assert _rung_index(first) is _rung_index(second)
    assert _completed_index(first) is _completed_index(second)
    _rung_index(second).sync(second)
    assert _rung_index(first).consumed == second.n


def _finished(
    number: int, x: float, dist: FloatDistribution, **extra: float
) -> ferrotune.trial.FrozenTrial:
    params = {"x": x, **extra}
    dists = {"x": dist, **{name: FloatDistribution(0, 10) for name in extra}}
    trial = create_trial(value=x, params=params, distributions=dists)
    trial.number = number
    return trial


def test_columns_are_written_on_first_read_and_snapshots_keep_their_rows() -> None:
    live = TrialHistory(1)
    wide, narrow = FloatDistribution(0, 10), FloatDistribution(0, 5)
    live.extend(_finished(i, float(i), wide) for i in range(3))
    old = live.sync()
    # Rows are there without any column written: a sampler reading only trials pays nothing.
    assert old.n == 3 and [t.number for t in old.trials_from(1)] == [1, 2]
    assert live._n_cols == 0
    # Later rows: a new parameter and a changed distribution, folded after the old snapshot.
    live.append(_finished(3, 4.0, narrow, y=1.5))
    new = live.sync()
    assert new.param("y").tolist()[3] == 1.5 and new.distribution("x") == narrow
    assert live._n_cols == 4
    # The old snapshot reads the shared arrays, but only its own three rows.
    assert old.param("x").tolist() == [0.0, 1.0, 2.0]
    assert old.values[:, 0].tolist() == [0.0, 1.0, 2.0]
    assert old.param_names == ["x"]  # "y" first appeared after the snapshot
    assert old.distribution("x") == wide and old.distribution("y") is None
    assert old.trials_at([2, 0])[0].number == 2
    with pytest.raises(IndexError):
        old.trials_at([3])


def test_empty_snapshot_has_empty_columns() -> None:
    history = TrialHistory(2).sync()
    assert history.n == 0
    assert history.values.shape == (0, 2) and history.numbers.size == 0
    assert history.param_names == [] and history.distribution("x") is None
