//! Matérn-5/2 ARD kernel (Rasmussen & Williams 2006, eq. 4.17 with nu = 5/2) on the
//! squared scaled distance, with Optuna's Hamming distance on categorical dimensions.

use super::{Inputs, KernelParams};

/// Matérn-5/2 as a function of the squared scaled distance `r2`:
/// `(1 + sqrt(5 r2) + 5/3 r2) exp(-sqrt(5 r2))`, and its derivative with respect to `r2`,
/// `-5/6 (1 + sqrt(5 r2)) exp(-sqrt(5 r2))` (finite at `r2 = 0`).
#[inline]
pub fn matern52(r2: f64) -> (f64, f64) {
    let s = (5.0 * r2).sqrt();
    let e = (-s).exp();
    (
        e * ((5.0 / 3.0) * r2 + s + 1.0),
        (-5.0 / 6.0) * (s + 1.0) * e,
    )
}

/// Per-dimension squared difference: `(a - b)^2`, or `1[a != b]` on categorical dims.
#[inline]
pub fn sq_diff(a: f64, b: f64, categorical: bool) -> f64 {
    if categorical {
        if a != b {
            1.0
        } else {
            0.0
        }
    } else {
        (a - b) * (a - b)
    }
}

/// Squared scaled distance `sum_k ils_k sqd_k(a, b)`.
#[inline]
pub fn sq_dist(a: &[f64], b: &[f64], ils: &[f64], is_cat: &[bool]) -> f64 {
    let mut r2 = 0.0;
    for k in 0..a.len() {
        r2 += ils[k] * sq_diff(a[k], b[k], is_cat[k]);
    }
    r2
}

/// Kernel matrix `K(x1, x2)` (row-major `n1 x n2`), without noise.
pub fn kernel_matrix(
    x1: &[f64],
    n1: usize,
    x2: &[f64],
    n2: usize,
    is_cat: &[bool],
    params: &KernelParams,
) -> Vec<f64> {
    let d = is_cat.len();
    let ils = &params.inverse_squared_lengthscales;
    let mut k = vec![0.0; n1 * n2];
    for i in 0..n1 {
        let a = &x1[i * d..(i + 1) * d];
        for j in 0..n2 {
            let b = &x2[j * d..(j + 1) * d];
            k[i * n2 + j] = params.kernel_scale * matern52(sq_dist(a, b, ils, is_cat)).0;
        }
    }
    k
}

/// The training kernel matrix `K(X, X)` (symmetric, computed once per pair).
pub fn train_kernel(inputs: &Inputs, params: &KernelParams) -> Vec<f64> {
    let n = inputs.n;
    let ils = &params.inverse_squared_lengthscales;
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        k[i * n + i] = params.kernel_scale;
        for j in 0..i {
            let v = params.kernel_scale
                * matern52(sq_dist(
                    inputs.row(i),
                    inputs.row(j),
                    ils,
                    &inputs.is_categorical,
                ))
                .0;
            k[i * n + j] = v;
            k[j * n + i] = v;
        }
    }
    k
}
