"""XGBoost integration: a pruning callback for ``xgboost.train`` and ``xgboost.cv``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.integration._pruning import missing, report_and_maybe_prune

if TYPE_CHECKING:
    from ferrotune.trial import Trial

try:
    import xgboost as _xgb

    _Base: Any = _xgb.callback.TrainingCallback
    _AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _Base = object
    _AVAILABLE = False


class XGBoostPruningCallback(_Base):  # type: ignore[misc]
    """Report an XGBoost evaluation metric every round and prune unpromising trials.

    Pass it in ``callbacks`` of :func:`xgboost.train` (or :func:`xgboost.cv`, where the mean
    over folds is reported).

    Parameters
    ----------
    trial
        The trial being trained.
    observation_key
        ``"<eval set name>-<metric>"``, e.g. ``"validation-logloss"`` for
        ``evals=[(dvalid, "validation")]`` and ``eval_metric="logloss"``.

    Examples
    --------
    .. code-block:: python

        def objective(trial):
            params = {"objective": "binary:logistic", "eval_metric": "logloss",
                      "eta": trial.suggest_float("eta", 1e-3, 0.5, log=True)}
            callback = XGBoostPruningCallback(trial, "validation-logloss")
            booster = xgb.train(params, dtrain, 100, evals=[(dvalid, "validation")],
                                callbacks=[callback])
            return float(booster.eval(dvalid).split(":")[1])
    """

    def __init__(self, trial: Trial, observation_key: str) -> None:
        if not _AVAILABLE:
            raise missing("xgboost", "XGBoostPruningCallback")
        super().__init__()
        self._trial = trial
        self._observation_key = observation_key
        self._is_cv = False

    def before_training(self, model: Any) -> Any:
        """Note whether this is a cross-validation run (``model`` is then not a Booster)."""
        self._is_cv = not isinstance(model, _xgb.Booster)
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        """Report the round's metric; raise :class:`~ferrotune.TrialPruned` to stop."""
        scores: dict[str, float] = {}
        for dataset, metrics in evals_log.items():
            for metric, history in metrics.items():
                last = history[-1]
                # cv logs (mean, std) pairs; plain training logs floats
                scores[f"{dataset}-{metric}"] = float(last[0] if self._is_cv else last)
        if self._observation_key not in scores:
            raise ValueError(
                f"The observation key {self._observation_key!r} is not among the evaluation "
                f"results {sorted(scores)}."
            )
        report_and_maybe_prune(self._trial, scores[self._observation_key], epoch)
        return False
