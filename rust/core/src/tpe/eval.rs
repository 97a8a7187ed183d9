//! Evaluating a Parzen estimator: the log-density at candidate points.

use rayon::prelude::*;

use super::math::{log_sum_exp, log_sum_exp_rows, top_k};
use super::pool::give_buf;
use super::{
    exp_neg, fused, take_buf, Dim, ParzenEstimator, BLOCK, FUSED_PAR_THRESHOLD, GEMM_GROUP, GROUP,
    LSE_CUTOFF, PAR_THRESHOLD,
};
use crate::error::{CoreError, CoreResult};
use crate::truncnorm::{log_gauss_mass, norm_logpdf};

impl ParzenEstimator {
    /// Log-density at each row of `x` (`(m, d)` row-major, internal values).
    pub fn log_pdf(&self, x: &[f64]) -> CoreResult<Vec<f64>> {
        let d = self.specs.len();
        if d == 0 {
            return Err(CoreError::InvalidArgument("empty search space".into()));
        }
        if !x.len().is_multiple_of(d) {
            return Err(CoreError::ShapeMismatch(format!(
                "{} values is not a multiple of {d} columns",
                x.len()
            )));
        }
        let m = x.len() / d;
        let work = m * self.n_kernels() * d;
        if let Some(gm) = self.gemm.as_ref().filter(|gm| gm.dims.len() == d) {
            // Every dim continuous: the fused matrix-product + log-sum-exp pass.
            let u: Vec<f64> = x
                .chunks(d)
                .flat_map(|xi| {
                    gm.dims
                        .iter()
                        .enumerate()
                        .map(|(i, &j)| self.specs[j].transform(xi[j]) - gm.centre[i])
                })
                .collect();
            let support: Vec<bool> = x.chunks(d).map(|xi| self.in_support(xi)).collect();
            return Ok(fused::log_pdf(
                gm,
                &self.constant,
                &u,
                &support,
                work >= FUSED_PAR_THRESHOLD,
            ));
        }
        let chunk = d * if self.gemm.is_some() {
            GEMM_GROUP
        } else {
            GROUP
        };
        if work >= PAR_THRESHOLD && m > GROUP {
            let parts: Vec<Vec<f64>> = x.par_chunks(chunk).map(|c| self.log_pdf_group(c)).collect();
            Ok(parts.concat())
        } else {
            Ok(x.chunks(chunk)
                .flat_map(|c| self.log_pdf_group(c))
                .collect())
        }
    }

    /// Exact value of one kernel's log term (weight included) at `x`.
    pub(super) fn kernel_value(&self, k: usize, x: &[f64]) -> f64 {
        let mut v = self.constant[k];
        let n = self.constant.len();
        let mut in_gemm = vec![false; self.dims.len()];
        if let Some(gm) = &self.gemm {
            // The constant holds the expansion's kernel part: use the same expansion.
            let dc = gm.dims.len();
            for (i, &j) in gm.dims.iter().enumerate() {
                let u = self.specs[j].transform(x[j]) - gm.centre[i];
                v += u * u * gm.at(i, k, n) + u * gm.at(dc + i, k, n);
                in_gemm[j] = true;
            }
        }
        for (j, dim) in self.dims.iter().enumerate() {
            if !in_gemm[j] {
                v += self.dim_term(j, dim, k, x[j]);
            }
        }
        v
    }

    /// The `x`-dependent log term of kernel `k` in dimension `j` (constants excluded).
    #[inline]
    fn dim_term(&self, j: usize, dim: &Dim, k: usize, xj: f64) -> f64 {
        match dim {
            Dim::Numeric(nd) => {
                let spec = &self.specs[j];
                let is = nd.inv_sigma[k];
                if spec.step == 0.0 {
                    let z = (spec.transform(xj) - nd.mu[k]) * is;
                    -0.5 * z * z
                } else {
                    let half = 0.5 * spec.step;
                    let (l, r) = (spec.transform(xj - half), spec.transform(xj + half));
                    log_gauss_mass((l - nd.mu[k]) * is, (r - nd.mu[k]) * is)
                }
            }
            Dim::Categorical(cd) => {
                if cd.idx[k] < 0 {
                    0.0
                } else if cd.idx[k] == xj as i64 {
                    cd.lp_hit - cd.base
                } else {
                    cd.lp_miss - cd.base
                }
            }
        }
    }

