"""Stepwise hyperparameter tuning of LightGBM on a ferrotune study.

The tuner tunes a few LightGBM parameters at a time, keeping the best values found so far
fixed, in the order of optuna-integration's ``LightGBMTuner``:

1. ``feature_fraction`` on the grid 0.4, 0.5, ..., 1.0 (7 trials);
2. ``num_leaves`` in [2, 256] with TPE (20 trials);
3. ``bagging_fraction`` in [0.4, 1] and ``bagging_freq`` in [1, 7] (10 trials);
4. ``feature_fraction`` again on 6 points within +-0.08 of the best value (stage 2);
5. ``lambda_l1`` and ``lambda_l2`` in [1e-8, 10] (log) (20 trials);
6. ``min_child_samples`` on the grid 5, 10, 25, 50, 100 (5 trials).

All steps run in one study (grid values are enqueued trials), so a study given with
``study=`` resumes where it stopped: finished steps are skipped.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune.integration._pruning import missing
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import TrialState

try:
    import lightgbm as lgb

    _AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _AVAILABLE = False

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial, Trial

__all__ = ["LightGBMTuner", "LightGBMTunerCV", "train"]

_STEP_KEY = "lightgbm_tuner:step_name"
_PARAMS_KEY = "lightgbm_tuner:lgbm_params"
_ELAPSED_KEY = "lightgbm_tuner:elapsed_secs"
_AVG_ITER_KEY = "lightgbm_tuner:average_iteration_time"
_TREE_DEPTH = 8
_FEATURE_FRACTION_GRID = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
_MIN_CHILD_SAMPLES_GRID = [5, 10, 25, 50, 100]

_METRIC_ALIASES = {
    "regression": "l2",
    "regression_l2": "l2",
    "mean_squared_error": "l2",
    "mse": "l2",
    "l2_root": "rmse",
    "root_mean_squared_error": "rmse",
    "regression_l1": "l1",
    "mean_absolute_error": "l1",
    "mae": "l1",
    "binary": "binary_logloss",
    "multiclass": "multi_logloss",
    "softmax": "multi_logloss",
    "multiclassova": "multi_logloss",
    "ova": "multi_logloss",
    "ovr": "multi_logloss",
    "lambdarank": "ndcg",
    "rank_xendcg": "ndcg",
    "xendcg": "ndcg",
    "mean_average_precision": "map",
    "xentropy": "cross_entropy",
    "cross_entropy": "cross_entropy",
}
_OBJECTIVE_ALIASES = {
    "regression_l2": "regression",
    "l2": "regression",
    "mse": "regression",
    "mean_squared_error": "regression",
    "softmax": "multiclass",
}
_HIGHER_IS_BETTER = ("auc", "auc_mu", "ndcg", "map", "average_precision")


def _metric_name(params: dict[str, Any]) -> str:
    """The metric the tuner optimizes (``params["metric"]`` or the objective's default)."""
    metric = params.get("metric")
    if metric is None:
        objective = params.get("objective", "regression")
        objective = _OBJECTIVE_ALIASES.get(objective, objective)
        metric = _METRIC_ALIASES.get(objective, objective)
    elif isinstance(metric, (list, tuple)):
        if not metric:
            raise ValueError("`params['metric']` must name at least one metric.")
        metric = metric[0]
    if not isinstance(metric, str):
        raise TypeError(f"`params['metric']` must be a string, but got {metric!r}.")
    return _METRIC_ALIASES.get(metric, metric)


def _higher_is_better(metric: str) -> bool:
    return metric.split("@")[0] in _HIGHER_IS_BETTER


def _reject_unsupported(**arguments: Any) -> None:
    """``ValueError`` for optuna-integration tuner arguments ferrotune's tuner lacks."""
    for name, value in arguments.items():
        if value is not None:
            hint = (
                " (set it on the lightgbm.Dataset)"
                if name in ("feature_name", "categorical_feature")
                else ""
            )
            raise ValueError(
                f"`{name}={value!r}` is not supported by ferrotune's LightGBM tuner{hint}."
            )


def _set_system_attr(trial: Trial, key: str, value: Any) -> None:
    trial.study._storage.set_trial_system_attr(trial._trial_id, key, value)


class _Step:
    """One stage of the stepwise search: a name, a trial budget and how to suggest."""

    def __init__(
        self,
        name: str,
        n_trials: int,
        suggest: Callable[[Trial], dict[str, Any]],
        grid: list[dict[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.n_trials = n_trials
        self.suggest = suggest
        self.grid = grid


class _BaseTuner:
    """What both tuners share: the steps, the study and the best-so-far bookkeeping."""

    def __init__(
        self,
        params: dict[str, Any],
        train_set: Any,
        num_boost_round: int,
        feval: Any,
        callbacks: list[Callable[..., Any]] | None,
        time_budget: float | None,
        study: Study | None,
        optuna_callbacks: Sequence[Callable[[Study, FrozenTrial], None]] | None,
        show_progress_bar: bool,
        optuna_seed: int | None,
    ) -> None:
        import ferrotune

        if not _AVAILABLE:
            raise missing("lightgbm", type(self).__name__)
        if not isinstance(params, dict):
            raise TypeError(f"`params` must be a dict, but got {params!r}.")
        if not isinstance(train_set, lgb.Dataset):
            raise TypeError(f"`train_set` must be a lightgbm.Dataset, but got {train_set!r}.")
        if isinstance(num_boost_round, bool) or not isinstance(num_boost_round, int):
            raise TypeError(f"`num_boost_round` must be an int, but got {num_boost_round!r}.")
        if num_boost_round < 1:
            raise ValueError(f"`num_boost_round` must be positive, but got {num_boost_round}.")
        if time_budget is not None and not time_budget > 0:
            raise ValueError(f"`time_budget` must be positive or None, got {time_budget!r}.")
        self.lgbm_params = copy.deepcopy(params)
        self.metric = _metric_name(self.lgbm_params)
        self.lgbm_params["metric"] = self.metric
        # Also in the parameters, which lightgbm.train copies to every validation set: a
        # set built without ``reference=train_set`` then matches the training set's
        # parameters (otherwise LightGBM warns "Overriding the parameters from Reference
        # Dataset").
        self.lgbm_params["feature_pre_filter"] = False
        self.higher_is_better = _higher_is_better(self.metric)
        direction = StudyDirection.MAXIMIZE if self.higher_is_better else StudyDirection.MINIMIZE
        if study is None:
            study = ferrotune.create_study(
                direction=direction.name.lower(),
                sampler=ferrotune.samplers.TPESampler(seed=optuna_seed),
            )
        elif study.direction != direction:
            raise ValueError(
                f"The study's direction ({study.direction.name}) does not match the metric "
                f"{self.metric!r}, which must be {direction.name.lower()}d."
            )
        self.study = study
        if getattr(train_set, "_handle", None) is None:
            # min_child_samples changes between trials: LightGBM must not pre-filter
            # features with the first trial's value (as optuna-integration does).
            train_set.params = {**(train_set.params or {}), "feature_pre_filter": False}
        self.train_set = train_set
        self.num_boost_round = num_boost_round
        self.feval = feval
        self.callbacks = callbacks
        self.time_budget = time_budget
        self.optuna_callbacks = list(optuna_callbacks) if optuna_callbacks else None
        self.show_progress_bar = show_progress_bar
        self._best_model: tuple[int, Any] | None = None
        self._start = 0.0

    # -- results -------------------------------------------------------------------------------
    def _tuner_trials(self) -> list[FrozenTrial]:
        return [
            t
            for t in self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if _STEP_KEY in t.system_attrs
        ]

    def _best_trial(self) -> FrozenTrial | None:
        trials = self._tuner_trials()
        if not trials:
            return None
        key = (lambda t: t.value) if self.higher_is_better else (lambda t: -t.value)
        return max(trials, key=key)

    @property
    def best_score(self) -> float:
        """Best validation score found (``-inf``/``inf`` before any trial)."""
        best = self._best_trial()
        if best is None or best.value is None:
            return -math.inf if self.higher_is_better else math.inf
        return float(best.value)

    @property
    def best_params(self) -> dict[str, Any]:
        """``params`` updated with the best tuned values."""
        best = self._best_trial()
        if best is None:
            return copy.deepcopy(self.lgbm_params)
        params: dict[str, Any] = json.loads(best.system_attrs[_PARAMS_KEY])
        return params

    def _current_params(self) -> dict[str, Any]:
        params = copy.deepcopy(self.lgbm_params)
        best = self._best_trial()
        if best is not None:
            params.update(json.loads(best.system_attrs[_PARAMS_KEY]))
        return params

    # -- the stepwise search -----------------------------------------------------------------
    def _stage2_grid(self) -> list[dict[str, Any]]:
        best = float(self._current_params().get("feature_fraction", 1.0))
        values = np.linspace(best - 0.08, best + 0.08, 6)
        return [{"feature_fraction": float(v)} for v in values if 0.4 <= v <= 1.0]

    @staticmethod
    def _steps() -> list[_Step]:
        def feature_fraction(t: Trial) -> dict[str, Any]:
            return {"feature_fraction": t.suggest_float("feature_fraction", 0.4, 1.0)}

        def min_child_samples(t: Trial) -> dict[str, Any]:
            return {"min_child_samples": t.suggest_int("min_child_samples", 5, 100)}

        return [
            _Step(
                "feature_fraction",
                len(_FEATURE_FRACTION_GRID),
                feature_fraction,
                [{"feature_fraction": v} for v in _FEATURE_FRACTION_GRID],
            ),
            _Step(
                "num_leaves",
                20,
                lambda t: {"num_leaves": t.suggest_int("num_leaves", 2, 2**_TREE_DEPTH)},
            ),
            _Step(
                "bagging",
                10,
                lambda t: {
                    "bagging_fraction": t.suggest_float("bagging_fraction", 0.4, 1.0),
                    "bagging_freq": t.suggest_int("bagging_freq", 1, 7),
                },
            ),
            # Grid around the best feature_fraction so far, computed when the step starts.
            _Step("feature_fraction_stage2", 6, feature_fraction, None),
            _Step(
                "regularization_factors",
                20,
                lambda t: {
                    "lambda_l1": t.suggest_float("lambda_l1", 1e-8, 10.0, log=True),
                    "lambda_l2": t.suggest_float("lambda_l2", 1e-8, 10.0, log=True),
                },
            ),
            _Step(
                "min_child_samples",
                len(_MIN_CHILD_SAMPLES_GRID),
                min_child_samples,
                [{"min_child_samples": v} for v in _MIN_CHILD_SAMPLES_GRID],
            ),
        ]

    def run(self) -> None:
        """Run the six tuning steps (skipping those a resumed study already finished)."""
        import ferrotune

        self._start = time.perf_counter()
        level = ferrotune.logging.get_verbosity()
        try:
            for step in self._steps():
                if self._out_of_time():
                    break
                self._run_step(step)
        finally:
            ferrotune.logging.set_verbosity(level)

    def _out_of_time(self) -> bool:
        return (
            self.time_budget is not None and time.perf_counter() - self._start >= self.time_budget
        )

    def _run_step(self, step: _Step) -> None:
        done = sum(
            1
            for t in self.study.get_trials(deepcopy=False)
            if t.system_attrs.get(_STEP_KEY) == step.name and t.state.is_finished()
        )
        grid = step.grid
        if step.name == "feature_fraction_stage2":
            grid = self._stage2_grid()
        n_trials = len(grid) if grid is not None else step.n_trials
        remaining = n_trials - done
        if remaining <= 0:
            return
        if grid is not None:
            for values in grid[done:]:
                self.study.enqueue_trial(values)
        base = self._current_params()
        timeout = None
        if self.time_budget is not None:
            timeout = max(self.time_budget - (time.perf_counter() - self._start), 1e-9)

        def objective(trial: Trial) -> float:
            _set_system_attr(trial, _STEP_KEY, step.name)
            params = {**base, **step.suggest(trial)}
            return self._evaluate(trial, params)

        self.study.optimize(
            objective,
            n_trials=remaining,
            timeout=timeout,
            callbacks=self.optuna_callbacks,
            show_progress_bar=self.show_progress_bar,
        )

    def _record(self, trial: Trial, params: dict[str, Any], elapsed: float, rounds: int) -> None:
        _set_system_attr(trial, _PARAMS_KEY, json.dumps(params))
        _set_system_attr(trial, _ELAPSED_KEY, elapsed)
        _set_system_attr(trial, _AVG_ITER_KEY, elapsed / max(rounds, 1))

    def _keep_if_best(self, trial: Trial, value: float, model: Any) -> None:
        best = self.best_score
        better = value > best if self.higher_is_better else value < best
        if self._best_model is None or better:
            self._best_model = (trial.number, model)

    def _evaluate(self, trial: Trial, params: dict[str, Any]) -> float:
        raise NotImplementedError


class LightGBMTuner(_BaseTuner):
    """Stepwise tuning of ``lightgbm.train`` on a validation set (optuna-integration's
    ``LightGBMTuner``).

    Parameters
    ----------
    params
        LightGBM parameters; ``metric`` (or the objective's default metric) is optimized
        and decides the study direction (``auc``, ``ndcg``, ``map``: maximize).
    train_set
        Training ``lightgbm.Dataset``.
    num_boost_round
        Boosting rounds per trial.
    valid_sets, valid_names
        Validation sets as in ``lightgbm.train``; the score is read from the last one.
    feval, callbacks, keep_training_booster
        Passed to ``lightgbm.train`` (e.g. ``callbacks=[lgb.early_stopping(20)]``).
    time_budget
        Stop starting trials after this many seconds.
    study
        Study to run in (resume or share a storage); created (TPE seeded with
        ``optuna_seed``) when ``None``.
    optuna_callbacks
        Study callbacks ``callback(study, frozen_trial)``.
    show_progress_bar
        Show a progress bar per step (on by default, as in optuna-integration).
    optuna_seed
        Seed of the default study's TPE sampler: the same seed gives the same search.
    feature_name, categorical_feature, sample_size, model_dir
        optuna-integration's arguments, in its positions; not supported: anything but
        ``None`` raises ``ValueError`` (set feature names and categorical features on the
        ``lightgbm.Dataset``; LightGBM 4.6 removed them from ``lightgbm.train``).

    Examples
    --------
    .. code-block:: python

        tuner = LightGBMTuner({"objective": "binary", "metric": "binary_logloss",
                               "verbosity": -1}, dtrain, valid_sets=[dval])
        tuner.run()
        booster = tuner.get_best_booster()
    """

    def __init__(
        self,
        params: dict[str, Any],
        train_set: Any,
        num_boost_round: int = 1000,
        valid_sets: Any = None,
        valid_names: Any = None,
        feval: Any = None,
        feature_name: str | None = None,
        categorical_feature: str | None = None,
        keep_training_booster: bool = False,
        callbacks: list[Callable[..., Any]] | None = None,
        time_budget: float | None = None,
        sample_size: int | None = None,
        study: Study | None = None,
        optuna_callbacks: Sequence[Callable[[Study, FrozenTrial], None]] | None = None,
        model_dir: str | None = None,
        *,
        show_progress_bar: bool = True,
        optuna_seed: int | None = None,
    ) -> None:
        _reject_unsupported(
            feature_name=feature_name,
            categorical_feature=categorical_feature,
            sample_size=sample_size,
            model_dir=model_dir,
        )
        super().__init__(
            params,
            train_set,
            num_boost_round,
            feval,
            callbacks,
            time_budget,
            study,
            optuna_callbacks,
            show_progress_bar,
            optuna_seed,
        )
        if valid_sets is None:
            raise ValueError("`valid_sets` is required: the tuner scores on a validation set.")
        if isinstance(valid_sets, lgb.Dataset):
            valid_sets = [valid_sets]
        if isinstance(valid_names, str):
            valid_names = [valid_names]
        self.valid_sets = list(valid_sets)
        for dataset in self.valid_sets:
            if dataset.reference is train_set and getattr(dataset, "_handle", None) is None:
                # Same construction parameters as the training set (feature_pre_filter).
                dataset.params = {**(dataset.params or {}), **train_set.params}
        self.valid_names = valid_names
        self.keep_training_booster = keep_training_booster
        if valid_names is not None:
            self._valid_name = valid_names[-1]
        else:
            self._valid_name = f"valid_{len(self.valid_sets) - 1}"

    def _evaluate(self, trial: Trial, params: dict[str, Any]) -> float:
        start = time.perf_counter()
        booster = lgb.train(
            params,
            self.train_set,
            num_boost_round=self.num_boost_round,
            valid_sets=self.valid_sets,
            valid_names=self.valid_names,
            feval=self.feval,
            keep_training_booster=self.keep_training_booster,
            callbacks=self.callbacks,
        )
        elapsed = time.perf_counter() - start
        try:
            value = float(booster.best_score[self._valid_name][self.metric])
        except KeyError as err:
            raise ValueError(
                f"LightGBM reported no {self.metric!r} for the validation set "
                f"{self._valid_name!r} (got {dict(booster.best_score)})."
            ) from err
        self._record(trial, params, elapsed, booster.current_iteration())
        self._keep_if_best(trial, value, booster)
        return value

    def get_best_booster(self) -> Any:
        """The ``lightgbm.Booster`` of the best trial (retrained if it came from another
        process, e.g. a resumed study)."""
        best = self._best_trial()
        if best is None:
            raise ValueError("The tuner has no finished trial: call run() first.")
        if self._best_model is not None and self._best_model[0] == best.number:
            return self._best_model[1]
        return lgb.train(
            self.best_params,
            self.train_set,
            num_boost_round=self.num_boost_round,
            valid_sets=self.valid_sets,
            valid_names=self.valid_names,
            feval=self.feval,
            keep_training_booster=self.keep_training_booster,
            callbacks=self.callbacks,
        )


class LightGBMTunerCV(_BaseTuner):
    """Stepwise tuning of ``lightgbm.cv`` (optuna-integration's ``LightGBMTunerCV``).

    The score of a trial is the cross-validated metric at the last (or best, with early
    stopping) boosting round. Parameters are those of :class:`LightGBMTuner` without the
    validation sets, plus ``lightgbm.cv``'s ``folds``, ``nfold``, ``stratified``,
    ``shuffle``, ``fpreproc``, ``seed`` and ``return_cvbooster`` (keep the best trial's
    ``CVBooster`` for :meth:`get_best_booster`), in optuna-integration's order.
    """

    def __init__(
        self,
        params: dict[str, Any],
        train_set: Any,
        num_boost_round: int = 1000,
        folds: Any = None,
        nfold: int = 5,
        stratified: bool = True,
        shuffle: bool = True,
        feval: Any = None,
        feature_name: str | None = None,
        categorical_feature: str | None = None,
        fpreproc: Callable[..., Any] | None = None,
        seed: int = 0,
        callbacks: list[Callable[..., Any]] | None = None,
        time_budget: float | None = None,
        sample_size: int | None = None,
        study: Study | None = None,
        optuna_callbacks: Sequence[Callable[[Study, FrozenTrial], None]] | None = None,
        *,
        show_progress_bar: bool = True,
        model_dir: str | None = None,
        return_cvbooster: bool = False,
        optuna_seed: int | None = None,
    ) -> None:
        _reject_unsupported(
            feature_name=feature_name,
            categorical_feature=categorical_feature,
            sample_size=sample_size,
            model_dir=model_dir,
        )
        super().__init__(
            params,
            train_set,
            num_boost_round,
            feval,
            callbacks,
            time_budget,
            study,
            optuna_callbacks,
            show_progress_bar,
            optuna_seed,
        )
        if isinstance(nfold, bool) or not isinstance(nfold, int) or nfold < 2:
            raise ValueError(f"`nfold` must be an int >= 2, but got {nfold!r}.")
        self.folds = folds
        self.nfold = nfold
        self.stratified = stratified
        self.shuffle = shuffle
        self.fpreproc = fpreproc
        self.seed = seed
        self.return_cvbooster = return_cvbooster

    def _evaluate(self, trial: Trial, params: dict[str, Any]) -> float:
        start = time.perf_counter()
        result = lgb.cv(
            params,
            self.train_set,
            num_boost_round=self.num_boost_round,
            folds=self.folds,
            nfold=self.nfold,
            stratified=self.stratified,
            shuffle=self.shuffle,
            feval=self.feval,
            fpreproc=self.fpreproc,
            seed=self.seed,
            callbacks=self.callbacks,
            return_cvbooster=self.return_cvbooster,
        )
        elapsed = time.perf_counter() - start
        key = f"valid {self.metric}-mean"
        if key not in result:
            raise ValueError(f"lightgbm.cv reported no {key!r} (got {sorted(result)}).")
        curve: list[float] = list(result[key])  # type: ignore[arg-type]
        value = float(curve[-1])
        trial.set_user_attr("cv_scores", [float(v) for v in curve])
        self._record(trial, params, elapsed, len(curve))
        self._keep_if_best(trial, value, result.get("cvbooster"))
        return value

    def get_best_booster(self) -> Any:
        """The best trial's ``lightgbm.CVBooster`` (needs ``return_cvbooster=True``)."""
        if not self.return_cvbooster:
            raise ValueError("get_best_booster() needs `return_cvbooster=True`.")
        best = self._best_trial()
        if best is None:
            raise ValueError("The tuner has no finished trial: call run() first.")
        if self._best_model is not None and self._best_model[0] == best.number:
            return self._best_model[1]
        result = lgb.cv(
            self.best_params,
            self.train_set,
            num_boost_round=self.num_boost_round,
            folds=self.folds,
            nfold=self.nfold,
            stratified=self.stratified,
            shuffle=self.shuffle,
            feval=self.feval,
            fpreproc=self.fpreproc,
            seed=self.seed,
            callbacks=self.callbacks,
            return_cvbooster=True,
        )
        return result["cvbooster"]


def train(
    params: dict[str, Any],
    train_set: Any,
    num_boost_round: int = 1000,
    valid_sets: Any = None,
    valid_names: Any = None,
    feval: Any = None,
    feature_name: str | None = None,
    categorical_feature: str | None = None,
    keep_training_booster: bool = False,
    callbacks: list[Callable[..., Any]] | None = None,
    time_budget: float | None = None,
    sample_size: int | None = None,
    study: Study | None = None,
    optuna_callbacks: Sequence[Callable[[Study, FrozenTrial], None]] | None = None,
    model_dir: str | None = None,
    *,
    show_progress_bar: bool = True,
    optuna_seed: int | None = None,
) -> Any:
    """Drop-in for ``lightgbm.train`` that tunes ``params`` first and returns the best booster.

    The signature is optuna-integration's ``train`` (``lgb.train`` of
    ``optuna.integration.lightgbm``): the arguments of :class:`LightGBMTuner`, in the same
    positions. ``booster.params`` of the result holds the tuned parameters.

    Raises
    ------
    ValueError
        For ``feature_name``, ``categorical_feature`` (removed from ``lightgbm.train`` in
        LightGBM 4.6: set them on the ``lightgbm.Dataset``), ``sample_size`` and
        ``model_dir``, which ferrotune's tuner does not support.
    """
    tuner = LightGBMTuner(
        params,
        train_set,
        num_boost_round,
        valid_sets=valid_sets,
        valid_names=valid_names,
        feval=feval,
        feature_name=feature_name,
        categorical_feature=categorical_feature,
        keep_training_booster=keep_training_booster,
        callbacks=callbacks,
        time_budget=time_budget,
        sample_size=sample_size,
        study=study,
        optuna_callbacks=optuna_callbacks,
        model_dir=model_dir,
        show_progress_bar=show_progress_bar,
        optuna_seed=optuna_seed,
    )
    tuner.run()
    return tuner.get_best_booster()
