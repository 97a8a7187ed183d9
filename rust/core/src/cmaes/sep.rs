//! Separable (diagonal) CMA-ES: Ros & Hansen, "A Simple Modification in CMA-ES
//! Achieving Linear Time and Space Complexity" (PPSN 2008), with the learning
//! rates of the `cmaes` package's `SepCMA`. Equation numbers refer to the
//! tutorial (arXiv:1604.00772) where the update is the diagonal of the full one.

use super::cma::{chi_n, default_popsize, MAX_POPSIZE};
use super::codec::{Reader, Writer};
use super::rng::Rng;
use super::{
    check_bounds, check_finite_solutions, sort_by_value, Bounds, EPS, MEAN_MAX, SIGMA_MAX,
};
use crate::error::{CoreError, CoreResult};
use crate::truncnorm::{log_gauss_mass, ppf_linear};

/// Plain rejection attempts before [`SepCma::ask`] switches to the closed form.
const DIRECT_ATTEMPTS: usize = 4;

/// Diagonal-covariance CMA-ES with ask/tell; O(n) per sample and update.
#[derive(Clone, Debug)]
pub struct SepCma {
    pub(crate) n: usize,
    pub(crate) popsize: usize,
    mu: usize,
    mu_eff: f64,
    cc: f64,
    c1: f64,
    cmu: f64,
    c_sigma: f64,
    d_sigma: f64,
    chi_n: f64,
    weights: Vec<f64>,
    p_sigma: Vec<f64>,
    pub(crate) pc: Vec<f64>,
    pub(crate) mean: Vec<f64>,
    /// Diagonal of the covariance matrix.
    pub(crate) c: Vec<f64>,
    pub(crate) sigma: f64,
    bounds: Option<Bounds>,
    n_max_resampling: usize,
    pub(crate) g: u64,
    pub(crate) rng: Rng,
    tolx: f64,
    tolxup: f64,
    tolfun: f64,
    tolconditioncov: f64,
    funhist_term: usize,
    funhist: Vec<f64>,
}

impl SepCma {
    /// Create an optimizer (`mean.len()` must be at least 2, as in the reference).
    pub fn new(
        mean: &[f64],
        sigma: f64,
        bounds: Option<Bounds>,
        n_max_resampling: usize,
        seed: u64,
        popsize: Option<usize>,
    ) -> CoreResult<Self> {
        let n = mean.len();
        if n < 2 {
            return Err(CoreError::InvalidArgument(format!(
                "separable CMA-ES needs at least 2 dimensions, got {n}"
            )));
        }
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(CoreError::InvalidArgument(format!(
                "sigma must be a positive finite number, got {sigma}"
            )));
        }
        if mean.iter().any(|m| !(m.abs() < MEAN_MAX)) {
            return Err(CoreError::InvalidArgument(format!(
                "all elements of mean must be finite with absolute value below {MEAN_MAX}"
            )));
        }
        check_bounds(bounds.as_ref(), mean)?;
        let lambda = popsize.unwrap_or_else(|| default_popsize(n));
        if !(2..=MAX_POPSIZE).contains(&lambda) {
            return Err(CoreError::InvalidArgument(format!(
                "popsize must be between 2 and {MAX_POPSIZE}, got {lambda}"
            )));
        }
        let mu = lambda / 2;
        let nf = n as f64;
        // Positive weights only, w_i proportional to ln(mu + 1) - ln i.
        let wp: Vec<f64> = (0..mu)
            .map(|i| ((mu + 1) as f64).ln() - ((i + 1) as f64).ln())
            .collect();
        let s: f64 = wp.iter().sum();
        let weights: Vec<f64> = wp.iter().map(|w| w / s).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();

