"""Pruning a scikit-learn ``partial_fit`` training loop.

Each trial trains an ``SGDClassifier`` epoch by epoch on the digits dataset, reports the
validation accuracy after every epoch, and stops as soon as the study's pruner (here the
default ``MedianPruner``) judges it worse than the median of the completed trials at the
same epoch.

Run: ``python examples/pruning_sklearn_partial_fit.py``
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import ferrotune as optuna

N_EPOCHS = 30

X, y = load_digits(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_valid = scaler.transform(X_train), scaler.transform(X_valid)
CLASSES = np.unique(y)


def objective(trial: optuna.Trial) -> float:
    clf = SGDClassifier(
        loss=trial.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"]),
        alpha=trial.suggest_float("alpha", 1e-6, 1.0, log=True),
        learning_rate="constant",
        eta0=trial.suggest_float("eta0", 1e-5, 1e-1, log=True),
        random_state=0,
    )
    accuracy = 0.0
    for epoch in range(N_EPOCHS):
        clf.partial_fit(X_train, y_train, classes=CLASSES)
        accuracy = clf.score(X_valid, y_valid)
        trial.report(accuracy, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return accuracy


def main() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3),
    )
    study.optimize(objective, n_trials=40)

    pruned = study.get_trials(states=(optuna.trial.TrialState.PRUNED,))
    complete = study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    epochs = sum(len(t.intermediate_values) for t in study.trials)
    print(f"{len(complete)} complete, {len(pruned)} pruned trials")
    print(f"epochs trained: {epochs} of {N_EPOCHS * len(study.trials)} without pruning")
    print(f"best accuracy {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
