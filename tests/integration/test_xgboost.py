"""XGBoostPruningCallback against the real XGBoost on a real dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import ferrotune
from ferrotune.integration import XGBoostPruningCallback
from ferrotune.trial import TrialState

xgb = pytest.importorskip("xgboost")
datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")

N_ROUNDS = 30


@pytest.fixture(scope="module")
def data() -> tuple[Any, Any]:
    x, y = datasets.load_breast_cancer(return_X_y=True)
    x_train, x_valid, y_train, y_valid = model_selection.train_test_split(
        x, y, test_size=0.25, random_state=0
    )
    return xgb.DMatrix(x_train, label=y_train), xgb.DMatrix(x_valid, label=y_valid)


def _params(trial: ferrotune.Trial) -> dict[str, Any]:
    return {
        "objective": "binary:logistic",
        "eval_metric": "logloss",
        "nthread": 1,
        "verbosity": 0,
        "eta": trial.suggest_float("eta", 1e-4, 0.5, log=True),
        "max_depth": trial.suggest_int("max_depth", 1, 6),
    }


def test_xgboost_study_prunes_trials_early(data: tuple[Any, Any]) -> None:
    dtrain, dvalid = data

    def objective(trial: ferrotune.Trial) -> float:
        callback = XGBoostPruningCallback(trial, "validation-logloss")
        booster = xgb.train(
            _params(trial),
            dtrain,
            N_ROUNDS,
            evals=[(dvalid, "validation")],
            callbacks=[callback],
            verbose_eval=False,
        )
        return float(booster.eval(dvalid, "validation").split(":")[1])

    study = ferrotune.create_study(
        sampler=ferrotune.samplers.RandomSampler(seed=3),
        pruner=ferrotune.pruners.MedianPruner(n_startup_trials=3),
    )
    study.optimize(objective, n_trials=16)

    pruned = study.get_trials(states=(TrialState.PRUNED,))
    complete = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(pruned) >= 3
    assert complete
    for t in pruned:
        assert 1 <= len(t.intermediate_values) < N_ROUNDS
        assert t.value == t.intermediate_values[t.last_step]
    for t in complete:
        assert sorted(t.intermediate_values) == list(range(N_ROUNDS))
        # the final reported logloss is the booster's final evaluation
        assert t.value == pytest.approx(t.intermediate_values[N_ROUNDS - 1], rel=1e-5)
    assert study.best_value < 0.3


def test_xgboost_hyperband_study(data: tuple[Any, Any]) -> None:
    dtrain, dvalid = data

    def objective(trial: ferrotune.Trial) -> float:
        booster = xgb.train(
            _params(trial),
            dtrain,
            N_ROUNDS,
            evals=[(dvalid, "validation")],
            callbacks=[XGBoostPruningCallback(trial, "validation-logloss")],
            verbose_eval=False,
        )
        return float(booster.eval(dvalid, "validation").split(":")[1])

    study = ferrotune.create_study(
        sampler=ferrotune.samplers.RandomSampler(seed=0),
        pruner=ferrotune.pruners.HyperbandPruner(min_resource=1, max_resource=N_ROUNDS),
    )
    study.optimize(objective, n_trials=12)
    pruned = study.get_trials(states=(TrialState.PRUNED,))
    assert pruned
    assert all(len(t.intermediate_values) < N_ROUNDS for t in pruned)


def test_xgboost_cv_reports_fold_mean(data: tuple[Any, Any]) -> None:
    dtrain, _ = data
    study = ferrotune.create_study(pruner=ferrotune.pruners.NopPruner())
    trial = study.ask()
    result = xgb.cv(
        _params(trial),
        dtrain,
        num_boost_round=4,
        nfold=3,
        seed=0,
        callbacks=[XGBoostPruningCallback(trial, "test-logloss")],
    )
    reported = [study.trials[0].intermediate_values[i] for i in range(4)]
    np.testing.assert_allclose(reported, result["test-logloss-mean"], rtol=1e-6)


def test_xgboost_unknown_key(data: tuple[Any, Any]) -> None:
    dtrain, dvalid = data
    trial = ferrotune.create_study().ask()
    with pytest.raises(ValueError, match="validation-auc"):
        xgb.train(
            _params(trial),
            dtrain,
            2,
            evals=[(dvalid, "validation")],
            callbacks=[XGBoostPruningCallback(trial, "validation-auc")],
            verbose_eval=False,
        )


def test_missing_library_raises_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ferrotune.integration.xgboost as xgboost_module

    monkeypatch.setattr(xgboost_module, "_AVAILABLE", False)
    trial = ferrotune.create_study().ask()
    with pytest.raises(ImportError, match="pip install xgboost"):
        XGBoostPruningCallback(trial, "validation-logloss")
    assert ferrotune.integration.XGBoostPruningCallback is XGBoostPruningCallback


def test_xgboost_sklearn_api_reports_to_the_trial() -> None:
    x, y = datasets.load_breast_cancer(return_X_y=True)
    x_train, x_valid, y_train, y_valid = model_selection.train_test_split(x, y, random_state=0)
    study = ferrotune.create_study(pruner=ferrotune.pruners.NopPruner())
    trial = study.ask()
    model = xgb.XGBClassifier(
        n_estimators=5,
        eval_metric="logloss",
        n_jobs=1,
        callbacks=[XGBoostPruningCallback(trial, "validation_0-logloss")],
    )
    model.fit(x_train, y_train, eval_set=[(x_valid, y_valid)], verbose=False)
    reported = study.trials[0].intermediate_values
    assert sorted(reported) == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(
        [reported[i] for i in range(5)], model.evals_result()["validation_0"]["logloss"]
    )
