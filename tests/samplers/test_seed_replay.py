"""Same seed, same trials: studies replayed against trials recorded in ``data/seed_replay.json``.

The recording pins what each sampler proposes for a fixed seed, so a refactor of the sampling
code (Python or Rust) that changes a single proposal fails here. Regenerate the file only for an
intended change of behaviour: ``python tests/samplers/test_seed_replay.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ferrotune
from ferrotune.samplers import BaseSampler, CmaEsSampler, NSGAIISampler, TPESampler

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

pytestmark = [
    pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

RECORDING = Path(__file__).parent / "data" / "seed_replay.json"


def _mixed_objective(trial: ferrotune.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    depth = trial.suggest_int("depth", 1, 12)
    units = trial.suggest_int("units", 16, 256, step=16)
    act = trial.suggest_categorical("act", ["relu", "tanh", "gelu"])
    q = trial.suggest_float("q", 0.0, 1.0, step=0.1)
    penalty = {"relu": 0.0, "tanh": 0.3, "gelu": 0.1}[act]
    return (
        (x - 1.3) ** 2 + (math.log10(lr) + 3.0) ** 2 + abs(depth - 7) + units / 256 + penalty + q
    )


def _conditional_objective(trial: ferrotune.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if kind == "a":
        return trial.suggest_float("a", -3.0, 3.0) ** 2
    return 1.0 + (trial.suggest_int("b", -10, 10) - 2) ** 2 / 10


def _numeric_objective(trial: ferrotune.Trial) -> float:
    xs = [trial.suggest_float(f"x{i}", -4.0, 4.0) for i in range(4)]
    n = trial.suggest_int("n", -8, 8)
    return sum((x - 0.5 * i) ** 2 for i, x in enumerate(xs)) + (n - 3) ** 2


def _two_objectives(trial: ferrotune.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    c = trial.suggest_categorical("c", [0, 1, 2])
    return x + 0.1 * c, (1.0 - math.sqrt(x)) * (1.0 + y) + 0.05 * c


# name -> (sampler factory, objective, directions, number of trials)
CASES: dict[str, tuple[Callable[[], BaseSampler], Callable[..., Any], list[str], int]] = {
    "tpe_univariate": (lambda: TPESampler(seed=11), _mixed_objective, ["minimize"], 60),
    "tpe_multivariate": (
        lambda: TPESampler(seed=12, multivariate=True),
        _mixed_objective,
        ["minimize"],
        60,
    ),
    "tpe_multivariate_group": (
        lambda: TPESampler(seed=13, multivariate=True, group=True),
        _conditional_objective,
        ["minimize"],
        50,
    ),
    "tpe_constant_liar_prior": (
        lambda: TPESampler(seed=14, constant_liar=True, consider_prior=True, n_startup_trials=5),
        _numeric_objective,
        ["maximize"],
        40,
    ),
    "motpe": (lambda: TPESampler(seed=15), _two_objectives, ["minimize", "minimize"], 50),
    "cmaes": (lambda: CmaEsSampler(seed=21), _numeric_objective, ["minimize"], 60),
    "cmaes_sep": (
        lambda: CmaEsSampler(seed=22, use_separable_cma=True),
        _numeric_objective,
        ["minimize"],
        40,
    ),
    "cmaes_margin": (
        lambda: CmaEsSampler(seed=23, with_margin=True),
        _numeric_objective,
        ["minimize"],
        40,
    ),
    "cmaes_ipop": (
        lambda: CmaEsSampler(seed=24, restart_strategy="ipop", popsize=4, inc_popsize=2),
        _numeric_objective,
        ["minimize"],
        60,
    ),
    "nsgaii": (
        lambda: NSGAIISampler(seed=31, population_size=10),
        _two_objectives,
        ["minimize", "minimize"],
        60,
    ),
}


def _replay(name: str) -> list[dict[str, Any]]:
    make_sampler, objective, directions, n_trials = CASES[name]
    study = ferrotune.create_study(directions=directions, sampler=make_sampler())
    study.optimize(objective, n_trials=n_trials)
    return [{"params": t.params, "values": t.values} for t in study.get_trials(deepcopy=False)]


def _recorded() -> dict[str, list[dict[str, Any]]]:
    return json.loads(RECORDING.read_text())


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_trials_as_recorded(name: str) -> None:
    recorded = _recorded()[name]
    replayed = json.loads(json.dumps(_replay(name)))
    assert len(replayed) == len(recorded)
    for number, (got, want) in enumerate(zip(replayed, recorded)):
        assert got == want, f"{name}: trial {number} differs from the recording"


if __name__ == "__main__":
    RECORDING.write_text(
        json.dumps({name: _replay(name) for name in sorted(CASES)}, indent=1) + "\n"
    )
    print(f"wrote {RECORDING}")
