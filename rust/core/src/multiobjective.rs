//! Multi-objective helpers for MOTPE: non-dominated sorting, hypervolume and greedy
//! hypervolume subset selection (all objectives minimised).
//!
//! * Non-dominated rank: Deb et al. 2002 (NSGA-II) front peeling, on the
//!   lexicographically sorted unique points so that a point can only be dominated by
//!   an earlier one; stops once `n_below` points are ranked (Optuna's contract: ranks
//!   beyond the top `n_below` are only guaranteed to be worse).
//! * Hypervolume: exact; sweep in 2-D, WFG-style inclusion-exclusion recursion
//!   (While et al. 2012, "A Fast Way of Calculating Exact Hypervolumes") above.
//! * HSSP: the greedy 1 - 1/e algorithm (Guerreiro et al. 2016, "Greedy Hypervolume
//!   Subset Selection in Low Dimensions"), picking at each step the point of largest
//!   exclusive contribution, first index on ties (like `numpy.argmax`).

use crate::error::{CoreError, CoreResult};

fn check_matrix(points: &[f64], m: usize) -> CoreResult<usize> {
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

fn lex_cmp(a: &[f64], b: &[f64]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        match x.total_cmp(y) {
            std::cmp::Ordering::Equal => continue,
            o => return o,
        }
    }
    std::cmp::Ordering::Equal
}

/// `a` weakly dominates `b` and differs from it.
#[inline]
fn dominates(a: &[f64], b: &[f64]) -> bool {
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

/// Non-domination rank (0 = Pareto front) of each of the `n` points (`(n, m)` row-major).
/// Points worse than the top `n_below` share one rank larger than theirs.
pub fn nondomination_rank(points: &[f64], m: usize, n_below: usize) -> CoreResult<Vec<usize>> {
    let n = check_matrix(points, m)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let row = |i: usize| &points[i * m..(i + 1) * m];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| lex_cmp(row(a), row(b)).then(a.cmp(&b)));
    // Unique points in lexicographic order; `group[i]` maps each point to its unique index.
    let mut uniq: Vec<usize> = Vec::new();
    let mut group = vec![0usize; n];
    for &i in &order {
        if uniq.last().is_none_or(|&u| lex_cmp(row(u), row(i)).is_ne()) {
            uniq.push(i);
        }
        group[i] = uniq.len() - 1;
    }
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
    Ok((0..n).map(|i| rank_u[group[i]]).collect())
}

/// Exact hypervolume dominated by `points` (`(n, m)`) and bounded by `reference`.
pub fn hypervolume(points: &[f64], m: usize, reference: &[f64]) -> CoreResult<f64> {
    let n = check_matrix(points, m)?;
    if reference.len() != m {
        return Err(CoreError::ShapeMismatch(format!(
            "reference point has {} values, expected {m}",
            reference.len()
        )));
    }
    if reference.iter().any(|r| !r.is_finite()) {
        return Ok(f64::INFINITY);
    }
    let pts: Vec<Vec<f64>> = (0..n)
        .map(|i| points[i * m..(i + 1) * m].to_vec())
        .filter(|p| p.iter().zip(reference).all(|(v, r)| v < r))
        .collect();
    Ok(hv_rec(pts, reference))
}

fn nondominated(mut pts: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    pts.sort_by(|a, b| lex_cmp(a, b));
    pts.dedup();
    let mut front: Vec<Vec<f64>> = Vec::with_capacity(pts.len());
    for p in pts {
        if !front.iter().any(|f| dominates(f, &p)) {
            front.push(p);
        }
    }
    front
}

fn hv_rec(pts: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    let m = reference.len();
    if pts.is_empty() {
        return 0.0;
    }
    if m == 1 {
        let best = pts.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        return reference[0] - best;
    }
    let mut pts = nondominated(pts);
    if m == 2 {
        // Sorted by the first objective ascending; the second is then descending.
        let mut total = 0.0;
        let mut prev_y = reference[1];
        for p in &pts {
            total += (reference[0] - p[0]) * (prev_y - p[1]);
            prev_y = p[1];
        }
        return total;
    }
    // WFG: HV = sum_i exclusive(p_i | p_{i+1..}), exclusive = inclusive - HV(limited set).
    pts.sort_by(|a, b| b[0].total_cmp(&a[0]));
    let mut total = 0.0;
    for i in 0..pts.len() {
        let inclusive: f64 = pts[i].iter().zip(reference).map(|(v, r)| r - v).product();
        let limited: Vec<Vec<f64>> = pts[i + 1..]
            .iter()
            .map(|q| q.iter().zip(&pts[i]).map(|(a, b)| a.max(*b)).collect())
            .collect();
        total += inclusive - hv_rec(limited, reference);
    }
    total
}

