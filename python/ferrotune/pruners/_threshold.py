"""Prune a trial whose latest value leaves a fixed range."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ferrotune.pruners._base import BasePruner
from ferrotune.pruners._percentile import _check_int, _is_first_in_interval_step
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


def _check_value(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"The `value` argument is of type '{type(value).__name__}' but supposed to be a "
            f"float: {value!r}."
        ) from None


class ThresholdPruner(BasePruner):
    """Prune a trial whose latest intermediate value is below ``lower``, above ``upper`` or NaN.

    Parameters
    ----------
    lower
        Values below this are pruned (``None``: no lower bound).
    upper
        Values above this are pruned (``None``: no upper bound).
    n_warmup_steps
        No pruning before this step.
    interval_steps
        Steps between pruning checks, counted from ``n_warmup_steps``.

    Raises
    ------
    TypeError
        If neither bound is given, or a bound is not a number.
    ValueError
        If ``lower > upper`` or a step count is out of range.
    """

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        if lower is None and upper is None:
            raise TypeError("Either lower or upper must be specified.")
        low = -math.inf if lower is None else _check_value(lower)
        high = math.inf if upper is None else _check_value(upper)
        n_warmup_steps = _check_int("n_warmup_steps", n_warmup_steps)
        interval_steps = _check_int("interval_steps", interval_steps)
        if low > high:
            raise ValueError(f"lower should be smaller than upper, but got {lower=}, {upper=}.")
        if n_warmup_steps < 0:
            raise ValueError(
                f"Number of warmup steps cannot be negative but got {n_warmup_steps}."
            )
        if interval_steps < 1:
            raise ValueError(
                f"Pruning interval steps must be at least 1 but got {interval_steps}."
            )
        self._lower = low
        self._upper = high
        self._n_warmup_steps = n_warmup_steps
        self._interval_steps = interval_steps

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if the latest value is NaN or outside ``[lower, upper]``."""
        intermediate = trial.intermediate_values
        if not intermediate:
            return False
        step = max(intermediate)
        if step < self._n_warmup_steps:
            return False
        if self._interval_steps != 1 and not _is_first_in_interval_step(
            step, intermediate.keys(), self._n_warmup_steps, self._interval_steps
        ):
            return False
        latest = intermediate[step]
        if math.isnan(latest):
            return True
        return latest < self._lower or latest > self._upper
