"""MLflow integration: record every finished trial as an MLflow run.

:class:`MLflowCallback` follows optuna-integration's ``MLflowCallback``: pass it in
``study.optimize(..., callbacks=[...])``; each trial becomes a run (named after the trial
number) in the experiment named after the study, with the objective value(s) as metrics,
the parameters as params, and the trial's state, number, timestamps, study direction(s)
and user attributes as tags. :meth:`MLflowCallback.track_in_mlflow` lets the objective log
its own metrics and artifacts into the same run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ferrotune.integration._pruning import missing

try:
    import mlflow

    _AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _AVAILABLE = False

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial, Trial

__all__ = ["MLflowCallback"]

RUN_ID_ATTRIBUTE_KEY = "mlflow_run_id"
_MAX_TAG_LENGTH = 5000


class MLflowCallback:
    """Log each finished trial of a study to MLflow.

    Parameters
    ----------
    tracking_uri
        MLflow tracking URI (e.g. ``"file:///tmp/mlruns"`` or ``"sqlite:///mlflow.db"``);
        ``None`` keeps MLflow's current one.
    metric_name
        Name(s) of the objective metric(s): a string (``value`` by default; multi-objective
        studies get ``<name>_0``, ``<name>_1``, ...) or one name per objective.
    create_experiment
        Create (and use) an experiment named after the study; otherwise log to the active
        experiment.
    mlflow_kwargs
        Extra keyword arguments of ``mlflow.start_run`` (e.g. ``{"nested": True}``).
    tag_study_user_attrs
        Also tag each run with the study's user attributes.
    tag_trial_user_attrs
        Tag each run with the trial's user attributes (default ``True``).

    Examples
    --------
    .. code-block:: python

        callback = MLflowCallback(tracking_uri="sqlite:///mlflow.db", metric_name="accuracy")
        study = ferrotune.create_study(study_name="svc", direction="maximize")
        study.optimize(objective, n_trials=20, callbacks=[callback])
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        metric_name: str | Sequence[str] = "value",
        create_experiment: bool = True,
        mlflow_kwargs: dict[str, Any] | None = None,
        tag_study_user_attrs: bool = False,
        tag_trial_user_attrs: bool = True,
    ) -> None:
        if not _AVAILABLE:
            raise missing("mlflow", "MLflowCallback")
        if not isinstance(metric_name, str) and not (
            isinstance(metric_name, Sequence) and all(isinstance(m, str) for m in metric_name)
        ):
            raise TypeError(
                f"`metric_name` must be a string or a sequence of strings, got {metric_name!r}."
            )
        if mlflow_kwargs is not None and not isinstance(mlflow_kwargs, dict):
            raise TypeError(f"`mlflow_kwargs` must be a dict or None, got {mlflow_kwargs!r}.")
        self._tracking_uri = tracking_uri
        self._metric_name = metric_name
        self._create_experiment = create_experiment
        self._mlflow_kwargs = dict(mlflow_kwargs or {})
        self._tag_study_user_attrs = tag_study_user_attrs
        self._tag_trial_user_attrs = tag_trial_user_attrs

    # -- the callback ----------------------------------------------------------------------------
    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        """Log ``trial`` (called by ``study.optimize`` after each trial)."""
        self._initialize(study)
        run_id = trial.system_attrs.get(RUN_ID_ATTRIBUTE_KEY)
        kwargs = dict(self._mlflow_kwargs)
        if run_id is not None:
            kwargs["run_id"] = run_id
        else:
            kwargs.setdefault("run_name", str(trial.number))
        with mlflow.start_run(**kwargs):
            self._log_metrics(study, trial.values)
            self._log_params(trial.params)
            mlflow.set_tags(self._tags(study, trial))

    def track_in_mlflow(self) -> Callable[[Callable[[Trial], Any]], Callable[[Trial], Any]]:
        """Decorate an objective so that it runs inside the trial's MLflow run.

        The objective can then call ``mlflow.log_metric``/``log_artifact``; the callback
        adds the trial's value, params and tags to the same run afterwards.
        """

        def decorator(func: Callable[[Trial], Any]) -> Callable[[Trial], Any]:
            @functools.wraps(func)
            def wrapper(trial: Trial) -> Any:
                self._initialize(trial.study)
                kwargs = dict(self._mlflow_kwargs)
                kwargs.setdefault("run_name", str(trial.number))
                with mlflow.start_run(**kwargs) as run:
                    trial.study._storage.set_trial_system_attr(
                        trial._trial_id, RUN_ID_ATTRIBUTE_KEY, run.info.run_id
                    )
                    return func(trial)

            return wrapper

        return decorator

    # -- helpers ---------------------------------------------------------------------------------
    def _initialize(self, study: Study) -> None:
        if self._tracking_uri is not None:
            mlflow.set_tracking_uri(self._tracking_uri)
        if self._create_experiment:
            mlflow.set_experiment(study.study_name)

    def _metric_names(self, n: int) -> list[str]:
        if isinstance(self._metric_name, str):
            if n == 1:
                return [self._metric_name]
            return [f"{self._metric_name}_{i}" for i in range(n)]
        names = list(self._metric_name)
        if len(names) != n:
            raise ValueError(
                f"`metric_name` has {len(names)} names but the study has {n} objectives: "
                f"{names!r}."
            )
        return names

    def _log_metrics(self, study: Study, values: Sequence[float] | None) -> None:
        if values is None:
            return
        names = self._metric_names(len(study.directions))
        mlflow.log_metrics({name: float(v) for name, v in zip(names, values, strict=True)})

    @staticmethod
    def _log_params(params: dict[str, Any]) -> None:
        if params:
            mlflow.log_params(params)

    def _tags(self, study: Study, trial: FrozenTrial) -> dict[str, str]:
        tags: dict[str, Any] = {
            "number": trial.number,
            "state": trial.state.name,
            "datetime_start": trial.datetime_start,
            "datetime_complete": trial.datetime_complete,
            "direction": ",".join(d.name for d in study.directions),
        }
        for name, dist in trial.distributions.items():
            tags[f"{name}_distribution"] = dist
        if self._tag_trial_user_attrs:
            tags.update(trial.user_attrs)
        if self._tag_study_user_attrs:
            tags.update(study.user_attrs)
        return {key: str(value)[:_MAX_TAG_LENGTH] for key, value in tags.items()}
