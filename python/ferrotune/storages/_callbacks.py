"""Callbacks for trials failed by the heartbeat mechanism."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.trial._frozen import create_trial
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial import FrozenTrial


class RetryFailedTrialCallback:
    """Re-queue a trial failed for lack of heartbeat, up to ``max_retry`` times.

    The retry is added as a WAITING trial with the same parameters (and user attributes);
    the next free worker runs it. Its system attributes record the original trial number
    (``"failed_trial"``) and the chain of retried numbers (``"retry_history"``).

    Parameters
    ----------
    max_retry
        Maximum number of retries of one original trial; ``None`` retries forever.
    inherit_intermediate_values
        Copy the failed trial's intermediate values to the retry.
    """

    def __init__(
        self, max_retry: int | None = None, inherit_intermediate_values: bool = False
    ) -> None:
        if max_retry is not None and (
            isinstance(max_retry, bool) or not isinstance(max_retry, int) or max_retry < 0
        ):
            raise ValueError(f"`max_retry` must be None or a non-negative int, got {max_retry!r}.")
        self._max_retry = max_retry
        self._inherit_intermediate_values = inherit_intermediate_values

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        system_attrs: dict[str, Any] = {
            "failed_trial": trial.number,
            "retry_history": [],
            **trial.system_attrs,
        }
        system_attrs["retry_history"] = [*system_attrs["retry_history"], trial.number]
        if self._max_retry is not None and self._max_retry < len(system_attrs["retry_history"]):
            return
        study.add_trial(
            create_trial(
                state=TrialState.WAITING,
                params=trial.params,
                distributions=trial.distributions,
                user_attrs=trial.user_attrs,
                system_attrs=system_attrs,
                intermediate_values=(
                    trial.intermediate_values if self._inherit_intermediate_values else None
                ),
            )
        )

    @staticmethod
    def retried_trial_number(trial: FrozenTrial) -> int | None:
        """Number of the original failed trial that ``trial`` retries, or ``None``."""
        number = trial.system_attrs.get("failed_trial", None)
        return None if number is None else int(number)

    @staticmethod
    def retry_history(trial: FrozenTrial) -> list[int]:
        """Numbers of the trials retried before ``trial``, oldest first."""
        return list(trial.system_attrs.get("retry_history", []))


class RetryHeartbeatStaleTrialCallback(RetryFailedTrialCallback):
    """Optuna 5.0's name of :class:`RetryFailedTrialCallback` (same behaviour)."""
