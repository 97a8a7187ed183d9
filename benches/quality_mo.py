"""Multi-objective quality: ferrotune vs Optuna 5.0, hypervolume against a fixed point.

Usage: python benches/quality_mo.py [--seeds 10] [--jobs 2] [--only nsga2 motpe nsga3]

Cases (sampler, problem, objectives):
- NSGA-II (``NSGAIISampler``, population 50) and MOTPE (``TPESampler``, multi-objective
  default) on ZDT1, ZDT2, ZDT3 (10 variables) and DTLZ2 with 3 objectives;
- NSGA-III (``NSGAIIISampler``, population 60, default Das-Dennis points) on DTLZ1 and DTLZ2
  with 4 objectives.

Each (case, seed) runs ferrotune's and Optuna's sampler with the same seed and budget; the
score is the hypervolume of all finished trials against the case's fixed reference point,
divided by the volume of the box between the origin and that point (ZDT3's f2 is negative
on its front, so its box starts at f2 = -1). The table gives the medians, the one-sided
Mann-Whitney U p-value of H1 "ferrotune's hypervolume is smaller" and the verdict at
alpha = 0.01. Runs go through a process pool (``--jobs``), each run in a fresh worker
task; the budgets keep the whole default run near 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import mannwhitneyu

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, table

ALPHA = 0.01
Problem = Callable[[Any], tuple[float, ...]]


# -- problems (Zitzler, Deb, Thiele 2000; Deb, Thiele, Laumanns, Zitzler 2002) -------------
def _xs(trial: Any, n: int) -> np.ndarray:
    return np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(n)])


def _zdt_g(x: np.ndarray) -> float:
    return 1.0 + 9.0 * float(x[1:].mean())


def zdt1(trial: Any) -> tuple[float, ...]:
    x = _xs(trial, 10)
    f1, g = float(x[0]), _zdt_g(x)
    return f1, g * (1.0 - math.sqrt(f1 / g))


def zdt2(trial: Any) -> tuple[float, ...]:
    x = _xs(trial, 10)
    f1, g = float(x[0]), _zdt_g(x)
    return f1, g * (1.0 - (f1 / g) ** 2)


def zdt3(trial: Any) -> tuple[float, ...]:
    x = _xs(trial, 10)
    f1, g = float(x[0]), _zdt_g(x)
    return f1, g * (1.0 - math.sqrt(f1 / g) - f1 / g * math.sin(10.0 * math.pi * f1))


def _dtlz_split(trial: Any, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    x = _xs(trial, m - 1 + k)
    return x[: m - 1], x[m - 1 :]


def _dtlz2(trial: Any, m: int) -> tuple[float, ...]:
    head, tail = _dtlz_split(trial, m, 10)
    g = float(((tail - 0.5) ** 2).sum())
    out = []
    for i in range(m):
        f = 1.0 + g
        f *= float(np.prod(np.cos(head[: m - 1 - i] * math.pi / 2)))
        if i > 0:
            f *= math.sin(head[m - 1 - i] * math.pi / 2)
        out.append(f)
    return tuple(out)


def dtlz2_3(trial: Any) -> tuple[float, ...]:
    return _dtlz2(trial, 3)


def dtlz2_4(trial: Any) -> tuple[float, ...]:
    return _dtlz2(trial, 4)


def dtlz1_4(trial: Any) -> tuple[float, ...]:
    m = 4
    head, tail = _dtlz_split(trial, m, 5)
    z = tail - 0.5
    g = 100.0 * (tail.size + float((z**2 - np.cos(20.0 * math.pi * z)).sum()))
    out = []
    for i in range(m):
        f = 0.5 * (1.0 + g) * float(np.prod(head[: m - 1 - i]))
        if i > 0:
            f *= 1.0 - head[m - 1 - i]
        out.append(f)
    return tuple(out)


@dataclass(frozen=True)
class Case:
    sampler: str  # nsga2 | motpe | nsga3
    problem: str
    n_trials: int
    reference: tuple[float, ...]
    origin: tuple[float, ...]


PROBLEMS: dict[str, Problem] = {
    "ZDT1": zdt1,
    "ZDT2": zdt2,
    "ZDT3": zdt3,
    "DTLZ2-3": dtlz2_3,
    "DTLZ1-4": dtlz1_4,
    "DTLZ2-4": dtlz2_4,
}
_ZDT_REF, _ZDT_ORIGIN = (1.1, 3.0), (0.0, 0.0)
CASES = [
    *(Case("nsga2", p, 1500, _ZDT_REF, _ZDT_ORIGIN) for p in ("ZDT1", "ZDT2")),
    Case("nsga2", "ZDT3", 1500, _ZDT_REF, (0.0, -1.0)),
    Case("nsga2", "DTLZ2-3", 1500, (1.5,) * 3, (0.0,) * 3),
    *(Case("motpe", p, 150, _ZDT_REF, _ZDT_ORIGIN) for p in ("ZDT1", "ZDT2")),
    Case("motpe", "ZDT3", 150, _ZDT_REF, (0.0, -1.0)),
    Case("motpe", "DTLZ2-3", 150, (1.5,) * 3, (0.0,) * 3),
    Case("nsga3", "DTLZ1-4", 1800, (10.0,) * 4, (0.0,) * 4),
    Case("nsga3", "DTLZ2-4", 1800, (1.5,) * 4, (0.0,) * 4),
]


def _make_sampler(lib: Any, kind: str, seed: int) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "nsga2":
            return lib.samplers.NSGAIISampler(seed=seed, population_size=50)
        if kind == "nsga3":
            return lib.samplers.NSGAIIISampler(seed=seed, population_size=60)
        return lib.samplers.TPESampler(seed=seed)


def _hypervolume(values: np.ndarray, reference: np.ndarray) -> float:
    """Exact hypervolume by ferrotune's core, of the points dominating ``reference``."""
    from ferrotune import _core

    inside = values[np.all(values < reference, axis=1)]
    if inside.shape[0] == 0:
        return 0.0
    return float(_core.hypervolume(np.ascontiguousarray(inside), reference))


