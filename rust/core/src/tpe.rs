//! Tree-structured Parzen Estimator: Parzen mixtures and the l(x)/g(x) acquisition.
//!
//! Semantics follow Optuna 5.0's `_ParzenEstimator` exactly (Watanabe 2023,
//! "Tree-Structured Parzen Estimator: Understanding Its Algorithm Components",
//! arXiv 2304.11127, Sec. 3):
//!
//! * one kernel per observation plus a prior kernel centred in the domain with
//!   `sigma = high - low` and weight `prior_weight` (Eq. 4 / Table 2 of the paper);
//! * per-kernel bandwidths from the distances to the sorted neighbours, domain
//!   endpoints included, clipped to `[(high - low) / min(100, 1 + n_kernels), high - low]`
//!   ("magic clip");
//! * numerical parameters live in the internal space: `log` for log-scaled ones and
//!   `[low - step/2, high + step/2]` for stepped ones, whose density is the Gaussian mass
//!   of the cell `[x - step/2, x + step/2]`;
//! * categorical kernels put `1 + prior_weight / n_kernels` on the observed choice and
//!   `prior_weight / n_kernels` on the others (normalised);
//! * the multivariate density is the weighted mixture of product kernels.
//!
//! Exact speed-ups (no approximation beyond double rounding):
//! * the large "above" set is given by per-parameter sorted columns maintained
//!   incrementally by the caller, so bandwidths cost O(n) per trial instead of a sort;
//! * `log(Phi(b) - Phi(a))` is skipped when both bounds are beyond 9 standard deviations
//!   (the mass differs from 1 by < 1e-19, invisible next to the log-density);
//! * in the log-sum-exp over kernels, terms more than 50 nats below the maximum are
//!   skipped (their total relative contribution is < n * 2e-22); for stepped
//!   parameters a closed-form upper bound of the cell mass decides the skip before
//!   the exact mass is computed.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rayon::prelude::*;

use crate::error::{CoreError, CoreResult};
use crate::truncnorm::{self, log_gauss_mass, norm_logpdf, LOG_SQRT_2PI};

mod fused;
mod incremental;
pub mod split;
pub use incremental::IncrementalAbove;

/// Optuna's lower bound on the bandwidth when magic clip is off.
const EPS: f64 = 1e-12;
/// Log-sum-exp terms further than this below the maximum are dropped (e^-50 ~ 2e-22).
const LSE_CUTOFF: f64 = 50.0;
/// Beyond this many sigmas from both bounds the truncation mass is 1 in double precision.
const MASS_CUTOFF: f64 = 9.0;
/// Below this many kernels the direct evaluation is used.
const GEMM_MIN_KERNELS: usize = 256;
/// Candidates per matrix product.
const GEMM_GROUP: usize = 12;
/// Candidates evaluated together (kernel parameters are loaded once per group).
const GROUP: usize = 4;
/// Kernels per cache block in the dense evaluation.
const BLOCK: usize = 512;
/// Candidates x kernels x dims above which candidate evaluation uses rayon (both cores
/// pay off from about a millisecond of work).
const PAR_THRESHOLD: usize = 1_000_000;
/// Candidates x kernels x dims from which the fused evaluation splits the kernels over
/// the cores.
const FUSED_PAR_THRESHOLD: usize = 4_000_000;
/// Kernels x dims above which the dimensions of an estimator are built in parallel.
const PAR_BUILD_THRESHOLD: usize = 40_000;

/// Largest `n_candidates x dimensions` of one proposal (2 GiB of candidates).
pub const MAX_CANDIDATE_VALUES: usize = 1 << 28;

/// One search-space dimension in the internal representation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// Number of choices for a categorical parameter, 0 for a numerical one.
    pub n_choices: usize,
    /// Lower bound (external scale; ignored for categoricals).
    pub low: f64,
    /// Upper bound (external scale; ignored for categoricals).
    pub high: f64,
    /// Grid step, 0 for continuous parameters.
    pub step: f64,
    /// Whether the parameter is log-scaled.
    pub log: bool,
}

impl ParamSpec {
    /// Whether this dimension is categorical.
    pub fn is_categorical(&self) -> bool {
        self.n_choices > 0
    }

    /// Map an external numerical value to the kernel space (log for log-scaled params).
    #[inline]
    fn transform(&self, v: f64) -> f64 {
        if self.log {
            v.ln()
        } else {
            v
        }
    }

    /// Bounds of the kernel space: `[t(low - step/2), t(high + step/2)]`.
    fn adapted_bounds(&self) -> (f64, f64) {
        let half = 0.5 * self.step;
        (
            self.transform(self.low - half),
            self.transform(self.high + half),
        )
    }

    fn validate(&self, d: usize) -> CoreResult<()> {
        if self.is_categorical() {
            return Ok(());
        }
        let bad = !(self.low.is_finite() && self.high.is_finite())
            || self.low > self.high
            || self.step < 0.0
            || (self.log && self.low - 0.5 * self.step <= 0.0);
        if bad {
            return Err(CoreError::InvalidArgument(format!(
                "invalid parameter spec at column {d}: {self}"
            )));
        }
        Ok(())
    }
}

impl std::fmt::Display for ParamSpec {
    /// Readable form for error messages, e.g. `low=0, high=inf, step=none, log=false`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_categorical() {
            return write!(f, "categorical with {} choices", self.n_choices);
        }
        write!(f, "low={}, high={}, ", self.low, self.high)?;
        if self.step == 0.0 {
            write!(f, "step=none, ")?;
        } else {
            write!(f, "step={}, ", self.step)?;
        }
        write!(f, "log={}", self.log)
    }
}

/// Estimator options (Optuna's `_ParzenEstimatorParameters` minus the weights function).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParzenConfig {
    /// Weight of the prior kernel (before normalisation).
    pub prior_weight: f64,
    /// Clip bandwidths from below at `(high - low) / min(100, 1 + n_kernels)`.
    pub consider_magic_clip: bool,
    /// Use the distance to the domain endpoints for the extreme kernels.
    pub consider_endpoints: bool,
}

impl Default for ParzenConfig {
    fn default() -> Self {
        Self {
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
        }
    }
}

/// Kernels of one numerical dimension.
#[derive(Debug, Clone)]
struct NumericDim {
    mu: Vec<f64>,
    sigma: Vec<f64>,
    inv_sigma: Vec<f64>,
    lo: f64,
    hi: f64,
}

/// Kernels of one categorical dimension.
#[derive(Debug, Clone)]
struct CategoricalDim {
    /// Observed choice of each kernel, `-1` for the prior kernel.
    idx: Vec<i64>,
    n_choices: usize,
    /// Log-probability of the observed choice / of any other choice for observation kernels.
    lp_hit: f64,
    lp_miss: f64,
    /// Log-probability of any choice under the prior kernel.
    lp_prior: f64,
    /// Part of `lp_hit` / `lp_miss` folded into the kernel constants (`lp_miss`, or
    /// `lp_hit` when `lp_miss` is `-inf`, i.e. `prior_weight == 0`).
    base: f64,
}

#[derive(Debug, Clone)]
enum Dim {
    Numeric(NumericDim),
    Categorical(CategoricalDim),
}

/// A built Parzen estimator (mixture of product kernels).
#[derive(Debug, Clone)]
pub struct ParzenEstimator {
    specs: Vec<ParamSpec>,
    dims: Vec<Dim>,
    /// Normalised mixture weights.
    weights: Vec<f64>,
    /// Per-kernel constant part of the log-density: log weight, normalisers of the
    /// continuous dims, `lp_miss` / `lp_prior` of categorical dims.
    constant: Vec<f64>,
    /// Quadratic-form coefficients for the matrix-product evaluation, see [`Gemm`].
    gemm: Option<Gemm>,
}

