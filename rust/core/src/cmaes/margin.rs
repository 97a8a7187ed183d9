//! CMA-ES with Margin (Hamano et al., "CMA-ES with Margin: Lower-Bounding
//! Marginal Probability for Mixed-Integer Black-Box Optimization", GECCO 2022,
//! arXiv:2205.13482) for integer / stepped dimensions, matching `cmaes.CMAwM`.
//!
//! Candidates are drawn from the CMA-ES distribution (the "raw" x used for the
//! update) and the discrete coordinates are encoded to the nearest grid value
//! after the affine scaling `A`. After each update the margin correction keeps
//! the marginal probability of leaving the current discrete value at least
//! `margin` (eq. (9)-(14) of the paper).

use super::cma::{Cma, Start};
use super::codec::{Reader, Writer};
use super::Bounds;
use crate::error::{CoreError, CoreResult};

/// Standard normal CDF.
pub(crate) fn norm_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// Quantile of the chi-squared distribution with one degree of freedom at
/// `1 - p`: the `x` with `P(X > x) = erfc(sqrt(x / 2)) = p`, by bisection.
pub(crate) fn chi2_isf1(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::INFINITY;
    }
    if p >= 1.0 {
        return 0.0;
    }
    let (mut a, mut b) = (0.0f64, 40.0f64); // erfc(40) underflows to 0
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m == a || m == b {
            break;
        }
        if libm::erfc(m) > p {
            a = m;
        } else {
            b = m;
        }
    }
    let t = 0.5 * (a + b);
    2.0 * t * t
}

/// CMA-ES with margin; `cma` holds the continuous relaxation.
#[derive(Clone, Debug)]
pub struct CmaWm {
    pub(crate) cma: Cma,
    steps: Vec<f64>,
    bounds: Bounds,
    n_max_resampling: usize,
    discrete_idx: Vec<usize>,
    discrete_low: Vec<f64>,
    discrete_size: Vec<i64>,
    discrete_step: Vec<f64>,
    continuous_idx: Vec<usize>,
    pub(crate) margin: f64,
    /// Per-coordinate affine scaling `A` of the discrete encoding.
    pub(crate) a: Vec<f64>,
}

impl CmaWm {
    /// `steps[i] > 0` marks coordinate `i` as discrete with that grid spacing
    /// starting at `bounds[i][0]`; `steps[i] <= 0` marks it continuous.
    pub fn new(
        start: Start<'_>,
        bounds: Bounds,
        steps: &[f64],
        n_max_resampling: usize,
        margin: Option<f64>,
    ) -> CoreResult<Self> {
        let cma = Cma::new(start, Some(bounds.clone()), n_max_resampling, false)?;
        Self::from_cma(cma, bounds, steps, n_max_resampling, margin)
    }

    fn from_cma(
        cma: Cma,
        bounds: Bounds,
        steps: &[f64],
        n_max_resampling: usize,
        margin: Option<f64>,
    ) -> CoreResult<Self> {
        let n = cma.n;
        if steps.len() != n || bounds.len() != n {
            return Err(CoreError::ShapeMismatch(format!(
                "bounds ({}) and steps ({}) must both have length {n}",
                bounds.len(),
                steps.len()
            )));
        }
        if steps.iter().any(|s| s.is_nan()) {
            return Err(CoreError::InvalidArgument(
                "steps must not contain NaN".into(),
            ));
        }
        let discrete_idx: Vec<usize> = (0..n).filter(|&i| steps[i] > 0.0).collect();
        let continuous_idx: Vec<usize> = (0..n).filter(|&i| steps[i] <= 0.0).collect();
        let discrete_low: Vec<f64> = discrete_idx.iter().map(|&i| bounds[i][0]).collect();
        let discrete_size: Vec<i64> = discrete_idx
            .iter()
            .map(|&i| ((bounds[i][1] + steps[i] / 2.0 - bounds[i][0]) / steps[i]).ceil() as i64)
            .collect();
        let discrete_step: Vec<f64> = discrete_idx
            .iter()
            .map(|&i| bounds[i][0] + steps[i] - bounds[i][0])
            .collect();
        if let Some(k) = discrete_size.iter().position(|&s| s < 2) {
            return Err(CoreError::InvalidArgument(format!(
                "each discrete parameter must have at least two choices (coordinate {})",
                discrete_idx[k]
            )));
        }
        let margin = margin.unwrap_or(1.0 / (n as f64 * cma.popsize as f64));
        if !(margin > 0.0) {
            return Err(CoreError::InvalidArgument(format!(
                "margin must be positive, got {margin}"
            )));
        }
        Ok(Self {
            cma,
            steps: steps.to_vec(),
            bounds,
            n_max_resampling,
            discrete_idx,
            discrete_low,
            discrete_size,
            discrete_step,
            continuous_idx,
            margin,
            a: vec![1.0; n],
        })
    }