    /// Whether `x` lies in the support (bounds and choice indices).
    pub(super) fn in_support(&self, x: &[f64]) -> bool {
        self.dims.iter().enumerate().all(|(j, dim)| match dim {
            Dim::Numeric(nd) => {
                let spec = &self.specs[j];
                let (lo, hi) = if spec.step == 0.0 {
                    (nd.lo, nd.hi)
                } else {
                    (spec.transform(spec.low), spec.transform(spec.high))
                };
                let t = spec.transform(x[j]);
                !t.is_nan() && t >= lo && t <= hi
            }
            Dim::Categorical(cd) => x[j] >= 0.0 && (x[j] as usize) < cd.n_choices,
        })
    }

    fn split_dims(&self) -> (Vec<usize>, Vec<usize>) {
        let mut cont: Vec<usize> = Vec::new();
        let mut disc: Vec<usize> = Vec::new();
        for (j, dim) in self.dims.iter().enumerate() {
            if let Dim::Numeric(_) = dim {
                if self.specs[j].step == 0.0 {
                    cont.push(j);
                } else {
                    disc.push(j);
                }
            }
        }
        (cont, disc)
    }

    /// Add the categorical terms of point `x` to `a` (which holds the constants).
    fn add_categorical(&self, x: &[f64], a: &mut [f64]) {
        for (j, dim) in self.dims.iter().enumerate() {
            if let Dim::Categorical(cd) = dim {
                let ci = x[j] as i64;
                let hit = cd.lp_hit - cd.base;
                let miss = cd.lp_miss - cd.base;
                let n_obs = cd.idx.len() - 1;
                for (v, &idx) in a[..n_obs].iter_mut().zip(&cd.idx[..n_obs]) {
                    *v += if idx == ci { hit } else { miss };
                }
            }
        }
    }

    /// Log-density at up to `GROUP` points (`xs` row-major), continuous dims evaluated
    /// directly in cache-sized kernel blocks (vectorisable).
    fn log_pdf_group(&self, xs: &[f64]) -> Vec<f64> {
        let d = self.specs.len();
        let g = xs.len() / d;
        let n = self.n_kernels();
        let points: Vec<&[f64]> = xs.chunks(d).collect();
        let mut acc = take_buf(g * n, 0.0);
        let (cont, disc) = self.split_dims();
        for (c, x) in points.iter().enumerate() {
            let a = &mut acc[c * n..(c + 1) * n];
            a.copy_from_slice(&self.constant);
            self.add_categorical(x, a);
        }
        if self.gemm.is_none() {
            for start in (0..n).step_by(BLOCK) {
                let end = (start + BLOCK).min(n);
                for &j in &cont {
                    let Dim::Numeric(nd) = &self.dims[j] else {
                        unreachable!("continuous dims are numeric")
                    };
                    let mu = &nd.mu[start..end];
                    let is = &nd.inv_sigma[start..end];
                    for (c, x) in points.iter().enumerate() {
                        let t = self.specs[j].transform(x[j]);
                        let a = &mut acc[c * n + start..c * n + end];
                        for ((v, &m), &s) in a.iter_mut().zip(mu).zip(is) {
                            let z = (t - m) * s;
                            *v -= 0.5 * z * z;
                        }
                    }
                }
            }
        } else if let Some(gm) = &self.gemm {
            // acc += [u^2, u] . coef  (one matrix product for the group).
            let dc = gm.dims.len();
            let mut lhs = vec![0.0; g * 2 * dc];
            for (c, x) in points.iter().enumerate() {
                for (i, &j) in gm.dims.iter().enumerate() {
                    let u = self.specs[j].transform(x[j]) - gm.centre[i];
                    lhs[c * 2 * dc + i] = u * u;
                    lhs[c * 2 * dc + dc + i] = u;
                }
            }
            let lhs = faer::MatRef::from_row_major_slice(&lhs, g, 2 * dc);
            let rhs = if gm.kernel_major {
                faer::MatRef::from_column_major_slice(&gm.coef, 2 * dc, n)
            } else {
                faer::MatRef::from_row_major_slice(&gm.coef, 2 * dc, n)
            };
            let dst = faer::MatMut::from_row_major_slice_mut(&mut acc, g, n);
            faer::linalg::matmul::matmul(dst, faer::Accum::Add, lhs, rhs, 1.0, faer::Par::Seq);
            // faer's AVX kernels can return with the upper vector state dirty.
            crate::simd::clear_upper_simd_state();
        }
        let mut alive: Vec<u32> = Vec::new();
        let out = if disc.is_empty() {
            // Continuous and categorical dims only: the rows' log-sum-exps together.
            let lse = log_sum_exp_rows(&acc[..g * n], n);
            points
                .iter()
                .zip(lse)
                .map(|(x, v)| {
                    if self.in_support(x) {
                        v
                    } else {
                        f64::NEG_INFINITY
                    }
                })
                .collect()
        } else {
            points
                .iter()
                .enumerate()
                .map(|(c, x)| self.finish(x, &mut acc[c * n..(c + 1) * n], &disc, &mut alive))
                .collect()
        };
        give_buf(acc);
        out
    }

