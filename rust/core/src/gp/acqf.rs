//! Acquisition functions and their gradients in `x`: logEI with the numerically stable
//! `log h(z)` of Ament et al. 2023 ("Unexpected Improvements to Expected Improvement",
//! arXiv 2310.20708, eq. 9), logPI for constraints (Gardner et al. 2014), Monte-Carlo
//! logEHVI over a box decomposition (Daulton et al. 2020, arXiv 2006.05078, eq. 1), and
//! q-batch logEI over running trials on the conditional GP (Ament et al. eq. 10).

use std::sync::Arc;

use faer::{Mat, MatRef};

use super::likelihood::cholesky;
use super::model::GpModel;
use crate::error::{CoreError, CoreResult};
use crate::truncnorm::{log_ndtr, norm_logpdf};

const SQRT_HALF: f64 = std::f64::consts::FRAC_1_SQRT_2;
const INV_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
const LOG_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Optuna's floor on improvements (its gradients become NaN at 0).
pub const EPS: f64 = 1e-12;

/// `log E[max(0, x + z)]`, `x ~ N(0, 1)`, and its derivative `Phi(z) / EI(z)`.
pub fn standard_logei(z: f64) -> (f64, f64) {
    if z >= -25.0 {
        let cdf = 0.5 * libm::erfc(-SQRT_HALF * z);
        let ei = z * cdf + (-0.5 * z * z).exp() * INV_SQRT_2PI;
        (ei.ln(), cdf / ei)
    } else {
        // EI(z) = phi(z) h(x), x = -z, h(x) = 1 - x R(x) with R the Mills ratio; its
        // asymptotic series 1/x^2 - 3/x^4 + 15/x^6 - ... is exact to rounding for x > 25.
        let x = -z;
        let inv2 = 1.0 / (x * x);
        let (mut term, mut h) = (inv2, 0.0);
        for k in 1..40 {
            h += term;
            term *= -((2 * k + 1) as f64) * inv2;
            if term.abs() < 1e-17 * h.abs() {
                break;
            }
        }
        let value = -0.5 * z * z - LOG_SQRT_2PI + h.ln();
        (value, (1.0 - h) / (x * h))
    }
}

/// `log P(f >= threshold)` for `f ~ N(mean, sigma^2)` as a function of `z`, and `d/dz`.
fn log_pi(z: f64) -> (f64, f64) {
    let l = log_ndtr(z);
    (l, (norm_logpdf(z) - l).exp())
}

