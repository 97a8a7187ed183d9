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