        let c1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
        let cmu_full = 2.0 / mu_eff / (nf + std::f64::consts::SQRT_2).powi(2)
            + (1.0 - 1.0 / mu_eff)
                * (1.0f64).min((2.0 * mu_eff - 1.0) / ((nf + 2.0).powi(2) + mu_eff));
        // The separable variant may learn (n + 2) / 3 times faster.
        let cmu = (nf + 2.0) / 3.0 * cmu_full;
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 3.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let cc = 4.0 / (nf + 4.0);
        let funhist_term = 10 + (30.0 * nf / lambda as f64).ceil() as usize;
        Ok(Self {
            n,
            popsize: lambda,
            mu,
            mu_eff,
            cc,
            c1,
            cmu,
            c_sigma,
            d_sigma,
            chi_n: chi_n(n),
            weights,
            p_sigma: vec![0.0; n],
            pc: vec![0.0; n],
            mean: mean.to_vec(),
            c: vec![1.0; n],
            sigma,
            bounds,
            n_max_resampling,
            g: 0,
            rng: Rng::new(seed),
            tolx: 1e-12 * sigma,
            tolxup: 1e4,
            tolfun: 1e-12,
            tolconditioncov: 1e14,
            funhist_term,
            funhist: vec![0.0; 2 * funhist_term],
        })
    }

    fn d(&self) -> Vec<f64> {
        self.c
            .iter()
            .map(|&c| if c < 0.0 { EPS.sqrt() } else { c.sqrt() })
            .collect()
    }

    /// One draw `x = m + sigma D z` (diagonal `C = D^2`), without bound handling.
    fn sample_solution(&mut self, d: &[f64]) -> Vec<f64> {
        (0..self.n)
            .map(|j| self.mean[j] + self.sigma * d[j] * self.rng.normal())
            .collect()
    }

    /// Sample one candidate (resampling, then clipping, as [`super::Cma::ask`]).
    ///
    /// The result has exactly the distribution of the reference's rule "draw up to
    /// `n_max_resampling` times until inside the bounds, else clip one more draw", at a
    /// cost independent of how rarely a draw lands inside:
    /// - the first [`DIRECT_ATTEMPTS`] attempts are plain draws, each abandoned at its
    ///   first coordinate outside the bounds (the coordinates are independent, so this
    ///   only saves normals);
    /// - if they all fail, the remaining `k` attempts are resolved in closed form: with
    ///   `P = prod_j P(coordinate j inside)`, some attempt succeeds with probability
    ///   `1 - (1 - P)^k`, and the accepted draw is then a product of truncated normals;
    ///   otherwise the reference clips one unconstrained draw.
    pub fn ask(&mut self) -> Vec<f64> {
        let d = self.d();
        let Some(bounds) = self.bounds.as_ref() else {
            return self.sample_solution(&d);
        };
        let (mean, sigma, rng) = (&self.mean, self.sigma, &mut self.rng);
        let n = self.n;
        let mut x = vec![0.0; n];
        let direct = self.n_max_resampling.min(DIRECT_ATTEMPTS);
        'draw: for _ in 0..direct {
            for (j, [lo, hi]) in bounds.iter().enumerate() {
                let v = mean[j] + sigma * d[j] * rng.normal();
                if !(v >= *lo && v <= *hi) {
                    continue 'draw;
                }
                x[j] = v;
            }
            return x;
        }
        let remaining = self.n_max_resampling - direct;
        if remaining > 0 {
            // Standardised bounds of every coordinate and log P(inside).
            let mut ab = Vec::with_capacity(n);
            let mut log_p = 0.0;
            for (j, [lo, hi]) in bounds.iter().enumerate() {
                let scale = sigma * d[j];
                let (a, b) = ((lo - mean[j]) / scale, (hi - mean[j]) / scale);
                ab.push((a, b));
                log_p += log_gauss_mass(a, b);
            }
            // A degenerate scale (zero or non-finite) has no closed form: clip below.
            let closed_form = !log_p.is_nan() && ab.iter().all(|(a, b)| a < b);
            // (1 - P)^k, computed without cancellation when P is tiny.
            if closed_form && rng.uniform() >= (remaining as f64 * (-log_p.exp()).ln_1p()).exp() {
                for (j, (a, b)) in ab.into_iter().enumerate() {
                    let z = ppf_linear(rng.uniform(), a, b);
                    x[j] = (mean[j] + sigma * d[j] * z).clamp(bounds[j][0], bounds[j][1]);
                }
                return x;
            }
        }
        for (j, [lo, hi]) in bounds.iter().enumerate() {
            x[j] = (mean[j] + sigma * d[j] * rng.normal()).clamp(*lo, *hi);
        }
        x
    }

    /// Update from `popsize` solutions (row-major) and values (minimised).
    pub fn tell(&mut self, xs: &[f64], values: &[f64]) -> CoreResult<()> {
        let n = self.n;
        let lambda = self.popsize;
        check_finite_solutions(xs, values, lambda, n)?;
        self.g = self.g.saturating_add(1); // a restored state may hold any count
        let order = sort_by_value(values);
        let fi = 2 * (self.g as usize % self.funhist_term);
        self.funhist[fi] = values[order[0]];
        self.funhist[fi + 1] = values[order[lambda - 1]];
        let d = self.d();

        let y: Vec<Vec<f64>> = order[..self.mu]
            .iter()
            .map(|&i| {
                (0..n)
                    .map(|j| (xs[i * n + j] - self.mean[j]) / self.sigma)
                    .collect()
            })
            .collect();
        // (eq. 41-42)
        let mut y_w = vec![0.0; n];
        for (w, yk) in self.weights.iter().zip(&y) {
            for j in 0..n {
                y_w[j] += w * yk[j];
            }
        }
        for j in 0..n {
            self.mean[j] += self.sigma * y_w[j];
        }
        // (eq. 43-44) with the diagonal C^{-1/2}.
        let coef = (self.c_sigma * (2.0 - self.c_sigma) * self.mu_eff).sqrt();
        for j in 0..n {
            self.p_sigma[j] = (1.0 - self.c_sigma) * self.p_sigma[j] + coef * y_w[j] / d[j];
        }
        let norm_ps = self.p_sigma.iter().map(|x| x * x).sum::<f64>().sqrt();
        self.sigma *= ((self.c_sigma / self.d_sigma) * (norm_ps / self.chi_n - 1.0)).exp();
        self.sigma = self.sigma.min(SIGMA_MAX);

        let left = norm_ps / (1.0 - (1.0 - self.c_sigma).powf(2.0 * (self.g as f64 + 1.0))).sqrt();
        let right = (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let h_sigma = if left < right { 1.0 } else { 0.0 };
        // (eq. 45)
        let pc_coef = h_sigma * (self.cc * (2.0 - self.cc) * self.mu_eff).sqrt();
        for j in 0..n {
            self.pc[j] = (1.0 - self.cc) * self.pc[j] + pc_coef * y_w[j];
        }
        // Diagonal of (eq. 47).
        let delta_h = (1.0 - h_sigma) * self.cc * (2.0 - self.cc);
        let sum_w: f64 = self.weights.iter().sum();
        let decay = 1.0 + self.c1 * delta_h - self.c1 - self.cmu * sum_w;
        for j in 0..n {
            let rank_mu: f64 = self
                .weights
                .iter()
                .zip(&y)
                .map(|(w, yk)| w * yk[j] * yk[j])
                .sum();
            self.c[j] = decay * self.c[j] + self.c1 * self.pc[j] * self.pc[j] + self.cmu * rank_mu;
        }
        Ok(())
    }

    /// Termination criteria (as [`super::Cma::should_stop`], diagonal case).
    pub fn should_stop(&self) -> bool {
        let n = self.n;
        let d = self.d();
        if self.g as usize > self.funhist_term {
            let mx = self
                .funhist
                .iter()
                .cloned()
                .fold(f64::NEG_INFINITY, f64::max);
            let mn = self.funhist.iter().cloned().fold(f64::INFINITY, f64::min);
            if mx - mn < self.tolfun {
                return true;
            }
        }
        if self.c.iter().all(|c| self.sigma * c < self.tolx)
            && self.pc.iter().all(|p| self.sigma * p < self.tolx)
        {
            return true;
        }
        let dmax = d.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let dmin = d.iter().cloned().fold(f64::INFINITY, f64::min);
        if self.sigma * dmax > self.tolxup {
            return true;
        }
        if self
            .mean
            .iter()
            .zip(&self.c)
            .any(|(m, c)| *m == m + 0.2 * self.sigma * c.sqrt())
        {
            return true;
        }
        let i = (self.g % n as u64) as usize;
        if self.mean.iter().all(|m| *m == m + 0.1 * self.sigma * d[i]) {
            return true;
        }
        dmax / dmin > self.tolconditioncov
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.usize(self.n);
        w.usize(self.popsize);
        w.vec(&self.mean);
        w.f64(self.sigma);
        w.vec(&self.c);
        w.vec(&self.p_sigma);
        w.vec(&self.pc);
        w.u64(self.g);
        for s in self.rng.state() {
            w.u64(s);
        }
        match &self.bounds {
            None => w.bool(false),
            Some(b) => {
                w.bool(true);
                let flat: Vec<f64> = b.iter().flat_map(|x| x.iter().copied()).collect();
                w.vec(&flat);
            }
        }
        w.usize(self.n_max_resampling);
        w.f64(self.tolx);
        w.vec(&self.funhist);
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> CoreResult<Self> {
        let bad = |w: &str| CoreError::InvalidArgument(format!("corrupt CMA-ES state: {w}"));
        let n = r.usize()?;
        let popsize = r.usize()?;
        let mean = r.vec()?;
        let sigma = r.f64()?;
        let c = r.vec()?;
        let p_sigma = r.vec()?;
        let pc = r.vec()?;
        let g = r.u64()?;
        let rng = Rng::from_state([r.u64()?, r.u64()?, r.u64()?, r.u64()?]);
        let bounds = if r.bool()? {
            let flat = r.vec()?;
            if n.checked_mul(2) != Some(flat.len()) {
                return Err(bad("bounds"));
            }
            if flat.chunks(2).any(|p| !(p[0] <= p[1])) {
                return Err(bad("bounds"));
            }
            Some(flat.chunks(2).map(|p| [p[0], p[1]]).collect())
        } else {
            None
        };
        let n_max_resampling = r.usize()?;
        let tolx = r.f64()?;
        let funhist = r.vec()?;
        if mean.len() != n {
            return Err(bad("dims"));
        }
        let mut me = Self::new(
            &mean,
            sigma.max(f64::MIN_POSITIVE),
            None,
            n_max_resampling,
            0,
            Some(popsize),
        )?;
        if c.len() != n || p_sigma.len() != n || pc.len() != n || funhist.len() != me.funhist.len()
        {
            return Err(bad("paths"));
        }
        me.sigma = sigma;
        me.c = c;
        me.p_sigma = p_sigma;
        me.pc = pc;
        me.g = g;
        me.rng = rng;
        me.bounds = bounds;
        me.tolx = tolx;
        me.funhist = funhist;
        Ok(me)
    }
}
