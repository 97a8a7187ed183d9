//! The "above" Parzen estimator kept up to date across TPE trials.
//!
//! Between two trials the above set changes by a handful of rows (the newly finished
//! trial, and the trial that the below set pushed out), yet a rebuild costs O(n d) per
//! trial. Here every history row owns a fixed kernel slot; a row outside the set has log
//! weight `-inf`. A change touches only the kernels whose sorted neighbours changed
//! (Optuna 5.0's bandwidth of a kernel depends on its two neighbours in each dimension
//! and, once there are at least 98 observations, on nothing else), so a trial costs
//! O(changes x d log n) for the kernels plus one O(n) pass for the mixture weights. The
//! resulting densities equal [`ParzenEstimator::from_indexed`]'s up to the summation order
//! of the log-sum-exp (tested to 1e-9).
//!
//! Used only where that equivalence is exact by construction: magic clip on and at least
//! [`MIN_INCREMENTAL`] observations (so the bandwidth floor `range / 100` is fixed) and
//! no extra observations (running trials of the constant liar); otherwise the caller
//! builds from scratch.

use super::{
    categorical_masses, fused, kernel_log_norm, sigma_between, take_buf, CategoricalDim, Dim,
    Floor, Gemm, NumericDim, ParamSpec, ParzenConfig, ParzenEstimator,
};
use crate::error::{CoreError, CoreResult};
use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Unbounded};

/// A `u64` that orders like `f64::total_cmp`.
#[inline]
fn order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// Inverse of [`order_key`].
#[inline]
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Observations from which the bandwidth floor no longer depends on their number:
/// `min(100, 1 + (n + 1)) = 100` for `n >= 98`.
pub const MIN_INCREMENTAL: usize = 98;

/// Per numerical dimension: sorted centres of the kernels in the set and per-slot parts.
#[derive(Debug, Clone, Default)]
struct NumericState {
    /// `(order key of the centre, slot)` of the kernels in the set (see [`order_key`]); a
    /// tree, so that a change costs O(log n) rather than a shift of the whole column.
    sorted: BTreeSet<(u64, u32)>,
    /// Per slot: this dimension's share of the kernel's log constant.
    part: Vec<f64>,
}

/// The above estimator of one study and search space, updated in place.
#[derive(Debug)]
pub struct IncrementalAbove {
    specs: Vec<ParamSpec>,
    cfg: ParzenConfig,
    /// Built estimator: kernel `k < n_slots` is history row `k`, the last is the prior.
    est: Option<ParzenEstimator>,
    numeric: Vec<NumericState>,
    /// Per slot: whether the row is in the set.
    active: Vec<bool>,
    n_active: usize,
    /// Per slot: sum over numerical dims of `part` (without weight or categorical terms).
    shape: Vec<f64>,
    /// The prior kernel's `shape`.
    prior_shape: f64,
    /// Per history row: the last `generation` that listed it (repeat and membership
    /// checks without a fresh mask per call).
    stamp: Vec<u32>,
    generation: u32,
}

impl IncrementalAbove {
    /// An empty state for `specs` (no estimator until the first [`Self::update`]).
    pub fn new(specs: &[ParamSpec], cfg: ParzenConfig) -> CoreResult<Self> {
        for (j, s) in specs.iter().enumerate() {
            s.validate(j)?;
        }
        Ok(Self {
            specs: specs.to_vec(),
            cfg,
            est: None,
            numeric: vec![NumericState::default(); specs.len()],
            active: Vec::new(),
            n_active: 0,
            shape: Vec::new(),
            prior_shape: 0.0,
            stamp: Vec::new(),
            generation: 0,
        })
    }

    /// Whether this state can serve a set of `n_obs` observations with `n_extra` extras.
    pub fn applicable(cfg: &ParzenConfig, n_obs: usize, n_extra: usize) -> bool {
        cfg.consider_magic_clip && n_extra == 0 && n_obs >= MIN_INCREMENTAL
    }

