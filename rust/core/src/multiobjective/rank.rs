//! Non-domination ranks (0 = Pareto front).

use super::{check_matrix, dominates, unique_lexsorted};
use crate::error::CoreResult;

/// Non-domination rank (0 = Pareto front) of each of the `n` points (`(n, m)` row-major).
///
/// With one or two objectives every rank is exact. With more, fronts are peeled until at
/// least `n_below` points are ranked (`0`: all); the others share one rank larger than
/// theirs, as Optuna's `_fast_non_domination_rank(loss, n_below=...)` does.
pub fn nondomination_rank(points: &[f64], m: usize, n_below: usize) -> CoreResult<Vec<usize>> {
    let n = check_matrix(points, m)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let (uniq, group) = unique_lexsorted(points, m);
    let rank_u = match m {
        // One objective: the rank is the index among the sorted unique values.
        1 => (0..uniq.len()).collect(),
        2 => ranks_2d(points, &uniq),
        _ => ranks_peeling(points, m, &uniq, n_below),
    };
    Ok((0..n).map(|i| rank_u[group[i]]).collect())
}

/// Exact ranks of the unique points `uniq` (lexicographically sorted) in 2-D.
///
/// Visiting points by increasing first objective, the last point put in a front has that
/// front's smallest second objective, and these minima grow with the front index; a point
/// is dominated by (an earlier point of) front `f` iff that minimum is `<=` its second
/// objective, so its rank is the first front whose minimum exceeds it: a binary search.
fn ranks_2d(points: &[f64], uniq: &[usize]) -> Vec<usize> {
    let mut front_min: Vec<f64> = Vec::new();
    uniq.iter()
        .map(|&u| {
            let y = points[2 * u + 1];
            let f = front_min.partition_point(|&v| v <= y);
            if f == front_min.len() {
                front_min.push(y);
            } else {
                front_min[f] = y;
            }
            f
        })
        .collect()
}

/// Front peeling over the unique lexsorted points until `n_below` are ranked.
fn ranks_peeling(points: &[f64], m: usize, uniq: &[usize], n_below: usize) -> Vec<usize> {
    let row = |i: usize| &points[i * m..(i + 1) * m];
    let n_unique = uniq.len();
    let n_below = if n_below == 0 {
        n_unique
    } else {
        n_below.min(n_unique)
    };
    let mut rank_u = vec![usize::MAX; n_unique];
    let mut remaining: Vec<usize> = (0..n_unique).collect();
    let mut rank = 0;
    let mut n_ranked = 0;
    while n_ranked < n_below && !remaining.is_empty() {
        let mut front: Vec<usize> = Vec::new();
        let mut rest = Vec::with_capacity(remaining.len());
        for &u in &remaining {
            let p = row(uniq[u]);
            // Only an earlier (lexicographically smaller) point can dominate `p`.
            if front.iter().any(|&f| dominates(row(uniq[f]), p)) {
                rest.push(u);
            } else {
                front.push(u);
            }
        }
        for &u in &front {
            rank_u[u] = rank;
        }
        n_ranked += front.len();
        remaining = rest;
        rank += 1;
    }
    for &u in &remaining {
        rank_u[u] = rank;
    }
    rank_u
}
