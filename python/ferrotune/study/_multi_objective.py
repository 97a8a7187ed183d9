"""Pareto-front helpers (vectorised)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def pareto_front_rows(loss_values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Indices of the non-dominated rows of ``loss_values`` (all objectives minimised).

    Duplicated points are all kept, as in Optuna.
    """
    n = loss_values.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64)
    order = np.lexsort(loss_values.T[::-1])  # sort by first objective, then the others
    sorted_values = loss_values[order]
    on_front = np.zeros(n, dtype=bool)
    front: list[int] = []
    for i in range(n):
        point = sorted_values[i]
        dominated = False
        if front:
            candidates = sorted_values[front]
            dominated = bool(
                np.any(np.all(candidates <= point, axis=1) & np.any(candidates < point, axis=1))
            )
        if not dominated:
            front.append(i)
            on_front[i] = True
    return np.sort(order[on_front])
