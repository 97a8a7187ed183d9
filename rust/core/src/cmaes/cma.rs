//! Full-covariance CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial",
//! arXiv:1604.00772; equation numbers below refer to that tutorial), with the
//! optional learning-rate adaptation of Nomura et al., "CMA-ES with Learning
//! Rate Adaptation" (arXiv:2304.03473).
//!
//! Semantics follow the `cmaes` Python package (`cmaes.CMA`): same default
//! hyper-parameters, same sampling with resampling-then-clipping for bounds,
//! same termination criteria.

use super::codec::{Reader, Writer};
use super::linalg::{b_mul_from_bt, bt_mul, gemm, reconstruct, sym_eig, symmetrize, weighted_gram};
use super::lra::LrState;
use super::rng::Rng;
use super::{
    check_bounds, check_finite_solutions, sort_by_value, Bounds, EPS, MEAN_MAX, SIGMA_MAX,
};
use crate::error::{CoreError, CoreResult};

/// Full-covariance CMA-ES with ask/tell.
#[derive(Clone, Debug)]
pub struct Cma {
    pub(crate) n: usize,
    pub(crate) popsize: usize,
    mu: usize,
    mu_eff: f64,
    cc: f64,
    c1: f64,
    cmu: f64,
    c_sigma: f64,
    d_sigma: f64,
    cm: f64,
    chi_n: f64,
    weights: Vec<f64>,
    p_sigma: Vec<f64>,
    pub(crate) pc: Vec<f64>,
    pub(crate) mean: Vec<f64>,
    /// Covariance matrix, row-major `n x n`.
    pub(crate) c: Vec<f64>,
    pub(crate) sigma: f64,
    /// Cached eigendecomposition of `C`; `None` after an update.
    eig: Option<Eigen>,
    bounds: Option<Bounds>,
    n_max_resampling: usize,
    pub(crate) g: u64,
    pub(crate) rng: Rng,
    pub(super) lr: Option<LrState>,
    tolx: f64,
    tolxup: f64,
    tolfun: f64,
    tolconditioncov: f64,
    funhist_term: usize,
    funhist: Vec<f64>,
}

/// Largest population size: bounds the memory a (possibly forged or corrupt) state or an
/// IPOP/BIPOP restart can ask for.
pub const MAX_POPSIZE: usize = 1 << 20;

/// Default population size `4 + floor(3 ln n)` (eq. 48).
pub fn default_popsize(n: usize) -> usize {
    4 + (3.0 * (n as f64).ln()).floor() as usize
}

/// `E||N(0, I)||` approximation (tutorial p. 28).
pub(crate) fn chi_n(n: usize) -> f64 {
    let nf = n as f64;
    nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf))
}

/// `C = B diag(D^2) B^T`, with `B` kept in both layouts: rows of `B^T` make
/// `B z` a sum of contiguous rows (vectorised) for sampling.
#[derive(Clone, Debug)]
pub(crate) struct Eigen {
    /// `B`, row-major (eigenvectors in columns).
    pub(crate) b: Vec<f64>,
    /// `B^T`, row-major (eigenvectors in rows).
    pub(crate) bt: Vec<f64>,
    /// `D`: square roots of the eigenvalues (negative ones replaced by sqrt(eps)).
    pub(crate) d: Vec<f64>,
}

/// Where a run starts: the search distribution `N(mean, sigma^2 C)`, the population
/// size and the seed of the sampler.
#[derive(Clone, Copy, Debug)]
pub struct Start<'a> {
    /// Initial mean; its length is the dimension.
    pub mean: &'a [f64],
    /// Initial step size.
    pub sigma: f64,
    /// Initial covariance `C`, row-major `n x n` (identity if `None`).
    pub cov: Option<&'a [f64]>,
    /// Population size ([`default_popsize`] if `None`).
    pub popsize: Option<usize>,
    /// Seed of the sampling generator.
    pub seed: u64,
}

impl<'a> Start<'a> {
    /// Start at `mean` with step size `sigma`, identity covariance, default population.
    pub fn new(mean: &'a [f64], sigma: f64, seed: u64) -> Self {
        Self {
            mean,
            sigma,
            cov: None,
            popsize: None,
            seed,
        }
    }
}

