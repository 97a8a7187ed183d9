"""LightGBMTuner / LightGBMTunerCV: stepwise LightGBM tuning on a real sklearn dataset."""

from __future__ import annotations

import collections
import json
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split

import ferrotune
from ferrotune.integration import LightGBMTuner, LightGBMTunerCV
from ferrotune.integration.lightgbm_tuner import train

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

_PARAMS = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1, "num_threads": 1}
_STEP = "lightgbm_tuner:step_name"
_STEPS = {
    "feature_fraction": 7,
    "num_leaves": 20,
    "bagging": 10,
    "regularization_factors": 20,
    "min_child_samples": 5,
}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    X, y = load_breast_cancer(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.25, random_state=0
    )
    return {
        "train": (X_train, y_train),
        "val": (X_val, y_val),
        "test": (X_test, y_test),
    }


def _datasets(data: dict[str, Any]) -> tuple[lgb.Dataset, lgb.Dataset]:
    dtrain = lgb.Dataset(*data["train"])
    return dtrain, lgb.Dataset(*data["val"], reference=dtrain)


def _step_counts(study: ferrotune.Study) -> collections.Counter[str]:
    return collections.Counter(t.system_attrs["lightgbm_tuner:step_name"] for t in study.trials)


def test_tuner_runs_the_six_steps_and_validates_on_held_out_data(data: dict[str, Any]) -> None:
    dtrain, dval = _datasets(data)
    tuner = LightGBMTuner(_PARAMS, dtrain, num_boost_round=20, valid_sets=[dval], optuna_seed=0)
    tuner.run()
    counts = _step_counts(tuner.study)
    for step, n in _STEPS.items():
        assert counts[step] == n
    assert 1 <= counts["feature_fraction_stage2"] <= 6
    assert tuner.study.direction == ferrotune.study.StudyDirection.MINIMIZE
    assert tuner.best_score == min(t.value for t in tuner.study.trials)
    best = tuner.best_params
    assert best["objective"] == "binary" and "feature_fraction" in best
    # The best params are the best trial's, with the value its step tuned (which step wins,
    # and so which earlier steps improved on the defaults, depends on the seeded trials).
    tuned = {
        "feature_fraction": "feature_fraction",
        "num_leaves": "num_leaves",
        "bagging": "bagging_fraction",
        "feature_fraction_stage2": "feature_fraction",
        "regularization_factors": "lambda_l1",
        "min_child_samples": "min_child_samples",
    }
    best_trial = tuner.study.best_trial
    assert (
        best[tuned[best_trial.system_attrs[_STEP]]]
        == best_trial.params[tuned[best_trial.system_attrs[_STEP]]]
    )
    assert 0.4 <= best["feature_fraction"] <= 1.0
    booster = tuner.get_best_booster()
    X_val, y_val = data["val"]
    # The score the tuner optimized is the booster's validation log loss.
    assert log_loss(y_val, booster.predict(X_val)) == pytest.approx(tuner.best_score, rel=1e-6)
    X_test, y_test = data["test"]
    assert accuracy_score(y_test, booster.predict(X_test) > 0.5) > 0.93
    # Later steps start from the best values found by earlier ones.
    trials = tuner.study.trials
    first_stage = [t for t in trials if t.system_attrs[_STEP] == "feature_fraction"]
    leaves_trial = next(t for t in trials if t.system_attrs[_STEP] == "num_leaves")
    used = json.loads(leaves_trial.system_attrs["lightgbm_tuner:lgbm_params"])
    best_first = min(first_stage, key=lambda t: t.value)
    assert used["feature_fraction"] == best_first.params["feature_fraction"]


def test_same_seed_same_search(data: dict[str, Any]) -> None:
    results = []
    for _ in range(2):
        dtrain, dval = _datasets(data)
        tuner = LightGBMTuner(_PARAMS, dtrain, num_boost_round=10, valid_sets=dval, optuna_seed=3)
        tuner.run()
        results.append([t.params for t in tuner.study.trials])
    assert results[0] == results[1]


def test_maximized_metric_and_resume_after_time_budget(data: dict[str, Any]) -> None:
    params = {**_PARAMS, "metric": "auc"}
    dtrain, dval = _datasets(data)
    first = LightGBMTuner(
        params, dtrain, num_boost_round=10, valid_sets=[dval], time_budget=0.001, optuna_seed=0
    )
    first.run()
    study = first.study
    assert study.direction == ferrotune.study.StudyDirection.MAXIMIZE
    n_first = len(study.trials)
    assert 1 <= n_first < sum(_STEPS.values())
    dtrain, dval = _datasets(data)
    second = LightGBMTuner(params, dtrain, num_boost_round=10, valid_sets=[dval], study=study)
    second.run()
    counts = _step_counts(study)
    for step, n in _STEPS.items():
        assert counts[step] == n
    assert second.best_score == max(t.value for t in study.trials)
    X_test, y_test = data["test"]
    booster = second.get_best_booster()  # retrained: the best trial may be from `first`
    assert roc_auc_score(y_test, booster.predict(X_test)) > 0.95


def test_tuner_cv(data: dict[str, Any]) -> None:
    X_train, y_train = data["train"]
    tuner = LightGBMTunerCV(
        _PARAMS,
        lgb.Dataset(X_train, y_train),
        num_boost_round=10,
        nfold=3,
        return_cvbooster=True,
        optuna_seed=0,
    )
    tuner.run()
    assert tuner.best_score == min(t.value for t in tuner.study.trials)
    for t in tuner.study.trials:
        assert t.value == pytest.approx(t.user_attrs["cv_scores"][-1])
        assert len(t.user_attrs["cv_scores"]) == 10
    cvbooster = tuner.get_best_booster()
    assert len(cvbooster.boosters) == 3
    X_test, y_test = data["test"]
    proba = np.mean(cvbooster.predict(X_test), axis=0)
    assert accuracy_score(y_test, proba > 0.5) > 0.9
    no_booster = LightGBMTunerCV(_PARAMS, lgb.Dataset(X_train, y_train), num_boost_round=5)
    with pytest.raises(ValueError, match="return_cvbooster"):
        no_booster.get_best_booster()


def test_train_drop_in(data: dict[str, Any]) -> None:
    dtrain, dval = _datasets(data)
    booster = train(_PARAMS, dtrain, num_boost_round=5, valid_sets=[dval], optuna_seed=0)
    assert isinstance(booster, lgb.Booster)
    assert booster.current_iteration() == 5


def test_bad_arguments(data: dict[str, Any]) -> None:
    dtrain, dval = _datasets(data)
    with pytest.raises(ValueError, match="valid_sets"):
        LightGBMTuner(_PARAMS, dtrain)
    with pytest.raises(TypeError, match="train_set"):
        LightGBMTuner(_PARAMS, data["train"], valid_sets=[dval])
    with pytest.raises(ValueError, match="num_boost_round"):
        LightGBMTuner(_PARAMS, dtrain, num_boost_round=0, valid_sets=[dval])
    with pytest.raises(ValueError, match="direction"):
        LightGBMTuner(
            {**_PARAMS, "metric": "auc"},
            dtrain,
            valid_sets=[dval],
            study=ferrotune.create_study(),
        )
    with pytest.raises(ValueError, match="nfold"):
        LightGBMTunerCV(_PARAMS, dtrain, nfold=1)
