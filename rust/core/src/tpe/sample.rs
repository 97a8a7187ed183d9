//! Drawing samples from a Parzen estimator.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use super::{CategoricalDim, Dim, NumericDim, ParzenEstimator};
use crate::truncnorm;

impl ParzenEstimator {
    /// Draw `m` samples (`(m, d)` row-major internal values) with the given RNG.
    pub fn sample(&self, rng: &mut Pcg64, m: usize) -> Vec<f64> {
        let d = self.specs.len();
        let mut out = vec![0.0; m * d];
        let cum: Vec<f64> = self
            .weights
            .iter()
            .scan(0.0, |s, w| {
                *s += w;
                Some(*s)
            })
            .collect();
        let total = *cum.last().unwrap_or(&1.0);
        for i in 0..m {
            let u: f64 = rng.random::<f64>() * total;
            let k = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
            for (j, dim) in self.dims.iter().enumerate() {
                let u: f64 = rng.random();
                out[i * d + j] = match dim {
                    Dim::Numeric(nd) => self.sample_numeric(j, nd, k, u),
                    Dim::Categorical(cd) => sample_categorical(cd, k, u),
                };
            }
        }
        out
    }

    /// Draw `m` samples with a fresh RNG seeded by `seed`.
    pub fn sample_seeded(&self, seed: u64, m: usize) -> Vec<f64> {
        self.sample(&mut Pcg64::seed_from_u64(seed), m)
    }

    fn sample_numeric(&self, j: usize, nd: &NumericDim, k: usize, u: f64) -> f64 {
        let spec = &self.specs[j];
        let (mu, s) = (nd.mu[k], nd.sigma[k]);
        let a = (nd.lo - mu) / s;
        let b = (nd.hi - mu) / s;
        let mut v = (truncnorm::ppf_linear(u, a, b) * s + mu).clamp(nd.lo, nd.hi);
        if spec.log {
            v = v.exp();
        }
        if spec.step != 0.0 {
            v = (spec.low + ((v - spec.low) / spec.step).round() * spec.step)
                .clamp(spec.low, spec.high);
        } else {
            v = v.clamp(spec.low, spec.high);
        }
        v
    }
}

pub(super) fn sample_categorical(cd: &CategoricalDim, k: usize, u: f64) -> f64 {
    let c = cd.n_choices;
    let is_prior = cd.idx[k] < 0;
    let p = |i: usize| -> f64 {
        if is_prior {
            cd.lp_prior.exp()
        } else if cd.idx[k] == i as i64 {
            cd.lp_hit.exp()
        } else {
            cd.lp_miss.exp()
        }
    };
    let mut cum = 0.0;
    for i in 0..c {
        cum += p(i);
        if u < cum {
            return i as f64;
        }
    }
    (c - 1) as f64
}
