"""GPSampler quality: ferrotune vs Optuna 5.0 (torch) and vs ferrotune's TPE, on 9 problems.

Usage (``$TORCH_VENV``: a venv with ``optuna==5.0.0 torch scipy greenlet``)::

    # Optuna's side is slow (~0.1-0.5 s per trial): fill its cache first, in the background
    nice -n 10 python benches/quality_gp.py --optuna-only --optuna-python $TORCH_VENV/bin/python
    # then the comparison (Optuna's per-seed results come from the cache)
    python benches/quality_gp.py --optuna-python $TORCH_VENV/bin/python

Problems: Branin (2-D), Hartmann6, Rosenbrock-5, Ackley-4, Levy-10 (continuous); IntLog (int,
log-int, log-float, stepped float); Categorical (two floats, two categoricals with an
interaction); Constrained (Rosenbrock-2 with a cubic and a linear constraint set through
``trial.set_constraint``; score = best feasible value, +inf if none); ZDT1-4 (2 objectives,
score = hypervolume w.r.t. the fixed reference point (1.1, 11)). Single-objective scores are the
regret (best value - known optimum).

Each run is a child process (``--worker``): Optuna's runs use ``--optuna-python`` (a venv with
optuna 5.0 + torch; ``OMP_NUM_THREADS=1``), ferrotune's use this interpreter. Optuna's per-seed
scores are cached in ``benches/results/quality_gp_optuna.json`` (keyed by problem, seed,
trials; written after every run, so an interrupted fill keeps its results);
``--recompute-optuna`` ignores the cache. The verdict is a one-sided Mann-Whitney U test of
"ferrotune GP is worse than Optuna GP" (alpha = 0.01); the second table tests ferrotune GP
against ferrotune TPE both ways.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, table
from quality_tpe import branin, hartmann6  # the same test functions as TPE's bench

CACHE = Path(__file__).resolve().parent / "results" / "quality_gp_optuna.json"
Objective = Callable[[Any], Any]


def rosenbrock5(t: Any) -> float:
    x = [t.suggest_float(f"x{i}", -2.048, 2.048) for i in range(5)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(4))


def ackley4(t: Any) -> float:
    x = np.array([t.suggest_float(f"x{i}", -32.768, 32.768) for i in range(4)])
    return float(
        -20 * np.exp(-0.2 * np.sqrt(np.mean(x**2)))
        - np.exp(np.mean(np.cos(2 * np.pi * x)))
        + 20
        + math.e
    )


def levy10(t: Any) -> float:
    x = np.array([t.suggest_float(f"x{i}", -10, 10) for i in range(10)])
    w = 1 + (x - 1) / 4
    return float(
        np.sin(np.pi * w[0]) ** 2
        + np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
        + (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    )


def int_log(t: Any) -> float:
    x = t.suggest_float("x", -5, 5)
    lr = t.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = t.suggest_int("n", 1, 20)
    s = t.suggest_float("s", 0, 1, step=0.05)
    layers = t.suggest_int("layers", 1, 256, log=True)
    return (
        (x - 1) ** 2
        + (math.log10(lr) + 3) ** 2
        + (n - 7) ** 2 / 10
        + (s - 0.3) ** 2
        + (math.log2(layers) - 5) ** 2 / 4
    )


_OFF1 = {"a": 1.0, "b": 0.0, "c": 0.5, "d": 2.0}
_OFF2 = {"relu": 0.0, "tanh": 0.3, "sigmoid": 0.8}


def categorical(t: Any) -> float:
    x = t.suggest_float("x", -3, 3)
    y = t.suggest_float("y", -3, 3)
    c1 = t.suggest_categorical("c1", list(_OFF1))
    c2 = t.suggest_categorical("c2", list(_OFF2))
    return (x - 0.5) ** 2 + (y + 1) ** 2 + _OFF1[c1] + _OFF2[c2] * (1 + (x - 0.5) ** 2)


def constrained(t: Any) -> float:
    # Rosenbrock-2 subject to (x-1)^3 - y + 1 <= 0 and x + y - 2 <= 0; optimum 0 at (1, 1).
    x = t.suggest_float("x", -1.5, 1.5)
    y = t.suggest_float("y", -0.5, 2.5)
    t.set_constraint("cubic", (x - 1) ** 3 - y + 1)
    t.set_constraint("line", x + y - 2)
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def zdt1(t: Any) -> tuple[float, float]:
    x = [t.suggest_float(f"x{i}", 0, 1) for i in range(4)]
    g = 1 + 9 * sum(x[1:]) / 3
    return x[0], g * (1 - math.sqrt(x[0] / g))


ZDT1_REF = (1.1, 11.0)
# Hypervolume of ZDT1's Pareto front (f2 = 1 - sqrt(f1)) w.r.t. ZDT1_REF: 10 + 2/3 + 1.1.
ZDT1_MAX_HV = 10.0 + 2.0 / 3.0 + 1.1

# name -> (objective, kind, optimum); kind: "single" | "constrained" | "mo".
PROBLEMS: dict[str, tuple[Objective, str, float]] = {
    "Branin": (branin, "single", 0.397887357729739),
    "Hartmann6": (hartmann6, "single", -3.32236801141551),
    "Rosenbrock-5": (rosenbrock5, "single", 0.0),
    "Ackley-4": (ackley4, "single", 0.0),
    "Levy-10": (levy10, "single", 0.0),
    "IntLog": (int_log, "single", 0.0),
    "Categorical": (categorical, "single", 0.0),
    "Constrained": (constrained, "constrained", 0.0),
    "ZDT1-4 (HV)": (zdt1, "mo", ZDT1_MAX_HV),
}


def hypervolume_2d(points: np.ndarray, ref: tuple[float, float]) -> float:
    """Hypervolume (both objectives minimised) of ``points`` w.r.t. ``ref``."""
    pts = points[np.all(points < np.asarray(ref), axis=1)]
    if len(pts) == 0:
        return 0.0
    pts = pts[np.lexsort((pts[:, 1], pts[:, 0]))]
    hv, best_f2 = 0.0, ref[1]
    for f1, f2 in pts:
        if f2 < best_f2:
            hv += (ref[0] - f1) * (best_f2 - f2)
            best_f2 = f2
    return hv


def score(study: Any, kind: str, optimum: float) -> float:
    """Lower is better: regret, best feasible regret (inf if none), or -hypervolume."""
    trials = [t for t in study.trials if t.values is not None]
    if kind == "mo":
        return -hypervolume_2d(np.array([t.values for t in trials]), ZDT1_REF)
    if kind == "constrained":
        feasible = [t.value for t in trials if all(c <= 0 for c in t.constraints.values())]
        return min(feasible) - optimum if feasible else math.inf
    return min(t.value for t in trials) - optimum


def run_one(framework: str, sampler: str, problem: str, seed: int, n_trials: int) -> dict:
    module = import_framework(framework)
    objective, kind, optimum = PROBLEMS[problem]
    cls = module.samplers.GPSampler if sampler == "gp" else module.samplers.TPESampler
    directions = ["minimize", "minimize"] if kind == "mo" else ["minimize"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = module.create_study(directions=directions, sampler=cls(seed=seed))
        start = time.perf_counter()
        study.optimize(objective, n_trials=n_trials)
        wall = time.perf_counter() - start
    return {"score": score(study, kind, optimum), "wall": wall}


def spawn(python: str, framework: str, sampler: str, problem: str, seed: int, n: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [python, str(Path(__file__)), "--worker", framework, sampler, problem, str(seed), str(n)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, timeout=7200)
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def load_cache() -> dict[str, dict]:
    return json.loads(CACHE.read_text()) if CACHE.exists() else {}


def fill_optuna(args: argparse.Namespace) -> dict[str, dict]:
    """Run Optuna's GPSampler for every (problem, seed) not yet cached; return the cache."""
    cache = {} if args.recompute_optuna else load_cache()
    todo = [
        (p, s)
        for s in range(args.seeds)
        for p in args.problems
        if f"{p}|{s}|{args.trials}" not in cache
    ]

    def job(item: tuple[str, int]) -> None:
        p, s = item
        res = spawn(args.optuna_python, "optuna", "gp", p, s, args.trials)
        cache[f"{p}|{s}|{args.trials}"] = res
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        tmp = CACHE.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        tmp.replace(CACHE)
        print(f"optuna gp {p} seed={s}: {res}", flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(job, todo))
    return cache


