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

/// Per-dimension squared differences of every training pair, which do not change while the
/// kernel parameters are fitted: computed once per fit instead of once per evaluation.
/// Dimension-major over the strictly lower triangle: pair `(i, j)`, `j < i`, is entry
/// `i (i - 1) / 2 + j` of dimension `k`'s block.
#[derive(Clone, Debug)]
pub struct PairDiffs {
    n: usize,
    d: usize,
    sq: Vec<f64>,
}

impl PairDiffs {
    /// The pairwise differences of `inputs`.
    pub fn new(inputs: &Inputs) -> Self {
        let (n, d) = (inputs.n, inputs.d);
        let np = n * n.saturating_sub(1) / 2;
        let mut sq = vec![0.0; d * np];
        for k in 0..d {
            let cat = inputs.is_categorical[k];
            let block = &mut sq[k * np..(k + 1) * np];
            let mut p = 0;
            for i in 1..n {
                let xi = inputs.x[i * d + k];
                for j in 0..i {
                    block[p] = sq_diff(xi, inputs.x[j * d + k], cat);
                    p += 1;
                }
            }
        }
        Self { n, d, sq }
    }

    fn n_pairs(&self) -> usize {
        self.n * self.n.saturating_sub(1) / 2
    }

    fn block(&self, k: usize) -> &[f64] {
        let np = self.n_pairs();
        &self.sq[k * np..(k + 1) * np]
    }
}

/// Log marginal likelihood without its constant, `-1/2 log|C| - 1/2 y^T C^-1 y`, and its
/// gradient with respect to `[ils_1..ils_d, kernel_scale, noise_var]`:
/// `d/dtheta = 1/2 tr((alpha alpha^T - C^-1) dC/dtheta)` (R&W eq. 5.9).
pub fn log_marginal_likelihood(
    inputs: &Inputs,
    y: &[f64],
    params: &KernelParams,
) -> CoreResult<(f64, Vec<f64>)> {
    log_marginal_likelihood_cached(&PairDiffs::new(inputs), y, params)
}

/// [`log_marginal_likelihood`] on precomputed pair differences. One pass over the pairs
/// builds `C` and keeps the Matérn derivative; the gradient then needs `C^-1` (from the
/// Cholesky factor) once and one dot product per dimension over the pairs.
pub fn log_marginal_likelihood_cached(
    diffs: &PairDiffs,
    y: &[f64],
    params: &KernelParams,
) -> CoreResult<(f64, Vec<f64>)> {
    let (n, d) = (diffs.n, diffs.d);
    let np = diffs.n_pairs();
    let ils = &params.inverse_squared_lengthscales;
    let s = params.kernel_scale;
    // Squared scaled distances, one axpy per dimension.
    let mut r2 = vec![0.0; np];
    for k in 0..d {
        let w = ils[k];
        for (r, q) in r2.iter_mut().zip(diffs.block(k)) {
            *r += w * q;
        }
    }
    // C (upper triangle written column by column, contiguous; the factor reads the lower
    // one through the adjoint), the Matérn values `m`, and `r2` turned into dm/dr2.
    let mut c = Mat::<f64>::zeros(n, n);
    let mut m = vec![0.0; np];
    let mut p = 0;
    for i in 0..n {
        let col = c.col_as_slice_mut(i);
        for j in 0..i {
            let (v, dv) = matern52(r2[p]);
            m[p] = v;
            r2[p] = dv;
            col[j] = s * v;
            p += 1;
        }
        col[i] = s + params.noise_var;
    }
    let llt = Llt::new(c.as_ref(), Side::Upper).map_err(|_| {
        CoreError::Numerical("the GP covariance matrix is not positive definite".into())
    })?;
    drop(c);
    let mut rhs = Mat::from_fn(n, 1, |i, _| y[i]);
    llt.solve_in_place(rhs.as_mut());
    let a: Vec<f64> = (0..n).map(|i| rhs[(i, 0)]).collect();
    if a.iter().any(|v| !v.is_finite()) {
        return Err(CoreError::Numerical(
            "the GP covariance matrix is numerically singular".into(),
        ));
    }
    let l = llt.L();
    let logdet_half: f64 = (0..n).map(|i| l[(i, i)].ln()).sum();
    let quad: f64 = y.iter().zip(&a).map(|(u, v)| u * v).sum();
    let value = -logdet_half - 0.5 * quad;

    let cinv = llt.inverse();
    let mut grad = vec![0.0; d + 2];
    // Diagonal: K_ii = s, dK_ii/dils = 0, dC_ii/dnoise = 1.
    let diag: f64 = (0..n).map(|i| a[i] * a[i] - cinv[(i, i)]).sum();
    // Off-diagonal pairs count twice; the 1/2 of eq. 5.9 cancels. `r2` becomes the weight
    // of each pair's squared differences in the lengthscale gradients.
    let mut dscale = 0.0;
    let mut p = 0;
    for i in 0..n {
        let col = cinv.col_as_slice(i);
        let ai = a[i];
        for j in 0..i {
            let w = ai * a[j] - col[j];
            dscale += w * m[p];
            r2[p] *= w * s;
            p += 1;
        }
    }
    for k in 0..d {
        grad[k] = r2.iter().zip(diffs.block(k)).map(|(u, v)| u * v).sum();
    }
    grad[d] = 0.5 * diag + dscale;
    grad[d + 1] = 0.5 * diag;
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
    map_loss_cached(&PairDiffs::new(inputs), y, raw, noise, grad)
}

/// [`map_loss`] on precomputed pair differences (the fit's inner loop).
pub fn map_loss_cached(
    diffs: &PairDiffs,
    y: &[f64],
    raw: &[f64],
    noise: &NoiseModel,
    grad: &mut [f64],
) -> CoreResult<f64> {
    let d = diffs.d;
    let params = noise.params_from_raw(raw);
    let (mll, gm) = log_marginal_likelihood_cached(diffs, y, &params)?;
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