/// Running trials folded into one GP by Monte-Carlo fantasies (Optuna's
/// `ConditionalGPRegressor`): joint samples at the running points, then the candidate's
/// posterior conditioned on each.
#[derive(Clone, Debug)]
pub struct ConditionalGp {
    model: Arc<GpModel>,
    x_running: Vec<f64>,
    r: usize,
    /// `S` standard normal draws for the candidate.
    z_candidate: Vec<f64>,
    /// Fantasy values at the running points, `S x r`.
    fantasies: Vec<f64>,
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

/// One additive term of an acquisition function.
#[derive(Clone, Debug)]
pub enum Term {
    /// logEI over `threshold` (0 when the threshold is `-inf`: no feasible point yet).
    LogEi {
        /// The objective's GP.
        model: Arc<GpModel>,
        /// Best (feasible) standardised value so far.
        threshold: f64,
    },
    /// `log P(f >= threshold)`: one constraint's feasibility.
    LogPi {
        /// The constraint's GP (of the negated, standardised constraint).
        model: Arc<GpModel>,
        /// Standardised zero of the constraint.
        threshold: f64,
    },
    /// q-batch logEI with running trials (max over the batch, mean over samples).
    QLogEi {
        /// The conditional GP.
        cond: Box<ConditionalGp>,
        /// Best standardised value so far.
        threshold: f64,
    },
    /// q-batch constrained logEI with running trials (Optuna's qLogCEI): per sample and
    /// batch entry, log improvement plus `log sigmoid((c - threshold_c) / tau)` per
    /// constraint, max over the batch, mean over samples.
    QLogCei {
        /// The objective's conditional GP.
        cond: Box<ConditionalGp>,
        /// Best feasible standardised value (`-inf`: none, the improvement term is 0).
        threshold: f64,
        /// Each constraint's conditional GP and standardised zero.
        constraints: Vec<(ConditionalGp, f64)>,
    },
    /// q-batch logEHVI with running trials (Optuna's qLogEHVI): one conditional GP per
    /// objective, and per QMC sample the boxes of the history plus that sample's fantasies.
    QLogEhvi {
        /// One conditional GP per objective (same running points, own samples).
        conds: Vec<ConditionalGp>,
        /// Per-sample box lower bounds, `S x B x M` row-major (padded boxes are inert).
        lower: Vec<f64>,
        /// Per-sample box widths, `S x B x M`.
        intervals: Vec<f64>,
    },
    /// Monte-Carlo logEHVI over the non-dominated boxes (maximisation convention).
    LogEhvi {
        /// One GP per objective.
        models: Vec<Arc<GpModel>>,
        /// Box lower bounds, `B x M` row-major.
        lower: Vec<f64>,
        /// Box widths, `B x M`, floored at `EPS`.
        intervals: Vec<f64>,
        /// Standard normal samples, `S x M`.
        samples: Vec<f64>,
    },
}

/// `log(sum(exp(v)))`, and `v` turned into the softmax weights in place.
fn logsumexp_weights(v: &mut [f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        v.iter_mut().for_each(|w| *w = 0.0);
        return m;
    }
    let mut s = 0.0;
    for w in v.iter_mut() {
        *w = (*w - m).exp();
        s += *w;
    }
    v.iter_mut().for_each(|w| *w /= s);
    m + s.ln()
}

/// Value (and gradient, accumulated into `grad`) of a mean/variance functional `f(z)`,
/// `z = (mean - threshold) / sigma`, plus `log sigma` when `with_log_sigma`.
fn gaussian_term(
    model: &GpModel,
    x: &[f64],
    stab: f64,
    threshold: f64,
    f: fn(f64) -> (f64, f64),
    with_log_sigma: bool,
    grad: Option<&mut [f64]>,
) -> f64 {
    let d = model.dim();
    let mut dm = vec![0.0; d];
    let mut dv = vec![0.0; d];
    let want = grad.is_some();
    let (mean, var) = if want {
        model.posterior_grad(x, Some((&mut dm, &mut dv)))
    } else {
        model.posterior_grad(x, None)
    };
    gaussian_from_moments(
        mean,
        var,
        stab,
        threshold,
        f,
        with_log_sigma,
        grad.map(|g| (g, &dm[..], &dv[..])),
    )
}

fn gaussian_from_moments(
    mean: f64,
    var: f64,
    stab: f64,
    threshold: f64,
    f: fn(f64) -> (f64, f64),
    with_log_sigma: bool,
    grad: Option<(&mut [f64], &[f64], &[f64])>,
) -> f64 {
    let sigma = (var + stab).sqrt();
    let z = (mean - threshold) / sigma;
    let (v, g) = f(z);
    if let Some((out, dm, dv)) = grad {
        // dz/dmean = 1/sigma, dz/dvar = -z / (2 sigma^2), dlog(sigma)/dvar = 1 / (2 sigma^2).
        let a = g / sigma;
        let b = (-g * z + if with_log_sigma { 1.0 } else { 0.0 }) / (2.0 * sigma * sigma);
        for k in 0..out.len() {
            out[k] += a * dm[k] + b * dv[k];
        }
    }
    v + if with_log_sigma { sigma.ln() } else { 0.0 }
}

impl Term {
    fn eval(&self, x: &[f64], stab: f64, grad: Option<&mut [f64]>) -> f64 {
        match self {
            Term::LogEi { model, threshold } => {
                if *threshold == f64::NEG_INFINITY {
                    return 0.0;
                }
                gaussian_term(model, x, stab, *threshold, standard_logei, true, grad)
            }
            Term::LogPi { model, threshold } => {
                gaussian_term(model, x, stab, *threshold, log_pi, false, grad)
            }
            Term::QLogEi { cond, threshold } => {
                if *threshold == f64::NEG_INFINITY {
                    return 0.0;
                }
                qlogei(cond, *threshold, x, grad)
            }
            Term::LogEhvi {
                models,
                lower,
                intervals,
                samples,
            } => logehvi(models, lower, intervals, samples, x, stab, grad),
            Term::QLogEhvi {
                conds,
                lower,
                intervals,
            } => qlogehvi(conds, lower, intervals, x, grad),
            Term::QLogCei {
                cond,
                threshold,
                constraints,
            } => qlogcei(cond, *threshold, constraints, x, grad),
        }
    }

