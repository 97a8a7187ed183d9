"""NSGA-II's default after-trial step as a callable (Optuna's ``NSGAIIAfterTrialStrategy``).

:class:`~ferrotune.samplers.NSGAIISampler` runs the same step inline; this object is what
code written against Optuna passes as ``after_trial_strategy`` or wraps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ferrotune.samplers.nsgaii._sampler import _store_constraints

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.trial._frozen import FrozenTrial
    from ferrotune.trial._state import TrialState

# Module-level name so that it can be patched as in Optuna.
_process_constraints_after_trial = _store_constraints


class NSGAIIAfterTrialStrategy:
    """Store ``constraints_func``'s values of each finished trial (nothing when ``None``).

    Parameters
    ----------
    constraints_func
        Maps a finished trial to constraint values (feasible when all ``<= 0``).
    """

    def __init__(
        self, *, constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None
    ) -> None:
        self._constraints_func = constraints_func

    def __call__(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None = None,
    ) -> None:
        """Store the trial's constraint values when ``constraints_func`` is set."""
        if self._constraints_func is not None:
            _process_constraints_after_trial(self._constraints_func, study, trial, state)