/// The continuous part of every kernel's log term as one matrix product.
///
/// With `u = t - c_d` (centred coordinate) and per-kernel `s_kd`, `mu_kd`:
/// `-1/2 sum_d ((u_d - mu_kd) / s_kd)^2
///   = sum_d u_d^2 (-1/(2 s_kd^2)) + sum_d u_d (mu_kd / s_kd^2) - sum_d mu_kd^2 / (2 s_kd^2)`,
/// i.e. `[u^2, u] (m x 2D) . B (2D x n)` plus a per-kernel constant (folded into
/// `constant`). Exact algebra; used only when every bandwidth is at least 1e-3 of the
/// range so that the expansion's cancellation stays below 1e-10 in the log-density.
#[derive(Debug, Clone)]
struct Gemm {
    /// Continuous dims in evaluation order.
    dims: Vec<usize>,
    /// Centre of each continuous dim.
    centre: Vec<f64>,
    /// The `(2D, n)` coefficient matrix: row-major, or column-major (one contiguous
    /// `2D` block per kernel) when `kernel_major`, which lets kernels be appended.
    coef: Vec<f64>,
    kernel_major: bool,
    /// Kernels at the bandwidth floor in every dim (incremental estimators only).
    floor: Option<Floor>,
}

/// Which kernels sit at the magic-clip bandwidth floor `range / 100` in every continuous
/// dim. Their quadratic coefficients are all `a_i = -1 / (2 floor_i^2)`, so
/// `sum_i a_i u_i^2` is one number per candidate and only the linear part is per kernel.
#[derive(Debug, Clone)]
struct Floor {
    /// `a_i` of a floor kernel, per continuous dim.
    quad: Vec<f64>,
    /// Per kernel: number of dims whose quadratic coefficient is not `quad[i]`.
    off: Vec<u8>,
}

impl Gemm {
    /// Coefficient of row `i` (quadratic rows first, then linear) for kernel `k` of `n`.
    #[inline]
    fn at(&self, i: usize, k: usize, n: usize) -> f64 {
        if self.kernel_major {
            self.coef[k * 2 * self.dims.len() + i]
        } else {
            self.coef[i * n + k]
        }
    }
}

/// Observations of the large set, given through incrementally sorted columns.
pub struct IndexedObservations<'a> {
    /// Per dimension, the internal value of every history row (NaN if missing).
    pub columns: Vec<&'a [f64]>,
    /// Per dimension, the incrementally sorted column (`None` to sort here); its per-row
    /// cache of truncation masses is reused across calls.
    pub sorted: Vec<Option<&'a mut SortedColumn>>,
    /// History rows that are kernels, in kernel order.
    pub rows: &'a [u32],
    /// Unnormalised weight of each kernel in `rows`.
    pub row_weights: &'a [f64],
    /// Extra observations not in the history (e.g. running trials), `(r, d)` row-major.
    pub extra: &'a [f64],
    /// Unnormalised weight of each extra observation.
    pub extra_weights: &'a [f64],
}

fn check_weights(w: &[f64]) -> CoreResult<()> {
    if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(CoreError::InvalidArgument(
            "weights must be finite and non-negative".into(),
        ));
    }
    Ok(())
}

/// Normalised mixture weights: observation weights followed by the prior weight.
fn mixture_weights(obs_w: &[f64], prior_weight: f64) -> CoreResult<Vec<f64>> {
    check_weights(obs_w)?;
    if !(prior_weight.is_finite() && prior_weight >= 0.0) {
        return Err(CoreError::InvalidArgument(format!(
            "prior_weight must be non-negative, got {prior_weight}"
        )));
    }
    if obs_w.is_empty() {
        return Ok(vec![1.0]);
    }
    let mut w: Vec<f64> = obs_w.to_vec();
    w.push(prior_weight);
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return Err(CoreError::InvalidArgument("weights sum to zero".into()));
    }
    w.iter_mut().for_each(|v| *v /= total);
    Ok(w)
}

