"""RegretBoundEvaluator and EMMREvaluator against Optuna 5.0.0 (data/, make_reference.py).

Optuna maximises the upper confidence bound over 2048 scrambled Sobol' points; the reference
stores those points and the tests hand ferrotune the same ones, so the values compared
depend on the Gaussian process only (kernel, prior, MAP fit, posterior). The fit stops at
Optuna's gradient tolerance, so the values agree to a few per cent, not to the last digit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.terminator.conftest import QUIET

import ferrotune
import ferrotune.terminator as ft
from ferrotune.distributions import json_to_distribution
from ferrotune.study import StudyDirection
from ferrotune.terminator import _gp

pytestmark = QUIET
REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "optuna_terminator_reference.json").read_text()
)
CASES = {case["name"]: case for case in REFERENCE["cases"]}
REL = 0.01


def _trials(case: dict[str, Any]) -> list[ferrotune.trial.FrozenTrial]:
    space = {k: json_to_distribution(v) for k, v in case["distributions"].items()}
    return [
        ferrotune.trial.create_trial(params=row["params"], distributions=space, value=row["value"])
        for row in case["trials"]
    ]


@pytest.fixture
def case(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    data: dict[str, Any] = CASES[request.param]
    candidates = np.array(data["candidates"], dtype=np.float64)
    monkeypatch.setattr(_gp, "sample_candidates", lambda space, n, rng: candidates.copy())
    return data


def _direction(case: dict[str, Any]) -> StudyDirection:
    return StudyDirection[case["direction"].upper()]


@pytest.mark.parametrize("case", sorted(CASES), indirect=True)
def test_regret_bound_matches_optuna(case: dict[str, Any]) -> None:
    trials = _trials(case)
    ours = ft.RegretBoundEvaluator().evaluate(trials, _direction(case))
    assert ours == pytest.approx(case["regret_bound"], rel=REL)
    top = ft.RegretBoundEvaluator(top_trials_ratio=0.8, min_n_trials=5)
    assert top.evaluate(trials, _direction(case)) == pytest.approx(
        case["regret_bound_top08_min5"], rel=REL
    )


@pytest.mark.parametrize("case", sorted(CASES), indirect=True)
def test_emmr_matches_optuna(case: dict[str, Any]) -> None:
    trials = _trials(case)
    for prefix, expected in case["emmr_by_prefix"].items():
        ours = ft.EMMREvaluator().evaluate(trials[: int(prefix)], _direction(case))
        assert ours == pytest.approx(expected, rel=REL, abs=1e-3), prefix
    deterministic = ft.EMMREvaluator(deterministic_objective=True)
    assert deterministic.evaluate(trials, _direction(case)) == pytest.approx(
        case["emmr_deterministic"], rel=REL
    )
