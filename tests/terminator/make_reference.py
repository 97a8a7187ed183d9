"""Make data/optuna_terminator_reference.json: Optuna 5.0.0's GP terminator values.

Run once in a venv with ``optuna==5.0.0 torch scipy numpy`` (torch is never needed by the
tests)::

    /path/to/venv/bin/python tests/terminator/make_reference.py

For each case (fixed seeded trials) it records RegretBoundEvaluator and EMMREvaluator values
(EMMR on several prefixes of the trials). Optuna maximises the upper confidence bound over
2048 scrambled Sobol' points; so that the values depend on the GP only, the script draws those
candidate points once (Optuna's own sampler, rounded to 1e-6), stores them, and makes Optuna
use the stored points; the tests give ferrotune the same points.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import torch
from optuna._gp import search_space as gp_search_space
from optuna.distributions import distribution_to_json
from optuna.terminator import EMMREvaluator, RegretBoundEvaluator

OUT = Path(__file__).parent / "data" / "optuna_terminator_reference.json"
N_CANDIDATES = 2048


def _space(kind: str) -> dict[str, optuna.distributions.BaseDistribution]:
    d = optuna.distributions
    if kind == "cont2":
        return {
            "x": d.FloatDistribution(-3.0, 3.0),
            "lr": d.FloatDistribution(1e-3, 1.0, log=True),
        }
    return {
        "x": d.FloatDistribution(-2.0, 2.0),
        "n": d.IntDistribution(1, 9, step=2),
        "opt": d.CategoricalDistribution(["a", "b", "c"]),
    }


def _objective(params: dict[str, Any], noise: float) -> float:
    value = params["x"] ** 2
    if "lr" in params:
        value += (math.log10(params["lr"]) + 1.5) ** 2
    else:
        value += 0.1 * (params["n"] - 5) ** 2 + {"a": 0.0, "b": 0.5, "c": 1.0}[params["opt"]]
    return value + noise


def _trials(kind: str, n: int, seed: int, direction: str) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    space = _space(kind)
    rows = []
    for _ in range(n):
        params: dict[str, Any] = {}
        for name, dist in space.items():
            if isinstance(dist, optuna.distributions.CategoricalDistribution):
                params[name] = dist.choices[int(rng.integers(len(dist.choices)))]
            elif isinstance(dist, optuna.distributions.IntDistribution):
                params[name] = int(rng.choice(np.arange(dist.low, dist.high + 1, dist.step)))
            elif dist.log:
                params[name] = float(np.exp(rng.uniform(np.log(dist.low), np.log(dist.high))))
            else:
                params[name] = float(rng.uniform(dist.low, dist.high))
        value = _objective(params, float(rng.normal(scale=0.1)))
        rows.append({"params": params, "value": -value if direction == "maximize" else value})
    return rows


def _frozen(kind: str, rows: list[dict[str, Any]]) -> list[optuna.trial.FrozenTrial]:
    space = _space(kind)
    return [
        optuna.trial.create_trial(params=r["params"], distributions=space, value=r["value"])
        for r in rows
    ]


def main() -> None:
    torch.set_num_threads(1)
    sample = gp_search_space.SearchSpace.sample_normalized_params
    cases = []
    for name, kind, n, seed, direction in [
        ("cont2_n30_min", "cont2", 30, 0, "minimize"),
        ("mixed3_n25_max", "mixed3", 25, 1, "maximize"),
    ]:
        rows = _trials(kind, n, seed, direction)
        space = _space(kind)
        gp_space = gp_search_space.SearchSpace(space)
        candidates = np.round(sample(gp_space, N_CANDIDATES, np.random.RandomState(seed)), 6)
        # every UCB maximisation below uses these points
        gp_search_space.SearchSpace.sample_normalized_params = (  # type: ignore[method-assign]
            lambda self, n, rng, _c=candidates: _c.copy()
        )
        direction_enum = optuna.study.StudyDirection[direction.upper()]
        trials = _frozen(kind, rows)
        regret = RegretBoundEvaluator().evaluate(trials, direction_enum)
        regret_top = RegretBoundEvaluator(top_trials_ratio=0.8, min_n_trials=5).evaluate(
            trials, direction_enum
        )
        emmr = {str(k): EMMREvaluator().evaluate(trials[:k], direction_enum) for k in (3, 10, n)}
        emmr_det = EMMREvaluator(deterministic_objective=True).evaluate(trials, direction_enum)
        cases.append(
            {
                "name": name,
                "direction": direction,
                "distributions": {k: distribution_to_json(v) for k, v in space.items()},
                "trials": rows,
                "candidates": candidates.tolist(),
                "regret_bound": regret,
                "regret_bound_top08_min5": regret_top,
                "emmr_by_prefix": emmr,
                "emmr_deterministic": emmr_det,
            }
        )
    meta = {"optuna": optuna.__version__, "torch": torch.__version__, "numpy": np.__version__}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}) + "\n")
    print(json.dumps({c["name"]: [c["regret_bound"], c["emmr_by_prefix"]] for c in cases}))


if __name__ == "__main__":
    main()
