//! Building a Parzen estimator from observations: weights, bandwidths, per-kernel
//! constants and the matrix-product coefficients.

use rayon::prelude::*;

use super::kernel::sigmas_from_sorted;
use super::pool::{give_buf, give_pairs, take_pairs};
use super::{
    categorical_masses, kernel_log_norm, take_buf, CategoricalDim, Dim, Gemm, NumericDim,
    ParamSpec, ParzenConfig, ParzenEstimator, SortedColumn, GEMM_MIN_KERNELS, PAR_BUILD_THRESHOLD,
};
use crate::error::{CoreError, CoreResult};

/// Observations of the large set, given through incrementally sorted columns.
pub struct IndexedObservations<'a> {
    /// Per dimension, the internal value of every history row (NaN if missing).
    pub columns: Vec<&'a [f64]>,
    /// Per dimension, the incrementally sorted column (`None` to sort here); its per-row
    /// cache of truncation masses is reused across calls.
    pub sorted: Vec<Option<&'a mut SortedColumn>>,
    /// History rows that are kernels, in kernel order.
    pub rows: &'a [u32],
    /// Unnormalised weight of each kernel in `rows`.
    pub row_weights: &'a [f64],
    /// Extra observations not in the history (e.g. running trials), `(r, d)` row-major.
    pub extra: &'a [f64],
    /// Unnormalised weight of each extra observation.
    pub extra_weights: &'a [f64],
}

pub(super) fn check_weights(w: &[f64]) -> CoreResult<()> {
    if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return Err(CoreError::InvalidArgument(
            "weights must be finite and non-negative".into(),
        ));
    }
    Ok(())
}

/// Normalised mixture weights: observation weights followed by the prior weight.
pub(super) fn mixture_weights(obs_w: &[f64], prior_weight: f64) -> CoreResult<Vec<f64>> {
    check_weights(obs_w)?;
    if !(prior_weight.is_finite() && prior_weight >= 0.0) {
        return Err(CoreError::InvalidArgument(format!(
            "prior_weight must be non-negative, got {prior_weight}"
        )));
    }
    if obs_w.is_empty() {
        return Ok(vec![1.0]);
    }
    let mut w: Vec<f64> = obs_w.to_vec();
    w.push(prior_weight);
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return Err(CoreError::InvalidArgument("weights sum to zero".into()));
    }
    w.iter_mut().for_each(|v| *v /= total);
    Ok(w)
}

/// A dimension's rows `(quadratic, linear)` of the matrix-product coefficients.
type CoefRows<'a> = (Option<&'a mut [f64]>, Option<&'a mut [f64]>);

/// One dimension's share of a built estimator.
struct DimBuild {
    dim: Dim,
    /// Added to every kernel's log constant.
    part: Vec<f64>,
    /// The matrix-product expansion's kernel part (`-sum mu^2 / (2 s^2)`), when computed.
    gemm_part: Option<Vec<f64>>,
    /// Whether this dim admits the expansion (continuous with bandwidths >= 1e-3 range).
    gemm_ok: bool,
}

/// What every dimension of [`ParzenEstimator::from_indexed`] reads.
struct DimContext<'a> {
    specs: &'a [ParamSpec],
    columns: &'a [&'a [f64]],
    rows: &'a [u32],
    extra: &'a [f64],
    n_rows: usize,
    n_obs: usize,
    n_kernels: usize,
    kernel_of_row: &'a [u32],
    cfg: &'a ParzenConfig,
}

