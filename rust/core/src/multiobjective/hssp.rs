//! Greedy hypervolume subset selection (Guerreiro, Fonseca, Paquete 2016).

use super::check_matrix;
use super::hypervolume::hv_inside;
use crate::error::{CoreError, CoreResult};

/// First index of the maximum, NaN counting as the largest (like `numpy.argmax`).
fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if v[best].is_nan() {
            break;
        }
        if x.is_nan() || x > v[best] {
            best = i;
        }
    }
    best
}

/// Greedy hypervolume subset selection: indices (into the `n` points) of `k` points, in
/// the order picked; each step takes the point of largest exclusive contribution, the
/// first one on ties (like `numpy.argmax`).
///
/// Points given lexicographically sorted and mutually non-dominated in 2-D (one front, as
/// MOTPE passes them) take the O(k n) rectangle-diagonal update; otherwise contributions
/// are updated lazily from submodular upper bounds (Optuna's `_lazy_contribs_update`).
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
        return Err(CoreError::ShapeMismatch(format!(
            "reference point has {} values, expected {m}",
            reference.len()
        )));
    }
    if k == n {
        return Ok((0..n).collect());
    }
    if reference.iter().any(|r| !r.is_finite()) {
        return Ok((0..k).collect());
    }
    let sorted_front_2d = m == 2
        && points
            .chunks_exact(2)
            .zip(points.chunks_exact(2).skip(1))
            .all(|(a, b)| a[0] < b[0] && a[1] > b[1]);
    if sorted_front_2d {
        return Ok(hssp_2d(points, k, reference));
    }
    Ok(hssp_lazy(points, m, k, reference))
}

/// 2-D greedy on one front sorted by the first objective (second decreasing). The
/// exclusive contribution of a candidate is the box between it and the diagonal corner
/// `(x of its right selected neighbour, y of its left one)`; picking a point moves the
/// corners of the candidates on each side of it. O(k n).
fn hssp_2d(points: &[f64], k: usize, reference: &[f64]) -> Vec<usize> {
    let n = points.len() / 2;
    let mut idx: Vec<usize> = (0..n).collect();
    let mut pts: Vec<[f64; 2]> = points.chunks_exact(2).map(|c| [c[0], c[1]]).collect();
    let mut diag: Vec<[f64; 2]> = vec![[reference[0], reference[1]]; n];
    let mut selected = Vec::with_capacity(k);
    let mut contribs = Vec::with_capacity(n);
    for _ in 0..k {
        contribs.clear();
        contribs.extend(
            pts.iter()
                .zip(&diag)
                .map(|(p, d)| (d[0] - p[0]) * (d[1] - p[1])),
        );
        let best = argmax(&contribs);
        selected.push(idx.remove(best));
        let chosen = pts.remove(best);
        diag.remove(best);
        // Candidates left of the pick (smaller x) are now bounded by its x, those right of
        // it by its y.
        for d in &mut diag[..best] {
            d[0] = d[0].min(chosen[0]);
        }
        for d in &mut diag[best..] {
            d[1] = d[1].min(chosen[1]);
        }
    }
    selected
}

/// Lazy greedy: contributions are upper bounds (submodularity: they only shrink as the
/// selection grows), tightened by the pairwise bound with the latest pick and computed
/// exactly only for candidates whose bound can still win.
fn hssp_lazy(points: &[f64], m: usize, k: usize, reference: &[f64]) -> Vec<usize> {
    let n = points.len() / m;
    let mut idx: Vec<usize> = (0..n).collect();
    let mut pts: Vec<&[f64]> = points.chunks_exact(m).collect();
    let inclusive_of = |p: &[f64]| -> f64 { p.iter().zip(reference).map(|(v, r)| r - v).product() };
    let mut contribs: Vec<f64> = pts.iter().map(|p| inclusive_of(p)).collect();
    let mut selected: Vec<usize> = Vec::with_capacity(k);
    let mut selected_flat: Vec<f64> = Vec::with_capacity(k * m);
    let mut hv = 0.0;
    for step in 0..k {
        let best = argmax(&contribs);
        hv += contribs[best];
        selected.push(idx.remove(best));
        let latest = pts.remove(best);
        contribs.remove(best);
        selected_flat.extend_from_slice(latest);
        if step + 1 == k {
            break;
        }
        if hv.is_infinite() {
            contribs.iter_mut().for_each(|c| *c = f64::INFINITY);
            continue;
        }
        let inclusive: Vec<f64> = pts.iter().map(|p| inclusive_of(p)).collect();
        for ((c, p), inc) in contribs.iter_mut().zip(&pts).zip(&inclusive) {
            let pair: f64 = p
                .iter()
                .zip(latest)
                .zip(reference)
                .map(|((a, b), r)| r - a.max(*b))
                .product();
            *c = c.min(inc - pair);
        }
        let mut order: Vec<usize> = (0..pts.len()).collect();
        order.sort_by(|&a, &b| contribs[b].total_cmp(&contribs[a]).then(a.cmp(&b)));
        let mut max_contrib = 0.0;
        for i in order {
            if inclusive[i].is_infinite() {
                contribs[i] = f64::INFINITY;
                max_contrib = f64::INFINITY;
                continue;
            }
            if contribs[i] < max_contrib {
                continue;
            }
            contribs[i] = if m <= 3 {
                // Incremental: H(S + {i}) - H(S).
                let mut with = selected_flat.clone();
                with.extend_from_slice(pts[i]);
                hv_inside(with, m, reference) - hv
            } else {
                // Decremental: H({i}) - H(S limited to i).
                let limited: Vec<f64> = selected_flat
                    .chunks_exact(m)
                    .flat_map(|s| s.iter().zip(pts[i]).map(|(a, b)| a.max(*b)))
                    .collect();
                inclusive[i] - hv_inside(limited, m, reference)
            };
            max_contrib = f64::max(max_contrib, contribs[i]);
        }
    }
    selected
}
