//! Mixed continuous/discrete acquisition optimisation (Optuna's `optimize_acqf_mixed`):
//! quasi-random preliminary points, the best of them plus roulette-selected others plus
//! warm starts as local-search starts; each local search alternates L-BFGS-B on the
//! continuous dimensions (preconditioned by the lengthscales) with a search over each
//! discrete dimension (exhaustive for categorical and small grids, a golden-section
//! search over the grid indices otherwise) until no dimension changes.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use rayon::prelude::*;

use super::acqf::Acqf;
use super::lbfgsb::{minimize, Options};
use super::qmc;
use crate::error::{CoreError, CoreResult};

/// One dimension of the normalised search space.
#[derive(Clone, Debug, PartialEq)]
pub enum Dim {
    /// Continuous in `[0, 1]`.
    Continuous,
    /// A sorted grid of normalised values (int and stepped params).
    Grid(Vec<f64>),
    /// `n` unordered choices, coded `0..n`.
    Categorical(usize),
}

impl Dim {
    fn choices(&self) -> Option<Vec<f64>> {
        match self {
            Dim::Continuous => None,
            Dim::Grid(g) => Some(g.clone()),
            Dim::Categorical(n) => Some((0..*n).map(|i| i as f64).collect()),
        }
    }
}

/// Settings of the optimiser (Optuna's defaults in `Default`).
#[derive(Clone, Debug)]
pub struct OptimOptions {
    /// Quasi-random points evaluated first.
    pub n_preliminary_samples: usize,
    /// Number of local searches.
    pub n_local_search: usize,
    /// Tolerance: L-BFGS-B's `pgtol` is its square root.
    pub tol: f64,
    /// Maximum rounds of a local search.
    pub max_iter: usize,
    /// Seed of the preliminary points and the roulette.
    pub seed: u64,
}

impl Default for OptimOptions {
    fn default() -> Self {
        Self {
            n_preliminary_samples: 2048,
            n_local_search: 10,
            tol: 1e-4,
            max_iter: 100,
            seed: 0,
        }
    }
}

/// Snap `u` in `[0, 1)` to a dimension's representation.
fn snap(dim: &Dim, u: f64) -> f64 {
    match dim {
        Dim::Continuous => u,
        Dim::Categorical(n) => (u * *n as f64).floor().min(*n as f64 - 1.0),
        Dim::Grid(g) => nearest(g, u).1,
    }
}

fn nearest(g: &[f64], x: f64) -> (usize, f64) {
    let i = g
        .partition_point(|v| *v < x)
        .clamp(1, g.len().max(2) - 1)
        .min(g.len() - 1);
    if g.len() == 1 {
        return (0, g[0]);
    }
    if (x - g[i - 1]).abs() <= (x - g[i]).abs() {
        (i - 1, g[i - 1])
    } else {
        (i, g[i])
    }
}

struct Searcher<'a> {
    acqf: &'a Acqf,
    dims: &'a [Dim],
    cont: Vec<usize>,
    ls: Vec<f64>,
    pgtol: f64,
}

