"""scikit-learn integration: :class:`SearchCV`, hyperparameter search as an estimator.

:class:`SearchCV` is ferrotune's counterpart of Optuna's ``OptunaSearchCV``: a scikit-learn
meta-estimator that samples the hyperparameters of ``estimator`` from ferrotune
distributions, scores each sample by cross-validation in a ferrotune study (TPE by
default), then refits the best configuration on the whole data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.distributions import BaseDistribution
from ferrotune.exceptions import TrialPruned
from ferrotune.integration._pruning import missing
from ferrotune.study._study_direction import StudyDirection

try:
    from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
    from sklearn.exceptions import NotFittedError
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import check_cv, cross_validate
    from sklearn.utils import _safe_indexing, check_random_state, get_tags, indexable
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.validation import check_is_fitted

    _AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _AVAILABLE = False
    BaseEstimator = MetaEstimatorMixin = object

    def available_if(check: Callable[[Any], bool]) -> Callable[[Any], Any]:
        return lambda f: f


if TYPE_CHECKING:
    import pandas as pd

    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial, Trial

__all__ = ["OptunaSearchCV", "SearchCV"]


def _estimator_has(attr: str) -> Callable[[SearchCV], bool]:
    """``available_if`` check: the refit best estimator (or the template) has ``attr``."""

    def check(self: SearchCV) -> bool:
        if not self.refit:
            raise AttributeError(
                f"This {type(self).__name__} instance was initialized with `refit=False`. "
                f"{attr} is available only after refitting on the best parameters."
            )
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
        else:
            getattr(self.estimator, attr)
        return True

    return check


def _aggregate(prefix: str, scores: np.ndarray, attrs: dict[str, Any]) -> None:
    for i, s in enumerate(scores):
        attrs[f"split{i}_{prefix}"] = float(s)
    attrs[f"mean_{prefix}"] = float(np.mean(scores))
    attrs[f"std_{prefix}"] = float(np.std(scores))


class _Objective:
    """Cross-validated score of one hyperparameter sample (optionally pruned)."""

    def __init__(self, search: SearchCV, X: Any, y: Any, groups: Any, fit_params: dict[str, Any]):
        self.search = search
        self.X, self.y, self.groups, self.fit_params = X, y, groups, fit_params
        self.splits = list(search.cv_.split(X, y, groups))

    def __call__(self, trial: Trial) -> float:
        search = self.search
        params = {
            name: trial._suggest(name, dist)  # type: ignore[attr-defined]
            for name, dist in search.param_distributions.items()
        }
        estimator = clone(search.estimator).set_params(**params)
        if search.enable_pruning:
            return self._partial_fit_and_score(trial, estimator)
        result = cross_validate(
            estimator,
            self.X,
            self.y,
            groups=self.groups,
            cv=self.splits,
            scoring=search.scorer_,
            error_score=search.error_score,
            params=self.fit_params or None,
            return_train_score=search.return_train_score,
        )
        attrs: dict[str, Any] = {}
        _aggregate("fit_time", result["fit_time"], attrs)
        _aggregate("score_time", result["score_time"], attrs)
        _aggregate("test_score", result["test_score"], attrs)
        if search.return_train_score:
            _aggregate("train_score", result["train_score"], attrs)
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        return float(attrs["mean_test_score"])

    def _partial_fit_and_score(self, trial: Trial, template: Any) -> float:
        search = self.search
        X, y = self.X, self.y
        classes = np.unique(y) if is_classifier(template) and y is not None else None
        estimators = [clone(template) for _ in self.splits]
        n = len(self.splits)
        fit_time, score_time = np.zeros(n), np.zeros(n)
        test = np.full(n, np.nan)
        train = np.full(n, np.nan)
        for step in range(search.max_iter):
            for i, (train_idx, test_idx) in enumerate(self.splits):
                X_train, X_test = _safe_indexing(X, train_idx), _safe_indexing(X, test_idx)
                y_train = None if y is None else _safe_indexing(y, train_idx)
                y_test = None if y is None else _safe_indexing(y, test_idx)
                start = time.perf_counter()
                kwargs = dict(self.fit_params)
                if classes is not None:
                    kwargs["classes"] = classes
                estimators[i].partial_fit(X_train, y_train, **kwargs)
                fit_time[i] += time.perf_counter() - start
                start = time.perf_counter()
                test[i] = search.scorer_(estimators[i], X_test, y_test)
                score_time[i] += time.perf_counter() - start
                if search.return_train_score:
                    train[i] = search.scorer_(estimators[i], X_train, y_train)
            trial.report(float(np.mean(test)), step)
            if trial.should_prune():
                self._store(trial, fit_time, score_time, test, train)
                raise TrialPruned(f"Trial was pruned at iteration {step}.")
        self._store(trial, fit_time, score_time, test, train)
        return float(np.mean(test))

    def _store(
        self,
        trial: Trial,
        fit_time: np.ndarray,
        score_time: np.ndarray,
        test: np.ndarray,
        train: np.ndarray,
    ) -> None:
        attrs: dict[str, Any] = {}
        _aggregate("fit_time", fit_time, attrs)
        _aggregate("score_time", score_time, attrs)
        _aggregate("test_score", test, attrs)
        if self.search.return_train_score:
            _aggregate("train_score", train, attrs)
        for key, value in attrs.items():
            trial.set_user_attr(key, value)


class SearchCV(MetaEstimatorMixin, BaseEstimator):  # type: ignore[misc]
    """Hyperparameter search with cross-validation, as a scikit-learn estimator.

    Each trial samples the parameters in ``param_distributions``, clones ``estimator``
    with them and scores it by cross-validation; the trial's value is the mean test score
    (higher is better: the study maximizes). With ``refit=True`` the best parameters are
    refit on the whole training data and ``predict``/``score``/... delegate to that model.

    Parameters
    ----------
    estimator
        A scikit-learn estimator (or ``Pipeline``): the template whose hyperparameters are
        tuned. Nested names work as in ``set_params`` (``"svc__C"``).
    param_distributions
        ``{parameter name: ferrotune distribution}``, e.g.
        ``{"C": FloatDistribution(1e-3, 1e3, log=True)}``.
    cv
        Cross-validation strategy as in scikit-learn (``None`` = 5-fold, stratified for
        classifiers; an int; a splitter; an iterable of splits).
    enable_pruning
        Train with ``partial_fit`` for up to ``max_iter`` rounds, report the mean test score
        every round and stop unpromising trials with the study's pruner. Requires an
        estimator with ``partial_fit``.
    error_score
        Score of a failing fit (``"raise"`` re-raises), as in ``cross_validate``.
    max_iter
        Maximum number of ``partial_fit`` rounds per fold with ``enable_pruning``.
    n_jobs
        Number of trials run in parallel threads (``None`` or 1: sequential; -1: all CPUs).
    n_trials
        Number of trials; ``None`` runs until ``timeout``.
    random_state
        Seed of the default sampler (``TPESampler(seed=...)``): the same seed gives the same
        search. Ignored when ``study`` is given.
    refit
        Refit the best configuration on the whole data after the search.
    return_train_score
        Also record training scores in each trial's user attributes.
    scoring
        Scorer name or callable as in scikit-learn; ``None`` uses ``estimator.score``.
    study
        Study to run the trials in (must maximize): resume a search or share a storage.
        ``None`` creates an in-memory study with ``TPESampler(seed=random_state)``.
    subsample
        Fraction (float in (0, 1]) or number (int) of training samples used in the search;
        the refit always uses all of them.
    timeout
        Stop starting trials after this many seconds.
    verbose
        ``0`` keeps the per-trial log quiet, ``> 0`` logs each trial.
    callbacks
        Study callbacks ``callback(study, frozen_trial)`` called after each trial.
    catch
        Exception types that fail a trial instead of stopping the search.

    Attributes
    ----------
    best_estimator_, best_params_, best_score_, best_index_, best_trial_
        The refit model, the best parameters, their mean CV score, the best trial's index in
        ``cv_results_`` and the trial itself.
    cv_results_
        ``dict`` of numpy arrays, one entry per trial of the study, as in ``GridSearchCV``
        (``params``, ``param_<name>``, ``mean_test_score``, ``split<i>_test_score``, ...).
    study_, trials_, n_trials_, n_splits_, scorer_, refit_time_, sample_indices_
        The study, its trials, the number of trials, the folds, the scorer, the refit time
        and the samples used in the search.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, BaseDistribution],
        *,
        cv: Any = None,
        enable_pruning: bool = False,
        error_score: float | str = np.nan,
        max_iter: int = 1000,
        n_jobs: int | None = None,
        n_trials: int | None = 10,
        random_state: int | np.random.RandomState | None = None,
        refit: bool = True,
        return_train_score: bool = False,
        scoring: str | Callable[..., float] | None = None,
        study: Study | None = None,
        subsample: float | int = 1.0,
        timeout: float | None = None,
        verbose: int = 0,
        callbacks: Sequence[Callable[[Study, FrozenTrial], None]] | None = None,
        catch: Iterable[type[Exception]] | type[Exception] = (),
    ) -> None:
        if not _AVAILABLE:
            raise missing("scikit-learn", "SearchCV")
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.cv = cv
        self.enable_pruning = enable_pruning
        self.error_score = error_score
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.n_trials = n_trials
        self.random_state = random_state
        self.refit = refit
        self.return_train_score = return_train_score
        self.scoring = scoring
        self.study = study
        self.subsample = subsample
        self.timeout = timeout
        self.verbose = verbose
        self.callbacks = callbacks
        self.catch = catch

    # -- scikit-learn plumbing -----------------------------------------------------------------
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = deepcopy(sub.classifier_tags)
        tags.regressor_tags = deepcopy(sub.regressor_tags)
        tags.input_tags.pairwise = sub.input_tags.pairwise
        tags.input_tags.sparse = sub.input_tags.sparse
        tags.input_tags.allow_nan = sub.input_tags.allow_nan
        tags.target_tags = deepcopy(sub.target_tags)
        return tags

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the refit estimator."""
        try:
            check_is_fitted(self, "best_estimator_")
        except NotFittedError as err:
            raise AttributeError(
                f"{type(self).__name__} object has no n_features_in_ attribute."
            ) from err
        n: int = self.best_estimator_.n_features_in_
        return n

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the refit classifier."""
        _estimator_has("classes_")(self)
        classes: np.ndarray = self.best_estimator_.classes_
        return classes

    def _check_params(self) -> None:
        if not isinstance(self.param_distributions, Mapping):
            raise TypeError(
                "`param_distributions` must be a dict of ferrotune distributions, but got "
                f"{self.param_distributions!r}."
            )
        for name, dist in self.param_distributions.items():
            if not isinstance(dist, BaseDistribution):
                raise TypeError(
                    f"`param_distributions[{name!r}]` must be a ferrotune distribution "
                    f"(e.g. FloatDistribution), but got {dist!r}."
                )
        if self.n_trials is not None and (
            not isinstance(self.n_trials, Integral)
            or isinstance(self.n_trials, bool)
            or self.n_trials < 1
        ):
            raise ValueError(f"`n_trials` must be a positive int or None, got {self.n_trials!r}.")
        if not isinstance(self.max_iter, Integral) or self.max_iter < 1:
            raise ValueError(f"`max_iter` must be a positive int, but got {self.max_iter!r}.")
        if self.timeout is not None and (not isinstance(self.timeout, Real) or self.timeout <= 0):
            raise ValueError(f"`timeout` must be a positive number or None, got {self.timeout!r}.")
        if self.enable_pruning and not hasattr(self.estimator, "partial_fit"):
            raise ValueError(
                f"`enable_pruning=True` needs an estimator with `partial_fit`, but "
                f"{type(self.estimator).__name__} has none."
            )
        if self.study is not None and self.study.direction != StudyDirection.MAXIMIZE:
            raise ValueError(
                "`study` must maximize (SearchCV maximizes the CV score), but its direction "
                f"is {self.study.direction}."
            )
        subsample = self.subsample
        if isinstance(subsample, bool) or not isinstance(subsample, Real):
            raise TypeError(f"`subsample` must be a float or an int, but got {subsample!r}.")
        if isinstance(subsample, Integral):
            if subsample < 1:
                raise ValueError(f"`subsample` must be at least 1, but got {subsample}.")
        elif not 0.0 < subsample <= 1.0:
            raise ValueError(f"`subsample` must be in (0, 1], but got {subsample}.")

    def _make_study(self) -> Study:
        import ferrotune

        if self.study is not None:
            return self.study
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(0, 2**31 - 1)) if self.random_state is not None else None
        sampler = ferrotune.samplers.TPESampler(seed=seed)
        return ferrotune.create_study(direction="maximize", sampler=sampler)

    def _subsample(self, X: Any, y: Any, groups: Any) -> tuple[Any, Any, Any]:
        n_samples = len(X) if not hasattr(X, "shape") else X.shape[0]
        if isinstance(self.subsample, Integral):
            size = min(int(self.subsample), n_samples)
        else:
            size = max(1, int(self.subsample * n_samples))
        if size >= n_samples:
            self.sample_indices_ = np.arange(n_samples)
            return X, y, groups
        rng = check_random_state(self.random_state)
        self.sample_indices_ = np.sort(rng.choice(n_samples, size, replace=False))
        idx = self.sample_indices_
        take = _safe_indexing
        return (
            take(X, idx),
            None if y is None else take(y, idx),
            None if groups is None else take(groups, idx),
        )

    # -- fit -------------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> SearchCV:
        """Run the search on ``X``/``y`` and (with ``refit``) refit the best parameters.

        Parameters
        ----------
        X, y
            Training data and targets.
        groups
            Group labels for group-aware splitters.
        **fit_params
            Passed to the estimator's ``fit`` (``partial_fit`` with pruning).

        Returns
        -------
        SearchCV
            ``self``.
        """
        import ferrotune

        self._check_params()
        if y is None and get_tags(self.estimator).target_tags.required:
            raise ValueError(
                f"{type(self.estimator).__name__} requires y to be passed, but the target y "
                "is None."
            )
        X, y, groups = indexable(X, y, groups)
        X_s, y_s, groups_s = self._subsample(X, y, groups)
        self.cv_ = check_cv(self.cv, y_s, classifier=is_classifier(self.estimator))
        self.n_splits_ = self.cv_.get_n_splits(X_s, y_s, groups_s)
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        self.multimetric_ = False
        study = self._make_study()
        objective = _Objective(self, X_s, y_s, groups_s, fit_params)
        level = ferrotune.logging.get_verbosity()
        if not self.verbose:
            ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
        n_before = len(study.get_trials(deepcopy=False))
        try:
            study.optimize(
                objective,
                n_trials=self.n_trials,
                timeout=self.timeout,
                n_jobs=1 if self.n_jobs is None else self.n_jobs,
                catch=self.catch,
                callbacks=self.callbacks,
            )
        finally:
            ferrotune.logging.set_verbosity(level)
        self.study_ = study
        self.n_trials_ = len(study.get_trials(deepcopy=False)) - n_before
        self.trials_ = study.trials
        self.cv_results_ = self._cv_results(self.trials_)
        completed = [t for t in self.trials_ if t.state == ferrotune.trial.TrialState.COMPLETE]
        if not completed:
            if self.refit:
                # Surface the estimator's own error (as GridSearchCV's refit would).
                first = self.trials_[n_before].params if len(self.trials_) > n_before else {}
                clone(self.estimator).set_params(**first).fit(X, y, **fit_params)
            raise ValueError(
                "All trials failed: no cross-validation score could be computed. Check the "
                "trials' states and `error_score='raise'` for the underlying error."
            )
        best = study.best_trial
        self.best_trial_ = best
        self.best_index_ = self.trials_.index(best)
        self.best_params_ = dict(best.params)
        self.best_score_ = float(best.value)  # type: ignore[arg-type]
        if self.refit:
            start = time.perf_counter()
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
        return self

    def _cv_results(self, trials: list[FrozenTrial]) -> dict[str, Any]:
        n = len(trials)
        results: dict[str, Any] = {
            "number": np.asarray([t.number for t in trials], dtype=np.int64),
            "state": np.asarray([t.state.name for t in trials], dtype=object),
            "params": [dict(t.params) for t in trials],
        }
        for name in self.param_distributions:
            column = np.ma.masked_all(n, dtype=object)  # type: ignore[no-untyped-call]
            for i, t in enumerate(trials):
                if name in t.params:
                    column[i] = t.params[name]
            results[f"param_{name}"] = column
        keys: list[str] = []
        for t in trials:
            for key in t.user_attrs:
                if key not in keys and (
                    key.startswith(("mean_", "std_")) or key.startswith("split")
                ):
                    keys.append(key)
        for key in keys:
            results[key] = np.asarray(
                [float(t.user_attrs.get(key, np.nan)) for t in trials], dtype=np.float64
            )
        values = np.asarray(
            [t.value if t.value is not None else np.nan for t in trials], dtype=np.float64
        )
        order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(1, n + 1)
        results["rank_test_score"] = rank
        return results

    # -- results -----------------------------------------------------------------------------
    def trials_dataframe(self, **kwargs: Any) -> pd.DataFrame:
        """The study's trials as a pandas ``DataFrame`` (see ``Study.trials_dataframe``)."""
        check_is_fitted(self, "study_")
        return self.study_.trials_dataframe(**kwargs)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute on the fitted study."""
        check_is_fitted(self, "study_")
        self.study_.set_user_attr(key, value)

    @property
    def user_attrs_(self) -> dict[str, Any]:
        """The fitted study's user attributes."""
        check_is_fitted(self, "study_")
        attrs: dict[str, Any] = self.study_.user_attrs
        return attrs

    # -- delegation ----------------------------------------------------------------------------
    def score(self, X: Any, y: Any = None) -> float:
        """Score of the refit estimator on ``X``/``y`` with ``scoring`` (or its ``score``)."""
        _estimator_has("score")(self)
        check_is_fitted(self, "best_estimator_")
        return float(self.scorer_(self.best_estimator_, X, y))

    @available_if(_estimator_has("predict"))  # type: ignore[untyped-decorator]
    def predict(self, X: Any) -> Any:
        """``best_estimator_.predict(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))  # type: ignore[untyped-decorator]
    def predict_proba(self, X: Any) -> Any:
        """``best_estimator_.predict_proba(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))  # type: ignore[untyped-decorator]
    def predict_log_proba(self, X: Any) -> Any:
        """``best_estimator_.predict_log_proba(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))  # type: ignore[untyped-decorator]
    def decision_function(self, X: Any) -> Any:
        """``best_estimator_.decision_function(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    @available_if(_estimator_has("transform"))  # type: ignore[untyped-decorator]
    def transform(self, X: Any) -> Any:
        """``best_estimator_.transform(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.transform(X)

    @available_if(_estimator_has("inverse_transform"))  # type: ignore[untyped-decorator]
    def inverse_transform(self, X: Any) -> Any:
        """``best_estimator_.inverse_transform(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.inverse_transform(X)

    @available_if(_estimator_has("score_samples"))  # type: ignore[untyped-decorator]
    def score_samples(self, X: Any) -> Any:
        """``best_estimator_.score_samples(X)``."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.score_samples(X)


#: Optuna's name, so that ``import ferrotune as optuna`` scripts using
#: ``optuna.integration.OptunaSearchCV`` run unchanged.
OptunaSearchCV = SearchCV
