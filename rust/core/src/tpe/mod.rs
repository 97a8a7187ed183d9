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
//!
//! Layout: [`spec`] (parameter specs, estimator options, the search space),
//! [`kernel`] (bandwidths and kernel normalisers), `build` (estimators from
//! observations), `eval` (log-densities), `sample` (draws), [`propose`](mod@propose) (the l/g
//! ranking), [`fast_path`] (the whole step from a columnar history), `incremental` (the above estimator kept up to date), [`sorted`] (incrementally sorted columns and
//! their byte encoding), `pool` (reused buffers), `math` (log-sum-exp helpers),
//! `fused` (the fused matrix-product evaluation), [`split`] (the below/above split) and
//! [`split_mo`] (MOTPE's split: non-domination ranks and hypervolume subset selection).

mod build;
mod eval;
pub mod fast_path;
mod fused;
mod incremental;
pub mod kernel;
mod math;
mod pool;
pub mod propose;
mod sample;
pub mod sorted;
pub mod spec;
pub mod split;
pub mod split_mo;
#[cfg(test)]
mod tests;

pub use build::IndexedObservations;
pub use incremental::IncrementalAbove;
pub use propose::{propose, Proposal};
pub use sorted::SortedColumn;
pub use spec::{ParamSpec, ParzenConfig, TpeSpace};

use kernel::{categorical_masses, kernel_log_norm, sigma_between};
use math::exp_neg;
use pool::take_buf;

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
