"""Independent (univariate) TPE proposals of one trial, computed in one Rust call.

A univariate trial (MOTPE's default) asks ``sample_independent`` once per parameter, each
a full TPE step over the same split. At the trial's first call, the parameters the
previous trial asked for, in its order, are proposed together by
``_core.tpe_propose_split_batch`` (the split computed once, the proposals in parallel with
the lock released), with the seeds the sequential calls will draw next (peeked from the
sampler's seed stream, not consumed).

A later call uses its batched value only if it is exactly what the sequential path would
propose: same trial, same distribution, same history length, no other running trial
(constant liar) and the seed it draws is the one the value was computed with. Otherwise it
takes the sequential path, so the proposals never depend on the batching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune import _core
from ferrotune.distributions import BaseDistribution

if TYPE_CHECKING:
    from ferrotune.samplers._tpe._state import StudyCache
    from ferrotune.storages._history import TrialHistory

# What ``take`` returns when there is no valid batched value (a value can be ``None``).
MISSING: Any = object()


class IndependentBatch:
    """Per-study state: the current trial's batched values and the last trial's order."""

    __slots__ = ("entries", "n", "order_current", "order_last", "order_trial", "trial_id")

    def __init__(self) -> None:
        self.trial_id: int | None = None
        self.n = -1
        # name -> (distribution, seed, external value)
        self.entries: dict[str, tuple[BaseDistribution, int, Any]] = {}
        self.order_last: list[tuple[str, BaseDistribution]] = []
        self.order_current: list[tuple[str, BaseDistribution]] = []
        self.order_trial: int | None = None

    def note(self, trial_id: int, name: str, dist: BaseDistribution) -> bool:
        """Record that ``trial_id`` asks for ``name``; return whether it is its first ask."""
        first = trial_id != self.order_trial
        if first:
            if self.order_current:
                self.order_last = self.order_current
            self.order_current = []
            self.order_trial = trial_id
        self.order_current.append((name, dist))
        return first

    def predicted(self) -> list[tuple[str, BaseDistribution]]:
        """The previous trial's parameters in its order, each once."""
        seen: set[str] = set()
        out = []
        for name, dist in self.order_last:
            if name not in seen:
                seen.add(name)
                out.append((name, dist))
        return out

    def take(self, trial_id: int, n: int, name: str, dist: BaseDistribution, seed: int) -> Any:
        """The batched value of ``name`` if valid for this call, else :data:`MISSING`."""
        if trial_id != self.trial_id or n != self.n:
            return MISSING
        entry = self.entries.pop(name, None)
        if entry is None or entry[1] != seed or (entry[0] is not dist and entry[0] != dist):
            return MISSING
        return entry[2]

    def reset(self, trial_id: int, n: int) -> None:
        """Start the batch of ``trial_id`` at history length ``n`` (no value yet)."""
        self.trial_id = trial_id
        self.n = n
        self.entries = {}


def propose_batch(
    cache: StudyCache,
    history: TrialHistory,
    order: list[tuple[str, BaseDistribution]],
    seeds: list[int],
    minimize: list[bool],
    incremental: bool,
) -> dict[str, tuple[BaseDistribution, int, Any]] | None:
    """Propose every parameter of ``order`` (its seed at the same position) in one call.

    Returns ``name -> (distribution, seed, external value)`` for the parameters the
    one-call path serves, or ``None`` when the history is not its common case.
    """
    params = history.materialize()._params
    items = [(nd, seed) for nd, seed in zip(order, seeds, strict=True) if nd[0] in params]
    if not items:
        return None
    plans = [cache.plan([name], [dist]) for (name, dist), _ in items]
    result = _core.tpe_propose_split_batch(
        spaces=[plan.space for plan in plans],
        history={
            "n": history.n,
            "states": history._states,
            "values": history._values,
            "violation": history._violation,
            "numbers": history._numbers,
            "columns": [params[name] for (name, _), _ in items],
            "minimize": minimize,
        },
        state={
            "sorted": [plan.sorted[0] for plan in plans],
            "split": cache.split_state,
            "above": [plan.above if incremental else None for plan in plans],
        },
        seeds=[seed for _, seed in items],
    )
    if result is None:
        return None
    entries: dict[str, tuple[BaseDistribution, int, Any]] = {}
    for ((name, dist), seed), plan, values in zip(items, plans, result, strict=True):
        if values is not None:
            value = values[0] if plan.floats_only else dist.to_external_repr(values[0])
            entries[name] = (dist, seed, value)
    return entries
