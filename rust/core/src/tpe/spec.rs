//! Parameter specs, estimator options and the search space built once per study.

use crate::error::{CoreError, CoreResult};

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
    pub(super) fn transform(&self, v: f64) -> f64 {
        if self.log {
            v.ln()
        } else {
            v
        }
    }

    /// Bounds of the kernel space: `[t(low - step/2), t(high + step/2)]`.
    pub(super) fn adapted_bounds(&self) -> (f64, f64) {
        let half = 0.5 * self.step;
        (
            self.transform(self.low - half),
            self.transform(self.high + half),
        )
    }

    pub(super) fn validate(&self, d: usize) -> CoreResult<()> {
        if self.is_categorical() {
            return Ok(());
        }
        let bad = !(self.low.is_finite() && self.high.is_finite())
            || self.low > self.high
            || !(self.step >= 0.0 && self.step.is_finite())
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

impl ParamSpec {
    /// A numerical dimension on `[low, high]` (`step` 0 for continuous ones).
    pub fn numerical(low: f64, high: f64, step: f64, log: bool) -> Self {
        Self {
            n_choices: 0,
            low,
            high,
            step,
            log,
        }
    }

    /// A categorical dimension with `n_choices` choices.
    pub fn categorical(n_choices: usize) -> Self {
        Self {
            n_choices,
            low: 0.0,
            high: 0.0,
            step: 0.0,
            log: false,
        }
    }
}

/// A search space with its estimator options, checked once and reused for every
/// proposal over that space.
#[derive(Debug, Clone, PartialEq)]
pub struct TpeSpace {
    params: Vec<ParamSpec>,
    parzen: ParzenConfig,
    n_candidates: usize,
}

impl TpeSpace {
    /// Check and bundle the dimensions, the estimator options and the number of
    /// candidates drawn from l(x) per proposal.
    pub fn new(
        params: Vec<ParamSpec>,
        parzen: ParzenConfig,
        n_candidates: usize,
    ) -> CoreResult<Self> {
        for (j, p) in params.iter().enumerate() {
            p.validate(j)?;
        }
        let w = parzen.prior_weight;
        if !(w.is_finite() && w >= 0.0) {
            return Err(CoreError::InvalidArgument(format!(
                "prior_weight must be non-negative, got {w}"
            )));
        }
        if n_candidates == 0 {
            return Err(CoreError::InvalidArgument(
                "n_ei_candidates must be positive".into(),
            ));
        }
        if n_candidates.saturating_mul(params.len()) > super::MAX_CANDIDATE_VALUES {
            return Err(CoreError::InvalidArgument(format!(
                "n_ei_candidates={n_candidates} candidates of {} parameters exceed the limit \
                 of {} candidate values",
                params.len(),
                super::MAX_CANDIDATE_VALUES
            )));
        }
        Ok(Self {
            params,
            parzen,
            n_candidates,
        })
    }

    /// The dimensions, in column order.
    pub fn params(&self) -> &[ParamSpec] {
        &self.params
    }

    /// The estimator options.
    pub fn parzen(&self) -> &ParzenConfig {
        &self.parzen
    }

    /// Candidates drawn from l(x) per proposal.
    pub fn n_candidates(&self) -> usize {
        self.n_candidates
    }
}
