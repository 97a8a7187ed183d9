//! Bound-constrained limited-memory BFGS (after Byrd, Lu, Nocedal & Zhu 1995 and
//! Nocedal & Wright 2006, alg. 7.4 and §16.7): the two-loop recursion on the free
//! variables (those not held at a bound by their gradient), a projected backtracking
//! line search with the Armijo condition, and scipy's stopping rules (`pgtol` on the
//! projected gradient, `factr * eps` on the relative decrease).

use std::collections::VecDeque;

use crate::error::{CoreError, CoreResult};

/// Options, with scipy's `fmin_l_bfgs_b` defaults.
#[derive(Clone, Debug)]
pub struct Options {
    /// Number of correction pairs kept.
    pub m: usize,
    /// Stop when the relative decrease is below `factr * machine epsilon`.
    pub factr: f64,
    /// Stop when the max-norm of the projected gradient is below this.
    pub pgtol: f64,
    /// Maximum iterations.
    pub max_iters: usize,
    /// Maximum function evaluations.
    pub max_evals: usize,
    /// Maximum evaluations per line search.
    pub max_line_search: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            m: 10,
            factr: 1e7,
            pgtol: 1e-5,
            max_iters: 15000,
            max_evals: 15000,
            max_line_search: 20,
        }
    }
}

/// Why the run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Projected gradient below `pgtol`.
    GradientTolerance,
    /// Relative decrease below `factr * eps`.
    FunctionTolerance,
    /// No decrease found along the steepest descent direction.
    LineSearch,
    /// Iteration or evaluation budget exhausted.
    Budget,
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Best point.
    pub x: Vec<f64>,
    /// Objective at `x`.
    pub f: f64,
    /// Iterations (accepted steps).
    pub n_iters: usize,
    /// Objective evaluations.
    pub n_evals: usize,
    /// Stopping reason.
    pub status: Status,
    /// The correction pairs `(s, y)` held at the end, oldest first: a later run on a
    /// similar objective can start from them ([`minimize_from`]).
    pub memory: Vec<(Vec<f64>, Vec<f64>)>,
}

