"""``import ferrotune.integration.lightgbm as lgb``: Optuna's drop-in ``lgb`` module."""

from __future__ import annotations

import inspect
import json
import pickle
import warnings
from typing import Any

import lightgbm
import numpy as np
import pytest

import ferrotune
import ferrotune.integration.lightgbm as lgb
from ferrotune.integration import lightgbm_tuner

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

_TUNED = (
    "feature_fraction",
    "num_leaves",
    "bagging_fraction",
    "bagging_freq",
    "lambda_l1",
    "lambda_l2",
    "min_child_samples",
)


def test_lightgbm_api_and_tuner_names() -> None:
    assert lgb.Dataset is lightgbm.Dataset
    assert lgb.Booster is lightgbm.Booster
    assert lgb.early_stopping is lightgbm.early_stopping
    assert lgb.log_evaluation is lightgbm.log_evaluation
    assert lgb.cv is lightgbm.cv
    assert lgb.train is lightgbm_tuner.train
    assert lgb.train is not lightgbm.train
    assert lgb.LightGBMTuner is ferrotune.integration.LightGBMTuner
    assert lgb.LightGBMTunerCV is ferrotune.integration.LightGBMTunerCV
    assert lgb.LightGBMPruningCallback is ferrotune.integration.LightGBMPruningCallback
    assert ferrotune.integration.lightgbm is lgb
    assert {"Dataset", "early_stopping", "train", "LightGBMTuner"} <= set(dir(lgb))
    assert lgb.__all__ == ["LightGBMPruningCallback", "LightGBMTuner", "LightGBMTunerCV", "train"]
    with pytest.raises(AttributeError, match="no_such_name"):
        lgb.no_such_name  # noqa: B018


def test_sklearn_estimators_warn_that_the_tuner_does_not_tune_them() -> None:
    with pytest.warns(UserWarning, match="doesn't support sklearn API"):
        model = lgb.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1)
    assert isinstance(model, lightgbm.LGBMClassifier)
    assert lgb.LGBMRegressor is lgb.LGBMRegressor  # one class, so instances pickle
    with warnings.catch_warnings():
        # scikit-learn makes default instances internally, which warn again.
        warnings.simplefilter("ignore", UserWarning)
        assert model.get_params()["num_leaves"] == 4
        assert type(pickle.loads(pickle.dumps(model))) is lgb.LGBMClassifier


def test_official_example_pattern_tunes_and_returns_a_booster() -> None:
    """optuna-examples' lightgbm_tuner_simple.py, on small data."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(240, 4))
    y = (x[:, 0] + x[:, 1] ** 2 + 0.3 * rng.normal(size=240) > 0.8).astype(int)
    dtrain = lgb.Dataset(x[:160], label=y[:160])
    dval = lgb.Dataset(x[160:], label=y[160:])
    params = {
        "objective": "binary",
        "metric": "binary_logloss",
        "verbosity": -1,
        "boosting_type": "gbdt",
        "num_threads": 1,
    }
    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0))
    model = lgb.train(
        params,
        dtrain,
        num_boost_round=40,
        valid_sets=[dtrain, dval],
        callbacks=[lgb.early_stopping(5, verbose=False), lgb.log_evaluation(0)],
        study=study,
        show_progress_bar=False,
    )
    assert isinstance(model, lightgbm.Booster)
    # The stepwise search ran (7 + 20 + 10 + 6 + 20 + 5 trials) ...
    assert len(study.trials) == 68
    # ... and the booster is the best trial's: its params are the tuned ones.
    best = min(
        (t for t in study.trials if t.state == ferrotune.trial.TrialState.COMPLETE),
        key=lambda t: t.value,
    )
    tuned = json.loads(best.system_attrs["lightgbm_tuner:lgbm_params"])
    assert set(_TUNED) & set(tuned) and all(model.params[k] == tuned[k] for k in tuned)
    assert {k: model.params[k] for k in params} == params
    # Early stopping applied: the best iteration is within the 40 rounds.
    assert 1 <= model.best_iteration <= 40
    pred = model.predict(x[160:], num_iteration=model.best_iteration)
    assert np.mean((pred > 0.5) == y[160:]) > 0.7


def test_train_rejects_what_the_tuner_does_not_support() -> None:
    dtrain = lgb.Dataset(np.zeros((10, 2)), label=np.arange(10) % 2)
    for name, value in (("feature_name", ["a", "b"]), ("model_dir", "boosters")):
        with pytest.raises(ValueError, match=f"`{name}="):
            lgb.train({"objective": "binary"}, dtrain, valid_sets=[dtrain], **{name: value})


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("LightGBMTuner", lightgbm_tuner.LightGBMTuner),
        ("LightGBMTunerCV", lightgbm_tuner.LightGBMTunerCV),
        ("train", lightgbm_tuner.train),
    ],
)
def test_signatures_are_optuna_integrations(name: str, ours: Any) -> None:
    """Same parameter names, order and kinds, so positional calls mean the same."""
    optuna_lgb = pytest.importorskip("optuna_integration.lightgbm")

    def shape(function: Any) -> list[tuple[str, Any]]:
        parameters = inspect.signature(function).parameters.values()
        return [(p.name, p.kind) for p in parameters if p.name != "self"]

    assert shape(ours) == shape(getattr(optuna_lgb, name))


def test_tuner_cv_passes_fpreproc_to_lightgbm_cv() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3))
    dtrain = lgb.Dataset(x, label=(x[:, 0] > 0).astype(int))
    calls = []

    def fpreproc(train: Any, valid: Any, params: dict[str, Any]) -> Any:
        calls.append(params["metric"])
        return train, valid, params

    params = {"objective": "binary", "verbosity": -1, "num_threads": 1}
    tuner = lgb.LightGBMTunerCV(
        params,
        dtrain,
        num_boost_round=2,
        nfold=2,
        fpreproc=fpreproc,
        time_budget=1e-3,  # the first trial only
        show_progress_bar=False,
    )
    tuner.run()
    assert sum(t.state.is_finished() for t in tuner.study.trials) == 1
    assert calls == ["binary_logloss", "binary_logloss"]  # once per fold
    with pytest.raises(ValueError, match="`sample_size=100`"):
        lgb.LightGBMTunerCV(params, dtrain, sample_size=100)
