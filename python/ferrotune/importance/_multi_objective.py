"""Multi-objective helpers shared by importance and visualization.

Non-domination ranks, exact hypervolume (2-D sweep, recursive slicing above) and the greedy
hypervolume subset selection (Guerreiro et al. 2016, "Greedy Hypervolume Subset Selection in
Low Dimensions") used to break ties inside a non-domination rank, as Optuna's TPE does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ferrotune.study._multi_objective import pareto_front_rows

FloatArray = npt.NDArray[np.float64]
_EPS = 1e-12


def non_domination_ranks(loss: FloatArray, n_below: int | None = None) -> npt.NDArray[np.int64]:
    """Rank of each row (0 = Pareto front) for minimised ``loss`` (n, m).

    Ranks are assigned front by front until at least ``n_below`` rows are ranked; the rest get
    the next rank (enough to select the best ``n_below``).
    """
    n = loss.shape[0]
    ranks = np.full(n, -1, dtype=np.int64)
    remaining = np.arange(n)
    rank = 0
    limit = n if n_below is None else n_below
    ranked = 0
    while remaining.size and ranked < limit:
        front = remaining[pareto_front_rows(loss[remaining])]
        ranks[front] = rank
        ranked += front.size
        remaining = np.setdiff1d(remaining, front, assume_unique=True)
        rank += 1
    ranks[remaining] = rank
    return ranks


def hypervolume(points: FloatArray, reference: FloatArray) -> float:
    """Hypervolume dominated by ``points`` (n, m) and bounded by ``reference`` (minimisation)."""
    pts = points[np.all(points < reference, axis=1)]
    if pts.shape[0] == 0:
        return 0.0
    if pts.shape[1] == 1:
        return float(reference[0] - pts[:, 0].min())
    if pts.shape[1] == 2:
        order = np.lexsort((pts[:, 1], pts[:, 0]))
        x, y = pts[order, 0], pts[order, 1]
        best_y = np.minimum.accumulate(y)
        # Each x-slab [x_i, x_{i+1}) is covered up to the best y seen so far.
        widths = np.diff(np.append(x, reference[0]))
        return float(np.sum(widths * (reference[1] - best_y)))
    # Slice along the last objective: between consecutive levels the covered set is the
    # (m-1)-dimensional hypervolume of the points at or below that level.
    pts = pts[np.argsort(pts[:, -1])]
    levels = np.append(pts[:, -1], reference[-1])
    total = 0.0
    for i in range(pts.shape[0]):
        height = levels[i + 1] - levels[i]
        if height > 0:
            total += height * hypervolume(pts[: i + 1, :-1], reference[:-1])
    return total


def reference_point(loss: FloatArray) -> FloatArray:
    """Optuna's reference point: the worst point pushed outwards by 10%."""
    worst = np.max(loss, axis=0)
    ref: FloatArray = np.maximum(1.1 * worst, 0.9 * worst)
    ref[ref == 0] = _EPS
    return ref


def greedy_hssp(
    loss: FloatArray, subset_size: int, reference: FloatArray
) -> npt.NDArray[np.int64]:
    """Indices of ``subset_size`` rows chosen greedily by hypervolume contribution."""
    n = loss.shape[0]
    if subset_size >= n:
        return np.arange(n)
    if not np.all(np.isfinite(reference)):
        return np.arange(subset_size)
    _, unique_rows = np.unique(loss, axis=0, return_index=True)
    unique_rows = np.sort(unique_rows)
    if unique_rows.size < subset_size:
        rest = np.setdiff1d(np.arange(n), unique_rows)[: subset_size - unique_rows.size]
        return np.sort(np.concatenate([unique_rows, rest]))
    candidates = list(unique_rows)
    selected: list[int] = []
    hv_selected = 0.0
    for _ in range(subset_size):
        best, best_gain = candidates[0], -np.inf
        for c in candidates:
            gain = hypervolume(loss[[*selected, c]], reference) - hv_selected
            if gain > best_gain:
                best, best_gain = c, gain
        selected.append(best)
        candidates.remove(best)
        hv_selected += best_gain
    return np.array(selected, dtype=np.int64)


def select_best(loss: FloatArray, n_below: int) -> npt.NDArray[np.int64]:
    """Rows of the best ``n_below`` by non-domination rank, HSSP breaking the last rank."""
    n = loss.shape[0]
    if n_below <= 0:
        return np.empty(0, dtype=np.int64)
    if n_below >= n:
        return np.arange(n)
    ranks = non_domination_ranks(loss, n_below)
    counts = np.bincount(ranks)
    full = int(np.sum(np.cumsum(counts) <= n_below))  # ranks 0..full-1 fit entirely
    chosen = np.flatnonzero(ranks < full)
    if chosen.size < n_below:
        tie = np.flatnonzero(ranks == full)
        picked = greedy_hssp(loss[tie], n_below - chosen.size, reference_point(loss[tie]))
        chosen = np.concatenate([chosen, tie[picked]])
    return np.sort(chosen)
