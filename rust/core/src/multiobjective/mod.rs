//! Multi-objective helpers: non-dominated sorting, exact hypervolume, greedy hypervolume
//! subset selection (HSSP) and MOTPE's below-set selection (all objectives minimised).
//!
//! * [`rank`]: non-domination ranks. Two objectives: O(n log n) sweep over the
//!   lexicographically sorted points (Jensen 2003, "Reducing the run-time complexity of
//!   multiobjective EAs: the NSGA-II and other algorithms", Sec. III for M = 2); more:
//!   front peeling (Deb et al. 2002) on the sorted unique points, where a point can only be
//!   dominated by an earlier one, stopping once `n_below` points are ranked (Optuna's
//!   contract: ranks beyond the top `n_below` are only guaranteed to be worse).
//! * [`hypervolume`](mod@hypervolume): exact. 2-D: sort + sweep, O(n log n). 3-D: the
//!   O(n log n) sweep along the third objective over a 2-D staircase (Beume, Fonseca,
//!   Lopez-Ibanez, Paquete, Vahrenhold 2009, "On the Complexity of Computing the
//!   Hypervolume Indicator", Sec. 4). 4-D and more: WFG (While, Bradstreet, Barone 2012,
//!   "A Fast Way of Calculating Exact Hypervolumes", Eqs. 6-7) with the 3-D sweep as base.
//! * [`hssp`]: the greedy 1 - 1/e algorithm (Guerreiro, Fonseca, Paquete 2016, "Greedy
//!   Hypervolume Subset Selection in Low Dimensions"): O(k n) in 2-D by the
//!   rectangle-diagonal update, lazy (submodular upper bounds) above.
//! * [`select_below`]: Optuna's MOTPE split of the COMPLETE trials: whole fronts by rank,
//!   the first front that does not fit broken by HSSP with Optuna's reference point.

mod hssp;
mod hypervolume;
mod rank;
#[cfg(test)]
mod tests;

pub use hssp::hssp_greedy;
pub use hypervolume::hypervolume;
pub use rank::nondomination_rank;

use crate::error::{CoreError, CoreResult};

/// Optuna's `EPS` for reference-point coordinates that would be 0.
const EPS: f64 = 1e-12;

/// Check a row-major `(n, m)` matrix; returns `n`.
pub(crate) fn check_matrix(points: &[f64], m: usize) -> CoreResult<usize> {
    if m == 0 {
        return Err(CoreError::InvalidArgument(
            "need at least one objective".into(),
        ));
    }
    if !points.len().is_multiple_of(m) {
        return Err(CoreError::ShapeMismatch(format!(
            "{} values is not a multiple of {m} objectives",
            points.len()
        )));
    }
    if points.iter().any(|v| v.is_nan()) {
        return Err(CoreError::InvalidArgument(
            "objective values contain NaN".into(),
        ));
    }
    Ok(points.len() / m)
}

/// Lexicographic order of two points (no NaN; `-0.0` and `0.0` compare equal as numpy's do).
#[inline]
pub(crate) fn lex_cmp(a: &[f64], b: &[f64]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.partial_cmp(y) {
            Some(std::cmp::Ordering::Equal) | None => continue,
            Some(o) => return o,
        }
    }
    std::cmp::Ordering::Equal
}

/// `a` weakly dominates `b` and differs from it.
#[inline]
pub(crate) fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strict = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            strict = true;
        }
    }
    strict
}

/// Indices of the unique rows in lexicographic order (first occurrence of each, like
/// `numpy.unique(..., axis=0, return_index=True)`) and, per row, its unique index.
pub(crate) fn unique_lexsorted(points: &[f64], m: usize) -> (Vec<usize>, Vec<usize>) {
    let n = points.len() / m;
    let row = |i: usize| &points[i * m..(i + 1) * m];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| lex_cmp(row(a), row(b)).then(a.cmp(&b)));
    let mut uniq: Vec<usize> = Vec::new();
    let mut group = vec![0usize; n];
    for &i in &order {
        if uniq.last().is_none_or(|&u| lex_cmp(row(u), row(i)).is_ne()) {
            uniq.push(i);
        }
        group[i] = uniq.len() - 1;
    }
    (uniq, group)
}