    /// Whether the state was made for these specs and settings.
    pub fn matches(&self, specs: &[ParamSpec], cfg: &ParzenConfig) -> bool {
        self.specs == specs
            && self.cfg.prior_weight.to_bits() == cfg.prior_weight.to_bits()
            && self.cfg.consider_magic_clip == cfg.consider_magic_clip
            && self.cfg.consider_endpoints == cfg.consider_endpoints
    }

    /// Bring the estimator to the kernel set `rows` (history rows, each once) with
    /// unnormalised weights `row_weights`, reading centres from `columns` (internal
    /// values per dimension, one entry per history row; rows only ever get appended).
    pub fn update(
        &mut self,
        columns: &[&[f64]],
        rows: &[u32],
        row_weights: &[f64],
    ) -> CoreResult<&ParzenEstimator> {
        self.update_logged(columns, rows, row_weights, None)
    }

    /// [`Self::update`] given `ln(row_weights)` as [`fused::ln_slice`] computes it (several
    /// search spaces over one split share the same weights), or `None` to compute them.
    pub(crate) fn update_logged(
        &mut self,
        columns: &[&[f64]],
        rows: &[u32],
        row_weights: &[f64],
        log_weights: Option<&[f64]>,
    ) -> CoreResult<&ParzenEstimator> {
        let d = self.specs.len();
        if log_weights.is_some_and(|lw| lw.len() != row_weights.len()) {
            return Err(CoreError::ShapeMismatch(
                "log weights and row_weights differ".into(),
            ));
        }
        if columns.len() != d {
            return Err(CoreError::ShapeMismatch(format!(
                "expected {d} columns, got {}",
                columns.len()
            )));
        }
        if rows.len() != row_weights.len() {
            return Err(CoreError::ShapeMismatch(
                "rows and row_weights differ".into(),
            ));
        }
        if !Self::applicable(&self.cfg, rows.len(), 0) {
            return Err(CoreError::InvalidArgument(format!(
                "incremental estimator needs magic clip and >= {MIN_INCREMENTAL} observations"
            )));
        }
        let n_rows = columns.first().map_or(0, |c| c.len());
        if columns.iter().any(|c| c.len() != n_rows) {
            return Err(CoreError::ShapeMismatch("columns differ in length".into()));
        }
        if n_rows < self.active.len() {
            return Err(CoreError::InvalidArgument(format!(
                "history shrank from {} to {n_rows} rows",
                self.active.len()
            )));
        }
        // One pass over `rows`: range, repeats (generation stamps instead of a fresh
        // mask), and the rows entering the set.
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        let g = self.generation;
        self.stamp.resize(n_rows, 0);
        let mut added: Vec<usize> = Vec::new();
        for &r in rows {
            let r = r as usize;
            if r >= n_rows || self.stamp[r] == g {
                return Err(CoreError::InvalidArgument(format!(
                    "row {r} out of range or repeated"
                )));
            }
            self.stamp[r] = g;
            if !self.active.get(r).copied().unwrap_or(false) {
                added.push(r);
            }
        }
        // Rows already in the set were checked when they entered (history rows never change).
        for &r in &added {
            for (j, col) in columns.iter().enumerate() {
                if col[r].is_nan() {
                    return Err(CoreError::InvalidArgument(format!(
                        "row {r} has no value for column {j}"
                    )));
                }
            }
        }
        if self.est.is_none() {
            let wanted: Vec<bool> = self.stamp.iter().map(|&s| s == g).collect();
            self.init(columns, &wanted)?;
        } else {
            // Rows leaving the set: only searched for when some active row is not in `rows`.
            let removed: Vec<usize> = if rows.len() - added.len() == self.n_active {
                Vec::new()
            } else {
                (0..self.active.len())
                    .filter(|&r| self.active[r] && self.stamp[r] != g)
                    .collect()
            };
            self.grow(n_rows);
            self.apply_changes(columns, &added, &removed)?;
        }
        if let Err(e) = self.refresh_weights(rows, row_weights, log_weights) {
            // Kernels already moved: start over on the next call rather than serve them.
            self.est = None;
            return Err(e);
        }
        Ok(self.est.as_ref().expect("built above"))
    }

