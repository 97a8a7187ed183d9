"""SearchCV: hyperparameter search as a scikit-learn estimator, on real sklearn datasets."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.integration import SearchCV


def _logreg(**kwargs: Any) -> Pipeline:
    return Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(**kwargs))])


_C = {"lr__C": FloatDistribution(1e-3, 1e2, log=True)}


@pytest.fixture(scope="module")
def cancer() -> tuple[Any, Any, Any, Any]:
    X, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))


@pytest.fixture(scope="module")
def wine() -> tuple[Any, Any, Any, Any]:
    X, y = load_wine(return_X_y=True)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=0, stratify=y))


def test_random_forest_cv_and_held_out_scores(cancer: Any) -> None:
    X_train, X_test, y_train, y_test = cancer
    space = {
        "n_estimators": IntDistribution(10, 60),
        "max_depth": IntDistribution(2, 12),
        "max_features": CategoricalDistribution(["sqrt", "log2"]),
    }
    search = SearchCV(
        RandomForestClassifier(random_state=0), space, n_trials=6, cv=3, random_state=0
    )
    search.fit(X_train, y_train)
    test_score = search.score(X_test, y_test)
    # The held-out score is reported next to the CV score and is of the same quality.
    assert 0.9 < search.best_score_ <= 1.0
    assert 0.9 < test_score <= 1.0
    assert abs(test_score - search.best_score_) < 0.08
    assert set(search.best_params_) == set(space)
    assert search.best_estimator_.n_estimators == search.best_params_["n_estimators"]
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])
    assert search.cv_results_["rank_test_score"][search.best_index_] == 1
    assert search.predict_proba(X_test).shape == (len(X_test), 2)
    np.testing.assert_array_equal(search.classes_, [0, 1])
    assert search.n_features_in_ == X_train.shape[1]
    frame = search.trials_dataframe()
    assert len(frame) == 6 == search.n_trials_
    np.testing.assert_allclose(
        frame["user_attrs_mean_test_score"], search.cv_results_["mean_test_score"]
    )
    splits = [search.cv_results_[f"split{i}_test_score"] for i in range(3)]
    np.testing.assert_allclose(np.mean(splits, axis=0), search.cv_results_["mean_test_score"])


def test_pipeline_scaler_svc_cv_and_held_out_scores(wine: Any) -> None:
    X_train, X_test, y_train, y_test = wine
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    space = {
        "svc__C": FloatDistribution(1e-2, 1e2, log=True),
        "svc__gamma": FloatDistribution(1e-4, 1e0, log=True),
    }
    search = SearchCV(pipe, space, n_trials=15, cv=4, random_state=1).fit(X_train, y_train)
    test_score = search.score(X_test, y_test)
    assert search.best_score_ > 0.93
    assert test_score > 0.9
    assert search.best_params_["svc__C"] == search.best_estimator_.named_steps["svc"].C
    assert (search.predict(X_test) == y_test).mean() == pytest.approx(test_score)


def test_search_inside_a_pipeline(wine: Any) -> None:
    X_train, X_test, y_train, y_test = wine
    inner = SearchCV(
        LogisticRegression(max_iter=500),
        {"C": FloatDistribution(1e-3, 1e2, log=True)},
        n_trials=5,
        cv=3,
        random_state=0,
    )
    pipe = Pipeline([("scale", StandardScaler()), ("search", inner)]).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.9
    assert pipe.named_steps["search"].n_trials_ == 5


def test_same_random_state_same_search(wine: Any) -> None:
    X_train, _, y_train, _ = wine
    runs = [
        SearchCV(_logreg(), _C, n_trials=5, cv=2, random_state=7)
        .fit(X_train, y_train)
        .cv_results_["params"]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    other = SearchCV(_logreg(), _C, n_trials=5, cv=2, random_state=8)
    assert other.fit(X_train, y_train).cv_results_["params"] != runs[0]


def test_pruning_through_partial_fit(cancer: Any) -> None:
    X_train, X_test, y_train, y_test = cancer
    scaler = StandardScaler().fit(X_train)
    study = ferrotune.create_study(
        direction="maximize",
        sampler=ferrotune.samplers.RandomSampler(seed=0),
        pruner=ferrotune.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
    )
    search = SearchCV(
        SGDClassifier(random_state=0),
        {"alpha": FloatDistribution(1e-6, 10.0, log=True)},
        enable_pruning=True,
        max_iter=8,
        n_trials=15,
        cv=3,
        study=study,
    )
    search.fit(scaler.transform(X_train), y_train)
    states = [t.state for t in search.trials_]
    assert ferrotune.trial.TrialState.PRUNED in states
    for t in search.trials_:
        steps = sorted(t.intermediate_values)
        if t.state == ferrotune.trial.TrialState.COMPLETE:
            assert steps == list(range(8))
            assert t.value == pytest.approx(t.intermediate_values[7])
        else:
            assert len(steps) < 8
        assert "mean_test_score" in t.user_attrs
    assert search.score(scaler.transform(X_test), y_test) > 0.85


def test_resume_a_study_and_train_scores(wine: Any) -> None:
    X_train, _, y_train, _ = wine
    study = ferrotune.create_study(direction="maximize")
    kwargs: dict[str, Any] = {"n_trials": 3, "cv": 3, "study": study, "refit": False}
    first = SearchCV(_logreg(), _C, **kwargs).fit(X_train, y_train)
    second = SearchCV(_logreg(), _C, return_train_score=True, **kwargs).fit(X_train, y_train)
    assert first.n_trials_ == second.n_trials_ == 3
    assert len(second.trials_) == 6
    assert np.isfinite(second.cv_results_["mean_train_score"][3:]).all()
    assert np.isnan(second.cv_results_["mean_train_score"][:3]).all()
    assert not hasattr(second, "best_estimator_")
    with pytest.raises(AttributeError, match="predict"):
        second.predict(X_train)
    second.set_user_attr("dataset", "wine")
    assert second.user_attrs_ == {"dataset": "wine"}


def test_scoring_and_subsample(cancer: Any) -> None:
    X_train, X_test, y_train, y_test = cancer
    search = SearchCV(
        _logreg(),
        _C,
        scoring="neg_log_loss",
        subsample=0.5,
        n_trials=4,
        cv=3,
        random_state=0,
    ).fit(X_train, y_train)
    assert search.best_score_ < 0
    assert len(search.sample_indices_) == len(X_train) // 2
    assert search.best_estimator_.n_features_in_ == X_train.shape[1]
    assert search.score(X_test, y_test) < 0  # the scorer, not accuracy


def test_all_trials_failing_surfaces_the_error(wine: Any) -> None:
    X_train, _, y_train, _ = wine
    search = SearchCV(_logreg(), _C, n_trials=2, cv=3)
    X_bad = np.array(X_train, dtype=object)
    X_bad[0, 0] = "not a number"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's FitFailedWarning for each failed fold
        with pytest.raises(ValueError, match="could not convert"):
            search.fit(X_bad, y_train)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"param_distributions": {"lr__C": [0.1, 1.0]}}, TypeError, r"\['lr__C'\]"),
        ({"param_distributions": [("C", 1)]}, TypeError, "param_distributions"),
        ({"n_trials": 0}, ValueError, "n_trials"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"timeout": -1.0}, ValueError, "timeout"),
        ({"subsample": 1.5}, ValueError, "subsample"),
        ({"subsample": "half"}, TypeError, "subsample"),
        ({"enable_pruning": True}, ValueError, "partial_fit"),
        ({"study": "minimize"}, ValueError, "must maximize"),
    ],
)
def test_bad_arguments(wine: Any, kwargs: dict[str, Any], error: type, match: str) -> None:
    X_train, _, y_train, _ = wine
    if kwargs.get("study") == "minimize":
        kwargs["study"] = ferrotune.create_study()
    params: dict[str, Any] = {
        "param_distributions": _C,
        "n_trials": 1,
        **kwargs,
    }
    search = SearchCV(_logreg(), **params)
    with pytest.raises(error, match=match):
        search.fit(X_train, y_train)


# SearchCV's `max_iter` is the partial_fit budget of pruning (as Optuna's OptunaSearchCV),
# not an iteration count of a fitted model, so it has no `n_iter_`.
_EXPECTED_FAILED = {
    "check_non_transformer_estimators_n_iter": "max_iter is the pruning budget, no n_iter_",
}


@parametrize_with_checks(
    [
        SearchCV(
            DecisionTreeClassifier(random_state=0),
            {"max_depth": IntDistribution(1, 6), "min_samples_leaf": IntDistribution(1, 4)},
            n_trials=2,
            cv=2,
            random_state=0,
        ),
        SearchCV(
            Ridge(),
            {"alpha": FloatDistribution(1e-3, 10.0, log=True)},
            n_trials=2,
            cv=2,
            random_state=0,
        ),
    ],
    expected_failed_checks=lambda estimator: _EXPECTED_FAILED,
)
def test_sklearn_check_estimator(estimator: Any, check: Any) -> None:
    with warnings.catch_warnings():
        # Not errors: FitFailedWarning from cross_validate on the checks' bad inputs (some
        # checks record the warnings they expect).
        warnings.simplefilter("always")
        check(estimator)


def test_parallel_trials_and_timeout(wine: Any) -> None:
    X_train, _, y_train, _ = wine
    parallel = SearchCV(_logreg(), _C, n_trials=4, n_jobs=2, cv=2, random_state=0)
    parallel.fit(X_train, y_train)
    assert parallel.n_trials_ == 4
    assert all(t.state == ferrotune.trial.TrialState.COMPLETE for t in parallel.trials_)
    timed = SearchCV(_logreg(), _C, n_trials=None, timeout=0.5, cv=2, random_state=0)
    timed.fit(X_train, y_train)
    assert timed.n_trials_ >= 1
    assert np.isfinite(timed.best_score_)


def test_optuna_name_for_optuna_scripts() -> None:
    import ferrotune as optuna

    assert optuna.integration.OptunaSearchCV is SearchCV
