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

Rastrigin-40 with IPOP is expensive for the ``cmaes`` side (pure-Python ask with bound
resampling: ~100 s per 4e5 evaluations); the CEC 2005 setting (target 1e-2, budget 1e4*d)
with two workers, printing each run as it completes:

    python benches/quality_cmaes.py --part evals --seeds 10 --dims 40 --variants cma \
        --problems rastrigin --ipop-target 1e-2 --ipop-budget-mult 1 --jobs 2 --time-cap 600
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
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
    time_cap: float | None = None,
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
    deadline = None if time_cap is None else time.perf_counter() + time_cap
    while evals < budget:
        if deadline is not None and time.perf_counter() > deadline:
            return math.nan  # wall-clock cap hit: counted as not reached, reported apart
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
    time_cap: float | None = None,
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
    deadline = None if time_cap is None else time.perf_counter() + time_cap
    while evals < budget:
        if deadline is not None and time.perf_counter() > deadline:
            return math.nan  # wall-clock cap hit: counted as not reached, reported apart
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
    capped = sum(math.isnan(x) for x in v)
    rate = f"{len(ok)}/{len(v)}" + (f", {capped} capped" if capped else "")
    return f"{statistics.median(ok):.0f} ({rate})" if ok else f"- ({rate})"


def _one_run(
    side: str,
    variant: str,
    name: str,
    d: int,
    target: float,
    seed: int,
    budget: int,
    time_cap: float | None,
) -> tuple[float, float]:
    """One (side, seed) run in a worker: (evaluations to target or inf/nan, seconds)."""
    warnings.simplefilter("ignore")
    f, half, _, ipop = PROBLEMS[name]
    run = run_ferrotune if side == "ferrotune" else run_cmaes
    t0 = time.perf_counter()
    r = run(variant, f, d, half, target, ipop, seed, budget, time_cap)
    return r, time.perf_counter() - t0


def _run_all(
    pool: ProcessPoolExecutor | None,
    tasks: list[tuple[str, int]],
    variant: str,
    name: str,
    d: int,
    target: float,
    budget: int,
    time_cap: float | None,
) -> Iterator[tuple[str, int, float, float]]:
    """(side, seed, result, seconds) for each task, as the runs complete."""
    if pool is None:
        for side, s in tasks:
            yield (side, s, *_one_run(side, variant, name, d, target, s, budget, time_cap))
        return
    futs = {
        pool.submit(_one_run, side, variant, name, d, target, s, budget, time_cap): (side, s)
        for side, s in tasks
    }
    for fut in as_completed(futs):
        yield (*futs[fut], *fut.result())


def part_evals(
    seeds: int,
    dims: list[int],
    variants: list[str],
    budget_per_dim: int,
    problems: list[str],
    *,
    ipop_budget_mult: int = 5,
    ipop_target: float | None = None,
    jobs: int = 1,
    time_cap: float | None = None,
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
    notes: list[str] = []
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    for variant in variants:
        for d in dims:
            for name, (_, _, default_target, ipop) in PROBLEMS.items():
                if name not in problems:
                    continue
                if variant == "sepcma" and name == "rosenbrock":
                    continue  # non-separable valley: both variants exhaust any sane budget
                budget = budget_per_dim * d * (ipop_budget_mult if ipop else 1)
                target = ipop_target if ipop and ipop_target is not None else default_target
                notes.append(f"{variant} {name} d={d}: target {target:g}, budget {budget}")
                # cmaes first (slower per evaluation), sides interleaved per seed.
                tasks = [(side, s) for s in range(seeds) for side in ("cmaes", "ferrotune")]
                res: dict[tuple[str, int], float] = {}
                secs = {"ferrotune": 0.0, "cmaes": 0.0}

                for side, s, r, dt in _run_all(
                    pool, tasks, variant, name, d, target, budget, time_cap
                ):
                    res[side, s] = r
                    secs[side] += dt
                    shown = "capped" if math.isnan(r) else f"{r:.0f}"
                    print(
                        f"    {variant} {name} d={d} {side} seed {s}: {shown} ({dt:.1f}s)",
                        file=sys.stderr,
                        flush=True,
                    )
                ours = [res["ferrotune", s] for s in range(seeds)]
                ref = [res["cmaes", s] for s in range(seeds)]
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
                    f"  {variant} {name} d={d}: ferrotune {secs['ferrotune']:.1f}s, "
                    f"cmaes {secs['cmaes']:.1f}s (CPU-side sums)",
                    file=sys.stderr,
                    flush=True,
                )
                print("| " + " | ".join(rows[-1]) + " |", file=sys.stderr, flush=True)
    if pool is not None:
        pool.shutdown()
    cap = f"; runs over {time_cap:g} s wall counted as not reached" if time_cap else ""
    print(
        f"\nEvaluations to target ({seeds} seeds; median over successful runs, "
        f"successes in parentheses; budget {budget_per_dim}*d evaluations, "
        f"x{ipop_budget_mult} with IPOP{cap}):\n"
    )
    for n in notes:
        print(f"  {n}")
    print()
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
    parser.add_argument(
        "--ipop-budget-mult",
        type=int,
        default=5,
        help="budget multiplier for the IPOP problem (Rastrigin); 1 = CEC 2005's 1e4*d",
    )
    parser.add_argument(
        "--ipop-target",
        type=float,
        default=None,
        help="target for the IPOP problem (default 1e-8; CEC 2005 uses 1e-2 for Rastrigin)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="parallel (side, seed) runs")
    parser.add_argument(
        "--time-cap",
        type=float,
        default=None,
        help="wall-clock seconds per run; a capped run counts as not reached (shown apart)",
    )
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.part in ("evals", "all"):
        part_evals(
            args.seeds,
            args.dims,
            args.variants,
            args.budget_per_dim,
            args.problems,
            ipop_budget_mult=args.ipop_budget_mult,
            ipop_target=args.ipop_target,
            jobs=args.jobs,
            time_cap=args.time_cap,
        )
    if args.part in ("regret", "all"):
        part_regret(args.seeds, args.regret_dims, args.trials)


if __name__ == "__main__":
    main()