    /// Build every slot from scratch.
    fn init(&mut self, columns: &[&[f64]], wanted: &[bool]) -> CoreResult<()> {
        let n_rows = wanted.len();
        let n_kernels = n_rows + 1;
        let specs = self.specs.clone();
        let cont: Vec<usize> = (0..specs.len())
            .filter(|&j| !specs[j].is_categorical() && specs[j].step == 0.0)
            .collect();
        let mut dims = Vec::with_capacity(specs.len());
        for spec in &specs {
            if spec.is_categorical() {
                dims.push(Dim::Categorical(CategoricalDim {
                    idx: vec![-2; n_kernels],
                    n_choices: spec.n_choices,
                    lp_hit: f64::NAN,
                    lp_miss: f64::NAN,
                    lp_prior: f64::NAN,
                    base: f64::NAN,
                }));
            } else {
                let (lo, hi) = spec.adapted_bounds();
                let c = 0.5 * (lo + hi);
                dims.push(Dim::Numeric(NumericDim {
                    mu: vec![c; n_kernels],
                    sigma: vec![hi - lo; n_kernels],
                    inv_sigma: vec![1.0 / (hi - lo); n_kernels],
                    lo,
                    hi,
                }));
            }
        }
        let floor_quad: Vec<f64> = cont
            .iter()
            .map(|&j| {
                let (lo, hi) = specs[j].adapted_bounds();
                floor_quad(lo, hi)
            })
            .collect();
        let gemm = (!cont.is_empty()).then(|| Gemm {
            floor: Some(Floor {
                quad: floor_quad,
                off: vec![cont.len() as u8; n_kernels],
            }),
            centre: cont
                .iter()
                .map(|&j| {
                    let (lo, hi) = specs[j].adapted_bounds();
                    0.5 * (lo + hi)
                })
                .collect(),
            coef: vec![0.0; 2 * cont.len() * n_kernels],
            dims: cont,
            kernel_major: true,
        });
        self.est = Some(ParzenEstimator {
            specs: specs.clone(),
            dims,
            weights: vec![0.0; n_kernels],
            constant: take_buf(n_kernels, f64::NEG_INFINITY),
            gemm,
        });
        self.active = vec![false; n_rows];
        self.n_active = 0;
        self.shape = vec![0.0; n_rows];
        for (j, spec) in specs.iter().enumerate() {
            if spec.is_categorical() {
                continue;
            }
            let sorted: BTreeSet<(u64, u32)> = wanted
                .iter()
                .enumerate()
                .filter(|(_, &w)| w)
                .map(|(r, _)| (order_key(spec.transform(columns[j][r])), r as u32))
                .collect();
            self.numeric[j] = NumericState {
                sorted,
                part: vec![0.0; n_rows],
            };
        }
        for (r, &w) in wanted.iter().enumerate() {
            if w {
                self.active[r] = true;
                self.n_active += 1;
                self.set_centre(r, columns);
            }
        }
        for (j, spec) in specs.iter().enumerate() {
            if spec.is_categorical() {
                continue;
            }
            let sorted: Vec<(u64, u32)> = self.numeric[j].sorted.iter().copied().collect();
            for (i, &(key, slot)) in sorted.iter().enumerate() {
                let prev = i.checked_sub(1).map(|p| from_order_key(sorted[p].0));
                let next = sorted.get(i + 1).map(|e| from_order_key(e.0));
                self.refresh_kernel(j, from_order_key(key), prev, next, slot as usize);
            }
        }
        self.prior_shape = self.init_prior();
        for r in 0..n_rows {
            if self.active[r] {
                self.shape[r] = self.shape_of(r);
            }
        }
        Ok(())
    }

