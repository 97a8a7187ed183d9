//! Warm starting (WS-CMA-ES): Nomura et al., "Warm Starting CMA-ES for
//! Hyperparameter Optimization" (AAAI 2021, arXiv:2012.06932), section 4:
//! the promising distribution of the source task is the Gaussian fitted to its
//! top-`gamma` solutions with a prior `alpha^2 I`, then split into
//! `sigma^2 C` with `det(C) = 1`.

use super::linalg::sym_eigvals;
use super::sort_by_value;
use crate::error::{CoreError, CoreResult};

/// `(mean, sigma, cov)` from source solutions `xs` (row-major `m x n`) and
/// their values (minimised).
pub fn warm_start_mgd(
    xs: &[f64],
    values: &[f64],
    n: usize,
    gamma: f64,
    alpha: f64,
) -> CoreResult<(Vec<f64>, f64, Vec<f64>)> {
    if !(gamma > 0.0 && gamma <= 1.0) {
        return Err(CoreError::InvalidArgument(format!(
            "gamma must be in (0, 1], got {gamma}"
        )));
    }
    let m = values.len();
    if m == 0 || n == 0 {
        return Err(CoreError::InvalidArgument(
            "source solutions must contain one or more items".into(),
        ));
    }
    if xs.len() != m * n {
        return Err(CoreError::ShapeMismatch(format!(
            "xs has {} elements, expected {m} x {n}",
            xs.len()
        )));
    }
    let gamma_n = (m as f64 * gamma).floor() as usize;
    if gamma_n < 1 {
        return Err(CoreError::InvalidArgument(format!(
            "at least one source solution must be selected: {m} solutions x gamma {gamma} < 1"
        )));
    }
    let order = sort_by_value(values);
    let top = &order[..gamma_n];
    let gf = gamma_n as f64;
    let mut mean = vec![0.0; n];
    for &k in top {
        for j in 0..n {
            mean[j] += xs[k * n + j];
        }
    }
    mean.iter_mut().for_each(|v| *v /= gf);
    // Sigma = alpha^2 I + E[x x^T] - mu mu^T  (section 4.2).
    let mut cov = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let second: f64 = top
                .iter()
                .map(|&k| xs[k * n + i] * xs[k * n + j])
                .sum::<f64>()
                / gf;
            cov[i * n + j] = second - mean[i] * mean[j] + if i == j { alpha * alpha } else { 0.0 };
        }
    }
    let eig = sym_eigvals(&cov, n)?;
    if eig.iter().any(|&e| e <= 0.0) {
        return Err(CoreError::Numerical(
            "warm-start covariance is not positive definite".into(),
        ));
    }
    let logdet: f64 = eig.iter().map(|e| e.ln()).sum();
    let sigma = (logdet / (2.0 * n as f64)).exp();
    let scale = (logdet / n as f64).exp();
    cov.iter_mut().for_each(|v| *v /= scale);
    Ok((mean, sigma, cov))
}
