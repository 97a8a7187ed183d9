"""Parameter importance: ferrotune vs Optuna 5.0 on the same trials.

Usage: python benches/compare_importance.py [--fanova-trials 2000] [--ped-trials 10000]
                                            [--repeats 3] [--optuna-repeats 1]

Both libraries get identical studies (10 float params, RandomSampler-like uniform draws added
with ``create_trial``); only the importance call is timed. fANOVA in Optuna takes about a
minute at 2,000 trials on this machine, so it runs ``--optuna-repeats`` times (default once).
Prints a markdown table of medians, ratios and the largest difference of the normalised
importances between the two libraries.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, table

N_PARAMS = 10


def build(module: Any, n_trials: int, seed: int = 0) -> Any:
    """A study with ``n_trials`` complete trials; x0 dominant, x1 weak, x2*x3 interaction."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n_trials, N_PARAMS))
    y = 8 * x[:, 0] + 1 * x[:, 1] + 4 * x[:, 2] * x[:, 3] + 0.1 * rng.normal(size=n_trials)
    dist = module.distributions.FloatDistribution(0.0, 1.0)
    study = module.create_study()
    study.add_trials(
        [
            module.trial.create_trial(
                params={f"x{j}": float(x[i, j]) for j in range(N_PARAMS)},
                distributions={f"x{j}": dist for j in range(N_PARAMS)},
                value=float(y[i]),
            )
            for i in range(n_trials)
        ]
    )
    return study


def timed(fn: Callable[[], dict[str, float]]) -> tuple[float, float, dict[str, float]]:
    """Wall time, process CPU time (all threads) and the result of ``fn``."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - start, time.process_time() - cpu, out


def measure(
    evaluator_name: str, n_trials: int, repeats: dict[str, int], kwargs: dict[str, Any]
) -> list[str]:
    times: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    results: dict[str, dict[str, float]] = {}
    studies = {name: build(import_framework(name), n_trials) for name in ("ferrotune", "optuna")}
    for name in ("ferrotune", "optuna"):
        module = import_framework(name)
        evaluator_cls = getattr(module.importance, evaluator_name)
        for _ in range(repeats[name]):
            elapsed, cpu, res = timed(
                lambda m=module, c=evaluator_cls, s=studies[name]: (
                    m.importance.get_param_importances(s, evaluator=c(**kwargs))
                )
            )
            times.setdefault(name, []).append(elapsed)
            cpus.setdefault(name, []).append(cpu)
            results[name] = {k: float(v) for k, v in res.items()}
        print(
            f"{evaluator_name} {name} n={n_trials}: wall {[f'{t:.3f}' for t in times[name]]} s,"
            f" cpu {[f'{t:.3f}' for t in cpus[name]]} s",
            flush=True,
        )
    ours, theirs = results["ferrotune"], results["optuna"]
    diff = max(abs(ours[k] - theirs[k]) for k in theirs)
    top = ",".join(list(ours)[:4])
    med_f = statistics.median(times["ferrotune"])
    med_o = statistics.median(times["optuna"])
    cpu_f = statistics.median(cpus["ferrotune"])
    cpu_o = statistics.median(cpus["optuna"])
    return [
        evaluator_name.replace("ImportanceEvaluator", ""),
        str(n_trials),
        f"{med_f:.3f}",
        f"{med_o:.3f}",
        f"{med_o / med_f:.1f}x",
        f"{cpu_f:.3f}",
        f"{cpu_o:.3f}",
        f"{cpu_o / cpu_f:.1f}x",
        f"{diff:.4f}",
        top,
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fanova-trials", type=int, default=2000)
    parser.add_argument("--ped-trials", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optuna-repeats", type=int, default=1)
    args = parser.parse_args()
    reps = {"ferrotune": args.repeats, "optuna": args.optuna_repeats}
    reps_cheap = {"ferrotune": args.repeats, "optuna": args.repeats}
    rows = [
        [
            "evaluator",
            "trials",
            "ferrotune wall s",
            "optuna wall s",
            "wall speed-up",
            "ferrotune cpu s",
            "optuna cpu s",
            "cpu ratio",
            "max |diff|",
            "ferrotune top 4",
        ]
    ]
    rows.append(measure("FanovaImportanceEvaluator", args.fanova_trials, reps, {"seed": 0}))
    rows.append(
        measure(
            "MeanDecreaseImpurityImportanceEvaluator", args.fanova_trials, reps_cheap, {"seed": 0}
        )
    )
    rows.append(measure("PedAnovaImportanceEvaluator", args.ped_trials, reps_cheap, {}))
    print()
    print(
        f"{N_PARAMS} float params; medians of {args.repeats} ferrotune runs, "
        f"{args.optuna_repeats} Optuna fANOVA run(s)"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
