//! Per-kernel quantities: bandwidths (Optuna 5.0's neighbour rule), truncation masses
//! and the categorical kernel masses.

use super::{ParamSpec, ParzenConfig, EPS, MASS_CUTOFF};
use crate::truncnorm::{self, log_gauss_mass, LOG_SQRT_2PI};

/// Bandwidths from sorted kernel centres (Optuna 5.0's rule, see module docs).
///
/// `sorted` holds `(mu, kernel)` for the `n` observation kernels in increasing `mu`;
/// writes `sigma[kernel]`.
pub(super) fn sigmas_from_sorted(
    sorted: &[(f64, u32)],
    lo: f64,
    hi: f64,
    cfg: &ParzenConfig,
    sigma: &mut [f64],
) {
    for i in 0..sorted.len() {
        sigma[sorted[i].1 as usize] = sigma_at(sorted, i, lo, hi, cfg);
    }
}

/// Bandwidth of the kernel at position `i` of the sorted centres (Optuna 5.0's rule).
#[inline]
pub(super) fn sigma_at(
    sorted: &[(f64, u32)],
    i: usize,
    lo: f64,
    hi: f64,
    cfg: &ParzenConfig,
) -> f64 {
    let prev = i.checked_sub(1).map(|p| sorted[p].0);
    let next = sorted.get(i + 1).map(|e| e.0);
    sigma_between(sorted[i].0, prev, next, sorted.len(), lo, hi, cfg)
}

/// Bandwidth of a kernel at `mu` with sorted neighbours `prev` / `next` (`None` at the
/// ends) among `n` kernels (Optuna 5.0's rule).
#[inline]
pub(super) fn sigma_between(
    mu: f64,
    prev: Option<f64>,
    next: Option<f64>,
    n: usize,
    lo: f64,
    hi: f64,
    cfg: &ParzenConfig,
) -> f64 {
    let maxsigma = hi - lo;
    let minsigma = if cfg.consider_magic_clip {
        (hi - lo) / f64::min(100.0, 1.0 + (n + 1) as f64)
    } else {
        EPS
    };
    let (p, q) = (prev.unwrap_or(lo), next.unwrap_or(hi));
    let s = if !cfg.consider_endpoints && n >= 2 && prev.is_none() {
        q - mu
    } else if !cfg.consider_endpoints && n >= 2 && next.is_none() {
        mu - p
    } else {
        f64::max(mu - p, q - mu)
    };
    s.clamp(minsigma, maxsigma)
}

/// Log truncation mass of a kernel, skipped exactly when both bounds are far away.
#[inline]
pub(super) fn kernel_log_mass(lo: f64, hi: f64, mu: f64, inv_s: f64) -> f64 {
    let a = (lo - mu) * inv_s;
    let b = (hi - mu) * inv_s;
    // Phi(-9) ~ 1e-19: below half an ulp of the mass, so these terms are dropped.
    match (a <= -MASS_CUTOFF, b >= MASS_CUTOFF) {
        (true, true) => 0.0,
        (false, true) if a <= 0.0 => (-truncnorm::ndtr(a)).ln_1p(),
        (true, false) if b >= 0.0 => (-truncnorm::ndtr(-b)).ln_1p(),
        _ => log_gauss_mass(a, b),
    }
}

/// `log mass + log sigma + log sqrt(2 pi)` (continuous) or `log mass` (stepped): what a
/// kernel's log-density subtracts in one numerical dimension.
#[inline]
pub(super) fn kernel_log_norm(
    spec: &ParamSpec,
    lo: f64,
    hi: f64,
    mu: f64,
    sigma: f64,
    inv_sigma: f64,
) -> f64 {
    let m = kernel_log_mass(lo, hi, mu, inv_sigma);
    if spec.step == 0.0 {
        m + sigma.ln() + LOG_SQRT_2PI
    } else {
        m
    }
}

/// Categorical kernel log-masses with `n_obs` observation kernels plus the prior:
/// `(lp_hit, lp_miss, lp_prior, base)` (see [`CategoricalDim`]).
pub(super) fn categorical_masses(
    n_choices: usize,
    prior_weight: f64,
    n_obs: usize,
) -> (f64, f64, f64, f64) {
    let c = n_choices as f64;
    if n_obs == 0 {
        return (f64::NAN, f64::NAN, -c.ln(), f64::NAN);
    }
    let eps = prior_weight / (n_obs + 1) as f64;
    let row = 1.0 + c * eps;
    let lp_hit = ((1.0 + eps) / row).ln();
    let lp_miss = (eps / row).ln();
    let lp_prior = if prior_weight > 0.0 {
        -c.ln()
    } else {
        f64::NEG_INFINITY
    };
    let base = if lp_miss.is_finite() { lp_miss } else { lp_hit };
    (lp_hit, lp_miss, lp_prior, base)
}
