//! The crossovers Optuna ships, on parents in the transformed numerical space.
//!
//! Each one writes one child into `out` from `parents` (rows of length `d`) and the
//! transformed `bounds`; distributions follow Optuna 5.0's operators.

use crate::cmaes::Rng;
use crate::error::{CoreError, CoreResult};

/// A crossover with its (already resolved) parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Crossover {
    /// Uniform crossover (Syswerda 1989): each gene from the second parent with
    /// probability `1 - swapping_prob`.
    Uniform { swapping_prob: f64 },
    /// BLX-alpha (Eshelman and Schaffer 1992, eq. 1): uniform in the parents' box widened
    /// by `alpha` times its width on each side.
    BlxAlpha { alpha: f64 },
    /// Simplex crossover (Tsutsui et al. 2000, eqs. 1-5) with three parents; `epsilon`
    /// is the expansion rate (`sqrt(d + 2)` when `None`).
    Spx { epsilon: Option<f64> },
    /// Simulated binary crossover (Deb and Agrawal 1995, eqs. 3-5).
    Sbx(SbxParams),
    /// SBX variant excluding no region (Ballester and Carter 2003).
    Vsbx(SbxParams),
    /// Unimodal normal distribution crossover (Kita et al. 1999, eqs. 2-5) with three
    /// parents; the normal draws use `sigma ** 2` as their scale, as Optuna does.
    Undx {
        sigma_xi: f64,
        sigma_eta: Option<f64>,
    },
}

/// Parameters shared by SBX and VSBX.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SbxParams {
    /// Distribution index (resolved by the caller: Optuna uses 20 for multi-objective
    /// studies and 2 otherwise).
    pub eta: f64,
    /// Probability of swapping a gene between the two candidate children.
    pub uniform_crossover_prob: f64,
    /// Probability of using a generated gene instead of the parent's.
    pub use_child_gene_prob: f64,
}

impl Crossover {
    /// Number of parents the crossover takes.
    pub fn n_parents(&self) -> usize {
        match self {
            Crossover::Spx { .. } | Crossover::Undx { .. } => 3,
            _ => 2,
        }
    }

    /// Check the parameters (probabilities in [0, 1], eta >= 0, finite values).
    pub fn validate(&self) -> CoreResult<()> {
        let prob = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(CoreError::InvalidArgument(format!(
                    "{name} must be in [0, 1], got {v}"
                )))
            }
        };
        let finite = |name: &str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(CoreError::InvalidArgument(format!(
                    "{name} must be finite, got {v}"
                )))
            }
        };
        match *self {
            Crossover::Uniform { swapping_prob } => prob("swapping_prob", swapping_prob),
            Crossover::BlxAlpha { alpha } => finite("alpha", alpha),
            Crossover::Spx { epsilon } => epsilon.map_or(Ok(()), |e| finite("epsilon", e)),
            Crossover::Sbx(p) | Crossover::Vsbx(p) => {
                if !(p.eta >= 0.0 && p.eta.is_finite()) {
                    return Err(CoreError::InvalidArgument(format!(
                        "eta must be a finite value >= 0, got {}",
                        p.eta
                    )));
                }
                prob("uniform_crossover_prob", p.uniform_crossover_prob)?;
                prob("use_child_gene_prob", p.use_child_gene_prob)
            }
            Crossover::Undx {
                sigma_xi,
                sigma_eta,
            } => {
                finite("sigma_xi", sigma_xi)?;
                sigma_eta.map_or(Ok(()), |s| finite("sigma_eta", s))
            }
        }
    }

    /// Write one child of `parents` into `out` (`bounds[j] = (low, high)`).
    pub fn apply(&self, parents: &[&[f64]], bounds: &[[f64; 2]], rng: &mut Rng, out: &mut [f64]) {
        match *self {
            Crossover::Uniform { swapping_prob } => {
                for (j, o) in out.iter_mut().enumerate() {
                    let second = rng.uniform() >= swapping_prob;
                    *o = parents[usize::from(second)][j];
                }
            }
            Crossover::BlxAlpha { alpha } => {
                for (j, o) in out.iter_mut().enumerate() {
                    let (lo, hi) = min_max(parents, j);
                    let spread = alpha * (hi - lo);
                    let (low, high) = (lo - spread, hi + spread);
                    *o = (high - low) * rng.uniform() + low;
                }
            }
            Crossover::Spx { epsilon } => spx(parents, bounds.len(), epsilon, rng, out),
            Crossover::Sbx(p) => sbx(parents, bounds, p, rng, out),
            Crossover::Vsbx(p) => vsbx(parents, p, rng, out),
            Crossover::Undx {
                sigma_xi,
                sigma_eta,
            } => undx(parents, sigma_xi, sigma_eta, rng, out),
        }
    }
}

