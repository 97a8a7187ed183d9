//! What `rust/core/benches/split_eig.rs` times, reachable from outside the crate as
//! `ferrotune_core::cmaes::split_eig_bench` (hidden: not part of the API).

use std::time::{Duration, Instant};

pub use super::super::linalg::sym_eig_faer;
pub use super::split_sym_eig;
use super::{tridiagonal_dc, Tridiagonal};

/// A symmetric positive definite `n x n` matrix (row-major): a random Gram matrix plus a
/// diagonal spread over `spread` decades (condition number about `10^spread`).
pub fn random_spd(n: usize, seed: u64, spread: f64) -> Vec<f64> {
    let mut rng = crate::cmaes::rng::Rng::new(seed);
    let x: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
    let mut c = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            c[i * n + j] = (0..n).map(|k| x[i * n + k] * x[j * n + k]).sum::<f64>() / n as f64;
        }
        c[i * n + i] += 10f64.powf(spread * i as f64 / (n - 1) as f64);
    }
    c
}

/// Wall time of each phase of [`split_sym_eig`] on the symmetric `n x n` `c`: the
/// tridiagonal reduction, the divide and conquer, the back-transform.
pub fn phase_times(c: &[f64], n: usize) -> [Duration; 3] {
    let t0 = Instant::now();
    let reduction = Tridiagonal::reduce(c, n);
    let t1 = Instant::now();
    let (_, mut u) = tridiagonal_dc(&reduction.diag, &reduction.off).expect("finite input");
    let t2 = Instant::now();
    reduction.back_transform(&mut u);
    std::hint::black_box(&u);
    [t1 - t0, t2 - t1, t2.elapsed()]
}
