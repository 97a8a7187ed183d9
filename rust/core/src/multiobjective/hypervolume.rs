//! Exact hypervolume (minimisation): 2-D sweep, 3-D staircase sweep, WFG above.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Unbounded};

use super::{check_matrix, dominates, lex_cmp};
use crate::error::{CoreError, CoreResult};

/// Exact hypervolume dominated by `points` (`(n, m)`) and bounded by `reference`.
///
/// Points not strictly better than the reference in every objective add nothing and are
/// dropped. A non-finite reference (or an infinite result, e.g. from `-inf` values) gives
/// `inf`, as Optuna's `compute_hypervolume` does.
pub fn hypervolume(points: &[f64], m: usize, reference: &[f64]) -> CoreResult<f64> {
    let n = check_matrix(points, m)?;
    if reference.len() != m {
        return Err(CoreError::ShapeMismatch(format!(
            "reference point has {} values, expected {m}",
            reference.len()
        )));
    }
    if reference.iter().any(|r| r.is_nan()) {
        return Err(CoreError::InvalidArgument(
            "reference point contains NaN".into(),
        ));
    }
    if reference.iter().any(|r| !r.is_finite()) {
        return Ok(f64::INFINITY);
    }
    let mut pts: Vec<f64> = Vec::with_capacity(points.len());
    for i in 0..n {
        let p = &points[i * m..(i + 1) * m];
        if p.iter().zip(reference).all(|(v, r)| v < r) {
            // `+ 0.0` turns -0.0 into 0.0 so that equal points compare equal bitwise too.
            pts.extend(p.iter().map(|v| v + 0.0));
        }
    }
    let hv = hv_flat(pts, m, reference);
    Ok(if hv.is_finite() { hv } else { f64::INFINITY })
}

/// Hypervolume of `pts` (flat, `m` per point), dropping the points not strictly inside
/// `reference`.
pub(crate) fn hv_inside(pts: Vec<f64>, m: usize, reference: &[f64]) -> f64 {
    if pts
        .chunks_exact(m)
        .all(|p| p.iter().zip(reference).all(|(v, r)| v < r))
    {
        return hv_flat(pts, m, reference);
    }
    let kept: Vec<f64> = pts
        .chunks_exact(m)
        .filter(|p| p.iter().zip(reference).all(|(v, r)| v < r))
        .flatten()
        .copied()
        .collect();
    hv_flat(kept, m, reference)
}

/// Hypervolume of `pts` (flat, `m` per point, each strictly inside `reference`).
fn hv_flat(pts: Vec<f64>, m: usize, reference: &[f64]) -> f64 {
    if pts.is_empty() {
        return 0.0;
    }
    match m {
        1 => reference[0] - pts.iter().copied().fold(f64::INFINITY, f64::min),
        2 => hv_2d(pts, reference),
        3 => hv_3d(pts, reference),
        _ => hv_wfg(pts, m, reference),
    }
}

/// 2-D: sort by the first objective, then sweep; each point that improves the running
/// minimum of the second objective adds the strip `(r0 - x) (y_prev - y)`. O(n log n).
fn hv_2d(mut pts: Vec<f64>, reference: &[f64]) -> f64 {
    let mut p: Vec<[f64; 2]> = pts.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    pts.clear();
    p.sort_unstable_by(|a, b| lex_cmp(a, b));
    let mut total = 0.0;
    let mut prev_y = reference[1];
    for q in &p {
        if q[1] < prev_y {
            total += (reference[0] - q[0]) * (prev_y - q[1]);
            prev_y = q[1];
        }
    }
    total
}

/// A `u64` ordered as the `f64` (no NaN; -0.0 already mapped to 0.0).
#[inline]
fn key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// 3-D: sweep the points by increasing third objective, keeping the 2-D non-dominated
/// staircase of the points seen so far and its area; the volume is the sum of the area
/// times the gap to the next level (Beume et al. 2009, Sec. 4). Each insertion removes
/// the points it dominates, adjusting the area by their exclusive rectangles, so the
/// whole sweep is O(n log n).
fn hv_3d(pts: Vec<f64>, reference: &[f64]) -> f64 {
    let mut p: Vec<[f64; 3]> = pts.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    p.sort_unstable_by(|a, b| a[2].total_cmp(&b[2]));
    let (r0, r1) = (reference[0], reference[1]);
    // x key -> (x, y); y strictly decreases as x increases.
    let mut stair: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    let mut area = 0.0;
    let mut volume = 0.0;
    for (i, q) in p.iter().enumerate() {
        let (x, y) = (q[0], q[1]);
        let k = key(x);
        let dominated = stair
            .range(..=k)
            .next_back()
            .is_some_and(|(_, &(_, qy))| qy <= y);
        if !dominated {
            // Remove the staircase points that (x, y) dominates: from x on, while y_s >= y.
            while let Some((ks, (sx, sy))) = stair.range(k..).next().map(|(&a, &b)| (a, b)) {
                if sy < y {
                    break;
                }
                let yl = stair.range(..ks).next_back().map_or(r1, |(_, v)| v.1);
                let xr = stair
                    .range((Excluded(ks), Unbounded))
                    .next()
                    .map_or(r0, |(_, v)| v.0);
                area -= (xr - sx) * (yl - sy);
                stair.remove(&ks);
            }
            let yl = stair.range(..k).next_back().map_or(r1, |(_, v)| v.1);
            let xr = stair.range(k..).next().map_or(r0, |(_, v)| v.0);
            area += (xr - x) * (yl - y);
            stair.insert(k, (x, y));
        }
        let next_z = p.get(i + 1).map_or(reference[2], |n| n[2]);
        volume += area * (next_z - q[2]);
    }
    volume
}

/// The non-dominated unique points of `pts` (flat), in lexicographic order.
fn nondominated(pts: &[f64], m: usize) -> Vec<f64> {
    let mut rows: Vec<&[f64]> = pts.chunks_exact(m).collect();
    rows.sort_unstable_by(|a, b| lex_cmp(a, b));
    rows.dedup_by(|a, b| lex_cmp(a, b).is_eq());
    let mut front: Vec<&[f64]> = Vec::with_capacity(rows.len());
    for p in rows {
        // Only a lexicographically earlier point can dominate `p`.
        if !front.iter().any(|f| dominates(f, p)) {
            front.push(p);
        }
    }
    front.concat()
}

/// WFG: with the points sorted by the first objective, `HV = sum_i exclusive(p_i)`, the
/// exclusive part of `p_i` with respect to the later points being its box minus the
/// hypervolume of the later points limited to it (While et al. 2012, Eqs. 6-7).
fn hv_wfg(pts: Vec<f64>, m: usize, reference: &[f64]) -> f64 {
    let front = nondominated(&pts, m);
    let rows: Vec<&[f64]> = front.chunks_exact(m).collect();
    let mut total = 0.0;
    let mut limited: Vec<f64> = Vec::with_capacity(front.len());
    for (i, p) in rows.iter().enumerate() {
        let inclusive: f64 = p.iter().zip(reference).map(|(v, r)| r - v).product();
        limited.clear();
        for q in &rows[i + 1..] {
            limited.extend(q.iter().zip(p.iter()).map(|(a, b)| a.max(*b)));
        }
        let limited_front = nondominated(&limited, m);
        total += inclusive - hv_flat(limited_front, m, reference);
    }
    total
}
