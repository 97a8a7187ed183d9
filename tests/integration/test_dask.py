"""ferrotune.integration.dask on a real LocalCluster of two worker processes."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import ferrotune as ft
from ferrotune.integration.dask import DaskStorage, optimize_on_cluster
from ferrotune.trial import TrialState

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        dask_client = distributed.Client(cluster)
    try:
        yield dask_client
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dask_client.close()
            cluster.close()


def objective(trial: ft.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    trial.set_user_attr("pid", os.getpid())
    return x**2


def _check(study: ft.Study, n_trials: int) -> None:
    trials = study.trials
    assert n_trials <= len(trials) <= n_trials + 1  # two workers may both start the last one
    assert [t.number for t in trials] == list(range(len(trials)))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["pid"] for t in trials}) == 2  # both workers took part


@pytest.mark.filterwarnings("ignore")
def test_dask_storage_shared_by_the_workers(client: Any) -> None:
    storage = DaskStorage(client=client)
    study = ft.create_study(storage=storage, sampler=ft.samplers.TPESampler(seed=0))
    optimize_on_cluster(client, study, objective, n_trials=40)
    _check(study, 40)
    # The local view of finished trials is incremental and feeds the columnar history.
    history = storage.get_trial_history(study._study_id)
    assert history.n == len(study.trials)
    assert study.best_value == min(t.value for t in study.trials)  # type: ignore[type-var]
    again = DaskStorage(name=storage.name, client=client)  # the same scheduler storage
    assert again.get_study_id_from_name(study.study_name) == study._study_id
    with pytest.raises(KeyError):
        storage.get_study_id_from_name("missing")


@pytest.mark.filterwarnings("ignore")
def test_launcher_on_a_database(client: Any, tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'dask.db'}"
    study = ft.create_study(storage=url, sampler=ft.samplers.RandomSampler(seed=1))
    optimize_on_cluster(client, study, objective, n_trials=30)
    _check(study, 30)


def test_launcher_rejects_unshared_storages(client: Any) -> None:
    with pytest.raises(ValueError, match="InMemoryStorage"):
        optimize_on_cluster(client, ft.create_study(), objective, n_trials=3)
    with pytest.raises(ValueError, match="n_trials"):
        optimize_on_cluster(client, ft.create_study(), objective, n_trials=0)
