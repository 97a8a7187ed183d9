//! MAP fit of the kernel parameters (Optuna's `fit_kernel_params`): minimise
//! `-(log marginal likelihood + log prior)` over raw log-parameters with L-BFGS-B on the
//! analytic gradient, warm-started from the previous fit, retried from the default
//! parameters when that fails, and falling back to the defaults when both fail.

use super::lbfgsb::{minimize, Options, Status};
use super::likelihood::{map_loss, NoiseModel};
use super::model::GpModel;
use super::{Inputs, KernelParams};
use crate::error::CoreResult;

/// Options of the fit.
#[derive(Clone, Copy, Debug)]
pub struct FitOptions {
    /// The noise parameterisation.
    pub noise: NoiseModel,
    /// Projected-gradient tolerance (Optuna: 1e-2).
    pub gtol: f64,
}

fn fit_from(
    inputs: &Inputs,
    y: &[f64],
    start: &KernelParams,
    opts: &FitOptions,
) -> CoreResult<Option<GpModel>> {
    let raw0 = opts.noise.raw_from_params(start);
    let lb = Options {
        pgtol: opts.gtol,
        ..Options::default()
    };
    let out = minimize(
        |raw, g| map_loss(inputs, y, raw, &opts.noise, g),
        &raw0,
        None,
        &lb,
    )?;
    if out.status == Status::Budget {
        return Ok(None);
    }
    let params = opts.noise.params_from_raw(&out.x);
    Ok(GpModel::new(inputs.clone(), y, params).ok())
}

/// The fitted model and whether the fit succeeded (`false`: default parameters used).
pub fn fit(
    inputs: &Inputs,
    y: &[f64],
    initial: Option<&KernelParams>,
    opts: &FitOptions,
) -> CoreResult<(GpModel, bool)> {
    let default = KernelParams::ones(inputs.d);
    let starts: Vec<&KernelParams> = match initial {
        Some(p) if p.check(inputs.d).is_ok() => vec![p, &default],
        _ => vec![&default],
    };
    for start in starts {
        if let Ok(Some(model)) = fit_from(inputs, y, start, opts) {
            return Ok((model, true));
        }
    }
    // Optuna's fallback: the all-ones parameters, noise included.
    Ok((GpModel::new(inputs.clone(), y, default)?, false))
}
