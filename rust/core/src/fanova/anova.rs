//! Functional ANOVA of one regression tree (Hutter, Hoos & Leyton-Brown 2014, "An Efficient
//! Approach for Assessing Hyperparameter Importance", ICML).
//!
//! A tree is piecewise constant on axis-aligned leaf boxes inside the search box `Θ`. The
//! marginal prediction of a feature group `G` at `θ_G` is the mean of the tree over the other
//! features (paper eq. 2): every leaf whose `G`-extent contains `θ_G` contributes its value
//! weighted by its volume in the remaining dimensions. The marginal is constant on the grid of
//! cells between consecutive split values of `G`, so the variance of the marginal (eq. 3,
//! `V_G`) is a cell-size-weighted variance over that grid. Instead of walking the tree once per
//! cell, each leaf adds its contribution to the range of cells it covers with a
//! `|G|`-dimensional difference array, so a group costs O(leaves · 2^|G| + cells · |G|).

use super::forest::Tree;
use crate::error::{CoreError, CoreResult};
use ndarray::ArrayView2;

/// Largest marginal grid accepted for one feature group (cells).
const MAX_GRID_CELLS: usize = 1 << 24;

/// Leaf boxes of a tree: (`lo`, `hi`) per feature and the leaf value.
pub struct LeafBoxes {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub value: Vec<f64>,
    pub n_features: usize,
}

impl LeafBoxes {
    /// Number of leaves.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether the tree has no leaf (never for a fitted tree).
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Volume of leaf `l`.
    pub fn volume(&self, l: usize) -> f64 {
        let p = self.n_features;
        (0..p)
            .map(|d| self.hi[l * p + d] - self.lo[l * p + d])
            .product()
    }
}

/// Walk the tree from the search box `bounds` (p x 2) and collect the leaf boxes.
pub fn leaf_boxes(tree: &Tree, bounds: ArrayView2<'_, f64>) -> LeafBoxes {
    let p = tree.n_features;
    let mut out = LeafBoxes {
        lo: vec![],
        hi: vec![],
        value: vec![],
        n_features: p,
    };
    let root_lo: Vec<f64> = (0..p).map(|d| bounds[[d, 0]]).collect();
    let root_hi: Vec<f64> = (0..p).map(|d| bounds[[d, 1]]).collect();
    let mut stack = vec![(0usize, root_lo, root_hi)];
    while let Some((i, lo, hi)) = stack.pop() {
        let node = &tree.nodes[i];
        if node.feature < 0 {
            out.lo.extend_from_slice(&lo);
            out.hi.extend_from_slice(&hi);
            out.value.push(node.value);
            continue;
        }
        let f = node.feature as usize;
        let (mut left_hi, mut right_lo) = (hi.clone(), lo.clone());
        left_hi[f] = node.threshold;
        right_lo[f] = node.threshold;
        stack.push((node.left, lo, left_hi));
        stack.push((node.right, right_lo, hi));
    }
    out
}

/// Volume-weighted variance of the tree's prediction over the search box (eq. 1, `V`).
pub fn total_variance(leaves: &LeafBoxes) -> f64 {
    let vols: Vec<f64> = (0..leaves.len()).map(|l| leaves.volume(l)).collect();
    weighted_variance(&leaves.value, &vols)
}

fn weighted_variance(values: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mean = values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total;
    values
        .iter()
        .zip(weights)
        .map(|(v, w)| w * (v - mean) * (v - mean))
        .sum::<f64>()
        / total
}

