//! Constrained non-dominated sorting (Deb et al. 2002, Section III-A and Section VI).

use ndarray::ArrayView2;

use crate::error::{CoreError, CoreResult};

/// Non-domination rank (0 = Pareto front) of each row of `loss` (minimised).
///
/// With `penalty` (total constraint violation, `<= 0` feasible), feasible rows are ranked
/// by Pareto dominance, then infeasible rows after all of them by their violation (equal
/// violations share a rank), as Optuna's `_fast_non_domination_rank`. Equal rows share a
/// rank. Two objectives use an O(n log n) sweep, more use Deb's fast sort (O(m n^2)).
pub fn nondomination_ranks(
    loss: ArrayView2<'_, f64>,
    penalty: Option<&[f64]>,
) -> CoreResult<Vec<usize>> {
    let n = loss.nrows();
    if loss.iter().any(|v| v.is_nan()) {
        return Err(CoreError::InvalidArgument(
            "loss values must not contain NaN".into(),
        ));
    }
    let Some(penalty) = penalty else {
        let all: Vec<usize> = (0..n).collect();
        return Ok(pareto_ranks(loss, &all));
    };
    if penalty.len() != n {
        return Err(CoreError::ShapeMismatch(format!(
            "penalty has {} entries for {n} loss rows",
            penalty.len()
        )));
    }
    if penalty.iter().any(|v| v.is_nan()) {
        return Err(CoreError::InvalidArgument(
            "penalty must not contain NaN".into(),
        ));
    }
    let feasible: Vec<usize> = (0..n).filter(|&i| penalty[i] <= 0.0).collect();
    let mut infeasible: Vec<usize> = (0..n).filter(|&i| penalty[i] > 0.0).collect();
    let mut ranks = vec![0usize; n];
    let feasible_ranks = pareto_ranks(loss, &feasible);
    let mut top = 0;
    for (&i, &r) in feasible.iter().zip(&feasible_ranks) {
        ranks[i] = r;
        top = top.max(r + 1);
    }
    // Infeasible rows: dense rank of the violation (one objective).
    infeasible.sort_by(|&a, &b| cmp_f64(penalty[a], penalty[b]));
    let mut rank = top;
    for (k, &i) in infeasible.iter().enumerate() {
        if k > 0 && penalty[i] != penalty[infeasible[k - 1]] {
            rank += 1;
        }
        ranks[i] = rank;
    }
    Ok(ranks)
}

/// Total order of floats that treats -0.0 and 0.0 as equal (as `==` and Optuna do).
pub(crate) fn cmp_f64(x: f64, y: f64) -> std::cmp::Ordering {
    let norm = |v: f64| if v == 0.0 { 0.0 } else { v };
    norm(x).total_cmp(&norm(y))
}

/// Lexicographic comparison of two rows.
fn lex(loss: ArrayView2<'_, f64>, a: usize, b: usize) -> std::cmp::Ordering {
    for (x, y) in loss.row(a).iter().zip(loss.row(b).iter()) {
        match cmp_f64(*x, *y) {
            std::cmp::Ordering::Equal => continue,
            other => return other,
        }
    }
    std::cmp::Ordering::Equal
}

/// Pareto ranks of the rows `rows` of `loss` (returned in the order of `rows`).
fn pareto_ranks(loss: ArrayView2<'_, f64>, rows: &[usize]) -> Vec<usize> {
    let m = loss.ncols();
    // Unique rows in lexicographic order: a row can only be dominated by earlier ones.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| lex(loss, rows[a], rows[b]));
    let mut unique: Vec<usize> = Vec::with_capacity(rows.len()); // row indices of `loss`
    let mut group = vec![0usize; rows.len()]; // position in `rows` -> unique index
    for &k in &order {
        let row = rows[k];
        let same = unique
            .last()
            .is_some_and(|&u| lex(loss, u, row) == std::cmp::Ordering::Equal);
        if !same {
            unique.push(row);
        }
        group[k] = unique.len() - 1;
    }
    let unique_ranks = match m {
        0 | 1 => (0..unique.len()).collect(),
        2 => ranks_2d(loss, &unique),
        _ => ranks_nd(loss, &unique),
    };
    group.iter().map(|&g| unique_ranks[g]).collect()
}

/// Two objectives, unique rows in lexicographic order: a row joins the first front whose
/// smallest second objective so far is larger than its own (no member dominates it). The
/// fronts' minima increase with the rank, so a binary search finds it: O(n log n).
fn ranks_2d(loss: ArrayView2<'_, f64>, unique: &[usize]) -> Vec<usize> {
    let mut front_min: Vec<f64> = Vec::new();
    unique
        .iter()
        .map(|&row| {
            let y = loss[[row, 1]];
            let rank = front_min.partition_point(|&v| v <= y);
            if rank == front_min.len() {
                front_min.push(y);
            } else {
                front_min[rank] = y;
            }
            rank
        })
        .collect()
}

/// Whether unique row `a` dominates unique row `b` (all `<=`, rows differ).
fn dominates(loss: ArrayView2<'_, f64>, a: usize, b: usize) -> bool {
    loss.row(a)
        .iter()
        .zip(loss.row(b).iter())
        .all(|(x, y)| x <= y)
}

/// Deb's fast non-dominated sort (Section III-A) on unique rows.
fn ranks_nd(loss: ArrayView2<'_, f64>, unique: &[usize]) -> Vec<usize> {
    let n = unique.len();
    let mut dominated_by_count = vec![0usize; n];
    let mut dominated: Vec<Vec<usize>> = vec![Vec::new(); n];
    for p in 0..n {
        // Lexicographic order: only p < q can have p dominating q.
        for q in p + 1..n {
            if dominates(loss, unique[p], unique[q]) {
                dominated[p].push(q);
                dominated_by_count[q] += 1;
            }
        }
    }
    let mut ranks = vec![0usize; n];
    let mut front: Vec<usize> = (0..n).filter(|&p| dominated_by_count[p] == 0).collect();
    let mut rank = 0;
    while !front.is_empty() {
        let mut next = Vec::new();
        for &p in &front {
            ranks[p] = rank;
            for &q in &dominated[p] {
                dominated_by_count[q] -= 1;
                if dominated_by_count[q] == 0 {
                    next.push(q);
                }
            }
        }
        front = next;
        rank += 1;
    }
    ranks
}
