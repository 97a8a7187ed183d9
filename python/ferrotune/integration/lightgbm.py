"""LightGBM integration: a pruning callback for ``lightgbm.train`` and ``lightgbm.cv``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.integration._pruning import check_direction, missing, report_and_maybe_prune

if TYPE_CHECKING:
    from ferrotune.trial import Trial

try:
    import lightgbm as _lgb  # noqa: F401

    _AVAILABLE = True
except ImportError:  # pragma: no cover - depends on the environment
    _AVAILABLE = False


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
