"""Study.optimize freezes long-lived objects (the finished trial records) at doubling trial
counts and hands them back to the collector when it ends."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

import ferrotune as ft
from ferrotune.samplers import RandomSampler
from ferrotune.study import _gc
from ferrotune.study._gc import GcShelter

FIRST_FREEZE = 8  # the first milestone in these tests (1024 in use)

ft.logging.set_verbosity(ft.logging.WARNING)


@pytest.fixture(autouse=True)
def _unfrozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(_gc, "FIRST_FREEZE", FIRST_FREEZE)
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def _run(n_trials: int, **kwargs: Any) -> list[int]:
    """Run a study; return the freeze count seen in each trial."""
    seen: list[int] = []

    def objective(trial: ft.Trial) -> float:
        seen.append(gc.get_freeze_count())
        return trial.suggest_float("x", 0.0, 1.0)

    study = ft.create_study(sampler=RandomSampler(seed=0))
    study.optimize(objective, n_trials=n_trials, **kwargs)
    return seen


def test_frozen_after_first_milestone_and_unfrozen_at_the_end() -> None:
    seen = _run(FIRST_FREEZE + 10)
    assert all(count == 0 for count in seen[:FIRST_FREEZE])
    assert all(count > 0 for count in seen[FIRST_FREEZE:])
    assert gc.get_freeze_count() == 0


def test_cycles_frozen_meanwhile_are_collected_after_optimize() -> None:
    kept: list[_Cycle] = []
    refs: list[weakref.ref[_Cycle]] = []

    def objective(trial: ft.Trial) -> float:
        if trial.number == 0:
            kept.append(_Cycle())
            refs.append(weakref.ref(kept[0]))
        elif trial.number == FIRST_FREEZE + 5:
            kept.clear()  # unreachable now, but frozen at trial FIRST_FREEZE
        return trial.suggest_float("x", 0.0, 1.0)

    study = ft.create_study(sampler=RandomSampler(seed=0))
    study.optimize(objective, n_trials=FIRST_FREEZE + 10)
    gc.collect()
    assert refs[0]() is None


@pytest.mark.parametrize("case", ["disabled", "already_frozen", "gc_after_trial", "threads"])
def test_nothing_frozen_when_not_wanted(case: str) -> None:
    kwargs: dict[str, Any] = {}
    if case == "disabled":
        gc.disable()
    elif case == "already_frozen":
        gc.freeze()
    elif case == "gc_after_trial":
        kwargs["gc_after_trial"] = True
    else:
        kwargs["n_jobs"] = 2
    before = gc.get_freeze_count()
    try:
        seen = _run(2 * FIRST_FREEZE + 2, **kwargs)
        after = gc.get_freeze_count()
    finally:
        gc.enable()
        if case == "already_frozen":
            gc.unfreeze()
    # A freeze would add every live tracked object (thousands) to the count. Frozen objects
    # that die meanwhile (garbage of earlier tests, frozen above) lower it, so it may only
    # stay or fall.
    assert max(seen) <= before
    assert after <= before


def test_shelter_ticks_at_doublings() -> None:
    shelter = GcShelter(True)
    counts = []
    for n in range(1, 4 * FIRST_FREEZE + 1):
        shelter.tick(n)
        counts.append(gc.get_freeze_count() > 0)
    assert counts.index(True) == FIRST_FREEZE - 1
    shelter.close()
    assert gc.get_freeze_count() == 0
    shelter.close()  # idempotent