fn min_max(parents: &[&[f64]], j: usize) -> (f64, f64) {
    parents
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p[j]), hi.max(p[j]))
        })
}

/// SPX: centroid (eq. 1), r_k = u^(1/(k+1)) (eq. 2), expanded vertices (eq. 3), the
/// recursion (eq. 4) and the child (eq. 5).
fn spx(parents: &[&[f64]], d: usize, epsilon: Option<f64>, rng: &mut Rng, out: &mut [f64]) {
    let k = parents.len();
    let eps = epsilon.unwrap_or_else(|| ((d + 2) as f64).sqrt());
    let r: Vec<f64> = (0..k - 1)
        .map(|i| rng.uniform().powf(1.0 / (i as f64 + 1.0)))
        .collect();
    for (j, o) in out.iter_mut().enumerate() {
        let centroid = parents.iter().map(|p| p[j]).sum::<f64>() / k as f64;
        let x = |i: usize| centroid + eps * (parents[i][j] - centroid);
        let mut c = 0.0;
        for i in 1..k {
            c = r[i - 1] * (x(i - 1) - x(i) + c);
        }
        *o = x(k - 1) + c;
    }
}

/// Mix the two candidate children with the parents gene by gene, then pick one child.
fn mix_children(
    c1: &[f64],
    c2: &[f64],
    parents: &[&[f64]],
    p: SbxParams,
    rng: &mut Rng,
    out: &mut [f64],
) {
    let mut other = vec![0.0; out.len()];
    for j in 0..out.len() {
        let (a, b) = if rng.uniform() < p.use_child_gene_prob {
            (c1[j], c2[j])
        } else {
            (parents[0][j], parents[1][j])
        };
        let (first, second) = if rng.uniform() >= p.uniform_crossover_prob {
            (a, b)
        } else {
            (b, a)
        };
        out[j] = first;
        other[j] = second;
    }
    if rng.uniform() >= 0.5 {
        out.copy_from_slice(&other);
    }
}

/// SBX with bounds: spread factors from the bounded polynomial distribution (eq. 3) and
/// the two children (eqs. 4-5).
fn sbx(parents: &[&[f64]], bounds: &[[f64; 2]], p: SbxParams, rng: &mut Rng, out: &mut [f64]) {
    let d = out.len();
    let power = 1.0 / (p.eta + 1.0);
    let mut c1 = vec![0.0; d];
    let mut c2 = vec![0.0; d];
    for j in 0..d {
        let (x_min, x_max) = min_max(&parents[..2], j);
        let diff = (x_max - x_min).max(1e-10);
        let beta1 = 1.0 + 2.0 * (x_min - bounds[j][0]) / diff;
        let beta2 = 1.0 + 2.0 * (bounds[j][1] - x_max) / diff;
        let alpha1 = 2.0 - beta1.powf(-(p.eta + 1.0));
        let alpha2 = 2.0 - beta2.powf(-(p.eta + 1.0));
        let u = rng.uniform();
        let spread = |alpha: f64| {
            let ua = u * alpha;
            if u > 1.0 / alpha {
                (1.0 / (2.0 - ua)).powf(power)
            } else {
                ua.powf(power)
            }
        };
        let mid = x_min + x_max;
        c1[j] = 0.5 * (mid - spread(alpha1) * diff);
        c2[j] = 0.5 * (mid + spread(alpha2) * diff);
    }
    mix_children(&c1, &c2, parents, p, rng, out);
}