/// Optuna's reference point for HSSP in MOTPE: per objective `max(1.1 w, 0.9 w)` of the
/// worst value `w`, with `EPS` in place of 0.
pub fn reference_point(points: &[f64], m: usize) -> CoreResult<Vec<f64>> {
    let n = check_matrix(points, m)?;
    if n == 0 {
        return Err(CoreError::InvalidArgument(
            "reference point of no points".into(),
        ));
    }
    Ok((0..m)
        .map(|j| {
            let worst = (0..n)
                .map(|i| points[i * m + j])
                .fold(f64::NEG_INFINITY, f64::max);
            let r = f64::max(1.1 * worst, 0.9 * worst);
            if r == 0.0 {
                EPS
            } else {
                r
            }
        })
        .collect())
}

/// Optuna's `_solve_hssp`: `k` of the `n` points (`(n, m)`), as sorted indices, chosen by
/// greedy HSSP among the unique points; when fewer than `k` are unique, every unique
/// point (first occurrence) plus the first duplicates in index order.
pub fn solve_hssp(points: &[f64], m: usize, k: usize, reference: &[f64]) -> CoreResult<Vec<usize>> {
    let n = check_matrix(points, m)?;
    if k >= n {
        return Ok((0..n).collect());
    }
    let (uniq, _) = unique_lexsorted(points, m);
    let mut chosen = vec![false; n];
    if uniq.len() < k {
        for &u in &uniq {
            chosen[u] = true;
        }
        let mut missing = k - uniq.len();
        for c in chosen.iter_mut() {
            if missing == 0 {
                break;
            }
            if !*c {
                *c = true;
                missing -= 1;
            }
        }
    } else {
        let unique_pts: Vec<f64> = uniq
            .iter()
            .flat_map(|&u| points[u * m..(u + 1) * m].iter().copied())
            .collect();
        for p in hssp_greedy(&unique_pts, m, k, reference)? {
            chosen[uniq[p]] = true;
        }
    }
    Ok((0..n).filter(|&i| chosen[i]).collect())
}

/// Optuna 5.0's multi-objective split of the COMPLETE trials (`_split_complete_trials_
/// multi_objective`): the indices (sorted) of the `n_below` best of the `n` points
/// (`(n, m)`, minimised, in trial order): every front of non-domination rank that fits
/// whole, then [`solve_hssp`] on the first front that does not fit, with
/// [`reference_point`] of that front.
pub fn select_below(points: &[f64], m: usize, n_below: usize) -> CoreResult<Vec<usize>> {
    let n = check_matrix(points, m)?;
    if n_below == 0 {
        return Ok(Vec::new());
    }
    if n_below >= n {
        return Ok((0..n).collect());
    }
    let ranks = nondomination_rank(points, m, n_below)?;
    let max_rank = ranks.iter().copied().max().unwrap_or(0);
    let mut counts = vec![0usize; max_rank + 1];
    for &r in &ranks {
        counts[r] += 1;
    }
    // Fronts 0..n_full fit whole.
    let mut n_full = 0;
    let mut taken = 0;
    while n_full < counts.len() && taken + counts[n_full] <= n_below {
        taken += counts[n_full];
        n_full += 1;
    }
    let mut below: Vec<usize> = (0..n).filter(|&i| ranks[i] < n_full).collect();
    if below.len() < n_below {
        let tie: Vec<usize> = (0..n).filter(|&i| ranks[i] == n_full).collect();
        let tie_pts: Vec<f64> = tie
            .iter()
            .flat_map(|&i| points[i * m..(i + 1) * m].iter().copied())
            .collect();
        let reference = reference_point(&tie_pts, m)?;
        let picked = solve_hssp(&tie_pts, m, n_below - below.len(), &reference)?;
        below.extend(picked.into_iter().map(|p| tie[p]));
        below.sort_unstable();
    }
    Ok(below)
}
