//! Log marginal likelihood of the GP and its analytic gradient (Rasmussen & Williams 2006,
//! eq. 2.30 and eq. 5.9), and the MAP loss Optuna minimises over raw log-parameters.

use faer::linalg::solvers::{DenseSolveCore, Llt, Solve};
use faer::{Mat, Side};

use super::kernel::{matern52, sq_diff, train_kernel};
use super::prior::log_prior;
use super::{Inputs, KernelParams};
use crate::error::{CoreError, CoreResult};

/// Cholesky factor of the row-major symmetric `n x n` matrix `c`.
pub fn cholesky(c: &[f64], n: usize) -> CoreResult<Llt<f64>> {
    let m = Mat::from_fn(n, n, |i, j| c[i * n + j]);
    Llt::new(m.as_ref(), Side::Lower).map_err(|_| {
        CoreError::Numerical("the GP covariance matrix is not positive definite".into())
    })
}

/// `C = K(X, X) + noise_var I`, its factor, `alpha = C^-1 y` and `C^-1` (row-major).
pub struct Factorized {
    /// The Cholesky factor of `C`.
    pub llt: Llt<f64>,
    /// `C^-1 y`.
    pub alpha: Vec<f64>,
    /// `C^-1`, row-major.
    pub cinv: Vec<f64>,
}

/// Factorise the noisy training covariance of `inputs` under `params`.
pub fn factorize(inputs: &Inputs, y: &[f64], params: &KernelParams) -> CoreResult<Factorized> {
    let n = inputs.n;
    let mut c = train_kernel(inputs, params);
    for i in 0..n {
        c[i * n + i] += params.noise_var;
    }
    let llt = cholesky(&c, n)?;
    let mut rhs = Mat::from_fn(n, 1, |i, _| y[i]);
    llt.solve_in_place(rhs.as_mut());
    let alpha: Vec<f64> = (0..n).map(|i| rhs[(i, 0)]).collect();
    let inv = llt.inverse();
    let mut cinv = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            cinv[i * n + j] = inv[(i, j)];
        }
    }
    if alpha.iter().any(|v| !v.is_finite()) {
        return Err(CoreError::Numerical(
            "the GP covariance matrix is numerically singular".into(),
        ));
    }
    Ok(Factorized { llt, alpha, cinv })
}

/// Log marginal likelihood without its constant, `-1/2 log|C| - 1/2 y^T C^-1 y`, and its
/// gradient with respect to `[ils_1..ils_d, kernel_scale, noise_var]`:
/// `d/dtheta = 1/2 tr((alpha alpha^T - C^-1) dC/dtheta)` (R&W eq. 5.9).
pub fn log_marginal_likelihood(
    inputs: &Inputs,
    y: &[f64],
    params: &KernelParams,
) -> CoreResult<(f64, Vec<f64>)> {
    let (n, d) = (inputs.n, inputs.d);
    let fac = factorize(inputs, y, params)?;
    let l = fac.llt.L();
    let logdet_half: f64 = (0..n).map(|i| l[(i, i)].ln()).sum();
    let quad: f64 = y.iter().zip(&fac.alpha).map(|(a, b)| a * b).sum();
    let value = -logdet_half - 0.5 * quad;

    let ils = &params.inverse_squared_lengthscales;
    let s = params.kernel_scale;
    let mut grad = vec![0.0; d + 2];
    let (a, cinv) = (&fac.alpha, &fac.cinv);
    for i in 0..n {
        let xi = inputs.row(i);
        // Diagonal: K_ii = s, dK_ii/dils = 0, dC_ii/dnoise = 1.
        let w = a[i] * a[i] - cinv[i * n + i];
        grad[d] += 0.5 * w;
        grad[d + 1] += 0.5 * w;
        for j in 0..i {
            let xj = inputs.row(j);
            // Off-diagonal pairs count twice; the 1/2 of eq. 5.9 cancels.
            let w = a[i] * a[j] - cinv[i * n + j];
            let mut r2 = 0.0;
            for k in 0..d {
                r2 += ils[k] * sq_diff(xi[k], xj[k], inputs.is_categorical[k]);
            }
            let (m, dm) = matern52(r2);
            grad[d] += w * m;
            let f = w * s * dm;
            for k in 0..d {
                grad[k] += f * sq_diff(xi[k], xj[k], inputs.is_categorical[k]);
            }
        }
    }
    Ok((value, grad))
}

/// How the noise variance is parameterised in the fit.
#[derive(Clone, Copy, Debug)]
pub struct NoiseModel {
    /// Lower bound added to the fitted noise (Optuna: 1e-6).
    pub minimum_noise: f64,
    /// Fix the noise at `minimum_noise` (Optuna's `deterministic_objective`).
    pub deterministic: bool,
}

impl NoiseModel {
    /// Natural parameters from Optuna's raw vector
    /// `[log ils_1..log ils_d, log kernel_scale, log(noise_var - minimum_noise)]`.
    pub fn params_from_raw(&self, raw: &[f64]) -> KernelParams {
        let d = raw.len() - 2;
        KernelParams {
            inverse_squared_lengthscales: raw[..d].iter().map(|v| v.exp()).collect(),
            kernel_scale: raw[d].exp(),
            noise_var: if self.deterministic {
                self.minimum_noise
            } else {
                raw[d + 1].exp() + self.minimum_noise
            },
        }
    }

    /// Optuna's raw starting vector for `params` (the noise starts 1% of
    /// `minimum_noise` above its floor, as Optuna does, for stability).
    pub fn raw_from_params(&self, params: &KernelParams) -> Vec<f64> {
        let mut raw: Vec<f64> = params
            .inverse_squared_lengthscales
            .iter()
            .map(|v| v.ln())
            .collect();
        raw.push(params.kernel_scale.ln());
        raw.push(
            (params.noise_var - 0.99 * self.minimum_noise)
                .max(f64::MIN_POSITIVE)
                .ln(),
        );
        raw
    }
}

/// The MAP loss `-(log marginal likelihood + log prior)` over raw parameters and its gradient.
pub fn map_loss(
    inputs: &Inputs,
    y: &[f64],
    raw: &[f64],
    noise: &NoiseModel,
    grad: &mut [f64],
) -> CoreResult<f64> {
    let d = inputs.d;
    let params = noise.params_from_raw(raw);
    let (mll, gm) = log_marginal_likelihood(inputs, y, &params)?;
    let (lp, gp) = log_prior(&params);
    for k in 0..d {
        grad[k] = -(gm[k] + gp[k]) * params.inverse_squared_lengthscales[k];
    }
    grad[d] = -(gm[d] + gp[d]) * params.kernel_scale;
    grad[d + 1] = if noise.deterministic {
        0.0
    } else {
        -(gm[d + 1] + gp[d + 1]) * (params.noise_var - noise.minimum_noise)
    };
    let loss = -(mll + lp);
    if !loss.is_finite() {
        return Err(CoreError::Numerical(format!(
            "the GP marginal likelihood is not finite ({loss})"
        )));
    }
    Ok(loss)
}