def run_one(framework: str, case: Case, seed: int) -> tuple[float, float]:
    """(normalised hypervolume, seconds) of one study."""
    lib = import_framework(framework)
    objective = PROBLEMS[case.problem]
    n_obj = len(case.reference)
    study = lib.create_study(
        directions=["minimize"] * n_obj, sampler=_make_sampler(lib, case.sampler, seed)
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=case.n_trials)
    elapsed = time.perf_counter() - start
    values = np.array([t.values for t in study.trials if t.values is not None])
    reference = np.array(case.reference)
    origin = np.array(case.origin)
    volume = _hypervolume(values - origin, reference - origin)
    return volume / float(np.prod(reference - origin)), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=["nsga2", "motpe", "nsga3"])
    parser.add_argument(
        "--trial-scale", type=float, default=1.0, help="multiply every case's trial budget"
    )
    args = parser.parse_args()
    cases = [
        Case(
            c.sampler,
            c.problem,
            max(10, int(c.n_trials * args.trial_scale)),
            c.reference,
            c.origin,
        )
        for c in CASES
        if c.sampler in args.only
    ]
    tasks = [
        (framework, case, seed)
        for case in cases
        for seed in range(args.seeds)
        for framework in ("ferrotune", "optuna")
    ]
    results: dict[tuple[str, Case], list[tuple[float, float]]] = {}
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [(task, pool.submit(run_one, *task)) for task in tasks]
        for (framework, case, _seed), future in futures:
            results.setdefault((framework, case), []).append(future.result())
    rows = [
        [
            "sampler",
            "problem",
            "trials",
            "ferrotune HV",
            "Optuna HV",
            "ferrotune s",
            "Optuna s",
            "p (ours worse)",
            "verdict",
        ]
    ]
    for case in cases:
        ours = np.array([hv for hv, _ in results[("ferrotune", case)]])
        theirs = np.array([hv for hv, _ in results[("optuna", case)]])
        p = float(mannwhitneyu(ours, theirs, alternative="less").pvalue)
        rows.append(
            [
                case.sampler,
                case.problem,
                str(case.n_trials),
                f"{np.median(ours):.4f}",
                f"{np.median(theirs):.4f}",
                f"{np.median([s for _, s in results[('ferrotune', case)]]):.2f}",
                f"{np.median([s for _, s in results[('optuna', case)]]):.2f}",
                f"{p:.3g}",
                "WORSE" if p < ALPHA else "not worse",
            ]
        )
    print(table(rows))
    print(
        f"{args.seeds} seeds, one-sided Mann-Whitney U (H1: ferrotune's hypervolume is "
        f"smaller), alpha = {ALPHA}; wall time {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
