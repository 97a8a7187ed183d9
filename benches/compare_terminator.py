"""Terminator evaluators, side by side: ferrotune vs Optuna 5.0 (torch on CPU).

Workload: the same n COMPLETE trials in both frameworks (5 float params in [-5, 5], sphere
objective plus noise, parameters drawn with numpy seed 0), then the time of one
``RegretBoundEvaluator(seed=0).evaluate`` and one ``EMMREvaluator(seed=0).evaluate`` (median
of --repeats calls after one warm-up call) for n = 50, 100, 200, 400. Each (framework, n) runs
in a fresh child process; Optuna's child runs with ``--optuna-python`` (a venv with optuna
5.0.0, torch and scipy), both with ``OMP_NUM_THREADS=1``.

Usage::

    python benches/compare_terminator.py --optuna-python /work/venv-gp/bin/python
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import import_framework, median, table

N_PARAMS = 5
SIZES = (50, 100, 200, 400)


def child(framework: str, n: int, repeats: int) -> None:
    warnings.simplefilter("ignore")
    import numpy as np

    module = import_framework(framework)
    terminator = importlib.import_module(f"{framework}.terminator")
    rng = np.random.default_rng(0)
    dist = module.distributions.FloatDistribution(-5.0, 5.0)
    space = {f"x{i}": dist for i in range(N_PARAMS)}
    trials = []
    for _ in range(n):
        params = {name: float(rng.uniform(-5.0, 5.0)) for name in space}
        value = sum(v * v for v in params.values()) + float(rng.normal())
        trials.append(module.trial.create_trial(params=params, distributions=space, value=value))
    direction = module.study.StudyDirection.MINIMIZE
    out: dict[str, float] = {}
    for name, make in [
        ("regret_bound", lambda: terminator.RegretBoundEvaluator(seed=0)),
        ("emmr", lambda: terminator.EMMREvaluator(seed=0)),
    ]:
        make().evaluate(trials, direction)  # warm-up (imports, thread pools)
        times = []
        for _ in range(repeats):
            evaluator = make()
            start = time.perf_counter()
            out[f"{name}_value"] = float(evaluator.evaluate(trials, direction))
            times.append(time.perf_counter() - start)
        out[f"{name}_ms"] = median(times) * 1e3
    print(json.dumps(out))


def run(python: str, framework: str, n: int, repeats: int) -> dict[str, float]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(
        [python, str(Path(__file__)), "--child", framework, str(n), str(repeats)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--optuna-python", default=sys.executable)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    header = ["evaluator", "trials", "ferrotune ms", "Optuna ms", "speed-up", "value ft / Optuna"]
    rows = [header]
    for n in SIZES:
        ours = run(sys.executable, "ferrotune", n, args.repeats)
        theirs = run(args.optuna_python, "optuna", n, args.repeats)
        for name in ("regret_bound", "emmr"):
            a, b = ours[f"{name}_ms"], theirs[f"{name}_ms"]
            values = f"{ours[f'{name}_value']:.4g} / {theirs[f'{name}_value']:.4g}"
            rows.append([name, str(n), f"{a:.1f}", f"{b:.1f}", f"{b / a:.1f}x", values])
    print(table(rows))


if __name__ == "__main__":
    main()
