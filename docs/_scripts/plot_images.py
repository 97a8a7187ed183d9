"""Draw the pictures of docs/visualization.md: every ferrotune.visualization.matplotlib plot.

Runs two small seeded studies (a few seconds in all) and writes one PNG per plot into
docs/images/plots/ (git-ignored; ``make docs`` runs this script before ``mkdocs build``)::

    python docs/_scripts/plot_images.py [--out DIR]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import ferrotune
from ferrotune.visualization import matplotlib as vis

OUT = Path(__file__).resolve().parents[1] / "images" / "plots"
N_STEPS = 20


def training_objective(trial: ferrotune.Trial) -> float:
    """A made-up training run: a loss curve over N_STEPS epochs, reported for pruning."""
    lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.6)
    layers = trial.suggest_int("n_layers", 1, 6)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    floor = (
        0.05
        + 0.4 * (math.log10(lr) + 2.2) ** 2 / 4
        + 0.3 * (dropout - 0.2) ** 2
        + 0.02 * abs(layers - 3)
        + {"adam": 0.0, "sgd": 0.08, "rmsprop": 0.03}[optimizer]
    )
    loss = 1.0
    for step in range(N_STEPS):
        loss = floor + (1.0 - floor) * math.exp(-(step + 1) * (0.15 + 20 * lr))
        trial.report(loss, step)
        time.sleep(0.001)  # so that the timeline plot shows durations
        if trial.should_prune():
            raise ferrotune.TrialPruned()
    return loss


def two_objectives(trial: ferrotune.Trial) -> tuple[float, float]:
    """ZDT1-like trade-off between model error and model size."""
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(3)]
    g = 1.0 + 9.0 * sum(x[1:]) / 2
    return x[0], g * (1.0 - math.sqrt(x[0] / g))


def save(name: str, draw: Callable[[], Any], out: Path) -> Path:
    """Draw one plot and write it as ``out/<name>.png``."""
    result = draw()
    axes = result.flat[0] if hasattr(result, "flat") else result
    fig = axes.figure
    path = out / f"{name}.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close("all")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("ignore")  # the matplotlib plots are experimental, as in Optuna
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    start = time.perf_counter()

    study = ferrotune.create_study(
        study_name="training",
        direction="minimize",
        sampler=ferrotune.samplers.TPESampler(seed=0),
        pruner=ferrotune.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
    )
    study.optimize(training_objective, n_trials=60)
    mo = ferrotune.create_study(
        study_name="trade-off",
        directions=["minimize", "minimize"],
        sampler=ferrotune.samplers.NSGAIISampler(seed=0, population_size=30),
    )
    mo.set_metric_names(["error", "size"])
    mo.optimize(two_objectives, n_trials=300)
    baseline = ferrotune.create_study(
        study_name="random", sampler=ferrotune.samplers.RandomSampler(seed=0)
    )
    baseline.optimize(training_objective, n_trials=60)

    pair = ["learning_rate", "dropout"]
    plots: dict[str, Callable[[], Any]] = {
        "optimization_history": lambda: vis.plot_optimization_history(study),
        "slice": lambda: vis.plot_slice(study),
        "contour": lambda: vis.plot_contour(study, params=pair),
        "parallel_coordinate": lambda: vis.plot_parallel_coordinate(study),
        "edf": lambda: vis.plot_edf([study, baseline]),
        "intermediate_values": lambda: vis.plot_intermediate_values(study),
        "rank": lambda: vis.plot_rank(study, params=pair),
        "timeline": lambda: vis.plot_timeline(study),
        "param_importances": lambda: vis.plot_param_importances(study),
        "pareto_front": lambda: vis.plot_pareto_front(mo),
        "hypervolume_history": lambda: vis.plot_hypervolume_history(mo, [1.1, 11.0]),
    }
    for name, draw in plots.items():
        print(f"wrote {save(name, draw, out)}")
    print(f"{len(plots)} plots in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