def mwu_greater(a: list[float], b: list[float]) -> float:
    """One-sided Mann-Whitney U p-value for "a tends to be larger (worse) than b"."""
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(a, b, alternative="greater").pvalue)


def fmt(kind: str, values: list[float]) -> str:
    med = float(np.median(values))
    return f"HV {-med:.4g}" if kind == "mo" else f"{med:.4g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    parser.add_argument("--optuna-python", default=sys.executable)
    parser.add_argument("--jobs", type=int, default=1, help="parallel child processes")
    parser.add_argument("--optuna-only", action="store_true", help="only fill Optuna's cache")
    parser.add_argument("--recompute-optuna", action="store_true")
    parser.add_argument(
        "--cached-only",
        action="store_true",
        help="don't run Optuna; compare on the seeds its cache has (printed per problem)",
    )
    parser.add_argument("--worker", nargs=5, metavar=("FW", "SAMPLER", "PROBLEM", "SEED", "N"))
    args = parser.parse_args()
    if args.worker:
        fw, sampler, problem, seed, n = args.worker
        print(json.dumps(run_one(fw, sampler, problem, int(seed), int(n))))
        return
    cache = load_cache() if args.cached_only else fill_optuna(args)
    if args.optuna_only:
        return
    rows = [["problem", "optuna GP", "ferrotune GP", "p (ferrotune worse)", "verdict"]]
    rows_tpe = [["problem", "ferrotune TPE", "ferrotune GP", "p (GP worse)", "p (GP better)"]]
    walls: dict[str, list[float]] = {"optuna gp": [], "ferrotune gp": [], "ferrotune tpe": []}
    worse = []
    for problem in args.problems:
        kind = PROBLEMS[problem][1]
        seeds = [s for s in range(args.seeds) if f"{problem}|{s}|{args.trials}" in cache]
        ref = [cache[f"{problem}|{s}|{args.trials}"] for s in seeds]
        with ThreadPoolExecutor(args.jobs) as pool:
            gp, tpe = (
                list(
                    pool.map(
                        partial(spawn, sys.executable, "ferrotune", sampler, problem),
                        seeds,
                        [args.trials] * len(seeds),
                    )
                )
                for sampler in ("gp", "tpe")
            )
        s_ref, s_gp, s_tpe = ([r["score"] for r in rs] for rs in (ref, gp, tpe))
        walls["optuna gp"] += [r["wall"] for r in ref]
        walls["ferrotune gp"] += [r["wall"] for r in gp]
        walls["ferrotune tpe"] += [r["wall"] for r in tpe]
        p = mwu_greater(s_gp, s_ref)
        verdict = "WORSE" if p < 0.01 else "ok"
        if verdict == "WORSE":
            worse.append(problem)
        name = problem if len(seeds) == args.seeds else f"{problem} ({len(seeds)} seeds)"
        rows.append([name, fmt(kind, s_ref), fmt(kind, s_gp), f"{p:.3f}", verdict])
        p_worse, p_better = mwu_greater(s_gp, s_tpe), mwu_greater(s_tpe, s_gp)
        rows_tpe.append(
            [name, fmt(kind, s_tpe), fmt(kind, s_gp), f"{p_worse:.3f}", f"{p_better:.3f}"]
        )
        print(" | ".join(rows[-1]), "||", " | ".join(rows_tpe[-1][1:]), flush=True)
    print(f"\n{args.seeds} seeds x {args.trials} trials; median regret (lower is better) or")
    print("median hypervolume (HV, higher is better); one-sided Mann-Whitney U, alpha 0.01.\n")
    print(table(rows))
    print(f"\nferrotune GP significantly worse than Optuna GP on: {worse or 'none'}\n")
    print(table(rows_tpe))
    print(
        "\nmedian wall time per run (s): "
        + ", ".join(f"{k} {np.median(v):.2f}" for k, v in walls.items() if v)
    )


if __name__ == "__main__":
    main()