/// Bandwidths from sorted kernel centres (Optuna 5.0's rule, see module docs).
///
/// `sorted` holds `(mu, kernel)` for the `n` observation kernels in increasing `mu`;
/// writes `sigma[kernel]`.
fn sigmas_from_sorted(
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
fn sigma_at(sorted: &[(f64, u32)], i: usize, lo: f64, hi: f64, cfg: &ParzenConfig) -> f64 {
    let prev = i.checked_sub(1).map(|p| sorted[p].0);
    let next = sorted.get(i + 1).map(|e| e.0);
    sigma_between(sorted[i].0, prev, next, sorted.len(), lo, hi, cfg)
}

/// Bandwidth of a kernel at `mu` with sorted neighbours `prev` / `next` (`None` at the
/// ends) among `n` kernels (Optuna 5.0's rule).
#[inline]
fn sigma_between(
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
fn kernel_log_mass(lo: f64, hi: f64, mu: f64, inv_s: f64) -> f64 {
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

/// A dimension's rows `(quadratic, linear)` of the matrix-product coefficients.
type CoefRows<'a> = (Option<&'a mut [f64]>, Option<&'a mut [f64]>);

/// One dimension's share of a built estimator.
struct DimBuild {
    dim: Dim,
    /// Added to every kernel's log constant.
    part: Vec<f64>,
    /// The matrix-product expansion's kernel part (`-sum mu^2 / (2 s^2)`), when computed.
    gemm_part: Option<Vec<f64>>,
    /// Whether this dim admits the expansion (continuous with bandwidths >= 1e-3 range).
    gemm_ok: bool,
}

/// What every dimension of [`ParzenEstimator::from_indexed`] reads.
struct DimContext<'a> {
    specs: &'a [ParamSpec],
    columns: &'a [&'a [f64]],
    rows: &'a [u32],
    extra: &'a [f64],
    n_rows: usize,
    n_obs: usize,
    n_kernels: usize,
    kernel_of_row: &'a [u32],
    cfg: &'a ParzenConfig,
}

impl DimContext<'_> {
    fn value(&self, j: usize, k: usize) -> f64 {
        if k < self.n_rows {
            self.columns[j][self.rows[k] as usize]
        } else {
            self.extra[(k - self.n_rows) * self.specs.len() + j]
        }
    }

    /// Kernels of dimension `j`; `quad` / `lin` receive its rows of the matrix-product
    /// coefficients (see [`Gemm`]) when the estimator is large enough to use it.
    fn build(
        &self,
        j: usize,
        sorted: Option<&mut SortedColumn>,
        quad: Option<&mut [f64]>,
        lin: Option<&mut [f64]>,
    ) -> CoreResult<DimBuild> {
        let spec = &self.specs[j];
        let (n_obs, n_rows, n_kernels, cfg) = (self.n_obs, self.n_rows, self.n_kernels, self.cfg);
        if spec.is_categorical() {
            let c = spec.n_choices;
            let mut idx = Vec::with_capacity(n_kernels);
            for k in 0..n_obs {
                let v = self.value(j, k);
                if !(v >= 0.0 && (v as usize) < c && v.fract() == 0.0) {
                    return Err(CoreError::InvalidArgument(format!(
                        "categorical observation {v} out of range for {c} choices"
                    )));
                }
                idx.push(v as i64);
            }
            idx.push(-1);
            let (lp_hit, lp_miss, lp_prior, base) = categorical_masses(c, cfg.prior_weight, n_obs);
            let mut part = take_buf(n_kernels, base);
            part[n_kernels - 1] = lp_prior;
            return Ok(DimBuild {
                dim: Dim::Categorical(CategoricalDim {
                    idx,
                    n_choices: c,
                    lp_hit,
                    lp_miss,
                    lp_prior,
                    base,
                }),
                part,
                gemm_part: None,
                gemm_ok: false,
            });
        }
        let (lo, hi) = spec.adapted_bounds();
        let mut mu = take_buf(0, 0.0);
        if n_rows > 0 {
            let col = self.columns[j];
            mu.extend(self.rows.iter().map(|&r| col[r as usize]));
        }
        mu.extend((n_rows..n_obs).map(|k| self.value(j, k)));
        if let Some(k) = mu.iter().position(|v| v.is_nan()) {
            return Err(CoreError::InvalidArgument(format!(
                "observation {k} has no value for column {j}"
            )));
        }
        // A separate loop: folded into the one above, the compiler evaluates `ln`
        // speculatively for every value even when the parameter is not log-scaled.
        if spec.log {
            mu.iter_mut().for_each(|v| *v = v.ln());
        }
        let mut sigma = take_buf(n_kernels, 0.0);
        if n_obs > 0 {
            let mut pairs = take_pairs();
            match sorted.as_deref() {
                Some(sc) => {
                    let mut extra: Vec<(f64, u32)> =
                        (n_rows..n_obs).map(|k| (mu[k], k as u32)).collect();
                    extra.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let mut e = 0;
                    for &(_, r) in &sc.entries {
                        let k = self.kernel_of_row[r as usize];
                        if k == u32::MAX {
                            continue;
                        }
                        let t = mu[k as usize];
                        while e < extra.len() && extra[e].0 < t {
                            pairs.push(extra[e]);
                            e += 1;
                        }
                        pairs.push((t, k));
                    }
                    pairs.extend_from_slice(&extra[e..]);
                    if pairs.len() != n_obs {
                        return Err(CoreError::InvalidArgument(format!(
                            "sorted column {j} does not cover the selected rows"
                        )));
                    }
                }
                None => {
                    pairs.extend(mu.iter().enumerate().map(|(k, &m)| (m, k as u32)));
                    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                }
            }
            sigmas_from_sorted(&pairs, lo, hi, cfg, &mut sigma);
            give_pairs(pairs);
        }
        mu.push(0.5 * (lo + hi));
        sigma[n_kernels - 1] = hi - lo;
        let mut inv_sigma = take_buf(0, 0.0);
        inv_sigma.extend(sigma.iter().map(|s| 1.0 / s));
        // Per kernel: log truncation mass (+ log sigma + log sqrt(2 pi) when continuous),
        // reused from the column's per-row cache when the kernel's bandwidth is unchanged
        // since the previous call (the common case).
        let continuous = spec.step == 0.0;
        let kernel_part =
            |k: usize| -> f64 { kernel_log_norm(spec, lo, hi, mu[k], sigma[k], inv_sigma[k]) };
        let key = [
            lo.to_bits(),
            hi.to_bits(),
            u64::from(spec.log) | (u64::from(continuous) << 1),
        ];
        let mut part = take_buf(n_kernels, 0.0);
        match sorted {
            Some(sc) => {
                sc.prepare_cache(key);
                for (k, p) in part.iter_mut().enumerate() {
                    let c = if k < n_rows {
                        let row = self.rows[k] as usize;
                        let (cs, cm) = sc.cache[row];
                        if cs == sigma[k] {
                            cm
                        } else {
                            let c = kernel_part(k);
                            sc.cache[row] = (sigma[k], c);
                            c
                        }
                    } else {
                        kernel_part(k)
                    };
                    *p = -c;
                }
            }
            None => {
                for (k, p) in part.iter_mut().enumerate() {
                    *p = -kernel_part(k);
                }
            }
        }
        let mut gemm_part = None;
        let mut gemm_ok = false;
        if let (Some(quad), Some(lin)) = (quad, lin) {
            let floor = 1e-3 * (hi - lo);
            gemm_ok = sigma.iter().all(|&s| !s.is_nan() && s >= floor);
            if gemm_ok {
                let c = 0.5 * (lo + hi);
                let mut gp = take_buf(n_kernels, 0.0);
                for k in 0..n_kernels {
                    let is2 = inv_sigma[k] * inv_sigma[k];
                    let m = mu[k] - c;
                    quad[k] = -0.5 * is2;
                    lin[k] = is2 * m;
                    gp[k] = -0.5 * is2 * m * m;
                }
                gemm_part = Some(gp);
            }
        }
        Ok(DimBuild {
            dim: Dim::Numeric(NumericDim {
                mu,
                sigma,
                inv_sigma,
                lo,
                hi,
            }),
            part,
            gemm_part,
            gemm_ok,
        })
    }
}

/// `log mass + log sigma + log sqrt(2 pi)` (continuous) or `log mass` (stepped): what a
/// kernel's log-density subtracts in one numerical dimension.
#[inline]
fn kernel_log_norm(spec: &ParamSpec, lo: f64, hi: f64, mu: f64, sigma: f64, inv_sigma: f64) -> f64 {
    let m = kernel_log_mass(lo, hi, mu, inv_sigma);
    if spec.step == 0.0 {
        m + sigma.ln() + LOG_SQRT_2PI
    } else {
        m
    }
}

