//! Quasi-random points: the additive-recurrence (Kronecker) sequence of Roberts' `R_d`
//! (generalised golden ratio), randomly shifted (Cranley & Patterson 1976) so that each
//! seed gives a different low-discrepancy set, in any dimension without tables.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use crate::truncnorm::ndtri;

/// The `d` irrational increments `phi_d^-k` where `phi_d^(d+1) = phi_d + 1`.
fn increments(d: usize) -> Vec<f64> {
    let mut phi = 2.0_f64;
    for _ in 0..64 {
        phi = (1.0 + phi).powf(1.0 / (d as f64 + 1.0));
    }
    (1..=d)
        .map(|k| (1.0 / phi.powi(k as i32)).fract())
        .collect()
}

/// `n x d` points in `[0, 1)^d` (row-major), a random shift of `R_d` drawn from `seed`.
pub fn uniform(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let shift: Vec<f64> = (0..d).map(|_| rng.random::<f64>()).collect();
    let inc = increments(d);
    let mut out = vec![0.0; n * d];
    for i in 0..n {
        for k in 0..d {
            out[i * d + k] = (shift[k] + (i as f64 + 1.0) * inc[k]).fract();
        }
    }
    out
}

/// `n x d` standard normal quasi-random points (inverse CDF of [`uniform`]).
pub fn normal(n: usize, d: usize, seed: u64) -> Vec<f64> {
    uniform(n, d, seed)
        .into_iter()
        .map(|u| ndtri(u.clamp(1e-12, 1.0 - 1e-12)))
        .collect()
}