    /// Kernel parameters of the prior (slot `n_slots`), returning its shape.
    fn init_prior(&mut self) -> f64 {
        let est = self.est.as_mut().expect("built");
        let k = est.weights.len() - 1;
        let mut shape = 0.0;
        for (j, spec) in self.specs.iter().enumerate() {
            let Dim::Numeric(nd) = &mut est.dims[j] else {
                continue;
            };
            let (lo, hi) = (nd.lo, nd.hi);
            nd.mu[k] = 0.5 * (lo + hi);
            nd.sigma[k] = hi - lo;
            nd.inv_sigma[k] = 1.0 / (hi - lo);
            shape += kernel_log_norm(spec, lo, hi, nd.mu[k], nd.sigma[k], nd.inv_sigma[k]);
            if let Some(gm) = &mut est.gemm {
                if let Some(i) = gm.dims.iter().position(|&g| g == j) {
                    shape += set_coef(gm, i, k, nd.mu[k], nd.inv_sigma[k]);
                }
            }
        }
        shape
    }

    /// Append inactive slots for history rows that arrived since the last call.
    fn grow(&mut self, n_rows: usize) {
        let old = self.active.len();
        if n_rows == old {
            return;
        }
        let add = n_rows - old;
        let est = self.est.as_mut().expect("built");
        for dim in &mut est.dims {
            match dim {
                Dim::Numeric(nd) => {
                    let c = 0.5 * (nd.lo + nd.hi);
                    let range = nd.hi - nd.lo;
                    for v in [&mut nd.mu, &mut nd.sigma, &mut nd.inv_sigma] {
                        let prior = v.pop().expect("prior kernel");
                        v.extend(std::iter::repeat_n(0.0, add));
                        v.push(prior);
                    }
                    nd.mu[old..n_rows].fill(c);
                    nd.sigma[old..n_rows].fill(range);
                    nd.inv_sigma[old..n_rows].fill(1.0 / range);
                }
                Dim::Categorical(cd) => {
                    let prior = cd.idx.pop().expect("prior kernel");
                    cd.idx.extend(std::iter::repeat_n(-2, add));
                    cd.idx.push(prior);
                }
            }
        }
        if let Some(gm) = &mut est.gemm {
            let w = 2 * gm.dims.len();
            let prior: Vec<f64> = gm.coef.split_off(old * w);
            gm.coef.extend(std::iter::repeat_n(0.0, add * w));
            gm.coef.extend_from_slice(&prior);
            if let Some(fl) = &mut gm.floor {
                let prior = fl.off.pop().expect("prior kernel");
                fl.off.extend(std::iter::repeat_n(gm.dims.len() as u8, add));
                fl.off.push(prior);
            }
        }
        // The prior's old place becomes a row slot; `refresh_weights` sets the new last one.
        est.weights.resize(n_rows + 1, 0.0);
        est.constant.resize(n_rows + 1, f64::NEG_INFINITY);
        est.weights[old] = 0.0;
        est.constant[old] = f64::NEG_INFINITY;
        self.active.resize(n_rows, false);
        self.shape.resize(n_rows, 0.0);
        for st in &mut self.numeric {
            st.part.resize(n_rows, 0.0);
        }
    }

    /// Move rows in and out of the set, refreshing the kernels whose neighbours changed.
    fn apply_changes(
        &mut self,
        columns: &[&[f64]],
        added: &[usize],
        removed: &[usize],
    ) -> CoreResult<()> {
        if added.is_empty() && removed.is_empty() {
            return Ok(());
        }
        let mut touched: Vec<usize> = Vec::new();
        for &r in removed {
            self.active[r] = false;
            self.n_active -= 1;
            touched.push(r);
        }
        for &r in added {
            self.active[r] = true;
            self.n_active += 1;
            self.set_centre(r, columns);
            touched.push(r);
        }
        let specs = self.specs.clone();
        for (j, spec) in specs.iter().enumerate() {
            if spec.is_categorical() {
                continue;
            }
            let mut dirty: Vec<(u64, u32)> = Vec::new();
            {
                let sorted = &mut self.numeric[j].sorted;
                for &r in removed {
                    let key = (order_key(spec.transform(columns[j][r])), r as u32);
                    if !sorted.remove(&key) {
                        return Err(CoreError::InvalidArgument(format!(
                            "row {r} changed its value in column {j}"
                        )));
                    }
                    dirty.extend(sorted.range(..key).next_back());
                    dirty.extend(sorted.range((Excluded(key), Unbounded)).next());
                }
                for &r in added {
                    let key = (order_key(spec.transform(columns[j][r])), r as u32);
                    sorted.insert(key);
                    dirty.push(key);
                    dirty.extend(sorted.range(..key).next_back());
                    dirty.extend(sorted.range((Excluded(key), Unbounded)).next());
                }
            }
            dirty.sort_unstable();
            dirty.dedup();
            for key in dirty {
                let slot = key.1 as usize;
                let sorted = &self.numeric[j].sorted;
                if !self.active[slot] || !sorted.contains(&key) {
                    continue;
                }
                let prev = sorted.range(..key).next_back().map(|e| from_order_key(e.0));
                let next = sorted
                    .range((Excluded(key), Unbounded))
                    .next()
                    .map(|e| from_order_key(e.0));
                self.refresh_kernel(j, from_order_key(key.0), prev, next, slot);
                touched.push(slot);
            }
        }
        for &r in removed {
            self.deactivate(r);
        }
        touched.sort_unstable();
        touched.dedup();
        for r in touched {
            self.shape[r] = if self.active[r] {
                self.shape_of(r)
            } else {
                0.0
            };
        }
        Ok(())
    }

