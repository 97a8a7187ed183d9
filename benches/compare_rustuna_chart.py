"""rustuna's four 40-parameter chart workloads: ferrotune vs rustuna 0.2.0 (vs Optuna 5.0).

Workloads (40 float params in [-5, 5], default sampler options, in-memory storage):

- ``tpe``:    ``TPESampler``, 1 objective (sphere), 1,000 trials;
- ``motpe``:  ``TPESampler``, 2 objectives (two shifted spheres), 1,000 trials;
- ``cmaes``:  ``CmaEsSampler``, 1 objective (sphere), 10,000 trials;
- ``nsga2``:  ``NSGAIISampler``, 2 objectives, 10,000 trials;
- ``nsga2-100k`` (``--nsga2-100k``): the same at 100,000 trials (ferrotune and rustuna only).

Each study runs in a fresh child process (frameworks interleaved, seed = repeat index);
prints, per workload, the median wall and CPU time of the optimisation, the ratios rustuna /
ferrotune (how many times faster ferrotune is) and each framework's median peak RSS of the
child process.

Usage: python benches/compare_rustuna_chart.py [--repeats 3] [--skip-optuna]
       [--workloads tpe,motpe,cmaes,nsga2] [--nsga2-100k]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import FRAMEWORKS, import_framework, median, peak_rss_mb, run_child, table

N_PARAMS = 40
# workload -> (sampler class name, number of objectives, trials)
WORKLOADS: dict[str, tuple[str, int, int]] = {
    "tpe": ("TPESampler", 1, 1_000),
    "motpe": ("TPESampler", 2, 1_000),
    "cmaes": ("CmaEsSampler", 1, 10_000),
    "nsga2": ("NSGAIISampler", 2, 10_000),
    "nsga2-100k": ("NSGAIISampler", 2, 100_000),
}
TARGETS = {"tpe": 3.0, "motpe": 3.0, "cmaes": 3.0, "nsga2": 2.0}


def child(framework: str, workload: str, seed: int) -> None:
    warnings.simplefilter("ignore")
    module = import_framework(framework)
    sampler_name, n_objectives, n_trials = WORKLOADS[workload]
    sampler = getattr(module.samplers, sampler_name)(seed=seed)

    if n_objectives == 1:

        def objective(trial):  # type: ignore[no-untyped-def]
            return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS))

        study = module.create_study(sampler=sampler)
    else:

        def objective(trial):  # type: ignore[no-untyped-def]
            xs = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS)]
            return sum(xs), sum((x - 2.0) ** 2 for x in xs)

        study = module.create_study(directions=["minimize"] * n_objectives, sampler=sampler)
    start, cpu_start = time.perf_counter(), time.process_time()
    study.optimize(objective, n_trials=n_trials)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(json.dumps({"wall": wall, "cpu": cpu, "rss": peak_rss_mb()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", default="tpe,motpe,cmaes,nsga2")
    parser.add_argument("--skip-optuna", action="store_true", help="ferrotune and rustuna only")
    parser.add_argument("--nsga2-100k", action="store_true", help="also NSGA-II at 100k trials")
    parser.add_argument("--child", nargs=3, metavar=("FRAMEWORK", "WORKLOAD", "SEED"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    workloads = [w for w in args.workloads.split(",") if w]
    if args.nsga2_100k and "nsga2-100k" not in workloads:
        workloads.append("nsga2-100k")
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {list(WORKLOADS)}")
    frameworks = [f for f in FRAMEWORKS if not (args.skip_optuna and f == "optuna")]
    rows = [
        [
            "workload",
            *(f"{f} (s)" for f in frameworks),
            "rustuna / ferrotune",
            "target",
            *(f"{f} CPU (s)" for f in frameworks),
            "CPU rustuna / ferrotune",
            *(f"{f} peak RSS (MiB)" for f in frameworks),
        ]
    ]
    for workload in workloads:
        # Optuna needs minutes for 100k NSGA-II trials: it is left out there.
        names = [f for f in frameworks if not (f == "optuna" and workload == "nsga2-100k")]
        walls: dict[str, list[float]] = {f: [] for f in names}
        rss: dict[str, list[float]] = {f: [] for f in names}
        cpus: dict[str, list[float]] = {f: [] for f in names}
        for seed in range(args.repeats):
            for framework in names:
                res = run_child(Path(__file__), ["--child", framework, workload, str(seed)])
                walls[framework].append(res["wall"])
                rss[framework].append(res["rss"])
                cpus[framework].append(res["cpu"])
                print(
                    f"  {workload} {framework} seed {seed}: {res['wall']:.2f} s "
                    f"(CPU {res['cpu']:.2f} s), "
                    f"peak RSS {res['rss']:.0f} MiB",
                    flush=True,
                )
        med = {f: median(v) for f, v in walls.items()}
        med_cpu = {f: median(v) for f, v in cpus.items()}
        target = TARGETS.get(workload.removesuffix("-100k"))
        rows.append(
            [
                workload,
                *(f"{med[f]:.2f}" if f in med else "-" for f in frameworks),
                f"{med['rustuna'] / med['ferrotune']:.2f}x",
                f">= {target:.0f}x" if target and workload in TARGETS else "-",
                *(f"{med_cpu[f]:.2f}" if f in med_cpu else "-" for f in frameworks),
                f"{med_cpu['rustuna'] / med_cpu['ferrotune']:.2f}x",
                *(f"{median(rss[f]):.0f}" if f in rss else "-" for f in frameworks),
            ]
        )
    print(
        f"\n{N_PARAMS} float params, in-memory, default options, median of {args.repeats} "
        "interleaved runs (each in a fresh process):\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
