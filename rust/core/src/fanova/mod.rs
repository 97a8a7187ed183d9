//! Random forests and the functional ANOVA decomposition behind parameter importances.
//!
//! - [`forest`]: bagged CART regression trees (the surrogate model of fANOVA and the source of
//!   mean-decrease-impurity importances).
//! - [`anova`]: the fANOVA variance decomposition of one tree (Hutter et al. 2014).
//!
//! Trees are fitted and decomposed in parallel with rayon; tree `t` draws from its own PCG
//! stream, so results depend on the seed only.

pub mod anova;
pub mod forest;

use crate::error::{CoreError, CoreResult};
use ndarray::{Array1, ArrayView1, ArrayView2};
use rayon::prelude::*;

pub use forest::{fit_forest_tree, ForestParams, Node, Tree};

fn check_inputs(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    params: &ForestParams,
) -> CoreResult<()> {
    if x.nrows() != y.len() {
        return Err(CoreError::ShapeMismatch(format!(
            "x has {} rows but y has {} values",
            x.nrows(),
            y.len()
        )));
    }
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(CoreError::InvalidArgument(
            "x must have at least one row and one column".into(),
        ));
    }
    if params.n_trees == 0 {
        return Err(CoreError::InvalidArgument(
            "n_trees must be positive".into(),
        ));
    }
    if params.min_samples_split < 2 || params.min_samples_leaf < 1 {
        return Err(CoreError::InvalidArgument(
            "min_samples_split must be >= 2 and min_samples_leaf >= 1".into(),
        ));
    }
    if x.iter().chain(y.iter()).any(|v| !v.is_finite()) {
        return Err(CoreError::InvalidArgument("x and y must be finite".into()));
    }
    Ok(())
}

/// Fit all trees of a forest in parallel.
pub fn fit_forest(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    params: &ForestParams,
) -> CoreResult<Vec<Tree>> {
    check_inputs(x, y, params)?;
    let y = y.to_vec();
    Ok((0..params.n_trees)
        .into_par_iter()
        .map(|t| fit_forest_tree(x, &y, params, t))
        .collect())
}

/// fANOVA importances of feature groups.
///
/// `x` (n x p) holds encoded features inside `bounds` (p x 2); `groups` lists, for each
/// parameter, the encoded columns it owns (one for numeric parameters, the one-hot columns of a
/// categorical). Returns the mean and standard deviation over trees with non-zero total
/// variance of `V_G / V` (the fraction of variance explained by the group's main effect,
/// Hutter et al. 2014, eq. 3). Fails if every tree has zero variance.
pub fn fanova_importances(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    bounds: ArrayView2<'_, f64>,
    groups: &[Vec<usize>],
    params: &ForestParams,
) -> CoreResult<(Array1<f64>, Array1<f64>)> {
    check_inputs(x, y, params)?;
    let p = x.ncols();
    if bounds.nrows() != p || bounds.ncols() != 2 {
        return Err(CoreError::ShapeMismatch(format!(
            "bounds must have shape ({p}, 2), got ({}, {})",
            bounds.nrows(),
            bounds.ncols()
        )));
    }
    if (0..p).any(|d| bounds[[d, 0]].partial_cmp(&bounds[[d, 1]]) != Some(std::cmp::Ordering::Less))
    {
        return Err(CoreError::InvalidArgument(
            "every bound must satisfy low < high".into(),
        ));
    }
    if groups
        .iter()
        .any(|g| g.is_empty() || g.iter().any(|&f| f >= p))
    {
        return Err(CoreError::InvalidArgument(
            "groups must be non-empty column indices < p".into(),
        ));
    }
    let y = y.to_vec();
    let per_tree: Vec<CoreResult<Option<Vec<f64>>>> = (0..params.n_trees)
        .into_par_iter()
        .map(|t| {
            let tree = fit_forest_tree(x, &y, params, t);
            let leaves = anova::leaf_boxes(&tree, bounds);
            let total = anova::total_variance(&leaves);
            if total <= 0.0 {
                return Ok(None);
            }
            groups
                .iter()
                .map(|g| Ok(anova::marginal_variance(&tree, &leaves, bounds, g)? / total))
                .collect::<CoreResult<Vec<f64>>>()
                .map(Some)
        })
        .collect();
    let mut fractions: Vec<Vec<f64>> = Vec::new();
    for r in per_tree {
        if let Some(v) = r? {
            fractions.push(v);
        }
    }
    if fractions.is_empty() {
        return Err(CoreError::Numerical(
            "Encountered zero total variance in all trees.".into(),
        ));
    }
    let m = fractions.len() as f64;
    let mut mean = Array1::zeros(groups.len());
    let mut std = Array1::zeros(groups.len());
    for g in 0..groups.len() {
        let mu = fractions.iter().map(|f| f[g]).sum::<f64>() / m;
        let var = fractions
            .iter()
            .map(|f| (f[g] - mu) * (f[g] - mu))
            .sum::<f64>()
            / m;
        mean[g] = mu;
        std[g] = var.sqrt();
    }
    Ok((mean, std))
}

/// Mean-decrease-impurity importance per encoded feature (scikit-learn's
/// `RandomForestRegressor.feature_importances_`): per-tree normalised impurity decreases,
/// averaged over trees that split at least once, normalised to sum to one (zeros if none).
pub fn mdi_importances(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    params: &ForestParams,
) -> CoreResult<Array1<f64>> {
    let trees = fit_forest(x, y, params)?;
    let p = x.ncols();
    let mut sum = Array1::<f64>::zeros(p);
    let mut count = 0usize;
    for tree in trees.iter().filter(|t| t.nodes.len() > 1) {
        for (s, v) in sum.iter_mut().zip(tree.impurity_importances()) {
            *s += v;
        }
        count += 1;
    }
    if count == 0 {
        return Ok(sum);
    }
    sum /= count as f64;
    let total = sum.sum();
    if total > 0.0 {
        sum /= total;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests;