    /// Write row `r`'s centres (and categorical choices) into its slot.
    fn set_centre(&mut self, r: usize, columns: &[&[f64]]) {
        let est = self.est.as_mut().expect("built");
        for (j, spec) in self.specs.iter().enumerate() {
            match &mut est.dims[j] {
                Dim::Numeric(nd) => nd.mu[r] = spec.transform(columns[j][r]),
                Dim::Categorical(cd) => cd.idx[r] = columns[j][r] as i64,
            }
        }
    }

    /// Reset a slot that left the set to harmless values (its weight is zero).
    fn deactivate(&mut self, r: usize) {
        let est = self.est.as_mut().expect("built");
        est.weights[r] = 0.0;
        est.constant[r] = f64::NEG_INFINITY;
        for (j, dim) in est.dims.iter_mut().enumerate() {
            match dim {
                Dim::Numeric(nd) => {
                    nd.mu[r] = 0.5 * (nd.lo + nd.hi);
                    nd.sigma[r] = nd.hi - nd.lo;
                    nd.inv_sigma[r] = 1.0 / (nd.hi - nd.lo);
                    if let Some(gm) = &mut est.gemm {
                        if let Some(i) = gm.dims.iter().position(|&g| g == j) {
                            let w = 2 * gm.dims.len();
                            set_quad(gm, i, r, 0.0);
                            gm.coef[r * w + gm.dims.len() + i] = 0.0;
                        }
                    }
                    self.numeric[j].part[r] = 0.0;
                }
                Dim::Categorical(cd) => cd.idx[r] = -2,
            }
        }
    }

    /// Recompute the bandwidth of the kernel of slot `slot` at `mu` in numerical dim `j`
    /// from its sorted neighbours, and its constant part and coefficients.
    fn refresh_kernel(
        &mut self,
        j: usize,
        mu: f64,
        prev: Option<f64>,
        next: Option<f64>,
        slot: usize,
    ) {
        let spec = self.specs[j];
        let est = self.est.as_mut().expect("built");
        let Dim::Numeric(nd) = &mut est.dims[j] else {
            return;
        };
        let st = &mut self.numeric[j];
        let s = sigma_between(mu, prev, next, st.sorted.len(), nd.lo, nd.hi, &self.cfg);
        nd.sigma[slot] = s;
        nd.inv_sigma[slot] = 1.0 / s;
        let mut part = kernel_log_norm(&spec, nd.lo, nd.hi, nd.mu[slot], s, nd.inv_sigma[slot]);
        if let Some(gm) = &mut est.gemm {
            if let Some(g) = gm.dims.iter().position(|&g| g == j) {
                part += set_coef(gm, g, slot, nd.mu[slot], nd.inv_sigma[slot]);
            }
        }
        st.part[slot] = part;
    }

    fn shape_of(&self, r: usize) -> f64 {
        self.numeric
            .iter()
            .zip(&self.specs)
            .filter(|(_, s)| !s.is_categorical())
            .map(|(st, _)| st.part[r])
            .sum()
    }

