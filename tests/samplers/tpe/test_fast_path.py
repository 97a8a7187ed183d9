"""TPE's one-call Rust path (``_core.tpe_propose_split``) proposes what the general path does.

The common case (one objective, no PRUNED or constrained trial, default gamma and weights,
no running-trial observations) is split, weighted and proposed in a single Rust call; every
run here is repeated with that path turned off and must give bit-identical trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import ferrotune
from ferrotune.samplers import TPESampler
from ferrotune.samplers._tpe import sampler as tpe_module
from ferrotune.study import Study
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


def _floats(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(6))


def _mixed(trial: Any) -> float:
    a = trial.suggest_int("a", 1, 100, log=True)
    b = trial.suggest_float("b", 1e-4, 1.0, log=True)
    c = trial.suggest_float("c", -2.0, 2.0, step=0.25)
    d = trial.suggest_categorical("d", ["x", "y", None, 3])
    e = trial.suggest_int("e", -10, 10, step=2)
    return math.log(a) + b + c * c + (0.5 if d == "y" else 0.0) + 0.1 * e


def _ties(trial: Any) -> float:
    return float(round(sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(3))))


def _failing(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    if trial.number % 11 == 2:
        raise ValueError("fails before suggesting y")
    y = trial.suggest_float("y", -5, 5)
    return x * x + y * y


def _pruned(trial: Any) -> float:
    v = sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(3))
    trial.report(v, 0)
    if trial.number % 7 == 3:
        raise ferrotune.TrialPruned()
    return v


def _reported(trial: Any) -> float:
    v = sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(3))
    for step in range(9):
        trial.report(v + 1.0 / (step + 1), step)
        if trial.should_prune():
            raise ferrotune.TrialPruned()
    return v


def _conditional(trial: Any) -> float:
    if trial.suggest_categorical("k", ["a", "b"]) == "a":
        return trial.suggest_float("p", 0, 1)
    return trial.suggest_float("q", 0, 1) + 1


def _optimize(objective: Callable[[Any], float], **kwargs: Any) -> Callable[[Study], None]:
    def run(study: Study) -> None:
        study.optimize(objective, n_trials=kwargs.pop("n_trials", 160), catch=(ValueError,))

    return run


def _ask_tell_out_of_order(study: Study) -> None:
    pending = []
    for i in range(160):
        trial = study.ask()
        pending.append((trial, _floats(trial)))
        if len(pending) >= 3:
            trial, value = pending.pop((7 * i) % len(pending))
            study.tell(trial, value)
    for trial, value in pending:
        study.tell(trial, value)


def _trials(study: Study) -> list[tuple[int, str, list[tuple[str, str]]]]:
    return [
        (
            t.number,
            t.state.name,
            sorted((k, v.hex() if isinstance(v, float) else repr(v)) for k, v in t.params.items()),
        )
        for t in study.trials
    ]


CASES: dict[str, tuple[dict[str, Any], str, Callable[[Study], None], bool]] = {
    # name: (sampler kwargs, direction, run, whether the one-call path must be taken)
    "floats": ({}, "minimize", _optimize(_floats), True),
    "univariate": ({"multivariate": False}, "minimize", _optimize(_floats), True),
    "mixed_maximize": ({}, "maximize", _optimize(_mixed), True),
    "ties": ({}, "minimize", _optimize(_ties), True),
    "no_liar_ask_tell": ({"constant_liar": False}, "minimize", _ask_tell_out_of_order, True),
    "liar_ask_tell": ({}, "minimize", _ask_tell_out_of_order, False),
    "conditional": ({}, "minimize", _optimize(_conditional), True),
    "group": ({"group": True}, "minimize", _optimize(_conditional), True),
    "failing": ({}, "minimize", _optimize(_failing), False),
    "pruned": ({}, "minimize", _optimize(_pruned), False),
    "custom_gamma": ({"gamma": lambda n: min(n, 3)}, "minimize", _optimize(_floats), False),
    # The sampler sees one bracket's history at a time (its cache follows the bracket).
    "hyperband": ({}, "hyperband", _optimize(_reported), True),
}


@pytest.mark.parametrize("incremental", [True, False])
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.filterwarnings(
    "ignore::FutureWarning", "ignore::ferrotune.exceptions.ExperimentalWarning"
)
def test_one_call_path_matches_general_path(
    case: str, incremental: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs, direction, run, fast_expected = CASES[case]
    calls = {"fast": 0, "declined": 0}
    original = tpe_module._core.tpe_propose_split

    def counting(**kwargs: Any) -> Any:
        result = original(**kwargs)
        calls["fast" if result is not None else "declined"] += 1
        return result

    monkeypatch.setattr(tpe_module._core, "tpe_propose_split", counting)
    runs = []
    for one_call in (True, False):
        monkeypatch.setattr(tpe_module, "_SPLIT_IN_RUST", one_call)
        sampler = TPESampler(seed=3, n_startup_trials=5, **kwargs)
        sampler._incremental_above = incremental
        if direction == "hyperband":
            study = ferrotune.create_study(
                study_name="fixed-brackets",
                sampler=sampler,
                pruner=ferrotune.pruners.HyperbandPruner(max_resource=9),
            )
        else:
            study = ferrotune.create_study(sampler=sampler, direction=direction)
        run(study)
        runs.append(_trials(study))
    assert runs[0] == runs[1]
    assert (calls["fast"] > 0) == fast_expected


def test_one_call_path_declines_when_a_trial_is_pruned_later() -> None:
    # The common case ends when the first PRUNED trial arrives; proposals continue on the
    # general path with the same state.
    runs = []
    for one_call in (True, False):
        tpe_module._SPLIT_IN_RUST = one_call
        try:
            study = ferrotune.create_study(sampler=TPESampler(seed=1, n_startup_trials=5))
            study.optimize(_floats, n_trials=60)
            trial = study.ask()
            _floats(trial)
            study.tell(trial, state=TrialState.PRUNED)
            study.optimize(_floats, n_trials=40)
            runs.append(_trials(study))
        finally:
            tpe_module._SPLIT_IN_RUST = True
    assert runs[0] == runs[1]
