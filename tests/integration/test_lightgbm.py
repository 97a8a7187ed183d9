"""LightGBMPruningCallback against the real LightGBM on a real dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ferrotune
from ferrotune.integration import LightGBMPruningCallback
from ferrotune.trial import TrialState

lgb = pytest.importorskip("lightgbm")
datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")

N_ROUNDS = 40


@pytest.fixture(scope="module")
def data() -> tuple[Any, ...]:
    x, y = datasets.load_breast_cancer(return_X_y=True)
    return tuple(model_selection.train_test_split(x, y, test_size=0.25, random_state=0))


def _params(trial: ferrotune.Trial, metric: str) -> dict[str, Any]:
    return {
        "objective": "binary",
        "metric": metric,
        "verbosity": -1,
        "num_threads": 1,
        "learning_rate": trial.suggest_float("learning_rate", 1e-4, 0.5, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 4, 32),
    }


def test_lightgbm_study_prunes_trials_early(data: tuple[Any, ...]) -> None:
    x_train, x_valid, y_train, y_valid = data

    def objective(trial: ferrotune.Trial) -> float:
        dtrain = lgb.Dataset(x_train, label=y_train)
        dvalid = lgb.Dataset(x_valid, label=y_valid, reference=dtrain)
        callback = LightGBMPruningCallback(trial, "binary_logloss")
        booster = lgb.train(
            _params(trial, "binary_logloss"),
            dtrain,
            N_ROUNDS,
            valid_sets=[dvalid],
            callbacks=[callback],
        )
        return float(booster.best_score["valid_0"]["binary_logloss"])

    study = ferrotune.create_study(
        sampler=ferrotune.samplers.RandomSampler(seed=1),
        pruner=ferrotune.pruners.MedianPruner(n_startup_trials=3),
    )
    study.optimize(objective, n_trials=16)

    pruned = study.get_trials(states=(TrialState.PRUNED,))
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(pruned) >= 3
    assert complete
    for t in pruned:
        assert 1 <= len(t.intermediate_values) < N_ROUNDS
        assert t.value == t.intermediate_values[t.last_step]  # keeps its last reported value
    for t in complete:
        assert sorted(t.intermediate_values) == list(range(N_ROUNDS))
    assert study.best_value < 0.3


def test_lightgbm_cv_reports_fold_mean(data: tuple[Any, ...]) -> None:
    x_train, _, y_train, _ = data
    study = ferrotune.create_study(direction="maximize", pruner=ferrotune.pruners.NopPruner())
    trial = study.ask()
    params = _params(trial, "auc")
    result = lgb.cv(
        params,
        lgb.Dataset(x_train, label=y_train),
        num_boost_round=5,
        nfold=3,
        stratified=True,
        seed=0,
        callbacks=[LightGBMPruningCallback(trial, "auc")],
    )
    reported = [study.trials[0].intermediate_values[i] for i in range(5)]
    np.testing.assert_allclose(reported, result["valid auc-mean"])


def test_lightgbm_errors(data: tuple[Any, ...]) -> None:
    x_train, x_valid, y_train, y_valid = data
    dtrain = lgb.Dataset(x_train, label=y_train)
    dvalid = lgb.Dataset(x_valid, label=y_valid, reference=dtrain)

    study = ferrotune.create_study(direction="minimize")
    trial = study.ask()
    params = _params(trial, "auc")
    # auc is higher-is-better: the study must maximize (Optuna's message asks for a metric
    # to be minimized instead)
    with pytest.raises(ValueError, match=r"inconsistent.*minimized"):
        lgb.train(
            params,
            dtrain,
            2,
            valid_sets=[dvalid],
            callbacks=[LightGBMPruningCallback(trial, "auc")],
        )
    with pytest.raises(ValueError, match="not found"):
        lgb.train(
            params,
            dtrain,
            2,
            valid_sets=[dvalid],
            callbacks=[LightGBMPruningCallback(trial, "binary_error")],
        )
    with pytest.raises(ValueError, match="report_interval"):
        LightGBMPruningCallback(trial, "auc", report_interval=0)
    with pytest.raises(TypeError, match="report_interval"):
        LightGBMPruningCallback(trial, "auc", report_interval=1.5)  # type: ignore[arg-type]


def test_lightgbm_report_interval(data: tuple[Any, ...]) -> None:
    x_train, x_valid, y_train, y_valid = data
    dtrain = lgb.Dataset(x_train, label=y_train)
    dvalid = lgb.Dataset(x_valid, label=y_valid, reference=dtrain)
    study = ferrotune.create_study(pruner=ferrotune.pruners.NopPruner())
    trial = study.ask()
    callback = LightGBMPruningCallback(trial, "binary_logloss", report_interval=3)
    lgb.train(
        _params(trial, "binary_logloss"), dtrain, 10, valid_sets=[dvalid], callbacks=[callback]
    )
    assert sorted(study.trials[0].intermediate_values) == [2, 5, 8]


def test_optuna_style_import_paths() -> None:
    import ferrotune as optuna
    import ferrotune.integration.lightgbm as lightgbm_module

    assert optuna.integration.LightGBMPruningCallback is LightGBMPruningCallback
    assert lightgbm_module.LightGBMPruningCallback is LightGBMPruningCallback
    with pytest.raises(AttributeError, match="NoSuchCallback"):
        optuna.integration.NoSuchCallback  # noqa: B018


def test_missing_library_raises_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ferrotune.integration.lightgbm as lightgbm_module

    monkeypatch.setattr(lightgbm_module, "_AVAILABLE", False)
    trial = ferrotune.create_study().ask()
    with pytest.raises(ImportError, match="pip install lightgbm"):
        LightGBMPruningCallback(trial, "auc")