impl Cma {
    /// Create an optimizer starting at `start`; candidates outside `bounds` are drawn
    /// again up to `n_max_resampling` times, then clipped.
    pub fn new(
        start: Start<'_>,
        bounds: Option<Bounds>,
        n_max_resampling: usize,
        lr_adapt: bool,
    ) -> CoreResult<Self> {
        let Start {
            mean,
            sigma,
            cov,
            popsize,
            seed,
        } = start;
        let n = mean.len();
        if n == 0 {
            return Err(CoreError::InvalidArgument(
                "the dimension of mean must be positive".into(),
            ));
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
        let lf = lambda as f64;
        let nf = n as f64;

        // (eq. 49) raw weights w'_i = ln((lambda+1)/2) - ln i.
        let wp: Vec<f64> = (0..lambda)
            .map(|i| ((lf + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
            .collect();
        let sum_sq = |s: &[f64]| {
            let a: f64 = s.iter().sum();
            let b: f64 = s.iter().map(|x| x * x).sum();
            a * a / b
        };
        let mu_eff = sum_sq(&wp[..mu]);
        let mu_eff_minus = sum_sq(&wp[mu..]);

        // Learning rates of the rank-one (eq. 57) and rank-mu (eq. 58) updates.
        let alpha_cov = 2.0;
        let c1 = alpha_cov / ((nf + 1.3).powi(2) + mu_eff);
        let cmu = (1.0 - c1 - 1e-8).min(
            alpha_cov * (mu_eff - 2.0 + 1.0 / mu_eff)
                / ((nf + 2.0).powi(2) + alpha_cov * mu_eff / 2.0),
        );
        if c1 > 1.0 - cmu || cmu > 1.0 - c1 {
            return Err(CoreError::Numerical("invalid CMA learning rates".into()));
        }
        let min_alpha = (1.0 + c1 / cmu) // (eq. 50)
            .min(1.0 + 2.0 * mu_eff_minus / (mu_eff + 2.0)) // (eq. 51)
            .min((1.0 - c1 - cmu) / (nf * cmu)); // (eq. 52)

        // (eq. 53) positive weights sum to one, negative ones to -min_alpha.
        let pos: f64 = wp.iter().filter(|&&w| w > 0.0).sum();
        let neg: f64 = wp.iter().filter(|&&w| w < 0.0).map(|w| w.abs()).sum();
        let weights: Vec<f64> = wp
            .iter()
            .map(|&w| {
                if w >= 0.0 {
                    w / pos
                } else {
                    min_alpha / neg * w
                }
            })
            .collect();

        // (eq. 55) step-size cumulation and damping.
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        // (eq. 56) cumulation for the rank-one update.
        let cc = (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf);

        let c = match cov {
            None => {
                let mut c = vec![0.0; n * n];
                for i in 0..n {
                    c[i * n + i] = 1.0;
                }
                c
            }
            Some(cv) => {
                if cv.len() != n * n {
                    return Err(CoreError::ShapeMismatch(format!(
                        "cov must be {n}x{n}, got {} elements",
                        cv.len()
                    )));
                }
                cv.to_vec()
            }
        };
        let funhist_term = 10 + (30.0 * nf / lf).ceil() as usize;
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
            cm: 1.0, // (eq. 54)
            chi_n: chi_n(n),
            weights,
            p_sigma: vec![0.0; n],
            pc: vec![0.0; n],
            mean: mean.to_vec(),
            c,
            sigma,
            eig: None,
            bounds,
            n_max_resampling,
            g: 0,
            rng: Rng::new(seed),
            lr: if lr_adapt {
                Some(LrState::new(n))
            } else {
                None
            },
            tolx: 1e-12 * sigma,
            tolxup: 1e4,
            tolfun: 1e-12,
            tolconditioncov: 1e14,
            funhist_term,
            funhist: vec![0.0; 2 * funhist_term],
        })
    }

    /// Recombination weights (eq. 53).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// `(B, D)` with `C = B diag(D)^2 B^T`, computed lazily (section 2.2 / B.2).
    pub(crate) fn eigen(&mut self) -> CoreResult<&Eigen> {
        if self.eig.is_none() {
            let n = self.n;
            symmetrize(&mut self.c, n);
            let (w, b, bt) = sym_eig(&self.c, n)?;
            let any_neg = w.iter().any(|&x| x < 0.0);
            let d: Vec<f64> = w
                .iter()
                .map(|&x| if x < 0.0 { EPS.sqrt() } else { x.sqrt() })
                .collect();
            if any_neg {
                let d2: Vec<f64> = d.iter().map(|x| x * x).collect();
                self.c = reconstruct(&b, &d2, n);
            }
            self.eig = Some(Eigen { b, bt, d });
        }
        Ok(self.eig.as_ref().expect("just computed"))
    }

    /// One draw `x = m + sigma B D z` (eq. 38-40) without bound handling.
    pub(crate) fn sample_solution(&mut self) -> CoreResult<Vec<f64>> {
        let n = self.n;
        let z: Vec<f64> = (0..n).map(|_| self.rng.normal()).collect();
        let e = self.eigen()?;
        let dz: Vec<f64> = z.iter().zip(&e.d).map(|(z, d)| z * d).collect();
        let mut y = vec![0.0; n];
        b_mul_from_bt(&e.bt, &dz, n, &mut y);
        Ok(self
            .mean
            .iter()
            .zip(&y)
            .map(|(m, y)| m + self.sigma * y)
            .collect())
    }

    fn is_feasible(&self, x: &[f64]) -> bool {
        match &self.bounds {
            None => true,
            Some(b) => x.iter().zip(b).all(|(v, [lo, hi])| *v >= *lo && *v <= *hi),
        }
    }

    fn repair(&self, x: &mut [f64]) {
        if let Some(b) = &self.bounds {
            for (v, [lo, hi]) in x.iter_mut().zip(b) {
                *v = v.clamp(*lo, *hi);
            }
        }
    }

    /// Sample one candidate: resample up to `n_max_resampling` times until it is
    /// inside the bounds, then clip the next draw (as the reference does).
    pub fn ask(&mut self) -> CoreResult<Vec<f64>> {
        for _ in 0..self.n_max_resampling {
            let x = self.sample_solution()?;
            if self.is_feasible(&x) {
                return Ok(x);
            }
        }
        let mut x = self.sample_solution()?;
        self.repair(&mut x);
        Ok(x)
    }

    /// `k` candidates, row-major `k x n`, as `k` calls of [`Cma::ask`] would give them.
    ///
    /// Without bounds every draw is accepted, so the `k` draws take the same normal
    /// variates in the same order and `B D z` becomes one matrix product
    /// `(Z diag(D)) B^T`; with bounds, candidates are drawn one by one (resampling).
    pub fn ask_many(&mut self, k: usize) -> CoreResult<Vec<f64>> {
        let n = self.n;
        if self.bounds.is_some() || k < 2 {
            let mut out = Vec::with_capacity(k * n);
            for _ in 0..k {
                out.extend(self.ask()?);
            }
            return Ok(out);
        }
        let mut dz: Vec<f64> = (0..k * n).map(|_| self.rng.normal()).collect();
        let sigma = self.sigma;
        let e = self.eigen()?;
        for row in dz.chunks_exact_mut(n) {
            for (v, d) in row.iter_mut().zip(&e.d) {
                *v *= d;
            }
        }
        let mut xs = gemm(&dz, &e.bt, k, n, n);
        for row in xs.chunks_exact_mut(n) {
            for (v, m) in row.iter_mut().zip(&self.mean) {
                *v = m + sigma * *v;
            }
        }
        Ok(xs)
    }

    /// Update the distribution from `popsize` solutions (`xs` row-major
    /// `popsize x n`) and their values (to be minimised).
    pub fn tell(&mut self, xs: &[f64], values: &[f64]) -> CoreResult<()> {
        let n = self.n;
        let lambda = self.popsize;
        check_finite_solutions(xs, values, lambda, n)?;
        self.g = self.g.saturating_add(1); // a restored state may hold any count
        let order = sort_by_value(values);

        let fi = 2 * (self.g as usize % self.funhist_term);
        self.funhist[fi] = values[order[0]];
        self.funhist[fi + 1] = values[order[lambda - 1]];

        self.eigen()?;
        let Eigen { b, bt, d } = self.eig.take().expect("eigen computed");

        let old = self.lr.as_ref().map(|_| {
            let inv_d: Vec<f64> = d.iter().map(|x| 1.0 / x).collect();
            let sigma2 = self.sigma * self.sigma;
            (
                self.mean.clone(),
                self.sigma,
                self.c.iter().map(|c| c * sigma2).collect::<Vec<f64>>(),
                reconstruct(&b, &inv_d, n),
            )
        });

        // y_k = (x_k - m) / sigma, sorted by value (eq. 39).
        let mut y = vec![0.0; lambda * n];
        for (k, &i) in order.iter().enumerate() {
            for j in 0..n {
                y[k * n + j] = (xs[i * n + j] - self.mean[j]) / self.sigma;
            }
        }

        // Selection and recombination: <y>_w = sum_{i<=mu} w_i y_i (eq. 41), m update (eq. 42).
        let mut y_w = vec![0.0; n];
        for k in 0..self.mu {
            let w = self.weights[k];
            for j in 0..n {
                y_w[j] += w * y[k * n + j];
            }
        }
        for j in 0..n {
            self.mean[j] += self.cm * self.sigma * y_w[j];
        }

        // C^{-1/2} <y>_w = B D^{-1} B^T <y>_w.
        let mut tmp = vec![0.0; n];
        bt_mul(&b, &y_w, n, &mut tmp);
        for (t, dd) in tmp.iter_mut().zip(&d) {
            *t /= dd;
        }
        let mut cinv_yw = vec![0.0; n];
        b_mul_from_bt(&bt, &tmp, n, &mut cinv_yw);

        // Step-size control: p_sigma cumulation (eq. 43) and sigma update (eq. 44).
        let ps_coef = (self.c_sigma * (2.0 - self.c_sigma) * self.mu_eff).sqrt();
        for j in 0..n {
            self.p_sigma[j] = (1.0 - self.c_sigma) * self.p_sigma[j] + ps_coef * cinv_yw[j];
        }
        let norm_ps = self.p_sigma.iter().map(|x| x * x).sum::<f64>().sqrt();
        self.sigma *= ((self.c_sigma / self.d_sigma) * (norm_ps / self.chi_n - 1.0)).exp();
        self.sigma = self.sigma.min(SIGMA_MAX);

        // Heaviside h_sigma (p. 28).
        let left = norm_ps / (1.0 - (1.0 - self.c_sigma).powf(2.0 * (self.g as f64 + 1.0))).sqrt();
        let right = (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let h_sigma = if left < right { 1.0 } else { 0.0 };

        // Rank-one evolution path p_c (eq. 45).
        let pc_coef = h_sigma * (self.cc * (2.0 - self.cc) * self.mu_eff).sqrt();
        for j in 0..n {
            self.pc[j] = (1.0 - self.cc) * self.pc[j] + pc_coef * y_w[j];
        }

        // Active weights w_i^o (eq. 46): negative ones rescaled by n / ||C^{-1/2} y_i||^2,
        // with all B^T y_i at once: rows of Y B.
        let mut w_io = self.weights.clone();
        if self.weights.iter().any(|&w| w < 0.0) {
            let yb = gemm(&y, &b, lambda, n, n);
            for k in 0..lambda {
                if self.weights[k] < 0.0 {
                    let row = &yb[k * n..(k + 1) * n];
                    let sq: f64 = row.iter().zip(&d).map(|(t, dd)| (t / dd) * (t / dd)).sum();
                    w_io[k] *= n as f64 / (sq + EPS);
                }
            }
        }

        // Covariance update (eq. 47) with the h_sigma correction delta(h_sigma) (p. 28).
        let delta_h = (1.0 - h_sigma) * self.cc * (2.0 - self.cc);
        let sum_w: f64 = self.weights.iter().sum();
        let decay = 1.0 + self.c1 * delta_h - self.c1 - self.cmu * sum_w;
        // Rank-mu term sum_k w_k^o y_k y_k^T = Y^T diag(w^o) Y in one product.
        let rank_mu = weighted_gram(&y, &w_io, lambda, n);
        for i in 0..n {
            let (c1_pci, row) = (self.c1 * self.pc[i], i * n);
            for (j, (c, r)) in self.c[row..row + n]
                .iter_mut()
                .zip(&rank_mu[row..row + n])
                .enumerate()
            {
                *c = decay * *c + c1_pci * self.pc[j] + self.cmu * r;
            }
        }

        if let Some((old_mean, old_sigma, old_big_sigma, old_invsqrt_c)) = old {
            self.lr_adaptation(&old_mean, old_sigma, &old_big_sigma, &old_invsqrt_c)?;
        }
        Ok(())
    }

    /// Termination criteria of the reference (tolfun, tolx, tolxup, no-effect
    /// coordinate and axis, condition number); used by IPOP/BIPOP restarts.
    pub fn should_stop(&mut self) -> CoreResult<bool> {
        let n = self.n;
        let g = self.g;
        self.eigen()?;
        let e = self.eig.as_ref().expect("eigen computed");
        let (b, d) = (&e.b, &e.d);
        let dc: Vec<f64> = (0..n).map(|i| self.c[i * n + i]).collect();

        if g as usize > self.funhist_term {
            let mx = self
                .funhist
                .iter()
                .cloned()
                .fold(f64::NEG_INFINITY, f64::max);
            let mn = self.funhist.iter().cloned().fold(f64::INFINITY, f64::min);
            if mx - mn < self.tolfun {
                return Ok(true);
            }
        }
        if dc.iter().all(|c| self.sigma * c < self.tolx)
            && self.pc.iter().all(|p| self.sigma * p < self.tolx)
        {
            return Ok(true);
        }
        let dmax = d.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let dmin = d.iter().cloned().fold(f64::INFINITY, f64::min);
        if self.sigma * dmax > self.tolxup {
            return Ok(true);
        }
        if self
            .mean
            .iter()
            .zip(&dc)
            .any(|(m, c)| *m == m + 0.2 * self.sigma * c.sqrt())
        {
            return Ok(true);
        }
        let i = (g % n as u64) as usize;
        if (0..n).all(|k| self.mean[k] == self.mean[k] + 0.1 * self.sigma * d[i] * b[k * n + i]) {
            return Ok(true);
        }
        if dmax / dmin > self.tolconditioncov {
            return Ok(true);
        }
        Ok(false)
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        w.usize(self.n);
        w.usize(self.popsize);
        w.vec(&self.mean);
        w.f64(self.sigma);
        w.sym(&self.c, self.n);
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
        w.bool(self.lr.is_some());
        if let Some(lr) = &self.lr {
            lr.encode(w);
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> CoreResult<Self> {
        let n = r.usize()?;
        let popsize = r.usize()?;
        let mean = r.vec()?;
        let sigma = r.f64()?;
        let (c, cn) = r.sym()?;
        if mean.len() != n || cn != n {
            return Err(CoreError::InvalidArgument(
                "corrupt CMA-ES state: dims".into(),
            ));
        }
        let p_sigma = r.vec()?;
        let pc = r.vec()?;
        let g = r.u64()?;
        let rng = Rng::from_state([r.u64()?, r.u64()?, r.u64()?, r.u64()?]);
        let bounds = if r.bool()? {
            let flat = r.vec()?;
            if n.checked_mul(2) != Some(flat.len()) {
                return Err(CoreError::InvalidArgument(
                    "corrupt CMA-ES state: bounds".into(),
                ));
            }
            if flat.chunks(2).any(|p| !(p[0] <= p[1])) {
                return Err(CoreError::InvalidArgument(
                    "corrupt CMA-ES state: bounds".into(),
                ));
            }
            Some(flat.chunks(2).map(|p| [p[0], p[1]]).collect())
        } else {
            None
        };
        let n_max_resampling = r.usize()?;
        let tolx = r.f64()?;
        let funhist = r.vec()?;
        let lr_adapt = r.bool()?;
        let start = Start {
            cov: Some(&c),
            popsize: Some(popsize),
            ..Start::new(&mean, sigma.max(f64::MIN_POSITIVE), 0)
        };
        let mut me = Self::new(start, None, n_max_resampling, lr_adapt)?;
        me.sigma = sigma;
        me.bounds = bounds;
        if p_sigma.len() != n || pc.len() != n || funhist.len() != me.funhist.len() {
            return Err(CoreError::InvalidArgument(
                "corrupt CMA-ES state: paths".into(),
            ));
        }
        me.p_sigma = p_sigma;
        me.pc = pc;
        me.g = g;
        me.rng = rng;
        me.tolx = tolx;
        me.funhist = funhist;
        if let Some(lr) = me.lr.as_mut() {
            lr.decode(r, n)?;
        }
        Ok(me)
    }
}
