"""NSGA-III survivor selection: reference points, normalisation, association and niching.

Deb and Jain, "An Evolutionary Many-Objective Optimization Algorithm Using Reference-Point-Based
Nondominated Sorting Approach, Part I", IEEE TEC 18(4), 2014 (Section IV): the last front that
does not fit whole is filled by niching around structured reference points, after the
objectives of the survivors so far and of that front are normalised (Section IV-C) and each
individual is associated with its nearest reference line (Section IV-D, IV-E).

The functions work on arrays; names and semantics follow Optuna 5.0's
``optuna.samplers._nsgaiii._elite_population_selection_strategy`` so that its tests apply.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from ferrotune import _core
from ferrotune.samplers.nsgaii._population import FloatArray, IntArray, nondomination_ranks

if TYPE_CHECKING:
    from ferrotune.trial._frozen import FrozenTrial

T = TypeVar("T")

# Infinite objective values are replaced by the finite range widened by _COEF times its width.
_COEF = 3


def _generate_default_reference_point(
    n_objectives: int, dividing_parameter: int = 3
) -> FloatArray:
    """Das and Dennis's structured points: all ``n_objectives``-vectors of non-negative
    integers summing to ``dividing_parameter`` (Deb and Jain 2014, Section IV-B).

    Row ``k`` counts the occurrences of each objective in the ``k``-th multiset of
    ``itertools.combinations_with_replacement`` (the row order Optuna uses).
    """
    if n_objectives < 1 or dividing_parameter < 0:
        raise ValueError(
            f"n_objectives must be >= 1 and dividing_parameter >= 0, got {n_objectives} and "
            f"{dividing_parameter}."
        )
    combos = list(itertools.combinations_with_replacement(range(n_objectives), dividing_parameter))
    points = np.zeros((len(combos), n_objectives))
    for row, combo in enumerate(combos):
        for axis in combo:
            points[row, axis] += 1.0
    return points


def clip_infinite(values: FloatArray) -> FloatArray:
    """``values`` with each column's infinities clipped to ``_COEF`` widths beyond its finite
    range (a column without finite values stays as it is)."""
    finite = np.isfinite(values)
    out = np.array(values, dtype=np.float64)
    for j in range(out.shape[1]):
        column = out[finite[:, j], j]
        if column.size == 0:
            continue
        low, high = float(column.min()), float(column.max())
        margin = _COEF * (high - low)
        out[:, j] = np.clip(out[:, j], low - margin, high + margin)
    return out


def _filter_inf(population: Sequence[FrozenTrial]) -> FloatArray:
    """:func:`clip_infinite` of the trials' objective values."""
    return clip_infinite(np.asarray([t.values for t in population], dtype=np.float64))


def _normalize_objective_values(objective_matrix: FloatArray) -> FloatArray:
    """Translate by the ideal point and divide by the hyperplane intercepts (Section IV-C).

    The extreme point of axis ``j`` minimises the achievement scalarising function
    ``max_i f_i / w_i`` with ``w_j = 1`` and the other weights ``1e-6`` (Eq. 4). When the
    extreme points are not finite or not linearly independent, each axis is divided by its
    maximum instead (1 where that is 0).
    """
    shifted = np.array(objective_matrix, dtype=np.float64)
    n_objectives = shifted.shape[1]
    shifted -= shifted.min(axis=0)
    scale = np.full((n_objectives, n_objectives), 1e6)
    np.fill_diagonal(scale, 1.0)
    # asf[j, k] = max_i shifted[k, i] * scale[j, i]
    asf = (shifted[np.newaxis, :, :] * scale[:, np.newaxis, :]).max(axis=2)
    extremes = shifted[asf.argmin(axis=1)]
    if np.isfinite(extremes).all() and np.linalg.matrix_rank(extremes) == n_objectives:
        # The hyperplane a . x = 1 through the extreme points has intercepts 1 / a_j.
        inverse = np.linalg.solve(extremes, np.ones(n_objectives))
    else:
        top = shifted.max(axis=0)
        inverse = 1.0 / np.where(top == 0.0, 1.0, top)
    return shifted * np.where(np.isfinite(inverse), inverse, 1.0)