    fn value(&self, k: usize, idx: i64) -> f64 {
        self.discrete_low[k] + idx as f64 * self.discrete_step[k]
    }

    fn limit(&self, k: usize, idx: i64) -> f64 {
        0.5 * (self.value(k, idx) + self.value(k, idx + 1))
    }

    /// Index of the closest grid value, preferring the lower one on ties.
    fn index(&self, k: usize, v: f64) -> i64 {
        let size = self.discrete_size[k];
        let mut idx = ((v - self.discrete_low[k]) / self.discrete_step[k] + 0.5).floor();
        idx = idx.clamp(0.0, (size - 1) as f64);
        let mut idx = idx as i64;
        if idx > 0 && v <= self.limit(k, (idx - 1).max(0)) {
            idx -= 1;
        }
        if idx < size - 1 && v > self.limit(k, idx.min(size - 2)) {
            idx += 1;
        }
        idx
    }

    /// Thresholds between the current grid cell and its neighbours.
    fn limits(&self, k: usize, v: f64) -> (f64, f64) {
        let size = self.discrete_size[k];
        let pos = self.index(k, v);
        (
            self.limit(k, (pos - 1).clamp(0, size - 2)),
            self.limit(k, pos.clamp(0, size - 2)),
        )
    }

    fn encode_discrete(&self, x: &mut [f64]) {
        for (k, &i) in self.discrete_idx.iter().enumerate() {
            let m = self.cma.mean[i];
            let v = (x[i] - m) * self.a[i] + m;
            x[i] = self.value(k, self.index(k, v));
        }
    }

    fn continuous_feasible(&self, x: &[f64]) -> bool {
        self.continuous_idx
            .iter()
            .all(|&i| x[i] >= self.bounds[i][0] && x[i] <= self.bounds[i][1])
    }

    /// Returns `(encoded, raw)`: evaluate `encoded`, tell `raw`.
    pub fn ask(&mut self) -> CoreResult<(Vec<f64>, Vec<f64>)> {
        for _ in 0..self.n_max_resampling {
            let x = self.cma.sample_solution()?;
            if self.continuous_feasible(&x) {
                let mut enc = x.clone();
                self.encode_discrete(&mut enc);
                return Ok((enc, x));
            }
        }
        let mut x = self.cma.sample_solution()?;
        for &i in &self.continuous_idx {
            x[i] = x[i].clamp(self.bounds[i][0], self.bounds[i][1]);
        }
        let mut enc = x.clone();
        self.encode_discrete(&mut enc);
        Ok((enc, x))
    }

