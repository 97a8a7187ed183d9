"""Optimisation quality: ferrotune TPE vs Optuna 5.0 TPE on standard problems.

Usage: python benches/quality_tpe.py [--seeds 10] [--trials 100]

For each problem and seed, runs Optuna's and ferrotune's TPESampler (default, and
``multivariate=False``) and records the regret (best value - known optimum). Prints the
median regret per problem and a one-sided Mann-Whitney U test of "ferrotune is worse than
Optuna with the same options"; ferrotune must not be significantly worse (alpha = 0.01).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import mannwhitneyu

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, table

Objective = Callable[[Any], float]


def branin(t: Any) -> float:
    x = t.suggest_float("x1", -5, 10)
    y = t.suggest_float("x2", 0, 15)
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (y - b * x**2 + c * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


_H_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(t: Any) -> float:
    x = np.array([t.suggest_float(f"x{i}", 0, 1) for i in range(6)])
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(_H_A * (x - _H_P) ** 2, axis=1))))


def rosenbrock(t: Any) -> float:
    x = [t.suggest_float(f"x{i}", -2.048, 2.048) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def ackley5(t: Any) -> float:
    x = np.array([t.suggest_float(f"x{i}", -32.768, 32.768) for i in range(5)])
    return float(
        -20 * np.exp(-0.2 * np.sqrt(np.mean(x**2)))
        - np.exp(np.mean(np.cos(2 * np.pi * x)))
        + 20
        + math.e
    )


def levy5(t: Any) -> float:
    x = np.array([t.suggest_float(f"x{i}", -10, 10) for i in range(5)])
    w = 1 + (x - 1) / 4
    return float(
        np.sin(np.pi * w[0]) ** 2
        + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
        + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    )


def styblinski_tang5(t: Any) -> float:
    x = np.array([t.suggest_float(f"x{i}", -5, 5) for i in range(5)])
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def sphere10(t: Any) -> float:
    return sum(t.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(10))


def mixed(t: Any) -> float:
    x = t.suggest_float("x", -5, 5)
    lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = t.suggest_int("n", 1, 20)
    s = t.suggest_float("s", 0, 1, step=0.05)
    layers = t.suggest_int("layers", 1, 256, log=True)
    cat = t.suggest_categorical("cat", ["a", "b", "c", "d"])
    return (
        (x - 1) ** 2
        + (math.log10(lr) + 3) ** 2
        + (n - 7) ** 2 / 10
        + (s - 0.3) ** 2
        + (math.log2(layers) - 5) ** 2 / 4
        + {"a": 1.0, "b": 0.0, "c": 0.5, "d": 2.0}[cat]
    )


def conditional(t: Any) -> float:
    model = t.suggest_categorical("model", ["linear", "quadratic", "tree"])
    if model == "linear":
        return (t.suggest_float("a", -5, 5) - 2) ** 2 + 0.5
    if model == "quadratic":
        b = t.suggest_float("b", -5, 5)
        c = t.suggest_int("c", 0, 10)
        return (b + 1) ** 2 + (c - 3) ** 2 / 5
    depth = t.suggest_int("depth", 1, 12)
    lr = t.suggest_float("lr", 1e-4, 1, log=True)
    return (depth - 6) ** 2 / 10 + (math.log10(lr) + 2) ** 2 + 1.0


PROBLEMS: dict[str, tuple[Objective, float]] = {
    "Branin": (branin, 0.397887357729739),
    "Hartmann6": (hartmann6, -3.32236801141551),
    "Rosenbrock-4": (rosenbrock, 0.0),
    "Ackley-5": (ackley5, 0.0),
    "Levy-5": (levy5, 0.0),
    "Styblinski-Tang-5": (styblinski_tang5, -39.16616570377142 * 5),
    "Sphere-10": (sphere10, 0.0),
    "Mixed": (mixed, 0.0),
    "Conditional": (conditional, 0.0),
}

CONFIGS = {
    "default": {},
    "multivariate=False": {"multivariate": False},
}


def regret(
    framework: str, problem: str, seed: int, n_trials: int, options: dict[str, Any]
) -> float:
    module = import_framework(framework)
    objective, optimum = PROBLEMS[problem]
    study = module.create_study(sampler=module.samplers.TPESampler(seed=seed, **options))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n_trials)
    return float(study.best_value - optimum)


def duplicates(framework: str, seed: int, n_trials: int) -> int:
    """Duplicated suggestions with ``n_jobs=2`` (constant liar) in a 10 x 10 int grid."""
    module = import_framework(framework)

    def objective(t: Any) -> float:
        x = t.suggest_int("x", 0, 9)
        y = t.suggest_int("y", 0, 9)
        time.sleep(0.002)  # let the two workers overlap
        return (x - 3) ** 2 + (y - 6) ** 2

    study = module.create_study(sampler=module.samplers.TPESampler(seed=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n_trials, n_jobs=2)
    pairs = [(t.params["x"], t.params["y"]) for t in study.trials]
    return len(pairs) - len(set(pairs))


def parallel_report(seeds: int, n_trials: int) -> None:
    rows = [["framework", "median duplicated suggestions", "per seed"]]
    counts: dict[str, list[int]] = {}
    for fw in ("optuna", "ferrotune"):
        counts[fw] = [duplicates(fw, s, n_trials) for s in range(seeds)]
        rows.append([fw, f"{np.median(counts[fw]):.1f}", " ".join(map(str, counts[fw]))])
    print(f"\nn_jobs=2, constant liar, {n_trials} trials on a 10x10 int grid (100 points):")
    print(table(rows))
    p = mannwhitneyu(counts["ferrotune"], counts["optuna"], alternative="greater").pvalue
    verdict = "MORE duplicates" if p < 0.01 else "not more than optuna"
    print(f"one-sided Mann-Whitney U (ferrotune has more duplicates): p = {p:.3f} -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    parser.add_argument("--parallel-only", action="store_true")
    args = parser.parse_args()
    if args.parallel_only:
        parallel_report(args.seeds, 60)
        return
    rows = [
        [
            "problem",
            "options",
            "optuna median regret",
            "ferrotune median regret",
            "p (ferrotune worse)",
            "verdict",
        ]
    ]
    worse = 0
    for problem in args.problems:
        for label, options in CONFIGS.items():
            ref = [regret("optuna", problem, s, args.trials, options) for s in range(args.seeds)]
            ours = [
                regret("ferrotune", problem, s, args.trials, options) for s in range(args.seeds)
            ]
            p = mannwhitneyu(ours, ref, alternative="greater").pvalue
            verdict = "WORSE" if p < 0.01 else "ok"
            worse += verdict == "WORSE"
            rows.append(
                [
                    problem,
                    label,
                    f"{np.median(ref):.4g}",
                    f"{np.median(ours):.4g}",
                    f"{p:.3f}",
                    verdict,
                ]
            )
            print(" | ".join(rows[-1]), flush=True)
    print()
    print(table(rows))
    print(f"\nsignificantly worse (one-sided Mann-Whitney U, alpha 0.01): {worse} cases")
    parallel_report(args.seeds, 60)


if __name__ == "__main__":
    main()
