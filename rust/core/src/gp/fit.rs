//! MAP fit of the kernel parameters (Optuna's `fit_kernel_params`): minimise
//! `-(log marginal likelihood + log prior)` over raw log-parameters with L-BFGS-B on the
//! analytic gradient, warm-started from the previous fit, retried from the default
//! parameters when that fails, and falling back to the defaults when both fail.
//!
//! A warm start may also carry the previous fit's L-BFGS curvature pairs: the loss of
//! `n + 1` points has nearly the Hessian of the loss of `n`, so the first step is already
//! a quasi-Newton step instead of a scaled gradient step, and the fit typically stops after
//! a few evaluations instead of a dozen or more. The stopping rules (Optuna's `gtol` on the
//! projected gradient, scipy's relative decrease) are unchanged.

use super::lbfgsb::{minimize_from, Options, Status};
use super::likelihood::{map_loss_cached, NoiseModel, PairDiffs};
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

/// One L-BFGS correction pair `(s, y)` in the raw parameter space.
pub type CurvaturePair = (Vec<f64>, Vec<f64>);

/// L-BFGS correction pairs, oldest first.
pub type Curvature = Vec<CurvaturePair>;

/// A fitted model, whether the fit succeeded (`false`: default parameters used) and the
/// curvature pairs of the successful run (empty otherwise).
pub struct Fitted {
    /// The model.
    pub model: GpModel,
    /// Whether the fit succeeded.
    pub ok: bool,
    /// The L-BFGS memory at the end of the fit, to warm-start the next one.
    pub curvature: Curvature,
}

fn fit_from(
    inputs: &Inputs,
    diffs: &PairDiffs,
    y: &[f64],
    start: &KernelParams,
    curvature: &[CurvaturePair],
    opts: &FitOptions,
) -> CoreResult<Option<(GpModel, Curvature)>> {
    let raw0 = opts.noise.raw_from_params(start);
    let lb = Options {
        pgtol: opts.gtol,
        ..Options::default()
    };
    let out = minimize_from(
        |raw, g| map_loss_cached(diffs, y, raw, &opts.noise, g),
        &raw0,
        None,
        &lb,
        curvature,
    )?;
    if out.status == Status::Budget {
        return Ok(None);
    }
    let params = opts.noise.params_from_raw(&out.x);
    Ok(GpModel::new(inputs.clone(), y, params)
        .ok()
        .map(|m| (m, out.memory)))
}

/// The fitted model and whether the fit succeeded (`false`: default parameters used).
pub fn fit(
    inputs: &Inputs,
    y: &[f64],
    initial: Option<&KernelParams>,
    opts: &FitOptions,
) -> CoreResult<(GpModel, bool)> {
    let f = fit_warm(inputs, y, initial, &[], opts)?;
    Ok((f.model, f.ok))
}

/// [`fit`] warm-started from `initial` and, for that start, the curvature pairs of the
/// previous fit (ignored when their dimension does not match).
pub fn fit_warm(
    inputs: &Inputs,
    y: &[f64],
    initial: Option<&KernelParams>,
    curvature: &[CurvaturePair],
    opts: &FitOptions,
) -> CoreResult<Fitted> {
    let default = KernelParams::ones(inputs.d);
    let starts: Vec<(&KernelParams, &[CurvaturePair])> = match initial {
        Some(p) if p.check(inputs.d).is_ok() => vec![(p, curvature), (&default, &[])],
        _ => vec![(&default, &[])],
    };
    let diffs = PairDiffs::new(inputs);
    for (start, mem) in starts {
        if let Ok(Some((model, curvature))) = fit_from(inputs, &diffs, y, start, mem, opts) {
            return Ok(Fitted {
                model,
                ok: true,
                curvature,
            });
        }
    }
    // Optuna's fallback: the all-ones parameters, noise included.
    Ok(Fitted {
        model: GpModel::new(inputs.clone(), y, default)?,
        ok: false,
        curvature: Vec::new(),
    })
}
