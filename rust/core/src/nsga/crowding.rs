//! Crowding distance (Deb et al. 2002, Section III-B) with Optuna's tie and infinity rules.

use ndarray::ArrayView2;

use super::sort::cmp_f64;

/// Positions of the rows of `values` by decreasing crowding distance.
///
/// Per objective the rows are stably re-sorted (the order carries over from one objective
/// to the next, as Optuna's in-place list sorts do). An objective whose values are all equal
/// adds nothing; otherwise each row gets the gap between its two neighbours (boundary rows
/// see -inf and +inf, equal neighbours give 0) over the range of the finite values (1 when
/// that range is not positive). Finally the last order is stably sorted by increasing
/// distance and reversed.
pub fn crowding_order(values: ArrayView2<'_, f64>) -> Vec<usize> {
    let (n, m) = values.dim();
    let mut order: Vec<usize> = (0..n).collect();
    let mut distance = vec![0.0f64; n];
    if n == 0 {
        return order;
    }
    let mut column = vec![0.0f64; n + 2];
    for i in 0..m {
        order.sort_by(|&a, &b| cmp_f64(values[[a, i]], values[[b, i]]));
        let first = values[[order[0], i]];
        let last = values[[order[n - 1], i]];
        if first == last {
            continue;
        }
        column[0] = f64::NEG_INFINITY;
        for (k, &row) in order.iter().enumerate() {
            column[k + 1] = values[[row, i]];
        }
        column[n + 1] = f64::INFINITY;
        let v_min = column
            .iter()
            .copied()
            .find(|&v| v != f64::NEG_INFINITY)
            .unwrap_or(f64::INFINITY);
        let v_max = column
            .iter()
            .rev()
            .copied()
            .find(|&v| v != f64::INFINITY)
            .unwrap_or(f64::NEG_INFINITY);
        let width = match v_max - v_min {
            w if w > 0.0 => w,
            _ => 1.0, // zero, negative infinity or NaN
        };
        for (k, &row) in order.iter().enumerate() {
            let (lower, upper) = (column[k], column[k + 2]);
            let gap = if lower == upper { 0.0 } else { upper - lower };
            distance[row] += gap / width;
        }
    }
    order.sort_by(|&a, &b| cmp_f64(distance[a], distance[b]));
    order.reverse();
    order
}