impl Searcher<'_> {
    /// L-BFGS-B on the continuous dims in the scaled space `z = x / l`, `z in [0, 1/l]`.
    fn gradient_ascent(&self, x: &mut [f64], fx: &mut f64) -> CoreResult<bool> {
        if self.cont.is_empty() {
            return Ok(false);
        }
        let d = x.len();
        let z0: Vec<f64> = self
            .cont
            .iter()
            .zip(&self.ls)
            .map(|(&k, l)| x[k] / l)
            .collect();
        let bounds: Vec<(f64, f64)> = self.ls.iter().map(|l| (0.0, 1.0 / l)).collect();
        let mut work = x.to_vec();
        let mut g = vec![0.0; d];
        let opts = Options {
            pgtol: self.pgtol,
            max_iters: 200,
            ..Options::default()
        };
        let out = minimize(
            |z, gz| {
                for (i, &k) in self.cont.iter().enumerate() {
                    work[k] = z[i] * self.ls[i];
                }
                let v = self.acqf.eval(&work, Some(&mut g));
                for (i, &k) in self.cont.iter().enumerate() {
                    gz[i] = -g[k] * self.ls[i];
                }
                if v.is_finite() {
                    Ok(-v)
                } else {
                    Ok(f64::INFINITY)
                }
            },
            &z0,
            Some(&bounds),
            &opts,
        );
        let out = match out {
            Ok(o) => o,
            Err(_) => return Ok(false),
        };
        let fnew = -out.f;
        if out.n_iters > 0 && fnew > *fx {
            for (i, &k) in self.cont.iter().enumerate() {
                x[k] = out.x[i] * self.ls[i];
            }
            *fx = fnew;
            return Ok(true);
        }
        Ok(false)
    }

    fn discrete(&self, x: &mut [f64], fx: &mut f64, k: usize, choices: &[f64]) -> bool {
        if choices.len() <= 1 {
            return false;
        }
        let d = x.len();
        let exhaustive = matches!(self.dims[k], Dim::Categorical(_)) || choices.len() <= 16;
        if exhaustive {
            let others: Vec<f64> = choices.iter().copied().filter(|c| *c != x[k]).collect();
            let mut pts = Vec::with_capacity(others.len() * d);
            for c in &others {
                pts.extend_from_slice(x);
                let last = pts.len() - d + k;
                pts[last] = *c;
            }
            let vals = self.acqf.eval_batch(&pts, others.len());
            let (bi, bv) =
                vals.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
                        if v > bv {
                            (i, v)
                        } else {
                            (bi, bv)
                        }
                    });
            if bv > *fx {
                x[k] = others[bi];
                *fx = bv;
                return true;
            }
            return false;
        }
        // Golden-section search over grid indices, bracketed by the ends and the current
        // index (the discrete analogue of Optuna's Brent search on the interpolation).
        let (cur, _) = nearest(choices, x[k]);
        let mut cache: std::collections::HashMap<usize, f64> = std::collections::HashMap::new();
        cache.insert(cur, *fx);
        let mut work = x.to_vec();
        let mut f = |i: usize, cache: &mut std::collections::HashMap<usize, f64>| -> f64 {
            if let Some(v) = cache.get(&i) {
                return *v;
            }
            work[k] = choices[i];
            let v = self.acqf.eval(&work, None);
            let v = if v.is_nan() { f64::NEG_INFINITY } else { v };
            cache.insert(i, v);
            v
        };
        let (mut lo, mut hi) = (0usize, choices.len() - 1);
        let mut best = (cur, *fx);
        while hi - lo > 2 {
            let m1 = lo + (hi - lo) * 382 / 1000;
            let m2 = hi - (hi - lo) * 382 / 1000;
            let (m1, m2) = if m1 >= m2 { (m1, m1 + 1) } else { (m1, m2) };
            let (f1, f2) = (f(m1, &mut cache), f(m2, &mut cache));
            for (i, v) in [(m1, f1), (m2, f2)] {
                if v > best.1 {
                    best = (i, v);
                }
            }
            if f1 >= f2 {
                hi = m2 - 1;
            } else {
                lo = m1 + 1;
            }
        }
        for i in lo..=hi {
            let v = f(i, &mut cache);
            if v > best.1 {
                best = (i, v);
            }
        }
        if best.0 != cur && best.1 > *fx {
            x[k] = choices[best.0];
            *fx = best.1;
            return true;
        }
        false
    }

    /// One local search from `x` (Optuna's `local_search_mixed`, one start).
    fn local_search(&self, x: &mut [f64], fx: &mut f64, max_iter: usize) -> CoreResult<()> {
        const CONTINUOUS: usize = usize::MAX;
        let discrete: Vec<(usize, Vec<f64>)> = self
            .dims
            .iter()
            .enumerate()
            .filter_map(|(k, dim)| dim.choices().map(|c| (k, c)))
            .collect();
        let mut last = CONTINUOUS;
        for _ in 0..max_iter {
            if self.gradient_ascent(x, fx)? {
                last = CONTINUOUS;
            }
            for (k, choices) in &discrete {
                if last == *k {
                    return Ok(());
                }
                if self.discrete(x, fx, *k, choices) {
                    last = *k;
                }
            }
            if last == CONTINUOUS {
                return Ok(());
            }
        }
        Ok(())
    }
}

