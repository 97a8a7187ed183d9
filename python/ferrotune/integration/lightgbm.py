"""LightGBM integration, usable as Optuna's drop-in ``lgb`` module.

``import ferrotune.integration.lightgbm as lgb`` gives what ``import
optuna.integration.lightgbm as lgb`` gives: LightGBM's own API (``lgb.Dataset``,
``lgb.early_stopping``, ``lgb.log_evaluation``, ``lgb.cv``, ...), except that ``lgb.train``
tunes the parameters stepwise (:class:`LightGBMTuner`) before it returns the best booster,
plus :class:`LightGBMPruningCallback`, ``LightGBMTuner`` and ``LightGBMTunerCV``.
``lgb.LGBMModel``, ``LGBMClassifier`` and ``LGBMRegressor`` are LightGBM's estimators that
warn, as optuna-integration's do, that the tuner does not tune them.
"""

from __future__ import annotations

import functools
import warnings
from typing import TYPE_CHECKING, Any

from ferrotune.integration._pruning import check_direction, missing, report_and_maybe_prune
from ferrotune.integration.lightgbm_tuner import LightGBMTuner, LightGBMTunerCV, train

if TYPE_CHECKING:
    from ferrotune.trial import Trial

try:
    import lightgbm as _lgb

    _AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _AVAILABLE = False

__all__ = ["LightGBMPruningCallback", "LightGBMTuner", "LightGBMTunerCV", "train"]

_SKLEARN_PROXIES = ("LGBMModel", "LGBMClassifier", "LGBMRegressor")


@functools.cache
def _sklearn_proxy(name: str) -> type:
    """LightGBM's scikit-learn estimator ``name``, warning that the tuner does not tune it."""
    base: type = getattr(_lgb, name)

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            "LightGBMTuner doesn't support sklearn API. "
            "Use `train()` or `LightGBMTuner` for hyperparameter tuning.",
            UserWarning,
            stacklevel=2,
        )
        return object.__new__(cls)

    doc = f"Proxy of ``lightgbm.{name}`` (warns: the LightGBM tuner does not tune it)."
    return type(name, (base,), {"__new__": __new__, "__module__": __name__, "__doc__": doc})


def __getattr__(name: str) -> Any:
    if _AVAILABLE and name in _SKLEARN_PROXIES:
        return _sklearn_proxy(name)
    if _AVAILABLE and name in _lgb.__all__:
        return getattr(_lgb, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    names = set(globals())
    if _AVAILABLE:
        names.update(_lgb.__all__)
    return sorted(names)


class LightGBMPruningCallback:
    """Report a LightGBM validation metric every round and prune unpromising trials.

    Pass it in ``callbacks`` of :func:`lightgbm.train` (or :func:`lightgbm.cv`, where the
    mean over folds is reported). The metric's direction must match the study's.

    Parameters
    ----------
    trial
        The trial being trained.
    metric
        Metric name as LightGBM reports it (e.g. ``"binary_logloss"``, ``"auc"``).
    valid_name
        Name of the validation set in ``valid_names`` (LightGBM's default is ``"valid_0"``).
    report_interval
        Report (and check pruning) every this many rounds.

    Examples
    --------
    .. code-block:: python

        def objective(trial):
            params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1,
                      "learning_rate": trial.suggest_float("learning_rate", 1e-3, 0.3, log=True)}
            callback = LightGBMPruningCallback(trial, "binary_logloss")
            booster = lgb.train(params, dtrain, 100, valid_sets=[dvalid], callbacks=[callback])
            return booster.best_score["valid_0"]["binary_logloss"]
    """

    def __init__(
        self, trial: Trial, metric: str, valid_name: str = "valid_0", report_interval: int = 1
    ) -> None:
        if not _AVAILABLE:
            raise missing("lightgbm", "LightGBMPruningCallback")
        if isinstance(report_interval, bool) or not isinstance(report_interval, int):
            raise TypeError(f"`report_interval` must be an int, but got {report_interval!r}.")
        if report_interval < 1:
            raise ValueError(f"`report_interval` must be at least 1, but got {report_interval}.")
        self._trial = trial
        self._metric = metric
        self._valid_name = valid_name
        self._report_interval = report_interval

    def _find(self, valid_name: str, results: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
        for entry in results:
            name, metric = entry[0], entry[1]
            # LightGBM >= 4 prefixes cv metrics with "valid ".
            if name == valid_name and metric in (self._metric, "valid " + self._metric):
                return entry
        return None

    def __call__(self, env: Any) -> None:
        """Called by LightGBM after each boosting round."""
        if (env.iteration + 1) % self._report_interval != 0:
            return
        results = env.evaluation_result_list or []
        is_cv = bool(results) and len(results[0]) == 5  # cv entries carry a std deviation
        valid_name = "valid" if is_cv else self._valid_name
        entry = self._find(valid_name, results)
        if entry is None:
            raise ValueError(
                f'The entry associated with the validation name "{valid_name}" and the metric '
                f'name "{self._metric}" is not found in the evaluation result list '
                f"{env.evaluation_result_list}."
            )
        score, higher_is_better = entry[2], entry[3]
        check_direction(self._trial, bool(higher_is_better), "LightGBMPruningCallback")
        report_and_maybe_prune(self._trial, float(score), env.iteration)
