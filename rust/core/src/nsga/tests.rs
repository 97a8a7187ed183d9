use ndarray::{array, Array2};

use super::crossover::SbxParams;
use super::*;
use crate::cmaes::Rng;

/// Brute-force reference: peel Pareto fronts by pairwise dominance.
fn brute_ranks(loss: &Array2<f64>) -> Vec<usize> {
    let n = loss.nrows();
    let dominates = |a: usize, b: usize| {
        let (ra, rb) = (loss.row(a), loss.row(b));
        ra != rb && ra.iter().zip(rb.iter()).all(|(x, y)| x <= y)
    };
    let mut ranks = vec![usize::MAX; n];
    let mut rank = 0;
    while ranks.contains(&usize::MAX) {
        let front: Vec<usize> = (0..n)
            .filter(|&i| ranks[i] == usize::MAX)
            .filter(|&i| !(0..n).any(|j| ranks[j] == usize::MAX && dominates(j, i)))
            .collect();
        for i in front {
            ranks[i] = rank;
        }
        rank += 1;
    }
    ranks
}

fn random_loss(seed: u64, n: usize, m: usize, levels: f64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((n, m), |_| (rng.uniform() * levels).floor())
}

#[test]
fn ranks_match_brute_force_with_ties() {
    for m in 2..=4 {
        for seed in 0..20 {
            let loss = random_loss(seed, 60, m, 6.0);
            assert_eq!(
                nondomination_ranks(loss.view(), None).unwrap(),
                brute_ranks(&loss),
                "m={m} seed={seed}"
            );
        }
    }
}

#[test]
fn infeasible_rows_rank_after_feasible_by_violation() {
    let loss = array![
        [0.0, 0.0],
        [1.0, 1.0],
        [-5.0, -5.0],
        [-5.0, -5.0],
        [2.0, 0.0]
    ];
    let penalty = [0.0, 0.0, 2.0, 1.0, 2.0];
    let ranks = nondomination_ranks(loss.view(), Some(&penalty)).unwrap();
    assert_eq!(ranks, vec![0, 1, 3, 2, 3]);
}

#[test]
fn nan_loss_is_an_error() {
    let loss = array![[0.0, f64::NAN]];
    assert!(nondomination_ranks(loss.view(), None).is_err());
}

#[test]
fn crowding_puts_boundaries_first() {
    let values = array![[0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [0.4, 0.6]];
    let order = crowding_order(values.view());
    let mut ends = order[..2].to_vec();
    ends.sort_unstable();
    assert_eq!(ends, vec![1, 2]);
}

#[test]
fn elite_takes_whole_fronts_then_crowding() {
    let values = array![[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0], [2.0, 2.0]];
    let mut elite = select_elite(values.view(), &[1.0, 1.0], None, 4).unwrap();
    elite.sort_unstable();
    assert_eq!(elite, vec![0, 1, 2, 3]);
    let mut two = select_elite(values.view(), &[1.0, 1.0], None, 2).unwrap();
    two.sort_unstable();
    assert_eq!(two, vec![0, 1]);
}

fn population(p: usize, d: usize, seed: u64) -> Population {
    let mut rng = Rng::new(seed);
    Population {
        numeric: Array2::from_shape_fn((p, d), |_| rng.uniform()),
        categorical: Array2::from_shape_fn((p, 1), |(i, _)| i % 3),
        loss: Array2::from_shape_fn((p, 2), |_| rng.uniform()),
        penalty: None,
    }
}

#[test]
fn children_are_inside_the_space_and_deterministic() {
    let sbx = SbxParams {
        eta: 20.0,
        uniform_crossover_prob: 0.5,
        use_child_gene_prob: 0.5,
    };
    let crossovers = [
        Crossover::Uniform { swapping_prob: 0.5 },
        Crossover::BlxAlpha { alpha: 0.5 },
        Crossover::Spx { epsilon: None },
        Crossover::Sbx(sbx),
        Crossover::Vsbx(sbx),
        Crossover::Undx {
            sigma_xi: 0.5,
            sigma_eta: None,
        },
    ];
    let d = 5;
    let space = Space {
        bounds: vec![[0.0, 1.0]; d],
        lower_limit: vec![0.0; d],
        n_choices: vec![3],
    };
    let parents = population(10, d, 1);
    for crossover in crossovers {
        let ops = Operators {
            crossover,
            crossover_prob: 0.9,
            swapping_prob: 0.5,
            mutation_prob: 0.2,
            mutation: Mutation::Uniform,
        };
        let a = generate_children(&ops, &space, &parents, 200, 7).unwrap();
        let b = generate_children(&ops, &space, &parents, 200, 7).unwrap();
        assert_eq!(a, b);
        assert!(a.numeric.iter().all(|&x| x >= 0.0));
        assert!(a.categorical.iter().all(|&i| (0..3).contains(&i)));
        assert!(a.source.iter().any(|&s| s >= 0));
        assert!(a.mutated.iter().any(|&m| m));
    }
}

#[test]
fn copied_children_equal_their_parent_except_mutated_genes() {
    let d = 4;
    let space = Space {
        bounds: vec![[0.0, 1.0]; d],
        lower_limit: vec![f64::NEG_INFINITY; d],
        n_choices: vec![3],
    };
    let parents = population(6, d, 3);
    let ops = Operators {
        crossover: Crossover::Uniform { swapping_prob: 0.5 },
        crossover_prob: 0.0,
        swapping_prob: 0.5,
        mutation_prob: 0.3,
        mutation: Mutation::Flag,
    };
    let out = generate_children(&ops, &space, &parents, 50, 11).unwrap();
    for k in 0..50 {
        let s = out.source[k] as usize;
        assert_eq!(out.numeric.row(k), parents.numeric.row(s));
    }
}

#[test]
fn too_few_parents_is_an_error() {
    let space = Space {
        bounds: vec![[0.0, 1.0]],
        lower_limit: vec![0.0],
        n_choices: vec![],
    };
    let mut parents = population(2, 1, 0);
    parents.categorical = Array2::zeros((2, 0));
    let ops = Operators {
        crossover: Crossover::Spx { epsilon: None },
        crossover_prob: 0.9,
        swapping_prob: 0.5,
        mutation_prob: 0.1,
        mutation: Mutation::Uniform,
    };
    assert!(generate_children(&ops, &space, &parents, 3, 0).is_err());
}
