"""Scale: default TPESampler, 10 float params, trivial objective, up to 100,000 trials.

Usage: python benches/scale_tpe.py [--trials 100000] [--report-every 10000]

Prints, every ``--report-every`` trials, the elapsed wall and CPU time, the median
per-trial latency over the last 100 trials and the peak RSS; at the end the totals.
Targets (issue #3): 100k trials in <= 10 minutes with peak memory <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

import ferrotune

N_PARAMS = 10


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--report-every", type=int, default=10_000)
    args = parser.parse_args()
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    stamps: list[float] = []

    def objective(trial: ferrotune.Trial) -> float:
        stamps.append(time.perf_counter())
        return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS))

    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    done = 0
    while done < args.trials:
        chunk = min(args.report_every, args.trials - done)
        study.optimize(objective, n_trials=chunk)
        done += chunk
        gaps = [b - a for a, b in zip(stamps[-101:-1], stamps[-100:], strict=True)]
        print(
            json.dumps(
                {
                    "trials": done,
                    "wall_s": round(time.perf_counter() - wall0, 2),
                    "cpu_s": round(time.process_time() - cpu0, 2),
                    "median_ms_per_trial_last_100": round(statistics.median(gaps) * 1e3, 3),
                    "peak_rss_mb": round(peak_rss_mb(), 1),
                }
            ),
            flush=True,
        )
    print(f"best value {study.best_value:.4f}")


if __name__ == "__main__":
    main()
