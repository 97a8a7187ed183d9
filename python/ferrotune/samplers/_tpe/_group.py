"""Group-decomposed search space (Optuna's ``_GroupDecomposedSearchSpace``), incremental.

The search space is partitioned into groups such that every finished trial's parameter
set is a union of whole groups. Each finished trial is folded in once (O(groups) work per
new trial) instead of rescanning all trials on every call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.distributions import BaseDistribution
from ferrotune.trial._state import TrialState

if TYPE_CHECKING:
    from ferrotune.storages._history import TrialHistory


class GroupDecomposedSearchSpace:
    """Partition of the parameters seen in finished trials into co-occurring groups.

    Parameters
    ----------
    include_pruned
        Also use PRUNED trials (TPE does).
    """

    def __init__(self, include_pruned: bool = False) -> None:
        self._states = (
            (TrialState.COMPLETE, TrialState.PRUNED) if include_pruned else (TrialState.COMPLETE,)
        )
        self._groups: list[dict[str, BaseDistribution]] = []
        self._cursor = 0

    def add_distributions(self, distributions: dict[str, BaseDistribution]) -> None:
        """Refine the partition with one trial's parameter set."""
        keys = set(distributions)
        refined: list[dict[str, BaseDistribution]] = []
        for group in self._groups:
            names = set(group)
            refined.append({n: group[n] for n in names & keys})
            refined.append({n: group[n] for n in names - keys})
            keys -= names
        refined.append({n: distributions[n] for n in keys})
        self._groups = [g for g in refined if g]

    def calculate(self, history: TrialHistory) -> list[dict[str, BaseDistribution]]:
        """Fold in trials finished since the last call and return the groups."""
        trials = history.trials
        for row in range(self._cursor, history.n):
            trial = trials[row]
            if trial.state in self._states:
                self.add_distributions(trial.distributions)
        self._cursor = history.n
        return [dict(g) for g in self._groups]
