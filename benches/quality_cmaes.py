"""CMA-ES quality: ferrotune's Rust CMA-ES against the ``cmaes`` package and Optuna 5.0.

Part 1 (``--part evals``): evaluations to reach a target value, ask/tell level, for
ferrotune's CMA / SepCMA / CMAwM against ``cmaes.CMA`` / ``cmaes.SepCMA`` /
``cmaes.CMAwM`` on sphere, ellipsoid, Rosenbrock, Ackley and Rastrigin (Rastrigin with
IPOP restarts, implemented for ``cmaes`` as Optuna <= 4.2 did) in 10 and 40 dimensions.
CMAwM runs on the same functions with the second half of the coordinates restricted to
integers. Both sides get the same start mean, sigma0, bounds and ``n_max_resampling``.
Reports the success rate, the median evaluations of successful runs, and a one-sided
Mann-Whitney U test (H1: ferrotune needs more evaluations; failures rank last).

Part 2 (``--part regret``): best-value regret after 200 trials of ``CmaEsSampler`` through
the study API, ferrotune vs Optuna 5.0, on the same functions in 5 and 10 dimensions;
one-sided Mann-Whitney U (H1: ferrotune's regret is larger), alpha = 0.01.

Usage: python benches/quality_cmaes.py [--part evals|regret|all] [--seeds 10]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import mannwhitneyu

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import table

Objective = Callable[[np.ndarray], np.ndarray]


def sphere(x: np.ndarray) -> np.ndarray:
    return np.asarray((x**2).sum(axis=1))


def ellipsoid(x: np.ndarray) -> np.ndarray:
    d = x.shape[1]
    return np.asarray((1e6 ** (np.arange(d) / (d - 1)) * x**2).sum(axis=1))


def rosenbrock(x: np.ndarray) -> np.ndarray:
    return np.asarray((100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2).sum(axis=1))


def ackley(x: np.ndarray) -> np.ndarray:
    d = x.shape[1]
    a = -20 * np.exp(-0.2 * np.sqrt((x**2).sum(axis=1) / d))
    b = -np.exp(np.cos(2 * np.pi * x).sum(axis=1) / d)
    return np.asarray(a + b + 20 + math.e)


def rastrigin(x: np.ndarray) -> np.ndarray:
    d = x.shape[1]
    return np.asarray(10 * d + (x**2 - 10 * np.cos(2 * np.pi * x)).sum(axis=1))


# name -> (function, half-width of the box, target, uses IPOP)
PROBLEMS: dict[str, tuple[Objective, float, float, bool]] = {
    "sphere": (sphere, 5.0, 1e-8, False),
    "ellipsoid": (ellipsoid, 5.0, 1e-8, False),
    "rosenbrock": (rosenbrock, 5.0, 1e-8, False),
    "ackley": (ackley, 5.0, 1e-6, False),
    "rastrigin": (rastrigin, 5.12, 1e-8, True),
}


def _first_hit(values: np.ndarray, target: float) -> int | None:
    hits = np.flatnonzero(values <= target)
    return int(hits[0]) + 1 if len(hits) else None


def _start(d: int, half: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-half, half, d) * 0.8, np.tile([-half, half], (d, 1))


def run_ferrotune(
    variant: str,
    f: Objective,
    d: int,
    half: float,
    target: float,
    ipop: bool,
    seed: int,
    budget: int,
) -> float:
    from ferrotune._core import CmaEsOptimizer

    mean, bounds = _start(d, half, seed)
    steps = None
    if variant == "cmawm":
        steps = np.where(np.arange(d) >= d // 2, 1.0, 0.0)
        mean[d // 2 :] = np.round(mean[d // 2 :])
    opt = CmaEsOptimizer(
        mean,
        half / 3,
        bounds=bounds,
        seed=seed,
        variant=variant,
        steps=steps,
        n_max_resampling=10 * d,
        restart_strategy="ipop" if ipop else None,
    )
    evals = 0
    while evals < budget:
        x, raw = opt.ask_with_raw(opt.population_size)
        values = f(x)
        hit = _first_hit(values, target)
        if hit is not None:
            return evals + hit
        evals += len(values)
        opt.tell(raw, values)
        if not ipop and opt.should_stop():
            break
    return math.inf


def run_cmaes(
    variant: str,
    f: Objective,
    d: int,
    half: float,
    target: float,
    ipop: bool,
    seed: int,
    budget: int,
) -> float:
    import cmaes

    mean, bounds = _start(d, half, seed)
    rng = np.random.RandomState(seed)
    steps = np.where(np.arange(d) >= d // 2, 1.0, 0.0)
    if variant == "cmawm":
        mean[d // 2 :] = np.round(mean[d // 2 :])

    def make(m: np.ndarray, popsize: int | None) -> Any:
        kw: dict[str, Any] = {
            "mean": m,
            "sigma": half / 3,
            "bounds": bounds,
            "seed": rng.randint(1, 2**31 - 2),
            "n_max_resampling": 10 * d,
            "population_size": popsize,
        }
        if variant == "cma":
            return cmaes.CMA(**kw)
        if variant == "sepcma":
            return cmaes.SepCMA(**kw)
        return cmaes.CMAwM(steps=steps, **kw)

    opt = make(mean, None)
    popsize = opt.population_size
    evals = 0
    while evals < budget:
        asked = [opt.ask() for _ in range(opt.population_size)]
        if variant == "cmawm":
            x = np.array([a[0] for a in asked])
            raw = np.array([a[1] for a in asked])
        else:
            x = raw = np.array(asked)
        values = f(x)
        hit = _first_hit(values, target)
        if hit is not None:
            return evals + hit
        evals += len(values)
        opt.tell(list(zip(raw, values)))
        if opt.should_stop():
            if not ipop:
                break
            # IPOP as Optuna <= 4.2: double the population, restart uniformly in the box.
            popsize *= 2
            opt = make(rng.uniform(bounds[:, 0], bounds[:, 1]), popsize)
    return math.inf


def _mwu_greater(a: list[float], b: list[float]) -> float:
    """p-value of H1 "a is stochastically greater than b" (inf = failure ranks last)."""
    big = 1e18
    a2 = [v if math.isfinite(v) else big for v in a]
    b2 = [v if math.isfinite(v) else big for v in b]
    if a2 == b2 or len(set(a2 + b2)) == 1:
        return 1.0
    return float(mannwhitneyu(a2, b2, alternative="greater").pvalue)


def _fmt_evals(v: list[float]) -> str:
    ok = [x for x in v if math.isfinite(x)]
    rate = f"{len(ok)}/{len(v)}"
    return f"{statistics.median(ok):.0f} ({rate})" if ok else f"- ({rate})"


def part_evals(
    seeds: int, dims: list[int], variants: list[str], budget_per_dim: int, problems: list[str]
) -> None:
    rows = [
        [
            "variant",
            "problem",
            "d",
            "ferrotune evals (ok)",
            "cmaes evals (ok)",
            "ratio",
            "p (ferro worse)",
            "verdict",
        ]
    ]
    for variant in variants:
        for d in dims:
            for name, (f, half, target, ipop) in PROBLEMS.items():
                if name not in problems:
                    continue
                if variant == "sepcma" and name == "rosenbrock":
                    continue  # non-separable valley: both variants exhaust any sane budget
                budget = budget_per_dim * d * (5 if ipop else 1)
                t0 = time.perf_counter()
                ours = [
                    run_ferrotune(variant, f, d, half, target, ipop, s, budget)
                    for s in range(seeds)
                ]
                t1 = time.perf_counter()
                ref = [
                    run_cmaes(variant, f, d, half, target, ipop, s, budget) for s in range(seeds)
                ]
                t2 = time.perf_counter()
                p = _mwu_greater(ours, ref)
                ok_o = [x for x in ours if math.isfinite(x)]
                ok_r = [x for x in ref if math.isfinite(x)]
                ratio = (
                    f"{statistics.median(ok_o) / statistics.median(ok_r):.2f}"
                    if ok_o and ok_r
                    else "-"
                )
                verdict = "worse" if p < 0.01 else "not worse"
                rows.append(
                    [
                        variant,
                        name + (" (IPOP)" if ipop else ""),
                        str(d),
                        _fmt_evals(ours),
                        _fmt_evals(ref),
                        ratio,
                        f"{p:.3f}",
                        verdict,
                    ]
                )
                print(
                    f"  {variant} {name} d={d}: ferrotune {t1 - t0:.1f}s, cmaes {t2 - t1:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
                print("| " + " | ".join(rows[-1]) + " |", file=sys.stderr, flush=True)
    print(
        f"\nEvaluations to target ({seeds} seeds; median over successful runs, "
        f"successes in parentheses; budget {budget_per_dim}*d evaluations, x5 with IPOP):\n"
    )
    print(table(rows))


def _study_best(lib: Any, f: Objective, d: int, half: float, seed: int, n_trials: int) -> float:
    def objective(trial: Any) -> float:
        x = np.array([[trial.suggest_float(f"x{i}", -half, half) for i in range(d)]])
        return float(f(x)[0])

    study = lib.create_study(sampler=lib.samplers.CmaEsSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return float(study.best_value)


def part_regret(seeds: int, dims: list[int], n_trials: int) -> None:
    import optuna

    import ferrotune

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    rows = [
        [
            "problem",
            "d",
            "ferrotune median regret",
            "optuna median regret",
            "p (ferro worse)",
            "verdict",
        ]
    ]
    for d in dims:
        for name, (f, half, _, _) in PROBLEMS.items():
            ours = [_study_best(ferrotune, f, d, half, s, n_trials) for s in range(seeds)]
            ref = [_study_best(optuna, f, d, half, s, n_trials) for s in range(seeds)]
            p = float(mannwhitneyu(ours, ref, alternative="greater").pvalue)
            rows.append(
                [
                    name,
                    str(d),
                    f"{statistics.median(ours):.4g}",
                    f"{statistics.median(ref):.4g}",
                    f"{p:.3f}",
                    "worse" if p < 0.01 else "not worse",
                ]
            )
            print(f"  regret {name} d={d} done", file=sys.stderr, flush=True)
    print(
        f"\nBest-value regret after {n_trials} trials of CmaEsSampler "
        f"({seeds} seeds, one-sided Mann-Whitney U, alpha 0.01):\n"
    )
    print(table(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=["evals", "regret", "all"], default="all")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--dims", type=int, nargs="+", default=[10, 40])
    parser.add_argument("--regret-dims", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--variants", nargs="+", default=["cma", "sepcma", "cmawm"])
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    parser.add_argument("--budget-per-dim", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.part in ("evals", "all"):
        part_evals(args.seeds, args.dims, args.variants, args.budget_per_dim, args.problems)
    if args.part in ("regret", "all"):
        part_regret(args.seeds, args.regret_dims, args.trials)


if __name__ == "__main__":
    main()