    /// Mixture weights, categorical kernel masses and per-kernel constants for this set.
    fn refresh_weights(
        &mut self,
        rows: &[u32],
        row_weights: &[f64],
        log_weights: Option<&[f64]>,
    ) -> CoreResult<()> {
        let est = self.est.as_mut().expect("built");
        let n_kernels = est.weights.len();
        let prior_weight = self.cfg.prior_weight;
        let mut total = prior_weight;
        for &w in row_weights {
            if !(w.is_finite() && w >= 0.0) {
                return Err(CoreError::InvalidArgument(
                    "weights must be finite and non-negative".into(),
                ));
            }
            total += w;
        }
        if total <= 0.0 || !total.is_finite() {
            return Err(CoreError::InvalidArgument("weights sum to zero".into()));
        }
        // Categorical kernels with n_obs + 1 kernels (same formulas as `from_indexed`).
        let n_obs = self.n_active;
        let mut cat_base = 0.0;
        let mut cat_prior = 0.0;
        for dim in &mut est.dims {
            if let Dim::Categorical(cd) = dim {
                (cd.lp_hit, cd.lp_miss, cd.lp_prior, cd.base) =
                    categorical_masses(cd.n_choices, prior_weight, n_obs);
                cat_base += cd.base;
                cat_prior += cd.lp_prior;
            }
        }
        // Slots outside the set keep weight 0 and constant -inf (see `grow`, `deactivate`).
        let log_total = total.ln();
        // In chunks, so that the vectorised logarithms stay in cache for the scatter.
        let mut log_w = [0.0; 256];
        for (c, (rows, ws)) in rows.chunks(256).zip(row_weights.chunks(256)).enumerate() {
            let log_w: &[f64] = match log_weights {
                Some(lw) => &lw[c * 256..c * 256 + ws.len()],
                None => {
                    let log_w = &mut log_w[..ws.len()];
                    fused::ln_slice(ws, log_w);
                    log_w
                }
            };
            for ((&r, &w), &lw) in rows.iter().zip(ws).zip(log_w.iter()) {
                let r = r as usize;
                est.weights[r] = w / total;
                est.constant[r] = lw - log_total + cat_base - self.shape[r];
            }
        }
        est.weights[n_kernels - 1] = prior_weight / total;
        est.constant[n_kernels - 1] = prior_weight.ln() - log_total + cat_prior - self.prior_shape;
        Ok(())
    }
}

/// Write kernel `k`'s matrix-product coefficients for continuous dim `i` and return the
/// expansion's kernel term `mu'^2 / (2 s^2)` (subtracted from the constant).
fn set_coef(gm: &mut Gemm, i: usize, k: usize, mu: f64, inv_sigma: f64) -> f64 {
    let dc = gm.dims.len();
    let is2 = inv_sigma * inv_sigma;
    let m = mu - gm.centre[i];
    set_quad(gm, i, k, -0.5 * is2);
    gm.coef[k * 2 * dc + dc + i] = is2 * m;
    0.5 * is2 * m * m
}

/// Write kernel `k`'s quadratic coefficient for continuous dim `i`, keeping the count of
/// its dims off the bandwidth floor.
fn set_quad(gm: &mut Gemm, i: usize, k: usize, a: f64) {
    let slot = &mut gm.coef[k * 2 * gm.dims.len() + i];
    let old = std::mem::replace(slot, a);
    if let Some(fl) = &mut gm.floor {
        let (was, is) = (old == fl.quad[i], a == fl.quad[i]);
        if was && !is {
            fl.off[k] += 1;
        } else if is && !was {
            fl.off[k] -= 1;
        }
    }
}

/// The quadratic coefficient of a kernel at the magic-clip floor `(hi - lo) / 100`,
/// computed exactly as [`set_coef`] computes it from that bandwidth.
fn floor_quad(lo: f64, hi: f64) -> f64 {
    let s = (hi - lo) / 100.0;
    let inv = 1.0 / s;
    -0.5 * (inv * inv)
}

#[cfg(test)]
mod tests;
