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