/// Categorical kernel log-masses with `n_obs` observation kernels plus the prior:
/// `(lp_hit, lp_miss, lp_prior, base)` (see [`CategoricalDim`]).
fn categorical_masses(n_choices: usize, prior_weight: f64, n_obs: usize) -> (f64, f64, f64, f64) {
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

impl ParzenEstimator {
    /// Number of kernels including the prior.
    pub fn n_kernels(&self) -> usize {
        self.weights.len()
    }

    /// Build from a dense `(n, d)` row-major matrix of internal values.
    pub fn from_matrix(
        specs: &[ParamSpec],
        obs: &[f64],
        weights: &[f64],
        cfg: &ParzenConfig,
    ) -> CoreResult<Self> {
        let d = specs.len();
        let n = weights.len();
        if obs.len() != n * d {
            return Err(CoreError::ShapeMismatch(format!(
                "observations have {} values, expected {n} x {d}",
                obs.len()
            )));
        }
        let columns: Vec<Vec<f64>> = (0..d)
            .map(|j| (0..n).map(|i| obs[i * d + j]).collect())
            .collect();
        let col_refs: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
        let rows: Vec<u32> = (0..n as u32).collect();
        let indexed = IndexedObservations {
            columns: col_refs,
            sorted: (0..d).map(|_| None).collect(),
            rows: &rows,
            row_weights: weights,
            extra: &[],
            extra_weights: &[],
        };
        Self::from_indexed(specs, indexed, cfg)
    }

    /// Build from history columns, selected rows and extra observations.
    pub fn from_indexed(
        specs: &[ParamSpec],
        mut obs: IndexedObservations<'_>,
        cfg: &ParzenConfig,
    ) -> CoreResult<Self> {
        let d = specs.len();
        for (j, s) in specs.iter().enumerate() {
            s.validate(j)?;
        }
        if obs.columns.len() != d || obs.sorted.len() != d {
            return Err(CoreError::ShapeMismatch(format!(
                "expected {d} columns, got {} (sorted: {})",
                obs.columns.len(),
                obs.sorted.len()
            )));
        }
        if obs.rows.len() != obs.row_weights.len() {
            return Err(CoreError::ShapeMismatch(
                "rows and row_weights differ".into(),
            ));
        }
        for sc in obs.sorted.iter_mut().flatten() {
            sc.settle();
        }
        let n_extra = obs.extra_weights.len();
        if obs.extra.len() != n_extra * d {
            return Err(CoreError::ShapeMismatch(format!(
                "extra observations have {} values, expected {n_extra} x {d}",
                obs.extra.len()
            )));
        }
        let n_rows_total = obs.columns.first().map_or(0, |c| c.len());
        if obs.columns.iter().any(|c| c.len() != n_rows_total) {
            return Err(CoreError::ShapeMismatch("columns differ in length".into()));
        }
        if obs.rows.iter().any(|&r| r as usize >= n_rows_total) {
            return Err(CoreError::InvalidArgument("row index out of range".into()));
        }
        let n_rows = obs.rows.len();
        let n_obs = n_rows + n_extra;
        let mut obs_w = Vec::with_capacity(n_obs);
        obs_w.extend_from_slice(obs.row_weights);
        obs_w.extend_from_slice(obs.extra_weights);
        let weights = mixture_weights(&obs_w, cfg.prior_weight)?;
        let n_kernels = weights.len();

        // Kernel index of each history row (u32::MAX: not a kernel); only needed for
        // sorted columns.
        let need_map = obs.sorted.iter().any(|s| s.is_some());
        let mut kernel_of_row = Vec::new();
        if need_map {
            kernel_of_row = vec![u32::MAX; n_rows_total];
            for (k, &r) in obs.rows.iter().enumerate() {
                kernel_of_row[r as usize] = k as u32;
            }
        }

        // Continuous dims go through the matrix product when there are enough kernels;
        // each gets its rows of the coefficient matrix up front so that dims build in
        // parallel without sharing anything mutable.
        let cont: Vec<usize> = (0..d)
            .filter(|&j| !specs[j].is_categorical() && specs[j].step == 0.0)
            .collect();
        let dc = cont.len();
        let want_gemm = dc > 0 && n_kernels >= GEMM_MIN_KERNELS;
        let mut coef = if want_gemm {
            take_buf(2 * dc * n_kernels, 0.0)
        } else {
            Vec::new()
        };
        let mut rows_of_dim: Vec<CoefRows<'_>> = (0..d).map(|_| (None, None)).collect();
        if want_gemm {
            let (quad, lin) = coef.split_at_mut(dc * n_kernels);
            for ((&j, q), l) in cont
                .iter()
                .zip(quad.chunks_mut(n_kernels))
                .zip(lin.chunks_mut(n_kernels))
            {
                rows_of_dim[j] = (Some(q), Some(l));
            }
        }
        let ctx = DimContext {
            specs,
            columns: &obs.columns,
            rows: obs.rows,
            extra: obs.extra,
            n_rows,
            n_obs,
            n_kernels,
            kernel_of_row: &kernel_of_row,
            cfg,
        };
        let jobs: Vec<_> = std::mem::take(&mut obs.sorted)
            .into_iter()
            .zip(rows_of_dim)
            .enumerate()
            .collect();
        let built: Vec<CoreResult<DimBuild>> = if n_kernels * d >= PAR_BUILD_THRESHOLD {
            jobs.into_par_iter()
                .map(|(j, (sc, (q, l)))| ctx.build(j, sc, q, l))
                .collect()
        } else {
            jobs.into_iter()
                .map(|(j, (sc, (q, l)))| ctx.build(j, sc, q, l))
                .collect()
        };
        let mut dims = Vec::with_capacity(d);
        let mut parts = Vec::with_capacity(d);
        let mut gemm_ok = want_gemm;
        for b in built {
            let b = b?;
            gemm_ok &= b.gemm_ok;
            dims.push(b.dim);
            parts.push((b.part, b.gemm_part));
        }
        // constant_k = log w_k + sum_d part_dk (+ the expansion's kernel part).
        let mut constant: Vec<f64> = take_buf(0, 0.0);
        constant.extend(weights.iter().map(|w| w.ln()));
        for (part, gemm_part) in &parts {
            for (c, p) in constant.iter_mut().zip(part) {
                *c += p;
            }
            if gemm_ok {
                if let Some(gp) = gemm_part {
                    for (c, p) in constant.iter_mut().zip(gp) {
                        *c += p;
                    }
                }
            }
        }
        for (part, gemm_part) in parts {
            give_buf(part);
            if let Some(gp) = gemm_part {
                give_buf(gp);
            }
        }
        let gemm = if gemm_ok {
            let centre = cont
                .iter()
                .map(|&j| {
                    let (lo, hi) = specs[j].adapted_bounds();
                    0.5 * (lo + hi)
                })
                .collect();
            Some(Gemm {
                floor: None,
                dims: cont,
                centre,
                coef,
                kernel_major: false,
            })
        } else {
            give_buf(coef);
            None
        };
        Ok(Self {
            specs: specs.to_vec(),
            dims,
            weights,
            constant,
            gemm,
        })
    }

    /// Log-density at each row of `x` (`(m, d)` row-major, internal values).
    pub fn log_pdf(&self, x: &[f64]) -> CoreResult<Vec<f64>> {
        let d = self.specs.len();
        if d == 0 {
            return Err(CoreError::InvalidArgument("empty search space".into()));
        }
        if !x.len().is_multiple_of(d) {
            return Err(CoreError::ShapeMismatch(format!(
                "{} values is not a multiple of {d} columns",
                x.len()
            )));
        }
        let m = x.len() / d;
        let work = m * self.n_kernels() * d;
        if let Some(gm) = self.gemm.as_ref().filter(|gm| gm.dims.len() == d) {
            // Every dim continuous: the fused matrix-product + log-sum-exp pass.
            let u: Vec<f64> = x
                .chunks(d)
                .flat_map(|xi| {
                    gm.dims
                        .iter()
                        .enumerate()
                        .map(|(i, &j)| self.specs[j].transform(xi[j]) - gm.centre[i])
                })
                .collect();
            let support: Vec<bool> = x.chunks(d).map(|xi| self.in_support(xi)).collect();
            return Ok(fused::log_pdf(
                gm,
                &self.constant,
                &u,
                &support,
                work >= FUSED_PAR_THRESHOLD,
            ));
        }
        let chunk = d * if self.gemm.is_some() {
            GEMM_GROUP
        } else {
            GROUP
        };
        if work >= PAR_THRESHOLD && m > GROUP {
            let parts: Vec<Vec<f64>> = x.par_chunks(chunk).map(|c| self.log_pdf_group(c)).collect();
            Ok(parts.concat())
        } else {
            Ok(x.chunks(chunk)
                .flat_map(|c| self.log_pdf_group(c))
                .collect())
        }
    }

    /// Exact value of one kernel's log term (weight included) at `x`.
    fn kernel_value(&self, k: usize, x: &[f64]) -> f64 {
        let mut v = self.constant[k];
        let n = self.constant.len();
        let mut in_gemm = vec![false; self.dims.len()];
        if let Some(gm) = &self.gemm {
            // The constant holds the expansion's kernel part: use the same expansion.
            let dc = gm.dims.len();
            for (i, &j) in gm.dims.iter().enumerate() {
                let u = self.specs[j].transform(x[j]) - gm.centre[i];
                v += u * u * gm.at(i, k, n) + u * gm.at(dc + i, k, n);
                in_gemm[j] = true;
            }
        }
        for (j, dim) in self.dims.iter().enumerate() {
            if !in_gemm[j] {
                v += self.dim_term(j, dim, k, x[j]);
            }
        }
        v
    }

    /// The `x`-dependent log term of kernel `k` in dimension `j` (constants excluded).
    #[inline]
    fn dim_term(&self, j: usize, dim: &Dim, k: usize, xj: f64) -> f64 {
        match dim {
            Dim::Numeric(nd) => {
                let spec = &self.specs[j];
                let is = nd.inv_sigma[k];
                if spec.step == 0.0 {
                    let z = (spec.transform(xj) - nd.mu[k]) * is;
                    -0.5 * z * z
                } else {
                    let half = 0.5 * spec.step;
                    let (l, r) = (spec.transform(xj - half), spec.transform(xj + half));
                    log_gauss_mass((l - nd.mu[k]) * is, (r - nd.mu[k]) * is)
                }
            }
            Dim::Categorical(cd) => {
                if cd.idx[k] < 0 {
                    0.0
                } else if cd.idx[k] == xj as i64 {
                    cd.lp_hit - cd.base
                } else {
                    cd.lp_miss - cd.base
                }
            }
        }
    }

    /// Whether `x` lies in the support (bounds and choice indices).
    fn in_support(&self, x: &[f64]) -> bool {
        self.dims.iter().enumerate().all(|(j, dim)| match dim {
            Dim::Numeric(nd) => {
                let spec = &self.specs[j];
                let (lo, hi) = if spec.step == 0.0 {
                    (nd.lo, nd.hi)
                } else {
                    (spec.transform(spec.low), spec.transform(spec.high))
                };
                let t = spec.transform(x[j]);
                !t.is_nan() && t >= lo && t <= hi
            }
            Dim::Categorical(cd) => x[j] >= 0.0 && (x[j] as usize) < cd.n_choices,
        })
    }

    fn split_dims(&self) -> (Vec<usize>, Vec<usize>) {
        let mut cont: Vec<usize> = Vec::new();
        let mut disc: Vec<usize> = Vec::new();
        for (j, dim) in self.dims.iter().enumerate() {
            if let Dim::Numeric(_) = dim {
                if self.specs[j].step == 0.0 {
                    cont.push(j);
                } else {
                    disc.push(j);
                }
            }
        }
        (cont, disc)
    }

    /// Add the categorical terms of point `x` to `a` (which holds the constants).
    fn add_categorical(&self, x: &[f64], a: &mut [f64]) {
        for (j, dim) in self.dims.iter().enumerate() {
            if let Dim::Categorical(cd) = dim {
                let ci = x[j] as i64;
                let hit = cd.lp_hit - cd.base;
                let miss = cd.lp_miss - cd.base;
                let n_obs = cd.idx.len() - 1;
                for (v, &idx) in a[..n_obs].iter_mut().zip(&cd.idx[..n_obs]) {
                    *v += if idx == ci { hit } else { miss };
                }
            }
        }
    }

    /// Log-density at up to `GROUP` points (`xs` row-major), continuous dims evaluated
    /// directly in cache-sized kernel blocks (vectorisable).
    fn log_pdf_group(&self, xs: &[f64]) -> Vec<f64> {
        let d = self.specs.len();
        let g = xs.len() / d;
        let n = self.n_kernels();
        let points: Vec<&[f64]> = xs.chunks(d).collect();
        let mut acc = take_buf(g * n, 0.0);
        let (cont, disc) = self.split_dims();
        for (c, x) in points.iter().enumerate() {
            let a = &mut acc[c * n..(c + 1) * n];
            a.copy_from_slice(&self.constant);
            self.add_categorical(x, a);
        }
        if self.gemm.is_none() {
            for start in (0..n).step_by(BLOCK) {
                let end = (start + BLOCK).min(n);
                for &j in &cont {
                    let Dim::Numeric(nd) = &self.dims[j] else {
                        unreachable!("continuous dims are numeric")
                    };
                    let mu = &nd.mu[start..end];
                    let is = &nd.inv_sigma[start..end];
                    for (c, x) in points.iter().enumerate() {
                        let t = self.specs[j].transform(x[j]);
                        let a = &mut acc[c * n + start..c * n + end];
                        for ((v, &m), &s) in a.iter_mut().zip(mu).zip(is) {
                            let z = (t - m) * s;
                            *v -= 0.5 * z * z;
                        }
                    }
                }
            }
        } else if let Some(gm) = &self.gemm {
            // acc += [u^2, u] . coef  (one matrix product for the group).
            let dc = gm.dims.len();
            let mut lhs = vec![0.0; g * 2 * dc];
            for (c, x) in points.iter().enumerate() {
                for (i, &j) in gm.dims.iter().enumerate() {
                    let u = self.specs[j].transform(x[j]) - gm.centre[i];
                    lhs[c * 2 * dc + i] = u * u;
                    lhs[c * 2 * dc + dc + i] = u;
                }
            }
            let lhs = faer::MatRef::from_row_major_slice(&lhs, g, 2 * dc);
            let rhs = if gm.kernel_major {
                faer::MatRef::from_column_major_slice(&gm.coef, 2 * dc, n)
            } else {
                faer::MatRef::from_row_major_slice(&gm.coef, 2 * dc, n)
            };
            let dst = faer::MatMut::from_row_major_slice_mut(&mut acc, g, n);
            faer::linalg::matmul::matmul(dst, faer::Accum::Add, lhs, rhs, 1.0, faer::Par::Seq);
            // faer's AVX kernels can return with the upper vector state dirty.
            crate::simd::clear_upper_simd_state();
        }
        let mut alive: Vec<u32> = Vec::new();
        let out = points
            .iter()
            .enumerate()
            .map(|(c, x)| self.finish(x, &mut acc[c * n..(c + 1) * n], &disc, &mut alive))
            .collect();
        give_buf(acc);
        out
    }

    /// Log-density of `x` given `a` = constants + categorical + continuous terms.
    ///
    /// Stepped dims need a Gaussian cell mass per kernel; as every such term is <= 0, a
    /// kernel whose partial sum is already below `L - LSE_CUTOFF` (with `L` the exact
    /// value of some kernel, a lower bound of the maximum) cannot contribute and is
    /// skipped, after a cheap upper bound of its cell mass. Exact up to the cutoff.
    fn finish(&self, x: &[f64], a: &mut [f64], disc: &[usize], alive: &mut Vec<u32>) -> f64 {
        let n = a.len();
        if !self.in_support(x) {
            return f64::NEG_INFINITY;
        }
        if disc.is_empty() {
            return log_sum_exp(a);
        }
        let mut threshold = f64::NEG_INFINITY;
        for k in top_k(a, 4) {
            threshold = threshold.max(self.kernel_value(k, x) - LSE_CUTOFF);
        }
        alive.clear();
        alive.extend((0..n as u32).filter(|&k| a[k as usize] >= threshold));
        for &j in disc {
            let Dim::Numeric(nd) = &self.dims[j] else {
                unreachable!("stepped dims are numeric")
            };
            let spec = &self.specs[j];
            let half = 0.5 * spec.step;
            let (l, r) = (spec.transform(x[j] - half), spec.transform(x[j] + half));
            alive.retain(|&k| {
                let k = k as usize;
                let is = nd.inv_sigma[k];
                let (lo, hi) = ((l - nd.mu[k]) * is, (r - nd.mu[k]) * is);
                let nearest = if lo > 0.0 {
                    lo
                } else if hi < 0.0 {
                    hi
                } else {
                    0.0
                };
                // Cell mass <= width x largest density on the cell (and <= 1).
                let bound = f64::min(0.0, (hi - lo).ln() + norm_logpdf(nearest));
                if a[k] + bound < threshold {
                    return false;
                }
                a[k] += log_gauss_mass(lo, hi);
                a[k] >= threshold
            });
        }
        let m = alive
            .iter()
            .map(|&k| a[k as usize])
            .fold(f64::NEG_INFINITY, f64::max);
        if m == f64::NEG_INFINITY {
            return m;
        }
        let s: f64 = alive.iter().map(|&k| exp_neg(a[k as usize] - m)).sum();
        m + s.ln()
    }

    /// Draw `m` samples (`(m, d)` row-major internal values) with the given RNG.
    pub fn sample(&self, rng: &mut Pcg64, m: usize) -> Vec<f64> {
        let d = self.specs.len();
        let mut out = vec![0.0; m * d];
        let cum: Vec<f64> = self
            .weights
            .iter()
            .scan(0.0, |s, w| {
                *s += w;
                Some(*s)
            })
            .collect();
        let total = *cum.last().unwrap_or(&1.0);
        for i in 0..m {
            let u: f64 = rng.random::<f64>() * total;
            let k = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
            for (j, dim) in self.dims.iter().enumerate() {
                let u: f64 = rng.random();
                out[i * d + j] = match dim {
                    Dim::Numeric(nd) => self.sample_numeric(j, nd, k, u),
                    Dim::Categorical(cd) => sample_categorical(cd, k, u),
                };
            }
        }
        out
    }

    /// Draw `m` samples with a fresh RNG seeded by `seed`.
    pub fn sample_seeded(&self, seed: u64, m: usize) -> Vec<f64> {
        self.sample(&mut Pcg64::seed_from_u64(seed), m)
    }

    fn sample_numeric(&self, j: usize, nd: &NumericDim, k: usize, u: f64) -> f64 {
        let spec = &self.specs[j];
        let (mu, s) = (nd.mu[k], nd.sigma[k]);
        let a = (nd.lo - mu) / s;
        let b = (nd.hi - mu) / s;
        let mut v = (truncnorm::ppf_linear(u, a, b) * s + mu).clamp(nd.lo, nd.hi);
        if spec.log {
            v = v.exp();
        }
        if spec.step != 0.0 {
            v = (spec.low + ((v - spec.low) / spec.step).round() * spec.step)
                .clamp(spec.low, spec.high);
        } else {
            v = v.clamp(spec.low, spec.high);
        }
        v
    }
}

fn sample_categorical(cd: &CategoricalDim, k: usize, u: f64) -> f64 {
    let c = cd.n_choices;
    let is_prior = cd.idx[k] < 0;
    let p = |i: usize| -> f64 {
        if is_prior {
            cd.lp_prior.exp()
        } else if cd.idx[k] == i as i64 {
            cd.lp_hit.exp()
        } else {
            cd.lp_miss.exp()
        }
    };
    let mut cum = 0.0;
    for i in 0..c {
        cum += p(i);
        if u < cum {
            return i as f64;
        }
    }
    (c - 1) as f64
}

/// Reused buffers, shared by all threads (estimators are built on rayon workers and
/// dropped on the caller's thread): fresh multi-megabyte allocations on every proposal
/// cost page faults (and memory-cgroup reclaim) that dominate the arithmetic.
static POOL: std::sync::Mutex<Vec<Vec<f64>>> = std::sync::Mutex::new(Vec::new());
static PAIRS: std::sync::Mutex<Vec<Vec<(f64, u32)>>> = std::sync::Mutex::new(Vec::new());

/// A buffer of `len` copies of `fill` from the pool.
fn take_buf(len: usize, fill: f64) -> Vec<f64> {
    let mut v = POOL
        .lock()
        .map(|mut p| p.pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    v.clear();
    v.resize(len, fill);
    v
}

fn give_buf(v: Vec<f64>) {
    if v.capacity() >= 64 {
        if let Ok(mut p) = POOL.lock() {
            if p.len() < 256 {
                p.push(v);
            }
        }
    }
}

fn take_pairs() -> Vec<(f64, u32)> {
    let mut v = PAIRS
        .lock()
        .map(|mut p| p.pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    v.clear();
    v
}

fn give_pairs(v: Vec<(f64, u32)>) {
    if let Ok(mut p) = PAIRS.lock() {
        if p.len() < 64 {
            p.push(v);
        }
    }
}

impl Drop for ParzenEstimator {
    fn drop(&mut self) {
        for dim in self.dims.drain(..) {
            if let Dim::Numeric(nd) = dim {
                give_buf(nd.mu);
                give_buf(nd.sigma);
                give_buf(nd.inv_sigma);
            }
        }
        give_buf(std::mem::take(&mut self.constant));
        if let Some(g) = self.gemm.take() {
            give_buf(g.coef);
        }
    }
}

/// Indices of the `k` largest values (unordered).
fn top_k(v: &[f64], k: usize) -> Vec<usize> {
    let mut best: Vec<usize> = Vec::with_capacity(k + 1);
    for (i, &a) in v.iter().enumerate() {
        if best.len() < k {
            best.push(i);
        } else {
            let (pos, &worst) = best
                .iter()
                .enumerate()
                .min_by(|x, y| v[*x.1].total_cmp(&v[*y.1]))
                .expect("non-empty");
            if a > v[worst] {
                best[pos] = i;
            }
        }
    }
    best
}

/// `log(sum(exp(v)))`, dropping terms more than `LSE_CUTOFF` below the maximum.
fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || m.is_nan() {
        return m;
    }
    let cut = -LSE_CUTOFF;
    let s: f64 = v
        .iter()
        .map(|&a| {
            let z = a - m;
            if z > cut {
                exp_neg(z)
            } else {
                0.0
            }
        })
        .sum();
    m + s.ln()
}

/// `exp(z)` for `z` in `[-LSE_CUTOFF, 0]`: Cody-Waite reduction `z = k ln 2 + r`,
/// degree-13 Taylor polynomial for `exp(r)` (|r| <= ln2/2, truncation < 1e-17), and
/// `2^k` assembled from bits; within 2 ulp of `f64::exp` and vectorisable.
#[inline(always)]
fn exp_neg(z: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: round-to-nearest trick
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let shifted = z * std::f64::consts::LOG2_E + MAGIC;
    let kf = shifted - MAGIC;
    let r = (z - kf * LN2_HI) - kf * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    let bits = shifted
        .to_bits()
        .wrapping_sub(MAGIC.to_bits())
        .wrapping_add(1023)
        << 52;
    p * f64::from_bits(bits)
}

/// Result of one TPE proposal.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Index of the best candidate.
    pub best: usize,
    /// Candidates, `(m, d)` row-major internal values.
    pub candidates: Vec<f64>,
    /// `log l(x) - log g(x)` of every candidate.
    pub acquisition: Vec<f64>,
    /// `log l(x)` and `log g(x)` of every candidate.
    pub log_below: Vec<f64>,
    /// See `log_below`.
    pub log_above: Vec<f64>,
}

/// Sample `n_candidates` from l(x) and rank them by `log l(x) - log g(x)` (Bergstra
/// et al. 2011, Eq. 6; Watanabe 2023, Eq. 2).
pub fn propose(
    specs: &[ParamSpec],
    below: &ParzenEstimator,
    above: &ParzenEstimator,
    n_candidates: usize,
    seed: u64,
) -> CoreResult<Proposal> {
    if n_candidates == 0 {
        return Err(CoreError::InvalidArgument(
            "n_ei_candidates must be positive".into(),
        ));
    }
    if specs.is_empty() {
        return Err(CoreError::InvalidArgument("empty search space".into()));
    }
    if n_candidates.saturating_mul(specs.len()) > MAX_CANDIDATE_VALUES {
        // Checked here because an allocation failure aborts the process (no error).
        return Err(CoreError::InvalidArgument(format!(
            "n_ei_candidates={n_candidates} candidates of {} parameters exceed the limit of \
             {MAX_CANDIDATE_VALUES} candidate values",
            specs.len()
        )));
    }
    let mut rng = Pcg64::seed_from_u64(seed);
    let candidates = below.sample(&mut rng, n_candidates);
    let log_below = below.log_pdf(&candidates)?;
    let log_above = above.log_pdf(&candidates)?;
    let acquisition: Vec<f64> = log_below
        .iter()
        .zip(&log_above)
        .map(|(l, g)| l - g)
        .collect();
    // First maximum, like numpy.argmax (NaN never wins).
    let mut best = 0;
    for (i, &v) in acquisition.iter().enumerate() {
        if v > acquisition[best] || (acquisition[best].is_nan() && !v.is_nan()) {
            best = i;
        }
    }
    Ok(Proposal {
        best,
        candidates,
        acquisition,
        log_below,
        log_above,
    })
}

/// A column's `(value, row)` pairs sorted by value, grown as history rows arrive.
#[derive(Debug, Clone, Default)]
pub struct SortedColumn {
    /// Sorted `(value, row)` pairs of the non-NaN rows seen so far, except `pending`.
    entries: Vec<(f64, u32)>,
    /// Pairs synced but not merged yet: merging waits until a build reads the column
    /// (the incremental estimator does not), so a sync costs O(new rows), not O(n).
    pending: Vec<(f64, u32)>,
    /// Number of history rows consumed.
    pub n_seen: usize,
    /// Per history row: `(sigma, constant part)` of its kernel at the last call.
    pub cache: Vec<(f64, f64)>,
    /// Bounds the cache was computed for.
    pub cache_key: [u64; 3],
}

impl SortedColumn {
    /// Size the mass cache to the rows seen and reset it when the bounds changed.
    fn prepare_cache(&mut self, key: [u64; 3]) {
        if self.cache_key != key {
            self.cache.clear();
            self.cache_key = key;
        }
        if self.cache.len() < self.n_seen {
            self.cache.resize(self.n_seen, (f64::NAN, 0.0));
        }
    }
}

impl SortedColumn {
    /// A column restored from its sorted pairs and the number of history rows consumed.
    ///
    /// The pairs come from outside (a pickle), so they are checked: sorted by value then
    /// row, no NaN value, distinct rows below `n_seen` (rows index the history columns).
    pub fn from_sorted(entries: Vec<(f64, u32)>, n_seen: usize) -> CoreResult<Self> {
        let corrupt = |why: String| {
            Err(CoreError::InvalidArgument(format!(
                "corrupt TPESortedColumn state: {why}"
            )))
        };
        if entries.len() > n_seen {
            return corrupt(format!(
                "{} pairs but only {n_seen} rows seen",
                entries.len()
            ));
        }
        for (i, &(v, r)) in entries.iter().enumerate() {
            if v.is_nan() {
                return corrupt(format!("NaN value at pair {i}"));
            }
            if r as usize >= n_seen {
                return corrupt(format!("row {r} at pair {i} is not below {n_seen}"));
            }
            if i > 0 {
                let (pv, pr) = entries[i - 1];
                if pv.total_cmp(&v).then(pr.cmp(&r)).is_ge() {
                    return corrupt(format!("pairs {} and {i} are not sorted", i - 1));
                }
            }
        }
        let mut rows: Vec<u32> = entries.iter().map(|e| e.1).collect();
        rows.sort_unstable();
        if rows.windows(2).any(|w| w[0] == w[1]) {
            return corrupt("a row appears twice".into());
        }
        Ok(Self {
            entries,
            n_seen,
            ..Self::default()
        })
    }

    /// Number of non-NaN rows seen.
    pub fn len(&self) -> usize {
        self.entries.len() + self.pending.len()
    }

    /// Whether no non-NaN row was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sorted `(value, row)` pairs of every non-NaN row seen.
    pub fn entries(&mut self) -> &[(f64, u32)] {
        self.settle();
        &self.entries
    }

    /// Take in rows `n_seen..column.len()` of `column` (NaN rows are skipped).
    pub fn sync(&mut self, column: &[f64]) -> CoreResult<()> {
        if column.len() < self.n_seen {
            return Err(CoreError::InvalidArgument(format!(
                "column shrank from {} to {} rows",
                self.n_seen,
                column.len()
            )));
        }
        self.pending.extend(
            (self.n_seen..column.len())
                .filter(|&r| !column[r].is_nan())
                .map(|r| (column[r], r as u32)),
        );
        self.n_seen = column.len();
        Ok(())
    }

    /// Merge the pending pairs into the sorted ones.
    fn settle(&mut self) {
        let mut new = std::mem::take(&mut self.pending);
        if new.is_empty() {
            return;
        }
        let cmp = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        new.sort_by(cmp);
        if new.len() == 1 {
            let pos = self
                .entries
                .partition_point(|e| cmp(e, &new[0]) == std::cmp::Ordering::Less);
            self.entries.insert(pos, new[0]);
            return;
        }
        let old = std::mem::take(&mut self.entries);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < new.len() {
            if cmp(&old[i], &new[j]) != std::cmp::Ordering::Greater {
                merged.push(old[i]);
                i += 1;
            } else {
                merged.push(new[j]);
                j += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&new[j..]);
        self.entries = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float_spec(low: f64, high: f64) -> ParamSpec {
        ParamSpec {
            n_choices: 0,
            low,
            high,
            step: 0.0,
            log: false,
        }
    }

    #[test]
    fn bandwidths_follow_neighbour_rule() {
        // mus 0.2, 0.5, 0.6 in [0, 1], no endpoints, magic clip min = 1/min(100, 5) = 0.2.
        let cfg = ParzenConfig::default();
        let sorted = vec![(0.2, 0), (0.5, 1), (0.6, 2)];
        let mut s = vec![0.0; 4];
        sigmas_from_sorted(&sorted, 0.0, 1.0, &cfg, &mut s);
        // first: next gap 0.3; middle: max(0.3, 0.1) = 0.3; last: prev gap 0.1 -> clip 0.2.
        assert!((s[0] - 0.3).abs() < 1e-15);
        assert!((s[1] - 0.3).abs() < 1e-15);
        assert!((s[2] - 0.2).abs() < 1e-15);
        let cfg = ParzenConfig {
            consider_endpoints: true,
            consider_magic_clip: false,
            ..cfg
        };
        sigmas_from_sorted(&sorted, 0.0, 1.0, &cfg, &mut s);
        assert!((s[2] - 0.4).abs() < 1e-15); // max(0.1, 1 - 0.6)
    }

    #[test]
    fn density_integrates_to_one() {
        let specs = [float_spec(-1.0, 2.0)];
        let est = ParzenEstimator::from_matrix(
            &specs,
            &[0.1, 0.5, 1.9],
            &[1.0, 2.0, 1.0],
            &ParzenConfig::default(),
        )
        .unwrap();
        let n = 20_000;
        let h = 3.0 / n as f64;
        let xs: Vec<f64> = (0..n).map(|i| -1.0 + (i as f64 + 0.5) * h).collect();
        let total: f64 = est.log_pdf(&xs).unwrap().iter().map(|l| l.exp() * h).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn discrete_masses_sum_to_one() {
        let specs = [ParamSpec {
            n_choices: 0,
            low: 1.0,
            high: 9.0,
            step: 2.0,
            log: false,
        }];
        let est = ParzenEstimator::from_matrix(
            &specs,
            &[3.0, 3.0, 7.0],
            &[1.0, 1.0, 1.0],
            &ParzenConfig::default(),
        )
        .unwrap();
        let xs = [1.0, 3.0, 5.0, 7.0, 9.0];
        let total: f64 = est.log_pdf(&xs).unwrap().iter().map(|l| l.exp()).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn categorical_probabilities_sum_to_one() {
        let specs = [ParamSpec {
            n_choices: 3,
            low: 0.0,
            high: 0.0,
            step: 0.0,
            log: false,
        }];
        let est = ParzenEstimator::from_matrix(
            &specs,
            &[0.0, 2.0, 2.0],
            &[1.0, 1.0, 1.0],
            &ParzenConfig::default(),
        )
        .unwrap();
        let p: Vec<f64> = est
            .log_pdf(&[0.0, 1.0, 2.0])
            .unwrap()
            .iter()
            .map(|l| l.exp())
            .collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p[2] > p[0] && p[0] > p[1]);
    }

    #[test]
    fn indexed_matches_matrix_and_skips_are_exact() {
        let specs = [float_spec(0.0, 1.0), float_spec(-5.0, 5.0)];
        let n = 3000;
        let mut rng = Pcg64::seed_from_u64(3);
        let col0: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        let col1: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 10.0 - 5.0).collect();
        let rows: Vec<u32> = (0..n as u32).filter(|r| r % 3 != 0).collect();
        let w: Vec<f64> = rows.iter().map(|&r| 1.0 + (r % 7) as f64).collect();
        let mut dense = Vec::new();
        for &r in &rows {
            dense.push(col0[r as usize]);
            dense.push(col1[r as usize]);
        }
        let extra = [0.5, 0.5, 0.25, -1.0];
        dense.extend_from_slice(&extra);
        let mut wd = w.clone();
        wd.extend_from_slice(&[3.0, 4.0]);
        let cfg = ParzenConfig::default();
        let a = ParzenEstimator::from_matrix(&specs, &dense, &wd, &cfg).unwrap();
        let mut s0 = SortedColumn::default();
        s0.sync(&col0[..n / 2]).unwrap();
        s0.sync(&col0).unwrap();
        let mut s1 = SortedColumn::default();
        s1.sync(&col1).unwrap();
        let b = ParzenEstimator::from_indexed(
            &specs,
            IndexedObservations {
                columns: vec![&col0, &col1],
                sorted: vec![Some(&mut s0), Some(&mut s1)],
                rows: &rows,
                row_weights: &w,
                extra: &extra,
                extra_weights: &[3.0, 4.0],
            },
            &cfg,
        )
        .unwrap();
        let xs: Vec<f64> = (0..200)
            .flat_map(|_| [rng.random::<f64>(), rng.random::<f64>() * 10.0 - 5.0])
            .collect();
        let la = a.log_pdf(&xs).unwrap();
        let lb = b.log_pdf(&xs).unwrap();
        for (x, y) in la.iter().zip(&lb) {
            assert!((x - y).abs() < 1e-12 * x.abs().max(1.0));
        }
    }

    #[test]
    fn samples_concentrate_near_good_points_and_are_reproducible() {
        let specs = [float_spec(-10.0, 10.0)];
        let cfg = ParzenConfig::default();
        let good: Vec<f64> = (0..30).map(|i| 0.9 + 0.2 * i as f64 / 29.0).collect();
        let below = ParzenEstimator::from_matrix(&specs, &good, &[1.0; 30], &cfg).unwrap();
        let above_obs: Vec<f64> = (0..50).map(|i| -10.0 + 0.4 * i as f64).collect();
        let above = ParzenEstimator::from_matrix(&specs, &above_obs, &[1.0; 50], &cfg).unwrap();
        let p = propose(&specs, &below, &above, 24, 7).unwrap();
        let q = propose(&specs, &below, &above, 24, 7).unwrap();
        assert_eq!(p.candidates, q.candidates);
        assert!((p.candidates[p.best] - 1.0).abs() < 2.0);
        let mut rng = Pcg64::seed_from_u64(1);
        let s = below.sample(&mut rng, 4000);
        let near = s.iter().filter(|v| (**v - 1.0).abs() < 1.0).count();
        assert!(near > 2800, "{near}");
    }

    #[test]
    #[ignore = "timing report, run with --release --ignored --nocapture"]
    fn timing_breakdown() {
        let d = 10;
        let specs: Vec<ParamSpec> = (0..d).map(|_| float_spec(-5.0, 5.0)).collect();
        let cfg = ParzenConfig::default();
        for &n in &[10_000usize, 100_000] {
            let mut rng = Pcg64::seed_from_u64(0);
            let cols: Vec<Vec<f64>> = (0..d)
                .map(|_| (0..n).map(|_| rng.random::<f64>() * 10.0 - 5.0).collect())
                .collect();
            let mut sorted: Vec<SortedColumn> = cols
                .iter()
                .map(|c| {
                    let mut s = SortedColumn::default();
                    s.sync(c).unwrap();
                    s
                })
                .collect();
            let rows: Vec<u32> = (25..n as u32).collect();
            let w = vec![1.0; rows.len()];
            let t = std::time::Instant::now();
            let reps = 10;
            let mut est = None;
            for _ in 0..reps {
                est = Some(
                    ParzenEstimator::from_indexed(
                        &specs,
                        IndexedObservations {
                            columns: cols.iter().map(|c| c.as_slice()).collect(),
                            sorted: sorted.iter_mut().map(Some).collect(),
                            rows: &rows,
                            row_weights: &w,
                            extra: &[],
                            extra_weights: &[],
                        },
                        &cfg,
                    )
                    .unwrap(),
                );
            }
            let build = t.elapsed() / reps;
            let est = est.unwrap();
            let x: Vec<f64> = (0..24 * d)
                .map(|_| rng.random::<f64>() * 2.0 - 1.0)
                .collect();
            let t = std::time::Instant::now();
            for _ in 0..reps {
                est.log_pdf(&x).unwrap();
            }
            let eval = t.elapsed() / reps;
            println!("n={n}: build {build:?}, log_pdf(24) {eval:?}");
        }
    }

    #[test]
    fn param_spec_errors_are_readable() {
        let spec = ParamSpec {
            n_choices: 0,
            low: 0.0,
            high: f64::INFINITY,
            step: 0.0,
            log: false,
        };
        let msg = spec.validate(2).unwrap_err().to_string();
        assert_eq!(
            msg,
            "invalid parameter spec at column 2: low=0, high=inf, step=none, log=false"
        );
        assert!(!msg.contains("ParamSpec"));
    }

    #[test]
    fn forged_sorted_column_states_are_rejected() {
        assert!(SortedColumn::from_sorted(vec![(0.5, 0), (1.0, 2)], 3).is_ok());
        let bad = [
            (vec![(0.5, 7)], 3),           // row beyond the rows seen
            (vec![(0.5, 0), (0.1, 1)], 3), // not sorted
            (vec![(f64::NAN, 0)], 3),      // NaN value
            (vec![(0.5, 1), (0.7, 1)], 3), // repeated row
            (vec![(0.5, 0), (0.6, 1)], 1), // more pairs than rows
        ];
        for (entries, n_seen) in bad {
            let err = SortedColumn::from_sorted(entries.clone(), n_seen).unwrap_err();
            assert!(
                err.to_string().starts_with("corrupt TPESortedColumn state"),
                "{entries:?}: {err}"
            );
        }
    }

    #[test]
    fn oversized_proposals_are_errors_not_aborts() {
        let spec = ParamSpec {
            n_choices: 0,
            low: 0.0,
            high: 1.0,
            step: 0.0,
            log: false,
        };
        let cfg = ParzenConfig {
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
        };
        let est = ParzenEstimator::from_matrix(&[spec], &[0.5], &[1.0], &cfg).unwrap();
        let err = propose(&[spec], &est, &est, usize::MAX / 2, 0).unwrap_err();
        assert!(err.to_string().contains("exceed the limit"), "{err}");
        assert!(propose(&[spec], &est, &est, 24, 0).is_ok());
    }
}
