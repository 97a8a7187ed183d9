//! CART regression trees and a bagged random forest (Breiman 2001, "Random Forests").
//!
//! Mirrors the choices of scikit-learn's `RandomForestRegressor` defaults that Optuna's
//! importance evaluators use: bootstrap resampling expressed as integer sample weights, every
//! feature considered at every split (visited in a random order, first best kept), squared-error
//! criterion, thresholds at the midpoint of two consecutive distinct values.

use ndarray::ArrayView2;
use rand::Rng;
use rand_pcg::Pcg64;

/// Two values closer than this are treated as equal when placing a threshold (as scikit-learn).
const FEATURE_THRESHOLD: f64 = 1e-7;

/// Hyper-parameters of one forest.
#[derive(Debug, Clone, Copy)]
pub struct ForestParams {
    /// Number of trees.
    pub n_trees: usize,
    /// Maximum depth; the root is at depth 0.
    pub max_depth: usize,
    /// A node with fewer samples is a leaf.
    pub min_samples_split: usize,
    /// Each child keeps at least this many samples.
    pub min_samples_leaf: usize,
    /// Seed; tree `t` uses the PCG stream `t` of this seed, so results do not depend on threads.
    pub seed: u64,
}

/// One node of a fitted tree. `feature < 0` marks a leaf.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub feature: i64,
    pub threshold: f64,
    pub left: usize,
    pub right: usize,
    /// Weighted mean of the targets reaching the node.
    pub value: f64,
    /// Sum of the (bootstrap) weights reaching the node.
    pub weight: f64,
    /// Weighted variance of the targets reaching the node (squared-error impurity).
    pub impurity: f64,
}

/// A fitted regression tree; node 0 is the root, children come after their parent.
#[derive(Debug, Clone)]
pub struct Tree {
    pub nodes: Vec<Node>,
    pub n_features: usize,
}

impl Tree {
    /// Whether node `i` is a leaf.
    pub fn is_leaf(&self, i: usize) -> bool {
        self.nodes[i].feature < 0
    }

    /// Prediction for one sample.
    pub fn predict(&self, x: &[f64]) -> f64 {
        let mut i = 0;
        while !self.is_leaf(i) {
            let node = &self.nodes[i];
            i = if x[node.feature as usize] <= node.threshold {
                node.left
            } else {
                node.right
            };
        }
        self.nodes[i].value
    }

    /// Mean decrease of impurity per feature, normalised to sum to one (zeros if no split).
    ///
    /// For every split node: `w_node * imp_node - w_left * imp_left - w_right * imp_right`,
    /// divided by the root weight, as scikit-learn's `feature_importances_`.
    pub fn impurity_importances(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.n_features];
        for node in &self.nodes {
            if node.feature < 0 {
                continue;
            }
            let (l, r) = (&self.nodes[node.left], &self.nodes[node.right]);
            out[node.feature as usize] +=
                node.weight * node.impurity - l.weight * l.impurity - r.weight * r.impurity;
        }
        let root = self.nodes[0].weight;
        for v in &mut out {
            *v /= root;
        }
        let total: f64 = out.iter().sum();
        if total > 0.0 {
            for v in &mut out {
                *v /= total;
            }
        }
        out
    }
}