    fn eval_batch(&self, xs: &[f64], m: usize, stab: f64, out: &mut [f64]) {
        match self {
            Term::LogEi { model, threshold } | Term::LogPi { model, threshold } => {
                if matches!(self, Term::LogEi { .. }) && *threshold == f64::NEG_INFINITY {
                    return;
                }
                let is_ei = matches!(self, Term::LogEi { .. });
                let f = if is_ei { standard_logei } else { log_pi };
                let (means, vars) = model.posterior_batch(xs, m);
                for j in 0..m {
                    out[j] +=
                        gaussian_from_moments(means[j], vars[j], stab, *threshold, f, is_ei, None);
                }
            }
            _ => {
                let d = xs.len() / m.max(1);
                for j in 0..m {
                    out[j] += self.eval(&xs[j * d..(j + 1) * d], stab, None);
                }
            }
        }
    }
}

fn qlogei(cond: &ConditionalGp, threshold: f64, x: &[f64], grad: Option<&mut [f64]>) -> f64 {
    let d = x.len();
    let r = cond.r;
    let want = grad.is_some();
    let mut gs = if want {
        vec![0.0; cond.z_candidate.len() * d]
    } else {
        Vec::new()
    };
    let ys = cond.sample(x, want.then_some(&mut gs[..]));
    let s_n = ys.len();
    let mut u = vec![0.0; s_n];
    let mut cand_is_max = vec![false; s_n];
    for s in 0..s_n {
        let fmax = cond.fantasies[s * r..(s + 1) * r]
            .iter()
            .map(|f| (f - threshold).max(EPS).ln())
            .fold(f64::NEG_INFINITY, f64::max);
        let c = (ys[s] - threshold).max(EPS).ln();
        cand_is_max[s] = c > fmax;
        u[s] = c.max(fmax);
    }
    let lse = logsumexp_weights(&mut u) - (s_n as f64).ln();
    if let Some(g) = grad {
        for s in 0..s_n {
            let imp = ys[s] - threshold;
            if cand_is_max[s] && imp > EPS {
                let f = u[s] / imp;
                for k in 0..d {
                    g[k] += f * gs[s * d + k];
                }
            }
        }
    }
    lse
}

/// Optuna's temperature of the smoothed feasibility indicator in qLogCEI.
pub const Q_CONSTRAINT_TAU: f64 = 1e-2;

/// `log sigmoid(z)` and its derivative `sigmoid(-z)`.
fn log_sigmoid(z: f64) -> (f64, f64) {
    let v = if z >= 0.0 {
        -(-z).exp().ln_1p()
    } else {
        z - z.exp().ln_1p()
    };
    let d = if z >= 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    };
    (v, d)
}

