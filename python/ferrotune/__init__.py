"""ferrotune: hyperparameter optimization with Optuna's API and a Rust core."""
