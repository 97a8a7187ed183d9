//! Gaussian-process Bayesian optimisation: the maths of Optuna 5.0's `GPSampler`.
//!
//! Inputs are normalised to `[0, 1]` per dimension (categorical columns hold the choice
//! index) and outputs standardised and sign-flipped so that they are maximised, as in
//! Optuna's `optuna/_gp`. One topic per file:
//!
//! | file | what |
//! |---|---|
//! | `kernel.rs` | Matérn-5/2 ARD kernel with Hamming distance on categorical dims |
//! | `prior.rs` | Optuna's default log-prior on the kernel parameters |
//! | `likelihood.rs` | Cholesky, log marginal likelihood and its analytic gradient |
//! | `lbfgsb.rs` | a bound-constrained L-BFGS (projected, active set) |
//! | `fit.rs` | MAP fit of the kernel parameters, warm-started |
//! | `model.rs` | the fitted GP: posterior mean/variance and their gradients |
//! | `acqf.rs` | logEI, logPI, logEHVI, their constrained and q-batch forms |
//! | `optim.rs` | the mixed continuous/discrete acquisition optimiser |
//! | `qmc.rs` | quasi-random points (uniform and standard normal) |

// Dense numerical loops index several arrays by the same counter (as the equations do), and
// NaN-rejecting checks read best as `!(a <= b)`.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

pub mod acqf;
pub mod fit;
pub mod kernel;
pub mod lbfgsb;
pub mod likelihood;
pub mod model;
pub mod optim;
pub mod prior;
pub mod qmc;

#[cfg(test)]
mod tests;

use crate::error::{CoreError, CoreResult};

/// The kernel hyperparameters in their natural (positive) parameterisation.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelParams {
    /// `1 / lengthscale^2` per dimension.
    pub inverse_squared_lengthscales: Vec<f64>,
    /// The kernel's output scale (prior variance of f).
    pub kernel_scale: f64,
    /// Observation noise variance added to the diagonal.
    pub noise_var: f64,
}

impl KernelParams {
    /// Optuna's initial parameters: all ones.
    pub fn ones(d: usize) -> Self {
        Self {
            inverse_squared_lengthscales: vec![1.0; d],
            kernel_scale: 1.0,
            noise_var: 1.0,
        }
    }

    /// Check that every parameter is finite and positive and that there are `d` lengthscales.
    pub fn check(&self, d: usize) -> CoreResult<()> {
        if self.inverse_squared_lengthscales.len() != d {
            return Err(CoreError::ShapeMismatch(format!(
                "`inverse_squared_lengthscales` must have {d} entries, got {}",
                self.inverse_squared_lengthscales.len()
            )));
        }
        let bad = |v: f64| !(v.is_finite() && v > 0.0);
        if let Some(v) = self.inverse_squared_lengthscales.iter().find(|v| bad(**v)) {
            return Err(CoreError::InvalidArgument(format!(
                "`inverse_squared_lengthscales` must be finite and positive, got {v}"
            )));
        }
        if bad(self.kernel_scale) {
            return Err(CoreError::InvalidArgument(format!(
                "`kernel_scale` must be finite and positive, got {}",
                self.kernel_scale
            )));
        }
        if bad(self.noise_var) {
            return Err(CoreError::InvalidArgument(format!(
                "`noise_var` must be finite and positive, got {}",
                self.noise_var
            )));
        }
        Ok(())
    }
}

/// Training inputs: `n x d` row-major points and which dimensions are categorical.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// Row-major `n x d` normalised points.
    pub x: Vec<f64>,
    /// Number of points.
    pub n: usize,
    /// Number of dimensions.
    pub d: usize,
    /// `d` flags: categorical dimensions use the Hamming distance.
    pub is_categorical: Vec<bool>,
}

impl Inputs {
    /// Checked inputs (shapes and finiteness).
    pub fn new(x: Vec<f64>, n: usize, d: usize, is_categorical: Vec<bool>) -> CoreResult<Self> {
        if x.len() != n * d {
            return Err(CoreError::ShapeMismatch(format!(
                "`x` must hold {n} x {d} values, got {}",
                x.len()
            )));
        }
        if is_categorical.len() != d {
            return Err(CoreError::ShapeMismatch(format!(
                "`is_categorical` must have {d} entries, got {}",
                is_categorical.len()
            )));
        }
        if let Some(v) = x.iter().find(|v| !v.is_finite()) {
            return Err(CoreError::InvalidArgument(format!(
                "`x` must be finite, got {v}"
            )));
        }
        Ok(Self {
            x,
            n,
            d,
            is_categorical,
        })
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.d..(i + 1) * self.d]
    }
}
