//! Optuna's default log-prior on the kernel parameters (`optuna/_gp/prior.py`):
//! `-sum(0.1/ils + 0.1 ils) + log Gamma(kernel_scale | 2, 1) + log Gamma(noise | 1.1, 30)`,
//! Gamma log-densities without their normalising constants.

use super::KernelParams;

/// Optuna's minimum noise variance (`DEFAULT_MINIMUM_NOISE_VAR`).
pub const DEFAULT_MINIMUM_NOISE_VAR: f64 = 1e-6;

/// `(concentration - 1) log x - rate x` and its derivative in `x`.
fn gamma_log_prior(x: f64, concentration: f64, rate: f64) -> (f64, f64) {
    (
        (concentration - 1.0) * x.ln() - rate * x,
        (concentration - 1.0) / x - rate,
    )
}

/// The log-prior and its gradient with respect to the natural parameters, ordered
/// `[ils_1..ils_d, kernel_scale, noise_var]`.
pub fn log_prior(params: &KernelParams) -> (f64, Vec<f64>) {
    let d = params.inverse_squared_lengthscales.len();
    let mut grad = vec![0.0; d + 2];
    let mut value = 0.0;
    for (g, &l) in grad.iter_mut().zip(&params.inverse_squared_lengthscales) {
        value -= 0.1 / l + 0.1 * l;
        *g = 0.1 / (l * l) - 0.1;
    }
    let (vs, gs) = gamma_log_prior(params.kernel_scale, 2.0, 1.0);
    let (vn, gn) = gamma_log_prior(params.noise_var, 1.1, 30.0);
    grad[d] = gs;
    grad[d + 1] = gn;
    (value + vs + vn, grad)
}