fn project(x: &mut [f64], bounds: Option<&[(f64, f64)]>) {
    if let Some(b) = bounds {
        for (v, &(lo, hi)) in x.iter_mut().zip(b) {
            *v = v.clamp(lo, hi);
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimise `fg` (value, writing the gradient into its second argument) from `x0`, within
/// `bounds` (`(low, high)` per coordinate) when given.
pub fn minimize<F>(
    fg: F,
    x0: &[f64],
    bounds: Option<&[(f64, f64)]>,
    opts: &Options,
) -> CoreResult<Outcome>
where
    F: FnMut(&[f64], &mut [f64]) -> CoreResult<f64>,
{
    minimize_from(fg, x0, bounds, opts, &[])
}

/// [`minimize`] with the curvature memory seeded by `memory` (correction pairs `(s, y)`,
/// oldest first, e.g. [`Outcome::memory`] of a run on a neighbouring objective); pairs of
/// the wrong length or without positive curvature are ignored. The stopping rules are
/// unchanged: only the path to a point that meets them differs.
pub fn minimize_from<F>(
    mut fg: F,
    x0: &[f64],
    bounds: Option<&[(f64, f64)]>,
    opts: &Options,
    memory: &[(Vec<f64>, Vec<f64>)],
) -> CoreResult<Outcome>
where
    F: FnMut(&[f64], &mut [f64]) -> CoreResult<f64>,
{
    let n = x0.len();
    if let Some(b) = bounds {
        if b.len() != n || b.iter().any(|&(lo, hi)| !(lo <= hi)) {
            return Err(CoreError::InvalidArgument(
                "L-BFGS-B bounds must have one (low <= high) pair per coordinate".into(),
            ));
        }
    }
    let bound = |i: usize| bounds.map_or((f64::NEG_INFINITY, f64::INFINITY), |b| b[i]);
    let mut x = x0.to_vec();
    project(&mut x, bounds);
    let mut g = vec![0.0; n];
    let mut f = fg(&x, &mut g)?;
    if !f.is_finite() {
        return Err(CoreError::Numerical(format!(
            "L-BFGS-B: objective is not finite at the start ({f})"
        )));
    }
    let mut n_evals = 1;
    let mut n_iters = 0;
    let mut mem: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    for (s, y) in memory.iter().rev().take(opts.m).rev() {
        let sy = dot(s, y);
        if s.len() == n && y.len() == n && sy.is_finite() && sy > f64::EPSILON * dot(y, y) {
            mem.push_back((s.clone(), y.clone(), 1.0 / sy));
        }
    }
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    let mut d = vec![0.0; n];
    let mut alpha = vec![0.0; opts.m.max(1)];
    let status = loop {
        // Projected gradient and the free set.
        let mut pg_max = 0.0_f64;
        let mut free = vec![true; n];
        for i in 0..n {
            let (l, h) = bound(i);
            let pg = (x[i] - g[i]).clamp(l, h) - x[i];
            pg_max = pg_max.max(pg.abs());
            free[i] = !((x[i] <= l && g[i] > 0.0) || (x[i] >= h && g[i] < 0.0));
        }
        if pg_max <= opts.pgtol {
            break Status::GradientTolerance;
        }
        if n_iters >= opts.max_iters || n_evals >= opts.max_evals {
            break Status::Budget;
        }
        // Two-loop recursion (N&W alg. 7.4) on the free coordinates.
        for i in 0..n {
            d[i] = if free[i] { g[i] } else { 0.0 };
        }
        for (k, (s, y, rho)) in mem.iter().enumerate().rev() {
            let a = rho * dot(s, &d);
            alpha[k] = a;
            for i in 0..n {
                d[i] -= a * y[i];
            }
        }
        if let Some((s, y, _)) = mem.back() {
            let gamma = dot(s, y) / dot(y, y);
            d.iter_mut().for_each(|v| *v *= gamma);
        }
        for (k, (s, y, rho)) in mem.iter().enumerate() {
            let b = rho * dot(y, &d);
            for i in 0..n {
                d[i] += (alpha[k] - b) * s[i];
            }
        }
        for i in 0..n {
            d[i] = if free[i] { -d[i] } else { 0.0 };
        }
        if dot(&d, &g) >= 0.0 {
            mem.clear();
            for i in 0..n {
                d[i] = if free[i] { -g[i] } else { 0.0 };
            }
        }
        let dmax = d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut step = if mem.is_empty() {
            (1.0 / dmax).min(1.0)
        } else {
            1.0
        };
        // Projected backtracking line search (Armijo on the projected step).
        let mut accepted = false;
        let mut fnew = f;
        for _ in 0..opts.max_line_search {
            for i in 0..n {
                xn[i] = x[i] + step * d[i];
            }
            project(&mut xn, bounds);
            let gdx: f64 = (0..n).map(|i| g[i] * (xn[i] - x[i])).sum();
            if xn == x {
                break;
            }
            fnew = fg(&xn, &mut gn)?;
            n_evals += 1;
            if fnew.is_finite() && fnew <= f + 1e-4 * gdx {
                accepted = true;
                break;
            }
            // Safeguarded quadratic interpolation of the step.
            let q = if fnew.is_finite() {
                let denom = 2.0 * (fnew - f - gdx);
                if denom > 0.0 {
                    -gdx * step / denom
                } else {
                    0.5 * step
                }
            } else {
                0.1 * step
            };
            step = q.clamp(0.1 * step, 0.5 * step);
            if n_evals >= opts.max_evals {
                break;
            }
        }
        if !accepted {
            if mem.is_empty() {
                break Status::LineSearch;
            }
            mem.clear();
            continue;
        }
        let s: Vec<f64> = (0..n).map(|i| xn[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
        let sy = dot(&s, &y);
        if sy > f64::EPSILON * dot(&y, &y) {
            if mem.len() == opts.m {
                mem.pop_front();
            }
            mem.push_back((s, y, 1.0 / sy));
        }
        let fold = f;
        x.copy_from_slice(&xn);
        g.copy_from_slice(&gn);
        f = fnew;
        n_iters += 1;
        if (fold - f) / fold.abs().max(f.abs()).max(1.0) <= opts.factr * f64::EPSILON {
            break Status::FunctionTolerance;
        }
    };
    Ok(Outcome {
        x,
        f,
        n_iters,
        n_evals,
        status,
        memory: mem.into_iter().map(|(s, y, _)| (s, y)).collect(),
    })
}