fn qlogcei(
    cond: &ConditionalGp,
    threshold: f64,
    constraints: &[(ConditionalGp, f64)],
    x: &[f64],
    grad: Option<&mut [f64]>,
) -> f64 {
    let d = x.len();
    let r = cond.r;
    let s_n = cond.z_candidate.len();
    let want = grad.is_some();
    let has_obj = threshold != f64::NEG_INFINITY;
    let mut g_obj = if want { vec![0.0; s_n * d] } else { Vec::new() };
    let y = cond.sample(x, want.then_some(&mut g_obj[..]));
    let mut cons_samples = Vec::with_capacity(constraints.len());
    for (c, _) in constraints {
        let mut g = if want { vec![0.0; s_n * d] } else { Vec::new() };
        let v = c.sample(x, want.then_some(&mut g[..]));
        cons_samples.push((v, g));
    }
    let mut u = vec![0.0; s_n];
    let mut cand_is_max = vec![false; s_n];
    for s in 0..s_n {
        let entry = |j: usize| -> f64 {
            // j < r: running fantasies; j == r: the candidate.
            let yv = if j < r {
                cond.fantasies[s * r + j]
            } else {
                y[s]
            };
            let mut v = if has_obj {
                (yv - threshold).max(EPS).ln()
            } else {
                0.0
            };
            for (k, (c, thr)) in constraints.iter().enumerate() {
                let cv = if j < r {
                    c.fantasies[s * r + j]
                } else {
                    cons_samples[k].0[s]
                };
                v += log_sigmoid((cv - thr) / Q_CONSTRAINT_TAU).0;
            }
            v
        };
        let fmax = (0..r).map(entry).fold(f64::NEG_INFINITY, f64::max);
        let c = entry(r);
        cand_is_max[s] = c > fmax;
        u[s] = c.max(fmax);
    }
    let value = logsumexp_weights(&mut u) - (s_n as f64).ln();
    if let Some(g) = grad {
        for s in 0..s_n {
            if !cand_is_max[s] || u[s] == 0.0 {
                continue;
            }
            let w = u[s];
            let imp = y[s] - threshold;
            if has_obj && imp > EPS {
                for k in 0..d {
                    g[k] += w / imp * g_obj[s * d + k];
                }
            }
            for (k, (_, thr)) in constraints.iter().enumerate() {
                let (cv, cg) = (&cons_samples[k].0, &cons_samples[k].1);
                let dz = log_sigmoid((cv[s] - thr) / Q_CONSTRAINT_TAU).1 / Q_CONSTRAINT_TAU;
                for kk in 0..d {
                    g[kk] += w * dz * cg[s * d + kk];
                }
            }
        }
    }
    value
}

fn qlogehvi(
    conds: &[ConditionalGp],
    lower: &[f64],
    intervals: &[f64],
    x: &[f64],
    grad: Option<&mut [f64]>,
) -> f64 {
    let n_obj = conds.len();
    let d = x.len();
    let want = grad.is_some();
    let s_n = conds[0].z_candidate.len();
    let n_boxes = lower.len() / (s_n * n_obj).max(1);
    let mut gs: Vec<Vec<f64>> = Vec::with_capacity(n_obj);
    let mut ys: Vec<Vec<f64>> = Vec::with_capacity(n_obj);
    for c in conds {
        let mut g = if want { vec![0.0; s_n * d] } else { Vec::new() };
        ys.push(c.sample(x, want.then_some(&mut g[..])));
        gs.push(g);
    }
    // Per sample: log HVI_s = logsumexp_b sum_m log clamp(y_sm - lb_sbm, EPS, width_sbm).
    let mut per_sample = vec![0.0; s_n];
    let mut box_weights = vec![0.0; s_n * n_boxes];
    for s in 0..s_n {
        let w = &mut box_weights[s * n_boxes..(s + 1) * n_boxes];
        for b in 0..n_boxes {
            let base = (s * n_boxes + b) * n_obj;
            let mut t = 0.0;
            for m in 0..n_obj {
                t += (ys[m][s] - lower[base + m])
                    .clamp(EPS, intervals[base + m])
                    .ln();
            }
            w[b] = t;
        }
        per_sample[s] = logsumexp_weights(w);
    }
    let value = logsumexp_weights(&mut per_sample) - (s_n as f64).ln();
    if let Some(g) = grad {
        for s in 0..s_n {
            let v = per_sample[s];
            if v == 0.0 {
                continue;
            }
            for b in 0..n_boxes {
                let w = box_weights[s * n_boxes + b] * v;
                if w == 0.0 {
                    continue;
                }
                let base = (s * n_boxes + b) * n_obj;
                for m in 0..n_obj {
                    let diff = ys[m][s] - lower[base + m];
                    if diff >= EPS && diff <= intervals[base + m] {
                        let f = w / diff;
                        for k in 0..d {
                            g[k] += f * gs[m][s * d + k];
                        }
                    }
                }
            }
        }
    }
    value
}

