use super::anova::{leaf_boxes, marginal_variance, total_variance};
use super::*;
use ndarray::{array, Array1, Array2};

fn params(n_trees: usize, seed: u64) -> ForestParams {
    ForestParams {
        n_trees,
        max_depth: 64,
        min_samples_split: 2,
        min_samples_leaf: 1,
        seed,
    }
}

fn lcg_uniform(n: usize, p: usize, seed: u64) -> Array2<f64> {
    let mut s = seed;
    Array2::from_shape_fn((n, p), |_| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[test]
fn tree_fits_training_data_exactly_without_bootstrap() {
    let x = lcg_uniform(50, 3, 1);
    let y: Vec<f64> = x.rows().into_iter().map(|r| r[0] * 3.0 + r[1]).collect();
    let w = vec![1.0; 50];
    let mut rng = forest::tree_rng(0, 0);
    let tree = forest::fit_tree(x.view(), &y, &w, &params(1, 0), &mut rng);
    for (i, row) in x.rows().into_iter().enumerate() {
        assert!((tree.predict(row.as_slice().unwrap()) - y[i]).abs() < 1e-12);
    }
}

#[test]
fn max_depth_limits_the_tree() {
    let x = lcg_uniform(64, 2, 2);
    let y: Vec<f64> = x.column(0).to_vec();
    let mut p = params(1, 0);
    p.max_depth = 1;
    let mut rng = forest::tree_rng(0, 0);
    let tree = forest::fit_tree(x.view(), &y, &vec![1.0; 64], &p, &mut rng);
    assert_eq!(tree.nodes.len(), 3);
    assert_eq!(tree.nodes[0].feature, 0);
}

#[test]
fn additive_function_splits_variance_between_main_effects() {
    // f = 2 * 1[x0 > .5] + 1[x1 > .5]: hand-built tree, main effects 1 and 1/4, V = 1.25.
    let leaf = |v: f64| Node {
        feature: -1,
        threshold: f64::NAN,
        left: 0,
        right: 0,
        value: v,
        weight: 1.0,
        impurity: 0.0,
    };
    let split = |f: i64, l: usize, r: usize| Node {
        feature: f,
        threshold: 0.5,
        left: l,
        right: r,
        value: 0.0,
        weight: 1.0,
        impurity: 0.0,
    };
    let tree = Tree {
        nodes: vec![
            split(0, 1, 4),
            split(1, 2, 3),
            leaf(0.0),
            leaf(1.0),
            split(1, 5, 6),
            leaf(2.0),
            leaf(3.0),
        ],
        n_features: 3,
    };
    let bounds = array![[0.0, 1.0], [0.0, 1.0], [0.0, 2.0]];
    let leaves = leaf_boxes(&tree, bounds.view());
    assert!((total_variance(&leaves) - 1.25).abs() < 1e-12);
    let v0 = marginal_variance(&tree, &leaves, bounds.view(), &[0]).unwrap();
    let v1 = marginal_variance(&tree, &leaves, bounds.view(), &[1]).unwrap();
    let v2 = marginal_variance(&tree, &leaves, bounds.view(), &[2]).unwrap();
    let v01 = marginal_variance(&tree, &leaves, bounds.view(), &[0, 1]).unwrap();
    assert!((v0 - 1.0).abs() < 1e-12, "{v0}");
    assert!((v1 - 0.25).abs() < 1e-12, "{v1}");
    assert!(v2.abs() < 1e-12);
    assert!((v01 - 1.25).abs() < 1e-12, "{v01}");
}

#[test]
fn fanova_ranks_dominant_weak_and_null_features() {
    let x = lcg_uniform(400, 3, 7);
    let y = Array1::from_iter(x.rows().into_iter().map(|r| 10.0 * r[0] + 2.0 * r[1]));
    let bounds = array![[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]];
    let groups = vec![vec![0], vec![1], vec![2]];
    let (mean, std) =
        fanova_importances(x.view(), y.view(), bounds.view(), &groups, &params(16, 3)).unwrap();
    assert!(
        mean[0] > 0.8 && mean[1] > 0.01 && mean[1] < 0.1 && mean[2] < 0.01,
        "{mean}"
    );
    assert!(std.iter().all(|s| *s >= 0.0));
    // Same seed, same result.
    let (again, _) =
        fanova_importances(x.view(), y.view(), bounds.view(), &groups, &params(16, 3)).unwrap();
    assert_eq!(mean, again);
}

#[test]
fn constant_target_is_an_error_and_bad_shapes_are_rejected() {
    let x = lcg_uniform(10, 2, 1);
    let y = Array1::from_elem(10, 1.0);
    let bounds = array![[0.0, 1.0], [0.0, 1.0]];
    let err = fanova_importances(x.view(), y.view(), bounds.view(), &[vec![0]], &params(4, 0));
    assert!(matches!(err, Err(CoreError::Numerical(_))));
    let y2 = Array1::from_elem(9, 1.0);
    assert!(matches!(
        fit_forest(x.view(), y2.view(), &params(4, 0)),
        Err(CoreError::ShapeMismatch(_))
    ));
    let err = fanova_importances(x.view(), y.view(), bounds.view(), &[vec![5]], &params(4, 0));
    assert!(matches!(err, Err(CoreError::InvalidArgument(_))));
}

#[test]
fn mdi_sums_to_one_and_ranks() {
    let x = lcg_uniform(300, 3, 11);
    let y = Array1::from_iter(x.rows().into_iter().map(|r| 5.0 * r[2] + r[0]));
    let imp = mdi_importances(x.view(), y.view(), &params(8, 1)).unwrap();
    assert!((imp.sum() - 1.0).abs() < 1e-12);
    assert!(imp[2] > imp[0] && imp[0] > imp[1], "{imp}");
}

/// Brute-force marginal variance: average the leaves over every cell midpoint of the group's
/// grid (Optuna's per-cell tree walk, written over leaf boxes).
fn brute_marginal_variance(
    tree: &Tree,
    bounds: ndarray::ArrayView2<'_, f64>,
    group: &[usize],
) -> f64 {
    let leaves = leaf_boxes(tree, bounds);
    let p = leaves.n_features;
    let mut edges: Vec<Vec<f64>> = group
        .iter()
        .map(|&f| vec![bounds[[f, 0]], bounds[[f, 1]]])
        .collect();
    for node in &tree.nodes {
        if let Some(g) = group.iter().position(|&f| f as i64 == node.feature) {
            edges[g].push(node.threshold);
        }
    }
    for e in &mut edges {
        e.sort_by(f64::total_cmp);
        e.dedup();
    }
    let dims: Vec<usize> = edges.iter().map(|e| e.len() - 1).collect();
    let total: usize = dims.iter().product();
    let (mut values, mut weights) = (vec![], vec![]);
    for c in 0..total {
        let mut rem = c;
        let mut mid = vec![0.0; group.len()];
        let mut size = 1.0;
        for g in (0..group.len()).rev() {
            let i = rem % dims[g];
            rem /= dims[g];
            mid[g] = 0.5 * (edges[g][i] + edges[g][i + 1]);
            size *= edges[g][i + 1] - edges[g][i];
        }
        let (mut num, mut den) = (0.0, 0.0);
        for l in 0..leaves.len() {
            let inside = group
                .iter()
                .enumerate()
                .all(|(g, &f)| leaves.lo[l * p + f] <= mid[g] && mid[g] < leaves.hi[l * p + f]);
            if inside {
                let w: f64 = (0..p)
                    .filter(|d| !group.contains(d))
                    .map(|d| leaves.hi[l * p + d] - leaves.lo[l * p + d])
                    .product();
                num += w * leaves.value[l];
                den += w;
            }
        }
        values.push(num / den);
        weights.push(den * size);
    }
    let tw: f64 = weights.iter().sum();
    let mean = values.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>() / tw;
    values
        .iter()
        .zip(&weights)
        .map(|(v, w)| w * (v - mean) * (v - mean))
        .sum::<f64>()
        / tw
}

#[test]
fn difference_array_marginals_match_brute_force() {
    let x = lcg_uniform(120, 4, 5);
    let y: Vec<f64> = x
        .rows()
        .into_iter()
        .map(|r| (3.0 * r[0]).sin() + r[1] * r[2] + 0.3 * r[3])
        .collect();
    let bounds = array![[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]];
    for t in 0..4 {
        let tree = fit_forest_tree(x.view(), &y, &params(4, 9), t);
        let leaves = leaf_boxes(&tree, bounds.view());
        for group in [vec![0], vec![3], vec![1, 2], vec![0, 2, 3]] {
            let fast = marginal_variance(&tree, &leaves, bounds.view(), &group).unwrap();
            let slow = brute_marginal_variance(&tree, bounds.view(), &group);
            assert!(
                (fast - slow).abs() <= 1e-9 * (1.0 + slow.abs()),
                "{group:?}: {fast} vs {slow}"
            );
        }
    }
}
