//! The split decomposition against faer's, and its scalar and vector paths against
//! each other.

use super::super::linalg::{sym_eig_faer, symmetrize, SPLIT_EIG_MIN_DIM};
use super::bench::random_spd;
use super::merge::RankOne;
use super::*;
use crate::simd::{dispatch, Kernel, Scalar};

fn check(c: &[f64], n: usize) {
    let (w, bt) = split_sym_eig(c, n).unwrap();
    let (w_ref, _, _) = sym_eig_faer(c, n).unwrap();
    let scale = w_ref.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-300);
    for (a, b) in w.iter().zip(&w_ref) {
        assert!((a - b).abs() <= 1e-12 * scale, "eigenvalue {a} vs {b}");
    }
    // Orthonormal rows of B^T and C B = B diag(w).
    for i in 0..n {
        for j in 0..n {
            let dot: f64 = (0..n).map(|k| bt[i * n + k] * bt[j * n + k]).sum();
            let want = if i == j { 1.0 } else { 0.0 };
            assert!(
                (dot - want).abs() <= 1e-12,
                "orthogonality ({i},{j}) = {dot}"
            );
        }
        for r in 0..n {
            let cb: f64 = (0..n).map(|k| c[r * n + k] * bt[i * n + k]).sum();
            assert!(
                (cb - w[i] * bt[i * n + r]).abs() <= 1e-11 * scale,
                "residual"
            );
        }
    }
}

#[test]
fn matches_faer_on_random_and_ill_conditioned_matrices() {
    for (n, seed, spread) in [(64, 1, 0.0), (65, 2, 3.0), (100, 3, 6.0), (200, 4, 3.0)] {
        check(&random_spd(n, seed, spread), n);
    }
}

/// The covariance matrices of a real CMA-ES run (ellipsoid, d = 120, through the split
/// path), checked against faer at every generation.
#[test]
fn matches_faer_along_a_cma_es_run() {
    use crate::cmaes::cma::{Cma, Start};
    let n = 120;
    assert!(n >= SPLIT_EIG_MIN_DIM);
    let scale: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(3.0 * i as f64 / (n - 1) as f64))
        .collect();
    let mut opt = Cma::new(Start::new(&vec![1.0; n], 0.5, 7), None, 10 * n, false).unwrap();
    for generation in 0..40 {
        let lambda = opt.popsize;
        let xs = opt.ask_many(lambda).unwrap();
        let values: Vec<f64> = xs
            .chunks_exact(n)
            .map(|x| x.iter().zip(&scale).map(|(v, s)| (s * v).powi(2)).sum())
            .collect();
        opt.tell(&xs, &values).unwrap();
        if generation % 4 == 0 {
            let mut c = opt.c.clone();
            symmetrize(&mut c, n);
            check(&c, n);
        }
    }
}

#[test]
fn matches_faer_on_many_random_sizes_and_signs() {
    for (seed, n) in [
        (11, 97),
        (12, 112),
        (13, 127),
        (14, 150),
        (15, 233),
        (16, 260),
    ] {
        let mut c = random_spd(n, seed, 2.0);
        // Indefinite too: shift the spectrum across zero.
        for i in 0..n {
            c[i * n + i] -= 10.0;
        }
        check(&c, n);
    }
}

#[test]
fn handles_identity_and_repeated_eigenvalues() {
    let n = 80;
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        c[i * n + i] = 1.0;
    }
    check(&c, n);
    // Identity plus a tiny rank-two perturbation: huge clusters, heavy deflation.
    let v: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) / 10.0).collect();
    let u: Vec<f64> = (0..n).map(|i| ((i * 3 % 5) as f64 - 2.0) / 10.0).collect();
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] += 1e-9 * v[i] * v[j] - 3e-10 * u[i] * u[j];
        }
    }
    check(&c, n);
    // Three distinct eigenvalues with large multiplicities, rotated.
    let q = random_spd(n, 9, 0.0);
    let (_, _, qt) = sym_eig_faer(&q, n).unwrap();
    let lam: Vec<f64> = (0..n).map(|i| [1.0, 2.0, 5.0][i % 3]).collect();
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = (0..n).map(|k| qt[k * n + i] * lam[k] * qt[k * n + j]).sum();
        }
    }
    symmetrize(&mut c, n);
    check(&c, n);
}

/// The AVX loops (on a CPU with AVX2) and the portable ones give the same bits (same
/// lanes, same order).
#[test]
fn vector_and_portable_merges_agree_bitwise() {
    let mut rng = crate::cmaes::rng::Rng::new(21);
    for k in [1usize, 2, 5, 8, 13, 64, 101] {
        let d: Vec<f64> = (0..k).map(|_| 3.0 * rng.normal()).collect();
        let z: Vec<f64> = (0..k).map(|_| rng.normal()).collect();
        for rho in [0.7, -1.3] {
            let portable = RankOne { d: &d, z: &z, rho }.run(Scalar);
            let vector = dispatch(RankOne { d: &d, z: &z, rho });
            assert_eq!(portable.0, vector.0, "eigenvalues, k = {k}");
            assert_eq!(portable.1, vector.1, "eigenvectors, k = {k}");
        }
    }
}