fn logehvi(
    models: &[Arc<GpModel>],
    lower: &[f64],
    intervals: &[f64],
    samples: &[f64],
    x: &[f64],
    stab: f64,
    grad: Option<&mut [f64]>,
) -> f64 {
    let n_obj = models.len();
    let d = x.len();
    let n_boxes = lower.len() / n_obj;
    let s_n = samples.len() / n_obj;
    let want = grad.is_some();
    let mut means = vec![0.0; n_obj];
    let mut sds = vec![0.0; n_obj];
    let mut dms = vec![0.0; n_obj * d];
    let mut dvs = vec![0.0; n_obj * d];
    for (i, m) in models.iter().enumerate() {
        let (mu, var) = if want {
            let (a, b) = (&mut dms[i * d..(i + 1) * d], &mut dvs[i * d..(i + 1) * d]);
            m.posterior_grad(x, Some((a, b)))
        } else {
            m.posterior_grad(x, None)
        };
        means[i] = mu;
        sds[i] = (var + stab).sqrt();
    }
    let mut terms = vec![0.0; s_n * n_boxes];
    for s in 0..s_n {
        for b in 0..n_boxes {
            let mut t = 0.0;
            for i in 0..n_obj {
                let y = means[i] + sds[i] * samples[s * n_obj + i];
                t += (y - lower[b * n_obj + i])
                    .clamp(EPS, intervals[b * n_obj + i])
                    .ln();
            }
            terms[s * n_boxes + b] = t;
        }
    }
    let value = logsumexp_weights(&mut terms) - (s_n as f64).ln();
    if let Some(g) = grad {
        let mut dmean = vec![0.0; n_obj];
        let mut dsd = vec![0.0; n_obj];
        for s in 0..s_n {
            for b in 0..n_boxes {
                let w = terms[s * n_boxes + b];
                if w == 0.0 {
                    continue;
                }
                for i in 0..n_obj {
                    let xi = samples[s * n_obj + i];
                    let diff = means[i] + sds[i] * xi - lower[b * n_obj + i];
                    if diff >= EPS && diff <= intervals[b * n_obj + i] {
                        dmean[i] += w / diff;
                        dsd[i] += w * xi / diff;
                    }
                }
            }
        }
        for i in 0..n_obj {
            let dv = dsd[i] / (2.0 * sds[i]);
            for k in 0..d {
                g[k] += dmean[i] * dms[i * d + k] + dv * dvs[i * d + k];
            }
        }
    }
    value
}

/// An acquisition function: a sum of [`Term`]s (e.g. logEI plus one logPI per
/// constraint), to be maximised.
#[derive(Clone, Debug)]
pub struct Acqf {
    terms: Vec<Term>,
    stabilizing_noise: f64,
    dim: usize,
    lengthscales: Vec<f64>,
}

impl Acqf {
    /// The sum of `terms`; `lengthscales` precondition the continuous local search.
    pub fn new(
        terms: Vec<Term>,
        stabilizing_noise: f64,
        dim: usize,
        lengthscales: Vec<f64>,
    ) -> CoreResult<Self> {
        if terms.is_empty() {
            return Err(CoreError::InvalidArgument(
                "an acquisition function needs at least one term".into(),
            ));
        }
        if lengthscales.len() != dim {
            return Err(CoreError::ShapeMismatch(format!(
                "`lengthscales` must have {dim} entries"
            )));
        }
        Ok(Self {
            terms,
            stabilizing_noise,
            dim,
            lengthscales,
        })
    }

    /// Number of dimensions.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Lengthscales used to precondition the local search.
    pub fn lengthscales(&self) -> &[f64] {
        &self.lengthscales
    }

    /// The value at `x`, with its gradient written to `grad` when given.
    pub fn eval(&self, x: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        if let Some(g) = grad.as_deref_mut() {
            g.iter_mut().for_each(|v| *v = 0.0);
        }
        let mut v = 0.0;
        for t in &self.terms {
            v += t.eval(x, self.stabilizing_noise, grad.as_deref_mut());
        }
        v
    }

    /// Values at `m` points (row-major `m x d`).
    pub fn eval_batch(&self, xs: &[f64], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; m];
        for t in &self.terms {
            t.eval_batch(xs, m, self.stabilizing_noise, &mut out);
        }
        out
    }
}
