"""ferrotune demo: tune a RandomForest on iris, stored in a SQLite file that later runs resume.

Run with ``make demo`` (or ``python examples/demo.py [--trials 100] [--storage URL]``).
Writes ``demo_out/demo.db`` (the study) and three plotly pages to ``demo_out/``:
the optimization history, the parameter importances and a slice plot.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

import ferrotune
from ferrotune import visualization

OUT_DIR = Path("demo_out")


def objective(trial: ferrotune.Trial) -> float:
    """Mean 3-fold CV accuracy of a RandomForest on iris."""
    X, y = load_iris(return_X_y=True)
    clf = RandomForestClassifier(
        n_estimators=trial.suggest_int("n_estimators", 10, 100, log=True),
        max_depth=trial.suggest_int("max_depth", 1, 16, log=True),
        min_samples_split=trial.suggest_int("min_samples_split", 2, 10),
        max_features=trial.suggest_float("max_features", 0.1, 1.0),
        criterion=trial.suggest_categorical("criterion", ["gini", "entropy", "log_loss"]),
        random_state=0,
        n_jobs=1,
    )
    return float(cross_val_score(clf, X, y, cv=3).mean())


def default_storage() -> str:
    """The embedded default: a SQLite file next to the demo's outputs."""
    OUT_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{OUT_DIR / 'demo.db'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--storage", default=None, help="storage URL (default: SQLite file)")
    args = parser.parse_args()
    ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)
    storage = args.storage or default_storage()
    study = ferrotune.create_study(
        study_name="iris-random-forest",
        storage=storage,
        direction="maximize",
        load_if_exists=True,
    )
    before = len(study.trials)
    if before:
        print(f"Resuming study 'iris-random-forest' with {before} trials from {storage}")
    study.optimize(objective, n_trials=args.trials, show_progress_bar=True)
    print(f"Storage: {storage}")
    print(f"Trials in study: {len(study.trials)} ({len(study.trials) - before} new)")
    print(f"Best value (CV accuracy): {study.best_value:.4f}")
    print(f"Best params: {study.best_params}")
    figures = {
        "history": visualization.plot_optimization_history(study),
        "importances": visualization.plot_param_importances(study),
        "slice": visualization.plot_slice(study),
    }
    OUT_DIR.mkdir(exist_ok=True)
    for name, figure in figures.items():
        path = OUT_DIR / f"{name}.html"
        # "directory": one shared plotly.min.js next to the pages, viewable offline.
        figure.write_html(str(path), include_plotlyjs="directory")
        print(f"Wrote {path}")


if __name__ == "__main__":
    main()