def _associate_individuals_with_reference_points(
    objective_matrix: FloatArray, reference_points: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Nearest reference line (through the origin) of each row, and the distance to it.

    Section IV-E: the perpendicular distance of ``x`` to the line along ``r`` is
    ``|x - (x.r / |r|^2) r|``; ties go to the first reference point. Computed in the core
    (``nsga3_associate``), O(n p m) without ``(n, p, m)`` temporaries.
    """
    closest, distance = _core.nsga3_associate(
        np.ascontiguousarray(objective_matrix, dtype=np.float64),
        np.ascontiguousarray(reference_points, dtype=np.float64),
    )
    return closest, distance


def _preserve_niche_individuals(
    target_population_size: int,
    elite_population_num: int,
    population: Sequence[T],
    closest_reference_points: IntArray,
    distance_reference_points: FloatArray,
    rng: np.random.RandomState,
) -> list[T]:
    """Choose ``target_population_size`` members of the last front by niching (Section IV-F).

    ``closest_reference_points`` and ``distance_reference_points`` cover the
    ``elite_population_num`` survivors so far followed by ``population`` (the last front).
    Reference points with the fewest associated survivors are served first (ties in random
    order); a point without survivors takes its nearest front member, otherwise a random one.
    """
    if len(population) < target_population_size:
        raise ValueError(
            f"The population size ({len(population)}) must be greater than or equal to the "
            f"target population size ({target_population_size})."
        )
    closest = np.asarray(closest_reference_points).astype(np.int64).tolist()
    distance = np.asarray(distance_reference_points, dtype=np.float64).tolist()
    # Front members per reference point, (distance, position) in front order.
    members: dict[int, list[tuple[float, int]]] = {}
    for position, ref in enumerate(closest[elite_population_num:]):
        members.setdefault(ref, []).append((distance[elite_population_num + position], position))
    niche_count: defaultdict[int, int] = defaultdict(int)
    for ref in closest[:elite_population_num]:
        niche_count[ref] += 1
    # Reference points that still have front members, grouped by niche count.
    by_count: defaultdict[int, list[int]] = defaultdict(list)
    for ref in members:
        by_count[niche_count[ref]].append(ref)

    chosen: list[T] = []
    shuffled: set[int] = set()
    count = -1
    while len(chosen) < target_population_size:
        if not by_count[count]:
            count += 1
            rng.shuffle(by_count[count])
            continue
        ref = by_count[count].pop()
        candidates = members[ref]
        if count == 0:
            candidates.sort(reverse=True)  # nearest (then first) at the end
        elif ref not in shuffled:
            rng.shuffle(candidates)
            shuffled.add(ref)
        chosen.append(population[candidates.pop()[1]])
        if candidates:
            by_count[count + 1].append(ref)
    return chosen


def select_elite_nsga3(
    loss: FloatArray,
    penalty: FloatArray | None,
    population_size: int,
    reference_points: FloatArray,
    rng: np.random.RandomState,
) -> IntArray:
    """Positions of the NSGA-III survivors among the rows of ``loss`` (minimised).

    Whole fronts (constrained non-dominated sorting, as NSGA-II) are kept while they fit; the
    first front that does not fit is filled by niching over the normalised losses of the
    survivors so far and that front.
    """
    n = loss.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64)
    ranks = nondomination_ranks(loss, penalty)
    elite: list[int] = []
    for rank in range(int(ranks.max()) + 1):
        front = np.flatnonzero(ranks == rank)
        if len(elite) + front.size < population_size:
            elite.extend(front.tolist())
            continue
        considered = np.concatenate((np.asarray(elite, dtype=np.int64), front))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            normalized = _normalize_objective_values(clip_infinite(loss[considered]))
        closest, distance = _associate_individuals_with_reference_points(
            normalized, reference_points
        )
        elite.extend(
            _preserve_niche_individuals(
                population_size - len(elite),
                len(elite),
                front.tolist(),
                closest,
                distance,
                rng,
            )
        )
        break
    return np.asarray(elite, dtype=np.int64)
