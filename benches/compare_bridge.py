"""Optuna 5.0 studies with ferrotune's bridge samplers vs Optuna's own samplers.

The bridge (``ferrotune.integration.optuna``) lets an unchanged Optuna study sample with
ferrotune's Rust core. Workload: ``optuna.create_study(sampler=...)``, in-memory storage,
10 float params in [-5, 5], trivial objective (sum of the params), seed 0:

  * TPE, 2,000 trials: ``optuna.samplers.TPESampler(seed=0)`` (Optuna 5.0 defaults:
    multivariate + constant liar) vs ``ferrotune.integration.optuna.TPESampler(seed=0)``;
    a native ferrotune study with ``ferrotune.samplers.TPESampler(seed=0)`` for reference;
  * CMA-ES, 2,000 trials: Optuna's ``CmaEsSampler`` vs the bridge ``CmaEsSampler``.

Each study runs in a fresh child process, variants interleaved; prints medians and ratios.

Usage: python benches/compare_bridge.py [--repeats 3] [--quick] [--trials 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, median, run_child, table

VARIANTS = {
    "tpe": ("optuna TPE", "bridge TPE (Optuna study)", "ferrotune TPE (native study)"),
    "cmaes": ("optuna CmaEs", "bridge CmaEs (Optuna study)", "ferrotune CmaEs (native study)"),
}


def child(algo: str, variant: int, n_trials: int, n_params: int) -> None:
    warnings.simplefilter("ignore")
    optuna = import_framework("optuna")
    ferrotune = import_framework("ferrotune")
    from ferrotune.integration import optuna as bridge

    def objective(trial) -> float:  # type: ignore[no-untyped-def]
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(n_params))

    name = "TPESampler" if algo == "tpe" else "CmaEsSampler"
    if variant == 0:
        study = optuna.create_study(sampler=getattr(optuna.samplers, name)(seed=0))
    elif variant == 1:
        study = optuna.create_study(sampler=getattr(bridge, name)(seed=0))
    else:
        study = ferrotune.create_study(sampler=getattr(ferrotune.samplers, name)(seed=0))
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    wall = time.perf_counter() - start
    assert len(study.trials) == n_trials
    print(json.dumps({"wall": wall, "best": study.best_value}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--params", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="1/10 of the trials")
    parser.add_argument("--algo", choices=["tpe", "cmaes", "both"], default="both")
    parser.add_argument("--child", nargs=4)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), int(args.child[3]))
        return

    n_trials = args.trials // 10 if args.quick else args.trials
    algos = ["tpe", "cmaes"] if args.algo == "both" else [args.algo]
    for algo in algos:
        names = VARIANTS[algo]
        walls: list[list[float]] = [[] for _ in names]
        bests: list[list[float]] = [[] for _ in names]
        for _ in range(args.repeats):
            for v in range(len(names)):
                res = run_child(
                    Path(__file__), ["--child", algo, str(v), str(n_trials), str(args.params)]
                )
                walls[v].append(res["wall"])
                bests[v].append(res["best"])
        med = [median(w) for w in walls]
        rows = [["sampler", "median wall (s)", "per trial (ms)", "optuna / this", "best value"]]
        for v, label in enumerate(names):
            rows.append(
                [
                    label,
                    f"{med[v]:.2f}",
                    f"{med[v] / n_trials * 1e3:.2f}",
                    f"{med[0] / med[v]:.1f}x",
                    f"{median(bests[v]):.3f}",
                ]
            )
        print(
            f"\n{algo.upper()}, {n_trials} trials x {args.params} float params, in-memory, "
            f"median of {args.repeats} interleaved runs (speed-up = Optuna's wall / this):\n"
        )
        print(table(rows))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
