//! The fitted GP: posterior mean and variance at new points (R&W 2006, eq. 2.25-2.26)
//! and their gradients with respect to the point.

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, MatRef, Par};
use rayon::prelude::*;

use super::kernel::{kernel_matrix, matern52, sq_dist};
use super::likelihood::factorize;
use super::{Inputs, KernelParams};
use crate::error::{CoreError, CoreResult};

/// A GP conditioned on its training data, with `C^-1` and `C^-1 y` cached.
#[derive(Clone, Debug)]
pub struct GpModel {
    inputs: Inputs,
    params: KernelParams,
    alpha: Vec<f64>,
    /// `C^-1`, symmetric (row- and column-major alike).
    cinv: Vec<f64>,
    /// The Cholesky factor `L` of `C`.
    l: Mat<f64>,
}

/// Candidates per parallel chunk of a batched posterior.
const BATCH_CHUNK: usize = 256;

impl GpModel {
    /// Condition on `inputs`/`y` under `params` (fails if the covariance is singular).
    pub fn new(inputs: Inputs, y: &[f64], params: KernelParams) -> CoreResult<Self> {
        if y.len() != inputs.n {
            return Err(CoreError::ShapeMismatch(format!(
                "`y` must have {} entries, got {}",
                inputs.n,
                y.len()
            )));
        }
        if let Some(v) = y.iter().find(|v| !v.is_finite()) {
            return Err(CoreError::InvalidArgument(format!(
                "`y` must be finite, got {v}"
            )));
        }
        params.check(inputs.d)?;
        let fac = factorize(&inputs, y, &params)?;
        let l = fac.llt.L().to_owned();
        Ok(Self {
            inputs,
            params,
            alpha: fac.alpha,
            cinv: fac.cinv,
            l,
        })
    }