impl DimContext<'_> {
    fn value(&self, j: usize, k: usize) -> f64 {
        if k < self.n_rows {
            self.columns[j][self.rows[k] as usize]
        } else {
            self.extra[(k - self.n_rows) * self.specs.len() + j]
        }
    }

    /// Kernels of dimension `j`; `quad` / `lin` receive its rows of the matrix-product
    /// coefficients (see [`Gemm`]) when the estimator is large enough to use it.
    fn build(
        &self,
        j: usize,
        sorted: Option<&mut SortedColumn>,
        quad: Option<&mut [f64]>,
        lin: Option<&mut [f64]>,
    ) -> CoreResult<DimBuild> {
        let spec = &self.specs[j];
        let (n_obs, n_rows, n_kernels, cfg) = (self.n_obs, self.n_rows, self.n_kernels, self.cfg);
        if spec.is_categorical() {
            let c = spec.n_choices;
            let mut idx = Vec::with_capacity(n_kernels);
            for k in 0..n_obs {
                let v = self.value(j, k);
                if !(v >= 0.0 && (v as usize) < c && v.fract() == 0.0) {
                    return Err(CoreError::InvalidArgument(format!(
                        "categorical observation {v} out of range for {c} choices"
                    )));
                }
                idx.push(v as i64);
            }
            idx.push(-1);
            let (lp_hit, lp_miss, lp_prior, base) = categorical_masses(c, cfg.prior_weight, n_obs);
            let mut part = take_buf(n_kernels, base);
            part[n_kernels - 1] = lp_prior;
            return Ok(DimBuild {
                dim: Dim::Categorical(CategoricalDim {
                    idx,
                    n_choices: c,
                    lp_hit,
                    lp_miss,
                    lp_prior,
                    base,
                }),
                part,
                gemm_part: None,
                gemm_ok: false,
            });
        }
        let (lo, hi) = spec.adapted_bounds();
        let mut mu = take_buf(0, 0.0);
        if n_rows > 0 {
            let col = self.columns[j];
            mu.extend(self.rows.iter().map(|&r| col[r as usize]));
        }
        mu.extend((n_rows..n_obs).map(|k| self.value(j, k)));
        if let Some(k) = mu.iter().position(|v| v.is_nan()) {
            return Err(CoreError::InvalidArgument(format!(
                "observation {k} has no value for column {j}"
            )));
        }
        // A separate loop: folded into the one above, the compiler evaluates `ln`
        // speculatively for every value even when the parameter is not log-scaled.
        if spec.log {
            mu.iter_mut().for_each(|v| *v = v.ln());
        }
        let mut sigma = take_buf(n_kernels, 0.0);
        if n_obs > 0 {
            let mut pairs = take_pairs();
            match sorted.as_deref() {
                Some(sc) => {
                    let mut extra: Vec<(f64, u32)> =
                        (n_rows..n_obs).map(|k| (mu[k], k as u32)).collect();
                    extra.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let mut e = 0;
                    for &(_, r) in &sc.entries {
                        let k = self.kernel_of_row[r as usize];
                        if k == u32::MAX {
                            continue;
                        }
                        let t = mu[k as usize];
                        while e < extra.len() && extra[e].0 < t {
                            pairs.push(extra[e]);
                            e += 1;
                        }
                        pairs.push((t, k));
                    }
                    pairs.extend_from_slice(&extra[e..]);
                    if pairs.len() != n_obs {
                        return Err(CoreError::InvalidArgument(format!(
                            "sorted column {j} does not cover the selected rows"
                        )));
                    }
                }
                None => {
                    pairs.extend(mu.iter().enumerate().map(|(k, &m)| (m, k as u32)));
                    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                }
            }
            sigmas_from_sorted(&pairs, lo, hi, cfg, &mut sigma);
            give_pairs(pairs);
        }
        mu.push(0.5 * (lo + hi));
        sigma[n_kernels - 1] = hi - lo;
        let mut inv_sigma = take_buf(0, 0.0);
        inv_sigma.extend(sigma.iter().map(|s| 1.0 / s));
        // Per kernel: log truncation mass (+ log sigma + log sqrt(2 pi) when continuous),
        // reused from the column's per-row cache when the kernel's bandwidth is unchanged
        // since the previous call (the common case).
        let continuous = spec.step == 0.0;
        let kernel_part =
            |k: usize| -> f64 { kernel_log_norm(spec, lo, hi, mu[k], sigma[k], inv_sigma[k]) };
        let key = [
            lo.to_bits(),
            hi.to_bits(),
            u64::from(spec.log) | (u64::from(continuous) << 1),
        ];
        let mut part = take_buf(n_kernels, 0.0);
        match sorted {
            Some(sc) => {
                sc.prepare_cache(key);
                for (k, p) in part.iter_mut().enumerate() {
                    let c = if k < n_rows {
                        let row = self.rows[k] as usize;
                        let (cs, cm) = sc.cache[row];
                        if cs == sigma[k] {
                            cm
                        } else {
                            let c = kernel_part(k);
                            sc.cache[row] = (sigma[k], c);
                            c
                        }
                    } else {
                        kernel_part(k)
                    };
                    *p = -c;
                }
            }
            None => {
                for (k, p) in part.iter_mut().enumerate() {
                    *p = -kernel_part(k);
                }
            }
        }
        let mut gemm_part = None;
        let mut gemm_ok = false;
        if let (Some(quad), Some(lin)) = (quad, lin) {
            let floor = 1e-3 * (hi - lo);
            gemm_ok = sigma.iter().all(|&s| !s.is_nan() && s >= floor);
            if gemm_ok {
                let c = 0.5 * (lo + hi);
                let mut gp = take_buf(n_kernels, 0.0);
                for k in 0..n_kernels {
                    let is2 = inv_sigma[k] * inv_sigma[k];
                    let m = mu[k] - c;
                    quad[k] = -0.5 * is2;
                    lin[k] = is2 * m;
                    gp[k] = -0.5 * is2 * m * m;
                }
                gemm_part = Some(gp);
            }
        }
        Ok(DimBuild {
            dim: Dim::Numeric(NumericDim {
                mu,
                sigma,
                inv_sigma,
                lo,
                hi,
            }),
            part,
            gemm_part,
            gemm_ok,
        })
    }
}