/// Fit one tree on `x` (n x p), `y` (n) with per-sample integer `weights` (0 = left out).
///
/// Samples are sorted once per feature; every node owns the same range of each of the `p`
/// sorted lists, and a split stably partitions those ranges, so finding the best split of a
/// node costs O(p * node size) instead of a sort per node and feature.
pub fn fit_tree(
    x: ArrayView2<'_, f64>,
    y: &[f64],
    weights: &[f64],
    params: &ForestParams,
    rng: &mut Pcg64,
) -> Tree {
    let p = x.ncols();
    let columns: Vec<Vec<f64>> = (0..p).map(|f| x.column(f).to_vec()).collect();
    let in_bag: Vec<usize> = (0..y.len()).filter(|&i| weights[i] > 0.0).collect();
    let m = in_bag.len();
    let mut sorted: Vec<Vec<usize>> = columns
        .iter()
        .map(|col| {
            let mut idx = in_bag.clone();
            idx.sort_by(|&a, &b| col[a].total_cmp(&col[b]));
            idx
        })
        .collect();
    let mut goes_left = vec![false; y.len()];
    let mut scratch: Vec<usize> = Vec::with_capacity(m);
    let mut nodes: Vec<Node> = Vec::new();
    // (start, end, depth, parent, is_left)
    let mut stack: Vec<(usize, usize, usize, usize, bool)> = vec![(0, m, 0, 0, false)];
    let mut order: Vec<usize> = (0..p).collect();
    while let Some((start, end, depth, parent, is_left)) = stack.pop() {
        let (mut w, mut s, mut ss) = (0.0, 0.0, 0.0);
        if p > 0 {
            for &i in &sorted[0][start..end] {
                w += weights[i];
                s += weights[i] * y[i];
                ss += weights[i] * y[i] * y[i];
            }
        }
        let mean = s / w;
        let impurity = (ss / w - mean * mean).max(0.0);
        let id = nodes.len();
        nodes.push(Node {
            feature: -1,
            threshold: f64::NAN,
            left: 0,
            right: 0,
            value: mean,
            weight: w,
            impurity,
        });
        if id > 0 {
            if is_left {
                nodes[parent].left = id;
            } else {
                nodes[parent].right = id;
            }
        }
        let n_node = end - start;
        if p == 0
            || depth >= params.max_depth
            || n_node < params.min_samples_split
            || n_node < 2 * params.min_samples_leaf
            || impurity <= f64::EPSILON
        {
            continue;
        }
        // Random feature order, first strictly best split kept (scikit-learn's tie rule).
        for k in (1..p).rev() {
            let j = rng.random_range(0..=k);
            order.swap(k, j);
        }
        let mut best: Option<(usize, f64, f64, usize)> = None; // (feature, threshold, proxy, n_left)
        for &f in &order {
            let col = &columns[f];
            let idx = &sorted[f][start..end];
            if col[idx[n_node - 1]] <= col[idx[0]] + FEATURE_THRESHOLD {
                continue;
            }
            let (mut wl, mut sl) = (0.0, 0.0);
            for pos in 0..n_node - 1 {
                let i = idx[pos];
                wl += weights[i];
                sl += weights[i] * y[i];
                let (lo, hi) = (col[i], col[idx[pos + 1]]);
                if hi <= lo + FEATURE_THRESHOLD {
                    continue;
                }
                let n_left = pos + 1;
                if n_left < params.min_samples_leaf || n_node - n_left < params.min_samples_leaf {
                    continue;
                }
                let wr = w - wl;
                let sr = s - sl;
                if wl <= 0.0 || wr <= 0.0 {
                    continue;
                }
                // Maximising sum_left^2/w_left + sum_right^2/w_right minimises the children's
                // weighted squared error (Breiman et al. 1984, CART, eq. 8.13).
                let proxy = sl * sl / wl + sr * sr / wr;
                if best.is_none_or(|b| proxy > b.2) {
                    let mut t = lo / 2.0 + hi / 2.0;
                    if t == hi || !t.is_finite() {
                        t = lo;
                    }
                    best = Some((f, t, proxy, n_left));
                }
            }
        }
        let Some((f, t, proxy, n_left)) = best else {
            continue;
        };
        if proxy <= s * s / w {
            continue; // no decrease of impurity
        }
        // The chosen feature's range is already ordered: its first n_left samples go left.
        for (k, &i) in sorted[f][start..end].iter().enumerate() {
            goes_left[i] = k < n_left;
        }
        // Stable partition of every other feature's range (keeps each half sorted).
        for (g, list) in sorted.iter_mut().enumerate() {
            if g == f {
                continue;
            }
            scratch.clear();
            let range = &mut list[start..end];
            let mut write = 0;
            for k in 0..range.len() {
                let i = range[k];
                if goes_left[i] {
                    range[write] = i;
                    write += 1;
                } else {
                    scratch.push(i);
                }
            }
            range[write..].copy_from_slice(&scratch);
        }
        nodes[id].feature = f as i64;
        nodes[id].threshold = t;
        // Right pushed first so the left child gets the next id (depth-first, parent first).
        stack.push((start + n_left, end, depth + 1, id, false));
        stack.push((start, start + n_left, depth + 1, id, true));
    }
    Tree {
        nodes,
        n_features: p,
    }
}

/// Bootstrap weights for tree `t`: `n` draws with replacement, as counts.
pub fn bootstrap_weights(n: usize, rng: &mut Pcg64) -> Vec<f64> {
    let mut w = vec![0.0; n];
    for _ in 0..n {
        w[rng.random_range(0..n)] += 1.0;
    }
    w
}

/// The generator of tree `t` of a forest seeded with `seed`.
pub fn tree_rng(seed: u64, t: usize) -> Pcg64 {
    Pcg64::new(
        u128::from(seed) ^ 0xcafe_f00d_d15e_a5e5_u128,
        (t as u128) << 1 | 1,
    )
}

/// Fit tree `t` of a forest (bootstrap + CART).
pub fn fit_forest_tree(x: ArrayView2<'_, f64>, y: &[f64], params: &ForestParams, t: usize) -> Tree {
    let mut rng = tree_rng(params.seed, t);
    let weights = bootstrap_weights(y.len(), &mut rng);
    fit_tree(x, y, &weights, params, &mut rng)
}