    /// The training inputs.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The kernel parameters.
    pub fn params(&self) -> &KernelParams {
        &self.params
    }

    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.inputs.d
    }

    /// Number of training points.
    pub fn n(&self) -> usize {
        self.inputs.n
    }

    /// `C^-1` as a matrix view.
    pub fn cinv(&self) -> MatRef<'_, f64> {
        MatRef::from_column_major_slice(&self.cinv, self.inputs.n, self.inputs.n)
    }

    /// Lengthscales `1 / sqrt(ils)`.
    pub fn lengthscales(&self) -> Vec<f64> {
        self.params
            .inverse_squared_lengthscales
            .iter()
            .map(|v| 1.0 / v.sqrt())
            .collect()
    }

    /// `K(x1, x2)`, row-major.
    pub fn kernel(&self, x1: &[f64], n1: usize, x2: &[f64], n2: usize) -> Vec<f64> {
        kernel_matrix(x1, n1, x2, n2, &self.inputs.is_categorical, &self.params)
    }

    /// `k(x, z_j)` for the `m` points `z`, and, when `grad` is given (`m x d`), its gradient
    /// in `x` (zero on categorical dimensions, where the distance is an indicator).
    pub fn kernel_vec(
        &self,
        x: &[f64],
        z: &[f64],
        m: usize,
        out: &mut [f64],
        grad: Option<&mut [f64]>,
    ) {
        let d = self.inputs.d;
        let ils = &self.params.inverse_squared_lengthscales;
        let cat = &self.inputs.is_categorical;
        let s = self.params.kernel_scale;
        match grad {
            None => {
                for j in 0..m {
                    out[j] = s * matern52(sq_dist(x, &z[j * d..(j + 1) * d], ils, cat)).0;
                }
            }
            Some(g) => {
                for j in 0..m {
                    let zj = &z[j * d..(j + 1) * d];
                    let (v, dv) = matern52(sq_dist(x, zj, ils, cat));
                    out[j] = s * v;
                    let c = 2.0 * s * dv;
                    let gj = &mut g[j * d..(j + 1) * d];
                    for k in 0..d {
                        gj[k] = if cat[k] {
                            0.0
                        } else {
                            c * ils[k] * (x[k] - zj[k])
                        };
                    }
                }
            }
        }
    }

    /// Posterior mean and variance at `x` (variance clamped at 0, as Optuna), with their
    /// gradients written into `dmean`/`dvar` when given.
    pub fn posterior_grad(&self, x: &[f64], grads: Option<(&mut [f64], &mut [f64])>) -> (f64, f64) {
        let (n, d) = (self.inputs.n, self.inputs.d);
        let mut k = vec![0.0; n];
        let mut dk = grads.as_ref().map(|_| vec![0.0; n * d]);
        self.kernel_vec(x, &self.inputs.x, n, &mut k, dk.as_deref_mut());
        let mean: f64 = k.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        let kc = MatRef::from_column_major_slice(&k, n, 1);
        let u: Mat<f64> = self.cinv() * kc;
        let mut var = self.params.kernel_scale;
        for i in 0..n {
            var -= k[i] * u[(i, 0)];
        }
        let clamped = var < 0.0;
        let var = var.max(0.0);
        if let (Some((dmean, dvar)), Some(dk)) = (grads, dk) {
            dmean.iter_mut().for_each(|v| *v = 0.0);
            dvar.iter_mut().for_each(|v| *v = 0.0);
            for i in 0..n {
                let (a, ui) = (self.alpha[i], -2.0 * u[(i, 0)]);
                let row = &dk[i * d..(i + 1) * d];
                for kk in 0..d {
                    dmean[kk] += a * row[kk];
                    dvar[kk] += ui * row[kk];
                }
            }
            if clamped {
                dvar.iter_mut().for_each(|v| *v = 0.0);
            }
        }
        (mean, var)
    }

    /// Posterior means and variances of `m` points (row-major `m x d`), batched:
    /// `var = s - |L^-1 k|^2` by one triangular solve per chunk, chunks in parallel.
    pub fn posterior_batch(&self, xs: &[f64], m: usize) -> (Vec<f64>, Vec<f64>) {
        let d = self.inputs.d;
        let mut means = vec![0.0; m];
        let mut vars = vec![0.0; m];
        xs.par_chunks(BATCH_CHUNK * d.max(1))
            .zip(means.par_chunks_mut(BATCH_CHUNK))
            .zip(vars.par_chunks_mut(BATCH_CHUNK))
            .for_each(|((x, mo), vo)| self.posterior_chunk(x, mo, vo));
        (means, vars)
    }

    fn posterior_chunk(&self, xs: &[f64], means: &mut [f64], vars: &mut [f64]) {
        let m = means.len();
        // V = K(train, xs), column-major n x m, then solve L V' = V in place.
        let mut v = self.cross_kernel(xs, m);
        for j in 0..m {
            let col = v.col_as_slice(j);
            means[j] = col.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        }
        solve_lower_triangular_in_place(self.l.as_ref(), v.as_mut(), Par::Seq);
        for j in 0..m {
            let q: f64 = v.col_as_slice(j).iter().map(|c| c * c).sum();
            vars[j] = (self.params.kernel_scale - q).max(0.0);
        }
    }

    /// `K(train, xs)` as a column-major `n x m` matrix. The training inputs are held
    /// dimension by dimension (scaled by `sqrt(ils)` on continuous dimensions), so that the
    /// squared distances of one candidate to all training points accumulate in contiguous,
    /// vectorisable passes, one per dimension.
    fn cross_kernel(&self, xs: &[f64], m: usize) -> Mat<f64> {
        let (n, d) = (self.inputs.n, self.inputs.d);
        let ils = &self.params.inverse_squared_lengthscales;
        let cat = &self.inputs.is_categorical;
        let scale: Vec<f64> = (0..d)
            .map(|k| if cat[k] { 1.0 } else { ils[k].sqrt() })
            .collect();
        let mut cols = vec![0.0; d * n];
        for i in 0..n {
            for k in 0..d {
                cols[k * n + i] = self.inputs.x[i * d + k] * scale[k];
            }
        }
        let s = self.params.kernel_scale;
        let mut out = Mat::<f64>::zeros(n, m);
        for j in 0..m {
            let col = out.col_as_slice_mut(j);
            let xj = &xs[j * d..(j + 1) * d];
            for k in 0..d {
                let t = &cols[k * n..(k + 1) * n];
                if cat[k] {
                    let w = ils[k];
                    for (r, &v) in col.iter_mut().zip(t) {
                        if v != xj[k] {
                            *r += w;
                        }
                    }
                } else {
                    let u = xj[k] * scale[k];
                    for (r, &v) in col.iter_mut().zip(t) {
                        *r += (v - u) * (v - u);
                    }
                }
            }
            for r in col.iter_mut() {
                *r = s * matern52(*r).0;
            }
        }
        out
    }

    /// Joint posterior of `m` points: means and the `m x m` covariance (row-major), its
    /// diagonal clamped at 0 as Optuna does.
    pub fn joint_posterior(&self, xs: &[f64], m: usize) -> (Vec<f64>, Vec<f64>) {
        let n = self.inputs.n;
        let kx = self.kernel(xs, m, &self.inputs.x, n);
        let kt = MatRef::from_column_major_slice(&kx, n, m);
        let u: Mat<f64> = self.cinv() * kt;
        let mut cov = self.kernel(xs, m, xs, m);
        let means: Vec<f64> = (0..m)
            .map(|j| {
                kx[j * n..(j + 1) * n]
                    .iter()
                    .zip(&self.alpha)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect();
        for a in 0..m {
            for b in 0..m {
                let mut v = 0.0;
                for i in 0..n {
                    v += kx[a * n + i] * u[(i, b)];
                }
                cov[a * m + b] -= v;
            }
            cov[a * m + a] = cov[a * m + a].max(0.0);
        }
        (means, cov)
    }
}