/// Variance of the marginal prediction of feature group `group` (eq. 3, unnormalised `V_G`).
pub fn marginal_variance(
    tree: &Tree,
    leaves: &LeafBoxes,
    bounds: ArrayView2<'_, f64>,
    group: &[usize],
) -> CoreResult<f64> {
    let p = leaves.n_features;
    let k = group.len();
    if k == 0 {
        return Err(CoreError::InvalidArgument("empty feature group".into()));
    }
    // Cell edges per grouped feature: the search bounds and every threshold used on it.
    let mut edges: Vec<Vec<f64>> = group
        .iter()
        .map(|&f| vec![bounds[[f, 0]], bounds[[f, 1]]])
        .collect();
    for node in &tree.nodes {
        if node.feature >= 0 {
            if let Some(g) = group.iter().position(|&f| f as i64 == node.feature) {
                edges[g].push(node.threshold);
            }
        }
    }
    for e in &mut edges {
        e.sort_unstable_by(f64::total_cmp);
        e.dedup();
    }
    let dims: Vec<usize> = edges.iter().map(|e| e.len() - 1).collect();
    let n_cells = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let n_cells = match n_cells {
        Some(c) if c <= MAX_GRID_CELLS => c,
        _ => {
            return Err(CoreError::InvalidArgument(format!(
                "the marginal grid of a feature group has more than {MAX_GRID_CELLS} cells"
            )))
        }
    };
    // Difference arrays over the cell grid itself: a corner mark is only placed on axes where
    // the leaf ends before the last cell, so no padding row is needed.
    let padded: Vec<usize> = dims.clone();
    let mut strides = vec![1usize; k];
    for g in (0..k.saturating_sub(1)).rev() {
        strides[g] = strides[g + 1] * padded[g + 1];
    }
    let size = strides[0] * padded[0];
    let mut acc_v = vec![0.0; size];
    let mut acc_w = vec![0.0; size];
    let mut lo_idx = vec![0usize; k];
    let mut hi_idx = vec![0usize; k];
    let mut bounded: Vec<usize> = Vec::with_capacity(k);
    let mut direct_v = vec![0.0; size];
    let mut direct_w = vec![0.0; size];
    let mut cell = vec![0usize; k];
    for l in 0..leaves.len() {
        let mut w = 1.0;
        for d in 0..p {
            if !group.contains(&d) {
                w *= leaves.hi[l * p + d] - leaves.lo[l * p + d];
            }
        }
        for (g, &f) in group.iter().enumerate() {
            let e = &edges[g];
            lo_idx[g] = e.partition_point(|&v| v < leaves.lo[l * p + f]);
            hi_idx[g] = e.partition_point(|&v| v < leaves.hi[l * p + f]);
        }
        let wv = w * leaves.value[l];
        bounded.clear();
        bounded.extend((0..k).filter(|&g| hi_idx[g] < dims[g]));
        // Covered cells vs corner marks: take the cheaper. One-hot groups have leaves that
        // are bounded on many columns (few covered cells) and others that span most of them
        // (few corners); either way the cost per leaf stays small.
        let covered = (0..k).try_fold(1usize, |acc, g| acc.checked_mul(hi_idx[g] - lo_idx[g]));
        let base: usize = (0..k).map(|g| lo_idx[g] * strides[g]).sum();
        if bounded.len() < usize::BITS as usize - 1
            && covered.is_none_or(|c| c > 1usize << bounded.len())
        {
            // Inclusion-exclusion on the corners of the covered cell box. A corner past the
            // last cell of an axis (the leaf reaches the upper bound there) would never reach a
            // real cell, so only the axes where the leaf ends early take part.
            for corner in 0..(1usize << bounded.len()) {
                let mut offset = base;
                let mut sign = 1.0;
                for (b, &g) in bounded.iter().enumerate() {
                    if corner >> b & 1 == 1 {
                        offset += (hi_idx[g] - lo_idx[g]) * strides[g];
                        sign = -sign;
                    }
                }
                acc_v[offset] += sign * wv;
                acc_w[offset] += sign * w;
            }
        } else {
            // Direct adds to every covered cell (no prefix sum for these).
            cell.copy_from_slice(&lo_idx);
            'cells: loop {
                let offset: usize = (0..k).map(|g| cell[g] * strides[g]).sum();
                direct_v[offset] += wv;
                direct_w[offset] += w;
                for g in (0..k).rev() {
                    cell[g] += 1;
                    if cell[g] < hi_idx[g] {
                        continue 'cells;
                    }
                    cell[g] = lo_idx[g];
                }
                break;
            }
        }
    }
    // Prefix sums along each axis turn the corner marks into per-cell sums.
    for g in 0..k {
        let stride = strides[g];
        for idx in 0..size {
            if !(idx / stride).is_multiple_of(padded[g]) {
                acc_v[idx] += acc_v[idx - stride];
                acc_w[idx] += acc_w[idx - stride];
            }
        }
    }
    for idx in 0..size {
        acc_v[idx] += direct_v[idx];
        acc_w[idx] += direct_w[idx];
    }
    let mut values = Vec::with_capacity(n_cells);
    let mut weights = Vec::with_capacity(n_cells);
    cell.iter_mut().for_each(|c| *c = 0);
    for _ in 0..n_cells {
        let mut offset = 0;
        let mut size_prod = 1.0;
        for g in 0..k {
            offset += cell[g] * strides[g];
            size_prod *= edges[g][cell[g] + 1] - edges[g][cell[g]];
        }
        let wsum = acc_w[offset];
        if wsum > 0.0 {
            values.push(acc_v[offset] / wsum);
            weights.push(wsum * size_prod);
        }
        for g in (0..k).rev() {
            cell[g] += 1;
            if cell[g] < dims[g] {
                break;
            }
            cell[g] = 0;
        }
    }
    Ok(weighted_variance(&values, &weights).max(0.0))
}
