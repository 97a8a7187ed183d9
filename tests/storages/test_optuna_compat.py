"""Format compatibility with Optuna 5.0, both ways, on every persistent storage."""

from __future__ import annotations

import math
import os
from typing import Any

import optuna
import pytest

import ferrotune as ft

optuna.logging.set_verbosity(optuna.logging.ERROR)

pytestmark = [
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
    pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning"),
]

KINDS = ["sqlite", "postgresql", "journal_file", "journal_redis"]


_OPEN: list[Any] = []


@pytest.fixture(autouse=True)
def _close_optuna_engines() -> Any:
    """Optuna never closes its connection pools; close them before the database is dropped."""
    yield
    while _OPEN:
        storage = _OPEN.pop()
        storage.scoped_session.remove()
        storage.engine.dispose()


def _storage(mod: Any, kind: str, request: pytest.FixtureRequest, tmp: str) -> Any:
    if kind in ("sqlite", "postgresql"):
        if kind == "sqlite":
            url = f"sqlite:///{os.path.join(tmp, 'study.db')}"
        else:
            url = request.getfixturevalue("postgres_url")
        if mod is ft:
            return url
        storage = optuna.storages.RDBStorage(url)
        _OPEN.append(storage)
        return storage
    journal = mod.storages.journal
    if kind == "journal_file":
        return mod.storages.JournalStorage(
            journal.JournalFileBackend(os.path.join(tmp, "journal.log"))
        )
    url = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix")
    return mod.storages.JournalStorage(journal.JournalRedisBackend(url, prefix=prefix))


def _objective(mod: Any) -> Any:
    def objective(trial: Any) -> Any:
        x = trial.suggest_float("x", -2.0, 2.0)
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        n = trial.suggest_int("n", 1, 8)
        step = trial.suggest_float("s", 0.0, 1.0, step=0.25)
        c = trial.suggest_categorical("c", ["a", None, 2.5, True])
        trial.set_user_attr("info", {"n": n, "list": [1, "two"]})
        trial.report(x, 0)
        trial.report(float("nan"), 1)
        trial.report(float("inf"), 2)
        if n == 3:
            raise ValueError("failing on purpose")
        if n == 4:
            raise mod.TrialPruned()
        if n == 5:
            return float("-inf")
        return x**2 + lr + step + (0.5 if c is None else 0.0)

    return objective


def _write(mod: Any, storage: Any) -> None:
    study = mod.create_study(
        storage=storage, study_name="compat", sampler=mod.samplers.RandomSampler(seed=3)
    )
    study.set_user_attr("owner", {"team": "ml", "ids": [1, 2]})
    study.set_metric_names(["loss"])
    study.enqueue_trial({"x": 0.5, "n": 2}, user_attrs={"queued": True})
    study.enqueue_trial({"n": 3})  # fails
    study.enqueue_trial({"n": 4})  # pruned
    study.optimize(_objective(mod), n_trials=25, catch=(ValueError,))
    dist = mod.distributions.FloatDistribution(-2.0, 2.0)
    study.add_trial(
        mod.trial.create_trial(
            params={"x": 1.25},
            distributions={"x": dist},
            value=1.5625,
            intermediate_values={0: 3.0, 5: 1.0},
            user_attrs={"added": 1},
        )
    )
    study.enqueue_trial({"x": -1.0})
    running = study.ask()
    running.suggest_float("x", -2.0, 2.0)
    study.enqueue_trial({"x": 1.5})  # stays WAITING
    mo = mod.create_study(storage=storage, study_name="mo", directions=["minimize", "maximize"])
    mo.optimize(lambda t: (t.suggest_float("y", 0, 1), t.suggest_int("k", 0, 3)), n_trials=5)


def _norm(mod: Any, trial: Any) -> tuple[Any, ...]:
    iv = {k: ("nan" if math.isnan(v) else v) for k, v in trial.intermediate_values.items()}
    dists = {k: mod.distributions.distribution_to_json(d) for k, d in trial.distributions.items()}
    return (
        trial.number,
        trial.state.name,
        trial.values,
        trial.params,
        dists,
        trial.user_attrs,
        trial.system_attrs,
        iv,
        trial.datetime_start,
        trial.datetime_complete,
    )


def _compare(writer: Any, reader: Any, storage_w: Any, storage_r: Any) -> None:
    for name in ("compat", "mo"):
        a = writer.load_study(study_name=name, storage=storage_w)
        b = reader.load_study(study_name=name, storage=storage_r)
        assert [d.name for d in a.directions] == [d.name for d in b.directions]
        assert a.user_attrs == b.user_attrs
        ta = [_norm(writer, t) for t in a.get_trials(deepcopy=False)]
        tb = [_norm(reader, t) for t in b.get_trials(deepcopy=False)]
        assert len(ta) == len(tb) > 0
        assert ta == tb
    names_w = sorted(s.study_name for s in writer.get_all_study_summaries(storage_w))
    names_r = sorted(s.study_name for s in reader.get_all_study_summaries(storage_r))
    assert names_w == names_r == ["compat", "mo"]
    b = reader.load_study(study_name="compat", storage=storage_r)
    states = {t.state.name for t in b.trials}
    assert states == {"COMPLETE", "FAIL", "PRUNED", "WAITING", "RUNNING"}
    assert b.best_trial.value == float("-inf") or b.best_trial.value == min(
        t.value for t in b.trials if t.state.name == "COMPLETE"
    )
    assert b.metric_names == ["loss"]


@pytest.mark.parametrize("kind", KINDS)
def test_ferrotune_writes_optuna_reads(
    kind: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    storage_w = _storage(ft, kind, request, str(tmp_path))
    _write(ft, storage_w)
    storage_r = _storage(optuna, kind, request, str(tmp_path))
    _compare(ft, optuna, storage_w, storage_r)


@pytest.mark.parametrize("kind", KINDS)
def test_optuna_writes_ferrotune_reads(
    kind: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    storage_w = _storage(optuna, kind, request, str(tmp_path))
    _write(optuna, storage_w)
    storage_r = _storage(ft, kind, request, str(tmp_path))
    _compare(optuna, ft, storage_w, storage_r)


@pytest.mark.parametrize("kind", ["sqlite", "journal_file"])
def test_both_tools_extend_one_study(
    kind: str, request: pytest.FixtureRequest, tmp_path: Any
) -> None:
    """Optuna and ferrotune take turns adding trials to one study."""
    for i in range(4):
        mod = ft if i % 2 == 0 else optuna
        storage = _storage(mod, kind, request, str(tmp_path))
        study = mod.create_study(storage=storage, study_name="shared", load_if_exists=True)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    final_ft = ft.load_study(
        study_name="shared", storage=_storage(ft, kind, request, str(tmp_path))
    )
    final_op = optuna.load_study(
        study_name="shared", storage=_storage(optuna, kind, request, str(tmp_path))
    )
    assert [t.number for t in final_ft.trials] == list(range(20))
    assert [_norm(ft, t) for t in final_ft.trials] == [_norm(optuna, t) for t in final_op.trials]
