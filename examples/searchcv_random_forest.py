"""SearchCV tunes a RandomForestClassifier on the breast-cancer dataset.

The search only sees the training split; the held-out test score is printed next to the
cross-validated score so the two can be compared (the CV score is an estimate chosen as a
maximum over trials, hence optimistic; the test score is the honest one).

Usage: python examples/searchcv_random_forest.py
"""

from __future__ import annotations

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from ferrotune.distributions import CategoricalDistribution, IntDistribution
from ferrotune.integration import SearchCV


def main() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    search = SearchCV(
        RandomForestClassifier(random_state=0),
        {
            "n_estimators": IntDistribution(20, 300, log=True),
            "max_depth": IntDistribution(2, 16),
            "min_samples_leaf": IntDistribution(1, 10),
            "max_features": CategoricalDistribution(["sqrt", "log2"]),
        },
        n_trials=25,
        cv=5,
        random_state=0,
    )
    search.fit(X_train, y_train)
    print(f"best params        : {search.best_params_}")
    print(f"CV accuracy (5-fold): {search.best_score_:.4f}")
    print(f"held-out accuracy  : {search.score(X_test, y_test):.4f}")
    print(search.trials_dataframe()[["number", "value", "state"]].tail())


if __name__ == "__main__":
    main()