/// `n` quasi-random points of the space (row-major), snapped to grids and choices.
pub fn sample_space(dims: &[Dim], n: usize, seed: u64) -> Vec<f64> {
    let d = dims.len();
    let mut xs = qmc::uniform(n, d, seed);
    for i in 0..n {
        for (k, dim) in dims.iter().enumerate() {
            xs[i * d + k] = snap(dim, xs[i * d + k]);
        }
    }
    xs
}

/// Maximise `acqf` over `dims`; `warmstart` (row-major, `d` columns) are extra local-search
/// starts. Returns the best point and its value.
pub fn optimize_acqf_mixed(
    acqf: &Acqf,
    dims: &[Dim],
    warmstart: &[f64],
    opts: &OptimOptions,
) -> CoreResult<(Vec<f64>, f64)> {
    let d = dims.len();
    if d != acqf.dim() || d == 0 {
        return Err(CoreError::ShapeMismatch(format!(
            "the search space has {d} dimensions, the acquisition function {}",
            acqf.dim()
        )));
    }
    if !warmstart.len().is_multiple_of(d) {
        return Err(CoreError::ShapeMismatch(
            "`warmstart` must have d columns".into(),
        ));
    }
    let n_warm = warmstart.len() / d;
    if n_warm + 1 > opts.n_local_search.max(1) {
        return Err(CoreError::InvalidArgument(format!(
            "{n_warm} warm starts leave no room among {} local searches",
            opts.n_local_search
        )));
    }
    let n = opts.n_preliminary_samples.max(1);
    let xs = sample_space(dims, n, opts.seed);
    let fs: Vec<f64> = acqf
        .eval_batch(&xs, n)
        .into_iter()
        .map(|v| if v.is_nan() { f64::NEG_INFINITY } else { v })
        .collect();
    let best = fs
        .iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0;
    // Roulette without replacement, weights exp(f - f_max), the best excluded
    // (Efraimidis & Spirakis 2006 keys: log(u) / w, largest first).
    let mut rng = Pcg64::seed_from_u64(opts.seed ^ 0x9E37_79B9_7F4A_7C15);
    let fmax = fs[best];
    let mut keyed: Vec<(f64, usize)> = fs
        .iter()
        .enumerate()
        .filter_map(|(i, &f)| {
            let w = (f - fmax).exp();
            (i != best && w > 0.0 && w.is_finite()).then(|| {
                let u: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
                (u.ln() / w, i)
            })
        })
        .collect();
    let n_extra = (opts.n_local_search - n_warm - 1).min(keyed.len());
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut starts: Vec<usize> = vec![best];
    starts.extend(keyed.iter().take(n_extra).map(|(_, i)| *i));
    let mut points: Vec<Vec<f64>> = starts
        .iter()
        .map(|&i| xs[i * d..(i + 1) * d].to_vec())
        .collect();
    points.extend(warmstart.chunks(d).map(<[f64]>::to_vec));

    let cont: Vec<usize> = (0..d).filter(|&k| dims[k] == Dim::Continuous).collect();
    let all_ls = acqf.lengthscales();
    let searcher = Searcher {
        acqf,
        dims,
        ls: cont.iter().map(|&k| all_ls[k]).collect(),
        cont,
        pgtol: opts.tol.sqrt(),
    };
    // Local searches are independent: run them in parallel, pick the best in start order.
    let results: Vec<CoreResult<(Vec<f64>, f64)>> = points
        .into_par_iter()
        .map(|mut x| {
            let mut fx = acqf.eval(&x, None);
            if fx.is_nan() {
                fx = f64::NEG_INFINITY;
            }
            searcher.local_search(&mut x, &mut fx, opts.max_iter)?;
            Ok((x, fx))
        })
        .collect();
    let mut best_x = Vec::new();
    let mut best_f = f64::NEG_INFINITY;
    for r in results {
        let (x, fx) = r?;
        if best_x.is_empty() || fx > best_f {
            best_f = fx;
            best_x = x;
        }
    }
    Ok((best_x, best_f))
}