/// Greedy hypervolume subset selection: indices (into the `n` points) of `k` points.
pub fn hssp_greedy(
    points: &[f64],
    m: usize,
    k: usize,
    reference: &[f64],
) -> CoreResult<Vec<usize>> {
    let n = check_matrix(points, m)?;
    if k > n {
        return Err(CoreError::InvalidArgument(format!(
            "subset size {k} exceeds {n} points"
        )));
    }
    if reference.len() != m {
        return Err(CoreError::ShapeMismatch("reference point length".into()));
    }
    if k == n {
        return Ok((0..n).collect());
    }
    if reference.iter().any(|r| !r.is_finite()) {
        return Ok((0..k).collect());
    }
    let row = |i: usize| points[i * m..(i + 1) * m].to_vec();
    let mut selected: Vec<usize> = Vec::with_capacity(k);
    let mut selected_pts: Vec<Vec<f64>> = Vec::with_capacity(k);
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut hv_selected = 0.0;
    // Upper bounds of contributions (submodularity: contributions only shrink).
    let mut bound: Vec<f64> = remaining
        .iter()
        .map(|&i| row(i).iter().zip(reference).map(|(v, r)| r - v).product())
        .collect();
    while selected.len() < k {
        let mut best_pos = 0;
        let mut best = f64::NEG_INFINITY;
        // Evaluate in decreasing upper-bound order, skipping those that cannot win.
        let mut idx: Vec<usize> = (0..remaining.len()).collect();
        idx.sort_by(|&a, &b| bound[b].total_cmp(&bound[a]).then(a.cmp(&b)));
        for &p in &idx {
            if bound[p] < best {
                break;
            }
            let contrib = if selected_pts.is_empty() {
                bound[p]
            } else {
                let mut with = selected_pts.clone();
                with.push(row(remaining[p]));
                hv_rec(with, reference) - hv_selected
            };
            bound[p] = contrib;
            if contrib > best || (contrib == best && p < best_pos) {
                best = contrib;
                best_pos = p;
            }
        }
        let chosen = remaining.remove(best_pos);
        bound.remove(best_pos);
        selected.push(chosen);
        selected_pts.push(row(chosen));
        hv_selected = hv_rec(selected_pts.clone(), reference);
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_of_simple_fronts() {
        let pts = [1.0, 4.0, 2.0, 2.0, 4.0, 1.0, 3.0, 3.0, 5.0, 5.0, 2.0, 2.0];
        let r = nondomination_rank(&pts, 2, 0).unwrap();
        assert_eq!(r, vec![0, 0, 0, 1, 2, 0]);
        let r = nondomination_rank(&pts, 2, 3).unwrap();
        assert_eq!(&r[..4], &[0, 0, 0, 1]);
        assert!(r[4] >= 1);
    }

    #[test]
    fn hypervolume_2d_and_3d() {
        let hv = hypervolume(&[1.0, 2.0, 2.0, 1.0], 2, &[3.0, 3.0]).unwrap();
        assert!((hv - 3.0).abs() < 1e-12);
        // Unit cubes at the corners of [0,2]^3 with reference 2: 3 cubes overlapping.
        let hv = hypervolume(&[0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0], 3, &[2.0; 3]).unwrap();
        // Union of three boxes [0,2]x[1,2]x[1,2] etc. = 3*2 - 3*1 + 1 = 4.
        assert!((hv - 4.0).abs() < 1e-12, "{hv}");
        let hv4 = hypervolume(&[0.5; 4], 4, &[1.0; 4]).unwrap();
        assert!((hv4 - 0.0625).abs() < 1e-12);
    }

    #[test]
    fn greedy_hssp_prefers_spread() {
        let pts = [0.0, 10.0, 1.0, 9.0, 5.0, 5.0, 9.0, 1.0, 10.0, 0.0];
        let s = hssp_greedy(&pts, 2, 2, &[11.0, 11.0]).unwrap();
        assert_eq!(s[0], 2); // (5, 5) has the largest box.
        assert_eq!(hssp_greedy(&pts, 2, 5, &[11.0, 11.0]).unwrap().len(), 5);
    }
}
