"""Pruning a PyTorch-style epoch loop (written with numpy so it runs anywhere).

The shape is the one of any deep-learning training script: build the model from the
trial's hyperparameters, then for each epoch train, evaluate, ``trial.report`` the
validation loss and ask ``trial.should_prune()``. With PyTorch, replace ``train_epoch`` /
``evaluate`` by your usual loops over a ``DataLoader``.

Run: ``python examples/pruning_epoch_loop.py``
"""

from __future__ import annotations

import numpy as np

import ferrotune as optuna

N_EPOCHS = 50
rng = np.random.default_rng(0)
X = rng.normal(size=(512, 8))
TRUE_W = rng.normal(size=8)
Y = X @ TRUE_W + rng.normal(scale=0.1, size=512)
X_train, Y_train, X_valid, Y_valid = X[:384], Y[:384], X[384:], Y[384:]


def train_epoch(w: np.ndarray, lr: float, batch_size: int, weight_decay: float) -> np.ndarray:
    order = rng.permutation(len(X_train))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        grad = 2 * X_train[idx].T @ (X_train[idx] @ w - Y_train[idx]) / len(idx)
        w = w - lr * (grad + weight_decay * w)
    return w


def evaluate(w: np.ndarray) -> float:
    return float(np.mean((X_valid @ w - Y_valid) ** 2))


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    batch_size = trial.suggest_categorical("batch_size", [16, 32, 64, 128])
    weight_decay = trial.suggest_float("weight_decay", 1e-6, 1e-1, log=True)
    w = np.zeros(8)
    loss = evaluate(w)
    for epoch in range(N_EPOCHS):
        w = train_epoch(w, lr, batch_size, weight_decay)
        loss = evaluate(w)
        trial.report(loss, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return loss


def main() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=N_EPOCHS),
    )
    study.optimize(objective, n_trials=60)
    states = [t.state.name for t in study.trials]
    print(f"{states.count('COMPLETE')} complete, {states.count('PRUNED')} pruned")
    print(f"best validation MSE {study.best_value:.5f} with {study.best_params}")


if __name__ == "__main__":
    main()