/// VSBX: spread factors from both tails, each child on either side of the parents.
fn vsbx(parents: &[&[f64]], p: SbxParams, rng: &mut Rng, out: &mut [f64]) {
    let d = out.len();
    let eps = 1e-10;
    let power = 1.0 / (p.eta + 1.0);
    let us: Vec<f64> = (0..d).map(|_| rng.uniform()).collect();
    let first_low = rng.uniform() <= 0.5;
    let second_low = rng.uniform() <= 0.5;
    let (x1, x2) = (parents[0], parents[1]);
    let mut c1 = vec![0.0; d];
    let mut c2 = vec![0.0; d];
    for j in 0..d {
        let beta1 = (1.0 / (2.0 * us[j]).max(eps)).powf(power);
        let beta2 = (1.0 / (2.0 * (1.0 - us[j])).max(eps)).powf(power);
        c1[j] = if first_low {
            0.5 * ((1.0 + beta1) * x1[j] + (1.0 - beta2) * x2[j])
        } else {
            0.5 * ((1.0 - beta1) * x1[j] + (1.0 + beta2) * x2[j])
        };
        c2[j] = if second_low {
            0.5 * ((3.0 - beta1) * x1[j] - (1.0 - beta2) * x2[j])
        } else {
            0.5 * (-(1.0 - beta1) * x1[j] + (3.0 - beta2) * x2[j])
        };
    }
    mix_children(&c1, &c2, parents, p, rng, out);
}

/// UNDX: midpoint of parents 1-2 (eq. 2) plus a normal step along their difference
/// (eq. 3) and an isotropic normal step in the orthogonal complement of that line, scaled
/// by the distance of parent 3 to the line (eqs. 4-5).
fn undx(parents: &[&[f64]], sigma_xi: f64, sigma_eta: Option<f64>, rng: &mut Rng, out: &mut [f64]) {
    let n = out.len();
    let (x1, x2, x3) = (parents[0], parents[1], parents[2]);
    let sigma_eta = sigma_eta.unwrap_or(0.35 / (n as f64).sqrt());
    let etas: Vec<f64> = (0..n)
        .map(|_| rng.normal() * sigma_eta * sigma_eta)
        .collect();
    let xi = rng.normal() * sigma_xi * sigma_xi;
    for j in 0..n {
        out[j] = 0.5 * (x1[j] + x2[j]) + xi * (x1[j] - x2[j]);
    }
    if n <= 1 {
        return;
    }
    let v12: Vec<f64> = (0..n).map(|j| x2[j] - x1[j]).collect();
    let norm12 = dot(&v12, &v12).sqrt().max(1e-10);
    let e12: Vec<f64> = v12.iter().map(|v| v / norm12).collect();
    let v13: Vec<f64> = (0..n).map(|j| x3[j] - x1[j]).collect();
    let along = dot(&v13, &e12);
    let off: Vec<f64> = (0..n).map(|j| v13[j] - along * e12[j]).collect();
    let dist = dot(&off, &off).sqrt();
    // Orthonormal basis of the complement of e12 (Gram-Schmidt over the unit vectors):
    // any such basis gives the same isotropic step.
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(n);
    if e12.iter().any(|&v| v != 0.0) {
        basis.push(e12);
    }
    let first = basis.len();
    for axis in 0..n {
        if basis.len() - first == n - 1 {
            break;
        }
        let mut v = vec![0.0; n];
        v[axis] = 1.0;
        for b in &basis {
            let c = dot(&v, b);
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
        }
        let norm = dot(&v, &v).sqrt();
        if norm > 1e-8 {
            v.iter_mut().for_each(|x| *x /= norm);
            basis.push(v);
        }
    }
    for (k, b) in basis[first..].iter().enumerate() {
        let step = dist * etas[k];
        out.iter_mut().zip(b).for_each(|(o, v)| *o += step * v);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
