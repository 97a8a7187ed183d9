//! The GP conditioned on running trials (Optuna's `ConditionalGPRegressor`): Monte-Carlo
//! fantasies at the running points from their joint posterior, then each candidate's
//! posterior conditioned on every fantasy (Gaussian conditioning, R&W 2006 eq. A.6).

use std::sync::Arc;

use faer::{Mat, MatRef};

use super::likelihood::cholesky;
use super::model::GpModel;
use crate::error::{CoreError, CoreResult};

/// Running trials folded into one GP by Monte-Carlo fantasies (Optuna's
/// `ConditionalGPRegressor`): joint samples at the running points, then the candidate's
/// posterior conditioned on each.
#[derive(Clone, Debug)]
pub struct ConditionalGp {
    model: Arc<GpModel>,
    x_running: Vec<f64>,
    pub(crate) r: usize,
    /// `S` standard normal draws for the candidate.
    pub(crate) z_candidate: Vec<f64>,
    /// Fantasy values at the running points, `S x r`.
    pub(crate) fantasies: Vec<f64>,
    /// `Sigma_rr^-1 (F - mu_r)^T`, `r x S` (row-major).
    b: Vec<f64>,
    /// `Sigma_rr^-1`, `r x r`.
    srr_inv: Vec<f64>,
    /// `C^-1 K(X, X_r)`, `n x r` (row-major).
    v_r: Vec<f64>,
    stab: f64,
}

impl ConditionalGp {
    /// Condition `model` on `r` running points given `S x (r + 1)` standard normal samples.
    pub fn new(
        model: Arc<GpModel>,
        x_running: Vec<f64>,
        samples: &[f64],
        n_samples: usize,
        stab: f64,
    ) -> CoreResult<Self> {
        let d = model.dim();
        let r = x_running.len() / d.max(1);
        if x_running.len() != r * d || r == 0 {
            return Err(CoreError::ShapeMismatch(
                "running points must be a non-empty (r, d) array".into(),
            ));
        }
        let w = r + 1;
        if samples.len() != n_samples * w {
            return Err(CoreError::ShapeMismatch(format!(
                "qmc samples must have shape ({n_samples}, {w})"
            )));
        }
        let (mu_r, mut cov) = model.joint_posterior(&x_running, r);
        for i in 0..r {
            cov[i * r + i] += stab;
        }
        let llt = cholesky(&cov, r)?;
        let l = llt.L();
        let mut fantasies = vec![0.0; n_samples * r];
        for s in 0..n_samples {
            for i in 0..r {
                let mut v = mu_r[i];
                for j in 0..=i {
                    v += l[(i, j)] * samples[s * w + j];
                }
                fantasies[s * r + i] = v;
            }
        }
        let srr_inv_m = {
            use faer::linalg::solvers::DenseSolveCore;
            llt.inverse()
        };
        let srr_inv: Vec<f64> = (0..r * r).map(|k| srr_inv_m[(k / r, k % r)]).collect();
        let mut b = vec![0.0; r * n_samples];
        for i in 0..r {
            for s in 0..n_samples {
                let mut v = 0.0;
                for j in 0..r {
                    v += srr_inv[i * r + j] * (fantasies[s * r + j] - mu_r[j]);
                }
                b[i * n_samples + s] = v;
            }
        }
        let n = model.n();
        let k_xr = model.kernel(&model.inputs().x, n, &x_running, r);
        let kt = MatRef::from_row_major_slice(&k_xr, n, r);
        let vr: Mat<f64> = model.cinv() * kt;
        let v_r: Vec<f64> = (0..n * r).map(|k| vr[(k / r, k % r)]).collect();
        let z_candidate = (0..n_samples).map(|s| samples[s * w + r]).collect();
        Ok(Self {
            model,
            x_running,
            r,
            z_candidate,
            fantasies,
            b,
            srr_inv,
            v_r,
            stab,
        })
    }

    /// Fantasy values at the running points, `S x r`.
    pub fn fantasies(&self) -> &[f64] {
        &self.fantasies
    }

    /// The candidate's `S` conditional samples at `x`, and when `grad` is given (`S x d`),
    /// their gradients.
    pub fn sample(&self, x: &[f64], grad: Option<&mut [f64]>) -> Vec<f64> {
        let (n, d, r) = (self.model.n(), self.model.dim(), self.r);
        let s_n = self.z_candidate.len();
        let want = grad.is_some();
        let mut dmu = vec![0.0; d];
        let mut dvar = vec![0.0; d];
        let (mu, var) = if want {
            self.model.posterior_grad(x, Some((&mut dmu, &mut dvar)))
        } else {
            self.model.posterior_grad(x, None)
        };
        let mut k_r = vec![0.0; r];
        let mut dk_r = if want { vec![0.0; r * d] } else { Vec::new() };
        self.model.kernel_vec(
            x,
            &self.x_running,
            r,
            &mut k_r,
            want.then_some(&mut dk_r[..]),
        );
        let mut k_x = vec![0.0; n];
        let mut dk_x = if want { vec![0.0; n * d] } else { Vec::new() };
        self.model.kernel_vec(
            x,
            &self.model.inputs().x,
            n,
            &mut k_x,
            want.then_some(&mut dk_x[..]),
        );
        // c = k(x, X_r) - k(x, X) C^-1 K(X, X_r): the posterior cross-covariance.
        let mut c = k_r.clone();
        for i in 0..n {
            for j in 0..r {
                c[j] -= k_x[i] * self.v_r[i * r + j];
            }
        }
        let w: Vec<f64> = (0..r)
            .map(|i| (0..r).map(|j| self.srr_inv[i * r + j] * c[j]).sum())
            .collect();
        let cw: f64 = c.iter().zip(&w).map(|(a, b)| a * b).sum();
        let cvar_raw = var + self.stab - cw;
        let cvar = cvar_raw.max(0.0);
        let sd = cvar.sqrt();
        let mut out = vec![0.0; s_n];
        for s in 0..s_n {
            let mut m = mu;
            for j in 0..r {
                m += c[j] * self.b[j * s_n + s];
            }
            out[s] = m + sd * self.z_candidate[s];
        }
        if let Some(g) = grad {
            // dc = dk(x, X_r) - V_r^T dk(x, X), r x d.
            let mut dc = dk_r;
            for i in 0..n {
                for j in 0..r {
                    let v = self.v_r[i * r + j];
                    for k in 0..d {
                        dc[j * d + k] -= v * dk_x[i * d + k];
                    }
                }
            }
            let mut dcvar = dvar.clone();
            if cvar_raw > 0.0 {
                for j in 0..r {
                    for k in 0..d {
                        dcvar[k] -= 2.0 * w[j] * dc[j * d + k];
                    }
                }
            } else {
                dcvar.iter_mut().for_each(|v| *v = 0.0);
            }
            for s in 0..s_n {
                let gs = &mut g[s * d..(s + 1) * d];
                gs.copy_from_slice(&dmu);
                for j in 0..r {
                    let bj = self.b[j * s_n + s];
                    for k in 0..d {
                        gs[k] += bj * dc[j * d + k];
                    }
                }
                if sd > 0.0 {
                    let f = self.z_candidate[s] / (2.0 * sd);
                    for k in 0..d {
                        gs[k] += f * dcvar[k];
                    }
                }
            }
        }
        out
    }
}
