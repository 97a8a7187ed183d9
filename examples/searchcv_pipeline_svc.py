"""SearchCV tunes a Pipeline(StandardScaler, SVC) on the digits dataset.

Parameters of pipeline steps use scikit-learn's ``step__param`` names. The scaler is fit
inside each CV fold (no leakage); the held-out test score is printed next to the CV score.

Usage: python examples/searchcv_pipeline_svc.py
"""

from __future__ import annotations

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ferrotune.distributions import CategoricalDistribution, FloatDistribution
from ferrotune.integration import SearchCV


def main() -> None:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    pipe = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    search = SearchCV(
        pipe,
        {
            "svc__C": FloatDistribution(1e-2, 1e3, log=True),
            "svc__gamma": FloatDistribution(1e-5, 1e0, log=True),
            "svc__kernel": CategoricalDistribution(["rbf", "linear"]),
        },
        n_trials=30,
        cv=4,
        random_state=0,
    )
    search.fit(X_train, y_train)
    print(f"best params        : {search.best_params_}")
    print(f"CV accuracy (4-fold): {search.best_score_:.4f}")
    print(f"held-out accuracy  : {search.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
