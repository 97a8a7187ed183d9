"""Multi-objective TPE: the Rust paths propose exactly what the general path does.

With ``_SPLIT_IN_RUST`` on, a multi-objective TPE step is split, weighted and proposed in
one Rust call, and a univariate trial's parameters are proposed together at its first ask
(``samplers/_tpe/_batch.py``). Every run is repeated with those paths off (numpy split in
Python, one ``tpe_propose`` per parameter) and must give bit-identical trials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ferrotune
from ferrotune.samplers import TPESampler
from ferrotune.samplers._tpe import _batch
from ferrotune.samplers._tpe import sampler as tpe_module
from ferrotune.study import Study

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


def _two(trial: Any) -> tuple[float, float]:
    xs = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(5)]
    return sum(x * x for x in xs), sum((x - 2.0) ** 2 for x in xs)


def _three_mixed(trial: Any) -> tuple[float, float, float]:
    a = trial.suggest_int("a", 1, 50, log=True)
    c = trial.suggest_categorical("c", ["p", "q", None])
    x = trial.suggest_float("x", -2.0, 2.0, step=0.5)
    y = trial.suggest_float("y", 1e-3, 1.0, log=True)
    return a * y, (x - 1.0) ** 2 + (c is None), round(x + y, 1)


def _reordered(trial: Any) -> tuple[float, float]:
    # The order of the asks changes from trial to trial; one parameter is conditional.
    names = ["u", "v", "w"] if trial.number % 3 else ["w", "u", "v"]
    vals = {n: trial.suggest_float(n, 0.0, 1.0) for n in names}
    extra = trial.suggest_float("z", 0.0, 1.0) if trial.number % 4 == 1 else 0.0
    return vals["u"] + extra, vals["v"] * vals["w"]


def _pruned_late(trial: Any) -> tuple[float, float]:
    if trial.number == 40:
        trial.suggest_float("x0", -5.0, 5.0)
        raise ferrotune.TrialPruned()
    return _two(trial)


def _optimize(objective: Callable[[Any], Any], n: int = 80) -> Callable[[Study], None]:
    def run(study: Study) -> None:
        study.optimize(objective, n_trials=n)

    return run


def _ask_tell_interleaved(study: Study) -> None:
    pending = []
    for i in range(70):
        trial = study.ask()
        pending.append((trial, _two(trial)))
        if len(pending) >= 2:
            trial, values = pending.pop(i % 2)
            study.tell(trial, values)
    for trial, values in pending:
        study.tell(trial, values)


CASES: dict[str, tuple[dict[str, Any], list[str], Callable[[Study], None]]] = {
    "univariate": ({}, ["minimize", "minimize"], _optimize(_two)),
    "multivariate": ({"multivariate": True}, ["minimize", "maximize"], _optimize(_two)),
    "three_mixed": ({}, ["minimize", "maximize", "minimize"], _optimize(_three_mixed)),
    "reordered": ({}, ["minimize", "minimize"], _optimize(_reordered)),
    "pruned_late": ({}, ["minimize", "minimize"], _optimize(_pruned_late)),
    "liar_ask_tell": ({}, ["minimize", "minimize"], _ask_tell_interleaved),
    "custom_gamma": ({"gamma": lambda n: min(n, 4)}, ["minimize"] * 2, _optimize(_two)),
}


def _trials(study: Study) -> list[tuple[int, str, list[tuple[str, str]]]]:
    return [
        (
            t.number,
            t.state.name,
            sorted((k, v.hex() if isinstance(v, float) else repr(v)) for k, v in t.params.items()),
        )
        for t in study.trials
    ]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_rust_paths_match_general_path(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kwargs, directions, run = CASES[case]
    runs = []
    served = {"batched": 0}
    original = _batch.IndependentBatch.take

    def counting(self: _batch.IndependentBatch, *args: Any) -> Any:
        value = original(self, *args)
        served["batched"] += value is not _batch.MISSING
        return value

    monkeypatch.setattr(_batch.IndependentBatch, "take", counting)
    for in_rust in (True, False):
        monkeypatch.setattr(tpe_module, "_SPLIT_IN_RUST", in_rust)
        sampler = TPESampler(seed=5, n_startup_trials=8, **kwargs)
        study = ferrotune.create_study(sampler=sampler, directions=directions)
        run(study)
        runs.append(_trials(study))
    assert runs[0] == runs[1]
    assert len(runs[0]) >= 70
    if case in ("univariate", "three_mixed", "reordered"):
        assert served["batched"] > 0
    if case in ("multivariate", "custom_gamma"):
        assert served["batched"] == 0


def test_batched_values_need_the_sequential_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial asking in another order than the last one gets fresh proposals."""
    served = []
    original = _batch.IndependentBatch.take

    def recording(self: _batch.IndependentBatch, *args: Any) -> Any:
        value = original(self, *args)
        served.append((args[2], value is not _batch.MISSING))
        return value

    monkeypatch.setattr(_batch.IndependentBatch, "take", recording)
    sampler = TPESampler(seed=1, n_startup_trials=3)
    study = ferrotune.create_study(sampler=sampler, directions=["minimize", "minimize"])
    study.optimize(_two, n_trials=6)
    served.clear()
    trial = study.ask()
    # Reversed order: only x2 is asked at the position (hence with the seed) predicted.
    values = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in reversed(range(5))]
    study.tell(trial, (sum(values), -sum(values)))
    assert served == [("x4", False), ("x3", False), ("x2", True), ("x1", False), ("x0", False)]


def test_seed_queue_survives_pickling_and_reseed() -> None:
    import pickle

    sampler = TPESampler(seed=2, n_startup_trials=2)
    study = ferrotune.create_study(sampler=sampler, directions=["minimize", "minimize"])
    study.optimize(_two, n_trials=5)
    peeked = sampler._peek_seeds(3)
    clone = pickle.loads(pickle.dumps(sampler))
    assert [clone._next_seed() for _ in range(3)] == peeked
    assert [sampler._next_seed() for _ in range(3)] == peeked
    sampler._peek_seeds(2)
    sampler.reseed_rng()
    assert not sampler._seed_queue


def test_peeked_seeds_are_the_sequential_seeds() -> None:
    ahead, sequential = TPESampler(seed=7), TPESampler(seed=7)
    peeked = ahead._peek_seeds(5) + ahead._peek_seeds(9)[5:]
    assert peeked == [sequential._next_seed() for _ in range(9)]
    assert [ahead._next_seed() for _ in range(10)] == [*peeked, sequential._next_seed()]
