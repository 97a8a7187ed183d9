"""A CMA-ES run: its start (``x0``, warm start, margin steps) and its state in system attrs."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ferrotune._core import CmaEsOptimizer, cmaes_warm_start_mgd
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.samplers._cmaes._space import FloatArray, _Space
from ferrotune.study._study_direction import StudyDirection
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.storages import BaseStorage

# Values of system attrs stay below 2046 characters, as on Optuna's RDB schema.
_SYSTEM_ATTR_MAX_LENGTH = 2045


@dataclass
class _Run:
    """Per-process index of one CMA-ES run's trials (one study, one search space)."""

    cursor: int = 0
    # generation -> history rows of the trials sampled for that generation
    gen_rows: dict[int, list[int]] = field(default_factory=dict)
    # newest finished trial that stored an optimizer state: (generation, trial number, row)
    state: tuple[int, int, int] | None = None
    optimizer: CmaEsOptimizer | None = None
    # Candidates asked in one batch for the current generation of ``optimizer`` (popped
    # one per trial, last first), with their raw points for CMA-ES with margin.
    batch: list[dict[str, Any]] = field(default_factory=list)
    batch_raw: list[list[float]] = field(default_factory=list)
    batch_owner: tuple[CmaEsOptimizer, int] | None = None


def write_optimizer(
    storage: BaseStorage, trial_id: int, opt_key: str, opt: CmaEsOptimizer
) -> None:
    """Store the optimizer state as base64 chunks ``{opt_key}:0``, ``{opt_key}:1``, ..."""
    text = base64.b64encode(opt.to_bytes()).decode("ascii")
    for i, start in enumerate(range(0, len(text), _SYSTEM_ATTR_MAX_LENGTH)):
        chunk = text[start : start + _SYSTEM_ATTR_MAX_LENGTH]
        storage.set_trial_system_attr(trial_id, f"{opt_key}:{i}", chunk)


def read_optimizer(system_attrs: Mapping[str, Any], opt_key: str) -> CmaEsOptimizer:
    """The optimizer state :func:`write_optimizer` stored in a trial's system attrs."""
    chunks = []
    i = 0
    while (chunk := system_attrs.get(f"{opt_key}:{i}")) is not None:
        chunks.append(chunk)
        i += 1
    return CmaEsOptimizer.from_bytes(base64.b64decode("".join(chunks)))


def x0_to_unit(space: _Space, x0: dict[str, Any]) -> FloatArray:
    """The initial mean ``x0`` (external values) as a point of the unit cube."""
    internal = np.empty(len(space.all_names))
    for i, (name, dist) in enumerate(zip(space.all_names, space.all_dists)):
        if name not in x0:
            raise ValueError(f"`x0` has no value for parameter {name!r}.")
        value = x0[name]
        if isinstance(dist, CategoricalDistribution):
            if not dist._contains(dist.to_internal_repr(value)):
                raise ValueError(f"`x0[{name!r}]` = {value!r} is not one of its choices.")
            internal[i] = dist.to_internal_repr(value)
            continue
        assert isinstance(dist, (FloatDistribution, IntDistribution))
        if not (
            isinstance(value, (int, float))
            and math.isfinite(value)
            and dist.low <= value <= dist.high
        ):
            raise ValueError(
                f"`x0[{name!r}]` = {value!r} is outside the bounds "
                f"[{dist.low}, {dist.high}] of its distribution."
            )
        internal[i] = dist.to_internal_repr(value)  # type: ignore[arg-type]
    unit: FloatArray = np.clip(space.transform(internal[None, :])[0], 0.0, 1.0)
    return unit


def warm_start(
    space: _Space,
    source_trials: Sequence[FrozenTrial],
    direction: StudyDirection,
    consider_pruned_trials: bool,
) -> tuple[FloatArray, float, FloatArray]:
    """Mean, step size and covariance of WS-CMA-ES from the source trials over ``space``."""
    states = [TrialState.COMPLETE]
    if consider_pruned_trials:
        states.append(TrialState.PRUNED)
    wanted = set(space.all_names)
    rows = []
    values = []
    for t in source_trials:
        if t.state not in states or t.value is None or set(t.distributions) != wanted:
            continue
        rows.append(
            [
                dist.to_internal_repr(t.params[n])
                for n, dist in zip(space.all_names, space.all_dists)
            ]
        )
        values.append(t.value if direction == StudyDirection.MINIMIZE else -t.value)
    if not rows:
        raise ValueError("No compatible source_trials")
    x = space.transform(np.asarray(rows, dtype=np.float64))
    mean, sigma, cov = cmaes_warm_start_mgd(x, np.asarray(values, dtype=np.float64))
    return mean, sigma, cov


def margin_steps(space: _Space) -> FloatArray:
    """Step of each dimension in the unit cube for CMA-ES with margin (0 if continuous)."""
    steps = np.zeros(space.dim)
    for i, dist in enumerate(space.dists):
        assert isinstance(dist, (FloatDistribution, IntDistribution))
        if dist.step is not None and not dist.log:
            steps[i] = dist.step / (dist.high - dist.low)
    return steps
