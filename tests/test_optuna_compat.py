"""An Optuna user's script runs unchanged after ``import ferrotune as optuna``."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import ferrotune as optuna
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = load_iris(return_X_y=True)

    def objective(trial):
        n_estimators = trial.suggest_int("n_estimators", 5, 30)
        max_depth = trial.suggest_int("max_depth", 1, 8, log=True)
        criterion = trial.suggest_categorical("criterion", ["gini", "entropy"])
        min_frac = trial.suggest_float("max_features", 0.2, 1.0)
        clf = RandomForestClassifier(
            n_estimators=n_estimators, max_depth=max_depth, criterion=criterion,
            max_features=min_frac, random_state=0,
        )
        return cross_val_score(clf, X, y, cv=3).mean()

    sampler = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=12)
    print("best", study.best_value, sorted(study.best_params))
    df = study.trials_dataframe()
    print("rows", len(df), "cols", ",".join(c for c in df.columns if c.startswith("params_")))
    assert isinstance(study.best_trial, optuna.trial.FrozenTrial)
    assert optuna.trial.TrialState.COMPLETE == study.best_trial.state
    """
)


def test_optuna_script_runs_unchanged() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    assert "best 0.9" in out
    assert "['criterion', 'max_depth', 'max_features', 'n_estimators']" in out
    assert (
        "rows 12 cols params_criterion,params_max_depth,params_max_features,params_n_estimators"
        in out
    )