    /// CMA-ES update on the raw solutions, then the margin correction.
    pub fn tell(&mut self, raw_xs: &[f64], values: &[f64]) -> CoreResult<()> {
        self.cma.tell(raw_xs, values)?;
        if self.discrete_idx.is_empty() {
            return Ok(());
        }
        let n = self.cma.n;
        let sigma = self.cma.sigma;
        let margin = self.margin;
        let chi_margin = chi2_isf1(2.0 * margin);
        for (k, &i) in self.discrete_idx.iter().enumerate() {
            let m = self.cma.mean[i];
            let (lo, up) = self.limits(k, m);
            let cii = self.cma.c[i * n + i];
            let z_scale = sigma * self.a[i] * cii.sqrt();
            let mut low_cdf = norm_cdf((lo - m) / z_scale);
            let mut up_cdf = 1.0 - norm_cdf((up - m) / z_scale);
            let mid_cdf = 1.0 - (low_cdf + up_cdf);
            let edge = low_cdf.max(up_cdf) > 0.5;
            if edge {
                // Edge cell: move the mean so that the tail beyond the
                // threshold keeps probability `margin` (eq. (13)).
                if low_cdf.min(up_cdf) < margin {
                    let sign = (m - up).signum() * if m == up { 0.0 } else { 1.0 };
                    let dist = sigma * self.a[i] * (chi_margin * cii).sqrt();
                    self.cma.mean[i] = up + sign * dist;
                }
                continue;
            }
            // Interior cell: rescale A and shift the mean so that both tails
            // keep at least margin / 2 (eq. (10)-(12)).
            low_cdf = low_cdf.max(margin / 2.0);
            up_cdf = up_cdf.max(margin / 2.0);
            let denom = low_cdf + mid_cdf + up_cdf - 3.0 * margin / 2.0;
            let excess = 1.0 - low_cdf - up_cdf - mid_cdf;
            let mod_low =
                (low_cdf + excess * (low_cdf - margin / 2.0) / denom).clamp(1e-10, 0.5 - 1e-10);
            let mod_up =
                (up_cdf + excess * (up_cdf - margin / 2.0) / denom).clamp(1e-10, 0.5 - 1e-10);
            let chi_low = chi2_isf1(2.0 * mod_low).sqrt();
            let chi_up = chi2_isf1(2.0 * mod_up).sqrt();
            self.a[i] = (up - lo) / ((chi_low + chi_up) * sigma * cii.sqrt());
            self.cma.mean[i] = (lo * chi_up + up * chi_low) / (chi_low + chi_up);
        }
        Ok(())
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        self.cma.encode(w);
        w.vec(&self.steps);
        let flat: Vec<f64> = self.bounds.iter().flat_map(|x| x.iter().copied()).collect();
        w.vec(&flat);
        w.usize(self.n_max_resampling);
        w.f64(self.margin);
        w.vec(&self.a);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> CoreResult<Self> {
        let cma = Cma::decode(r)?;
        let steps = r.vec()?;
        let flat = r.vec()?;
        let bounds: Bounds = flat
            .chunks(2)
            .filter(|p| p.len() == 2)
            .map(|p| [p[0], p[1]])
            .collect();
        let n_max_resampling = r.usize()?;
        let margin = r.f64()?;
        let a = r.vec()?;
        if bounds.iter().any(|[lo, hi]| !(lo <= hi)) {
            return Err(CoreError::InvalidArgument(
                "corrupt CMA-ES state: bounds".into(),
            ));
        }
        let mut me = Self::from_cma(cma, bounds, &steps, n_max_resampling, Some(margin))?;
        if a.len() != me.cma.n {
            return Err(CoreError::InvalidArgument("corrupt CMA-ES state: A".into()));
        }
        me.a = a;
        Ok(me)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_quantile_matches_known_values() {
        // chi2.ppf(0.95, df=1) = 3.841458820694124; chi2.ppf(0.5, 1) = 0.454936423119572
        assert!((chi2_isf1(0.05) - 3.841_458_820_694_124).abs() < 1e-12);
        assert!((chi2_isf1(0.5) - 0.454_936_423_119_572_7).abs() < 1e-12);
        assert!((norm_cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
    }
}
