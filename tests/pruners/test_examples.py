"""The pruning examples run (objectives only, on a handful of trials)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

import ferrotune

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "name, direction",
    [("pruning_sklearn_partial_fit.py", "maximize"), ("pruning_epoch_loop.py", "minimize")],
)
def test_pruning_example_objective_runs_and_prunes(name: str, direction: str) -> None:
    if name.startswith("pruning_sklearn"):
        pytest.importorskip("sklearn")
    namespace = runpy.run_path(str(EXAMPLES / name))  # defines objective, does not run main
    study = ferrotune.create_study(
        direction=direction,
        sampler=ferrotune.samplers.RandomSampler(seed=0),
        pruner=ferrotune.pruners.MedianPruner(n_startup_trials=2),
    )
    study.optimize(namespace["objective"], n_trials=8)
    states = [t.state for t in study.trials]
    assert ferrotune.TrialState.COMPLETE in states
    assert ferrotune.TrialState.PRUNED in states