    /// Log-density of `x` given `a` = constants + categorical + continuous terms.
    ///
    /// Stepped dims need a Gaussian cell mass per kernel; as every such term is <= 0, a
    /// kernel whose partial sum is already below `L - LSE_CUTOFF` (with `L` the exact
    /// value of some kernel, a lower bound of the maximum) cannot contribute and is
    /// skipped, after a cheap upper bound of its cell mass. Exact up to the cutoff.
    fn finish(&self, x: &[f64], a: &mut [f64], disc: &[usize], alive: &mut Vec<u32>) -> f64 {
        let n = a.len();
        if !self.in_support(x) {
            return f64::NEG_INFINITY;
        }
        if disc.is_empty() {
            return log_sum_exp(a);
        }
        let mut threshold = f64::NEG_INFINITY;
        for k in top_k(a, 4) {
            threshold = threshold.max(self.kernel_value(k, x) - LSE_CUTOFF);
        }
        alive.clear();
        alive.extend((0..n as u32).filter(|&k| a[k as usize] >= threshold));
        for &j in disc {
            let Dim::Numeric(nd) = &self.dims[j] else {
                unreachable!("stepped dims are numeric")
            };
            let spec = &self.specs[j];
            let half = 0.5 * spec.step;
            let (l, r) = (spec.transform(x[j] - half), spec.transform(x[j] + half));
            alive.retain(|&k| {
                let k = k as usize;
                let is = nd.inv_sigma[k];
                let (lo, hi) = ((l - nd.mu[k]) * is, (r - nd.mu[k]) * is);
                let nearest = if lo > 0.0 {
                    lo
                } else if hi < 0.0 {
                    hi
                } else {
                    0.0
                };
                // Cell mass <= width x largest density on the cell (and <= 1).
                let bound = f64::min(0.0, (hi - lo).ln() + norm_logpdf(nearest));
                if a[k] + bound < threshold {
                    return false;
                }
                a[k] += log_gauss_mass(lo, hi);
                a[k] >= threshold
            });
        }
        let m = alive
            .iter()
            .map(|&k| a[k as usize])
            .fold(f64::NEG_INFINITY, f64::max);
        if m == f64::NEG_INFINITY {
            return m;
        }
        let s: f64 = alive.iter().map(|&k| exp_neg(a[k as usize] - m)).sum();
        m + s.ln()
    }
}
