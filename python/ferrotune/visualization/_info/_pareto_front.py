"""Data of ``plot_pareto_front``: best and dominated trials, feasibility."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ferrotune.logging import get_logger
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState
from ferrotune.visualization._info._common import FloatArray

if TYPE_CHECKING:
    from ferrotune.study import Study

_logger = get_logger(__name__)


@dataclass
class ParetoInfo:
    n_targets: int
    target_names: list[str]
    best: list[tuple[int, list[float]]]
    non_best: list[tuple[int, list[float]]]
    infeasible: list[tuple[int, list[float]]]
    include_dominated_trials: bool
    has_constraints: bool


def _dominates_any(loss: FloatArray) -> npt.NDArray[np.bool_]:
    from ferrotune.study._multi_objective import pareto_front_rows

    mask = np.zeros(loss.shape[0], dtype=bool)
    mask[pareto_front_rows(loss)] = True
    return mask


def pareto_front_info(
    study: Study,
    target_names: list[str] | None,
    include_dominated_trials: bool,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None,
) -> ParetoInfo:
    if constraints_func is not None:
        warnings.warn(
            "`constraints_func` has been deprecated in v4.0.0. This feature will be removed in "
            "v6.0.0. Set constraints with `trial.set_constraint` instead.",
            FutureWarning,
            stacklevel=3,
        )
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    feasible: list[FrozenTrial] = []
    infeasible: list[FrozenTrial] = []
    has_constraints = False
    for t in trials:
        if constraints_func is not None:
            has_constraints = True
            ok = all(c <= 0.0 for c in constraints_func(t))
        else:
            cons = t.constraints
            has_constraints |= bool(cons)
            ok = all(c <= 0.0 for c in cons.values())
        (feasible if ok else infeasible).append(t)
    if feasible:
        signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in study.directions])
        loss = np.array([t.values for t in feasible], dtype=np.float64) * signs
        on_front = _dominates_any(loss)
    else:
        on_front = np.zeros(0, dtype=bool)
    best = [t for t, f in zip(feasible, on_front) if f]
    non_best = [t for t, f in zip(feasible, on_front) if not f] if include_dominated_trials else []
    if not best:
        what = "completed and feasible" if has_constraints else "completed"
        _logger.warning(f"Your study does not have any {what} trials. ")
    if targets is None:
        if len(study.directions) not in (2, 3):
            raise ValueError(
                "`plot_pareto_front` function only supports 2 or 3 objective studies when using "
                "`targets` is `None`. Please use `targets` if your objective studies have more "
                "than 3 objectives."
            )

        def _default(t: FrozenTrial) -> Sequence[float]:
            return list(t.values or [])

        targets = _default

    def _with_values(ts: list[FrozenTrial]) -> list[tuple[int, list[float]]]:
        out = []
        for t in ts:
            v = targets(t)
            if not isinstance(v, Sequence):
                raise ValueError(
                    "`targets` should return a sequence of target values. "
                    f"your `targets` returns {type(v)}"
                )
            out.append((t.number, [float(x) for x in v]))
        return out

    best_v, non_best_v, infeasible_v = (
        _with_values(best),
        _with_values(non_best),
        _with_values(infeasible),
    )
    n_targets: int | None = None
    for group in (best_v, infeasible_v):
        if group:
            n_targets = len(group[0][1])
            break
    if n_targets is None:
        if target_names is not None:
            n_targets = len(target_names)
        elif targets is not None and len(study.directions) not in (2, 3):
            raise ValueError(
                "If `targets` is specified for empty studies, `target_names` must be specified."
            )
        else:
            n_targets = len(study.directions)
    if n_targets not in (2, 3):
        raise ValueError(
            f"`plot_pareto_front` function only supports 2 or 3 targets. you used {n_targets} "
            "targets now."
        )
    if target_names is None:
        target_names = study.metric_names or [f"Objective {i}" for i in range(n_targets)]
    elif len(target_names) != n_targets:
        raise ValueError(f"The length of `target_names` is supposed to be {n_targets}.")
    return ParetoInfo(
        n_targets, list(target_names), best_v, non_best_v, infeasible_v,
        include_dominated_trials, has_constraints,
    )  # fmt: skip