impl ParzenEstimator {
    /// Number of kernels including the prior.
    pub fn n_kernels(&self) -> usize {
        self.weights.len()
    }

    /// Build from a dense `(n, d)` row-major matrix of internal values.
    pub fn from_matrix(
        specs: &[ParamSpec],
        obs: &[f64],
        weights: &[f64],
        cfg: &ParzenConfig,
    ) -> CoreResult<Self> {
        let d = specs.len();
        let n = weights.len();
        if obs.len() != n * d {
            return Err(CoreError::ShapeMismatch(format!(
                "observations have {} values, expected {n} x {d}",
                obs.len()
            )));
        }
        let columns: Vec<Vec<f64>> = (0..d)
            .map(|j| (0..n).map(|i| obs[i * d + j]).collect())
            .collect();
        let col_refs: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
        let rows: Vec<u32> = (0..n as u32).collect();
        let indexed = IndexedObservations {
            columns: col_refs,
            sorted: (0..d).map(|_| None).collect(),
            rows: &rows,
            row_weights: weights,
            extra: &[],
            extra_weights: &[],
        };
        Self::from_indexed(specs, indexed, cfg)
    }

    /// Build from history columns, selected rows and extra observations.
    pub fn from_indexed(
        specs: &[ParamSpec],
        mut obs: IndexedObservations<'_>,
        cfg: &ParzenConfig,
    ) -> CoreResult<Self> {
        let d = specs.len();
        for (j, s) in specs.iter().enumerate() {
            s.validate(j)?;
        }
        if obs.columns.len() != d || obs.sorted.len() != d {
            return Err(CoreError::ShapeMismatch(format!(
                "expected {d} columns, got {} (sorted: {})",
                obs.columns.len(),
                obs.sorted.len()
            )));
        }
        if obs.rows.len() != obs.row_weights.len() {
            return Err(CoreError::ShapeMismatch(
                "rows and row_weights differ".into(),
            ));
        }
        for sc in obs.sorted.iter_mut().flatten() {
            sc.settle();
        }
        let n_extra = obs.extra_weights.len();
        if obs.extra.len() != n_extra * d {
            return Err(CoreError::ShapeMismatch(format!(
                "extra observations have {} values, expected {n_extra} x {d}",
                obs.extra.len()
            )));
        }
        let n_rows_total = obs.columns.first().map_or(0, |c| c.len());
        if obs.columns.iter().any(|c| c.len() != n_rows_total) {
            return Err(CoreError::ShapeMismatch("columns differ in length".into()));
        }
        if obs.rows.iter().any(|&r| r as usize >= n_rows_total) {
            return Err(CoreError::InvalidArgument("row index out of range".into()));
        }
        let n_rows = obs.rows.len();
        let n_obs = n_rows + n_extra;
        let mut obs_w = Vec::with_capacity(n_obs);
        obs_w.extend_from_slice(obs.row_weights);
        obs_w.extend_from_slice(obs.extra_weights);
        let weights = mixture_weights(&obs_w, cfg.prior_weight)?;
        let n_kernels = weights.len();

        // Kernel index of each history row (u32::MAX: not a kernel); only needed for
        // sorted columns.
        let need_map = obs.sorted.iter().any(|s| s.is_some());
        let mut kernel_of_row = Vec::new();
        if need_map {
            kernel_of_row = vec![u32::MAX; n_rows_total];
            for (k, &r) in obs.rows.iter().enumerate() {
                kernel_of_row[r as usize] = k as u32;
            }
        }

        // Continuous dims go through the matrix product when there are enough kernels;
        // each gets its rows of the coefficient matrix up front so that dims build in
        // parallel without sharing anything mutable.
        let cont: Vec<usize> = (0..d)
            .filter(|&j| !specs[j].is_categorical() && specs[j].step == 0.0)
            .collect();
        let dc = cont.len();
        let want_gemm = dc > 0 && n_kernels >= GEMM_MIN_KERNELS;
        let mut coef = if want_gemm {
            take_buf(2 * dc * n_kernels, 0.0)
        } else {
            Vec::new()
        };
        let mut rows_of_dim: Vec<CoefRows<'_>> = (0..d).map(|_| (None, None)).collect();
        if want_gemm {
            let (quad, lin) = coef.split_at_mut(dc * n_kernels);
            for ((&j, q), l) in cont
                .iter()
                .zip(quad.chunks_mut(n_kernels))
                .zip(lin.chunks_mut(n_kernels))
            {
                rows_of_dim[j] = (Some(q), Some(l));
            }
        }
        let ctx = DimContext {
            specs,
            columns: &obs.columns,
            rows: obs.rows,
            extra: obs.extra,
            n_rows,
            n_obs,
            n_kernels,
            kernel_of_row: &kernel_of_row,
            cfg,
        };
        let jobs: Vec<_> = std::mem::take(&mut obs.sorted)
            .into_iter()
            .zip(rows_of_dim)
            .enumerate()
            .collect();
        let built: Vec<CoreResult<DimBuild>> = if n_kernels * d >= PAR_BUILD_THRESHOLD {
            jobs.into_par_iter()
                .map(|(j, (sc, (q, l)))| ctx.build(j, sc, q, l))
                .collect()
        } else {
            jobs.into_iter()
                .map(|(j, (sc, (q, l)))| ctx.build(j, sc, q, l))
                .collect()
        };
        let mut dims = Vec::with_capacity(d);
        let mut parts = Vec::with_capacity(d);
        let mut gemm_ok = want_gemm;
        for b in built {
            let b = b?;
            gemm_ok &= b.gemm_ok;
            dims.push(b.dim);
            parts.push((b.part, b.gemm_part));
        }
        // constant_k = log w_k + sum_d part_dk (+ the expansion's kernel part).
        let mut constant: Vec<f64> = take_buf(0, 0.0);
        constant.extend(weights.iter().map(|w| w.ln()));
        for (part, gemm_part) in &parts {
            for (c, p) in constant.iter_mut().zip(part) {
                *c += p;
            }
            if gemm_ok {
                if let Some(gp) = gemm_part {
                    for (c, p) in constant.iter_mut().zip(gp) {
                        *c += p;
                    }
                }
            }
        }
        for (part, gemm_part) in parts {
            give_buf(part);
            if let Some(gp) = gemm_part {
                give_buf(gp);
            }
        }
        let gemm = if gemm_ok {
            let centre = cont
                .iter()
                .map(|&j| {
                    let (lo, hi) = specs[j].adapted_bounds();
                    0.5 * (lo + hi)
                })
                .collect();
            Some(Gemm {
                floor: None,
                dims: cont,
                centre,
                coef,
                kernel_major: false,
            })
        } else {
            give_buf(coef);
            None
        };
        Ok(Self {
            specs: specs.to_vec(),
            dims,
            weights,
            constant,
            gemm,
        })
    }
}
