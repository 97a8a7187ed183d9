"""Smoke test for an installed ferrotune wheel (run by ``make wheel-smoke``, not by pytest).

Checks, in the environment it runs in: ferrotune imports from site-packages with its
compiled core; a short TPE study finds a good point; a SQLite study written by one process
is resumed by another; one plot is written. Usage: ``python wheel_smoke.py WORKDIR``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ferrotune
from ferrotune import _core


def quadratic(trial: ferrotune.Trial) -> float:
    x = trial.suggest_float("x", -10.0, 10.0)
    y = trial.suggest_int("y", -5, 5)
    return (x - 2.0) ** 2 + (y + 1) ** 2


def run_sqlite_part(storage: str, n_trials: int) -> int:
    """Add ``n_trials`` to the study in ``storage``; return how many it had before."""
    study = ferrotune.create_study(
        study_name="smoke", storage=storage, load_if_exists=True, sampler=None
    )
    before = len(study.trials)
    study.optimize(quadratic, n_trials=n_trials)
    return before


def main() -> int:
    workdir = Path(sys.argv[1])
    workdir.mkdir(parents=True, exist_ok=True)
    location = Path(ferrotune.__file__).resolve()
    print(f"ferrotune {ferrotune.__version__} from {location.parent}")
    if "site-packages" not in str(location):
        print("ferrotune was not imported from an installed wheel")
        return 1
    print(f"compiled core: {Path(_core.__file__).name}")

    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    study = ferrotune.create_study(sampler=ferrotune.samplers.TPESampler(seed=0))
    study.optimize(quadratic, n_trials=60)
    print(f"TPE: best value {study.best_value:.4f} after {len(study.trials)} trials")
    if not study.best_value < 1.0:
        print("TPE did not get within 1.0 of the optimum in 60 trials")
        return 1

    storage = f"sqlite:///{workdir / 'smoke.db'}"
    for expected_before in (0, 10):
        # Each round in its own process: the second one must find the first one's trials.
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); import wheel_smoke as s; "
            "print(s.run_sqlite_part(sys.argv[2], 10))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(Path(__file__).parent), storage],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        if int(out) != expected_before:
            print(f"SQLite study had {out} trials before this run, expected {expected_before}")
            return 1
    resumed = ferrotune.load_study(study_name="smoke", storage=storage)
    print(f"SQLite: {len(resumed.trials)} trials after two processes, resumed")
    if len(resumed.trials) != 20:
        return 1

    figure = ferrotune.visualization.plot_optimization_history(resumed)
    plot = workdir / "history.html"
    figure.write_html(str(plot), include_plotlyjs="cdn")
    print(f"plot: {plot} ({plot.stat().st_size} bytes)")
    if plot.stat().st_size < 1000:
        return 1
    print("wheel smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
