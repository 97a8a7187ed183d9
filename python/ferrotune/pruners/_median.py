"""The median stopping rule."""

from __future__ import annotations

from ferrotune.pruners._percentile import PercentilePruner


class MedianPruner(PercentilePruner):
    """Prune a trial whose best value so far is worse than the median of completed trials.

    The median is taken over the values that COMPLETE trials reported at the trial's current
    step (NaN values ignored). A trial whose intermediate values are all NaN is pruned.
    This is the default pruner of :func:`~ferrotune.create_study`.

    Parameters
    ----------
    n_startup_trials
        No pruning until this many trials have completed.
    n_warmup_steps
        No pruning before this step (steps start at 0).
    interval_steps
        Steps between pruning checks, counted from ``n_warmup_steps``.
    n_min_trials
        Minimum number of completed trials that reported the current step.

    Examples
    --------
    >>> import ferrotune as optuna
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", 0.0, 1.0)
    ...     for step in range(10):
    ...         trial.report(x + 1.0 / (step + 1), step)
    ...         if trial.should_prune():
    ...             raise optuna.TrialPruned()
    ...     return x
    >>> study = optuna.create_study(pruner=optuna.pruners.MedianPruner(n_startup_trials=2))
    >>> study.optimize(objective, n_trials=10)
    """

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        super().__init__(
            50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials
        )
