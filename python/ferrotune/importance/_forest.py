"""Random-forest importances: fANOVA and mean decrease of impurity (Rust core)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ferrotune import _core
from ferrotune.importance._base import (
    BaseImportanceEvaluator,
    Target,
    _check_positive,
    _encoded_matrix,
    _get_distributions,
    _require_target_for_multi_objective,
    _resolve_seed,
    _sort_by_importance,
)

if TYPE_CHECKING:
    from ferrotune.study import Study


def _forest_params(n_trees: int, max_depth: int, seed: int | None) -> _core.ForestParams:
    """The forest of both evaluators: fully grown trees (split nodes of two samples or more,
    leaves of one) as in Optuna's scikit-learn forests."""
    return _core.ForestParams(
        n_trees=n_trees,
        max_depth=max_depth,
        min_samples_split=2,
        min_samples_leaf=1,
        seed=_resolve_seed(seed),
    )


class FanovaImportanceEvaluator(BaseImportanceEvaluator):
    """fANOVA importance evaluator (Hutter, Hoos & Leyton-Brown, ICML 2014).

    Fits a random forest to the objective values of COMPLETE trials and reports, per
    parameter, the fraction of the forest's variance explained by that parameter's main effect
    (averaged over trees). The forest and the decomposition run in Rust, trees in parallel,
    without the interpreter lock.

    Parameters
    ----------
    n_trees
        Number of trees in the forest.
    max_depth
        Maximum depth of the trees.
    seed
        Seed of the forest; the same seed gives the same importances.
    """

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        self._n_trees = _check_positive("n_trees", n_trees)
        self._max_depth = _check_positive("max_depth", max_depth)
        self._seed = seed
        _resolve_seed(seed)  # validate early

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        _require_target_for_multi_objective(study, target)
        distributions = _get_distributions(study, params)
        names = list(params) if params is not None else list(distributions)
        if not names:
            return {}
        varying = {n: d for n, d in distributions.items() if not d.single()}
        constant = [n for n in distributions if n not in varying]
        if not varying:
            return {n: 0.0 for n in constant}
        x, y, bounds, groups = _encoded_matrix(study, varying, target)
        if y.size <= 1:
            return {n: 0.0 for n in names}
        forest = _forest_params(self._n_trees, self._max_depth, self._seed)
        mean, _std = _core.fanova_importances(x, y, bounds, groups, forest=forest)
        importances = dict(zip(varying, (float(v) for v in mean), strict=True))
        importances.update({n: 0.0 for n in constant})
        return _sort_by_importance(importances)


class MeanDecreaseImpurityImportanceEvaluator(BaseImportanceEvaluator):
    """Mean Decrease Impurity (MDI) importance evaluator.

    Fits a random forest to the objective values of COMPLETE trials and sums, per parameter,
    the impurity decrease of the splits on it (all one-hot columns of a categorical
    parameter together), as scikit-learn's ``feature_importances_``. The forest is the Rust
    one shared with :class:`FanovaImportanceEvaluator`.

    Parameters
    ----------
    n_trees
        Number of trees in the forest.
    max_depth
        Maximum depth of the trees.
    seed
        Seed of the forest; the same seed gives the same importances.
    """

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        self._n_trees = _check_positive("n_trees", n_trees)
        self._max_depth = _check_positive("max_depth", max_depth)
        self._seed = seed
        _resolve_seed(seed)

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Target | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        _require_target_for_multi_objective(study, target)
        distributions = _get_distributions(study, params)
        names = list(params) if params is not None else list(distributions)
        if not names:
            return {}
        x, y, _bounds, groups = _encoded_matrix(study, distributions, target)
        if y.size <= 1:
            return {n: 0.0 for n in names}
        forest = _forest_params(self._n_trees, self._max_depth, self._seed)
        per_column = _core.forest_mdi_importances(x, y, forest=forest)
        importances = {
            name: float(np.sum(per_column[group]))
            for name, group in zip(distributions, groups, strict=True)
        }
        return _sort_by_importance(importances)
