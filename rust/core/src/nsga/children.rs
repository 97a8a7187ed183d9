//! A batch of NSGA-II children: binary tournaments, crossover and mutation (Optuna 5.0's
//! `NSGAIIChildGenerationStrategy`), in the transformed numerical space.

use ndarray::{Array2, ArrayView2};

use super::Crossover;
use crate::cmaes::Rng;
use crate::error::{CoreError, CoreResult};

/// Bound of the crossover's retry loop (Optuna's loop is unbounded); after it the child
/// takes its first parent's numerical values.
pub const MAX_CROSSOVER_ATTEMPTS: usize = 1000;

/// What happens to a gene selected for mutation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mutation {
    /// Redrawn uniformly: in the transformed bounds for a numerical gene (the distribution
    /// of Optuna's fallback, `RandomSampler.sample_independent`), among the choices for a
    /// categorical one.
    Uniform,
    /// Polynomial mutation (Deb's NSGA-II C code, revision 1.1.6) of numerical genes with
    /// distribution index `eta`; categorical genes are redrawn uniformly.
    Polynomial { eta: f64 },
    /// Left as they are: only flagged in [`Children::mutated`] (the caller mutates).
    Flag,
}

/// Operators and probabilities of child generation.
#[derive(Clone, Debug, PartialEq)]
pub struct Operators {
    /// Crossover of numerical genes.
    pub crossover: Crossover,
    /// Probability that a child is made by crossover (otherwise it copies one parent).
    pub crossover_prob: f64,
    /// Probability of taking each categorical gene from the first parent.
    pub swapping_prob: f64,
    /// Probability of mutating each gene.
    pub mutation_prob: f64,
    /// Mutation of the selected genes.
    pub mutation: Mutation,
}

/// The search space: transformed bounds of the numerical genes, the smallest transformed
/// value a child may take (``-inf`` where untransforming clips anyway) and the number of
/// choices of each categorical gene.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    pub bounds: Vec<[f64; 2]>,
    pub lower_limit: Vec<f64>,
    pub n_choices: Vec<usize>,
}

/// One generation's parents: transformed numerical genes `(p, d)`, categorical indices
/// `(p, c)`, losses `(p, m)` (minimised) and total constraint violations (all feasible
/// when `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct Population {
    pub numeric: Array2<f64>,
    pub categorical: Array2<usize>,
    pub loss: Array2<f64>,
    pub penalty: Option<Vec<f64>>,
}

/// A batch of children: numerical genes `(k, d)` (transformed), categorical indices
/// `(k, c)`, the parent each child copies (`-1` for a crossover child) and the mutated
/// genes `(k, d + c)` (numerical first).
#[derive(Clone, Debug, PartialEq)]
pub struct Children {
    pub numeric: Array2<f64>,
    pub categorical: Array2<i64>,
    pub source: Vec<i64>,
    pub mutated: Array2<bool>,
}

impl Operators {
    /// Check the probabilities and the crossover's parameters.
    pub fn validate(&self) -> CoreResult<()> {
        for (name, v) in [
            ("crossover_prob", self.crossover_prob),
            ("swapping_prob", self.swapping_prob),
            ("mutation_prob", self.mutation_prob),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(CoreError::InvalidArgument(format!(
                    "{name} must be in [0, 1], got {v}"
                )));
            }
        }
        if let Mutation::Polynomial { eta } = self.mutation {
            if !(eta >= 0.0 && eta.is_finite()) {
                return Err(CoreError::InvalidArgument(format!(
                    "mutation eta must be a finite value >= 0, got {eta}"
                )));
            }
        }
        self.crossover.validate()
    }
}

impl Space {
    /// Check the bounds (finite, `low <= high`) and the choice counts (at least one).
    pub fn validate(&self) -> CoreResult<()> {
        if self.lower_limit.len() != self.bounds.len() {
            return Err(CoreError::ShapeMismatch(format!(
                "lower_limit has {} entries for {} bounds",
                self.lower_limit.len(),
                self.bounds.len()
            )));
        }
        if let Some(b) = self
            .bounds
            .iter()
            .find(|b| !(b[0].is_finite() && b[1].is_finite() && b[0] <= b[1]))
        {
            return Err(CoreError::InvalidArgument(format!(
                "bounds must be finite with low <= high, got {b:?}"
            )));
        }
        if self.n_choices.contains(&0) {
            return Err(CoreError::InvalidArgument(
                "every categorical gene needs at least one choice".into(),
            ));
        }
        Ok(())
    }
}

impl Population {
    fn check(&self, space: &Space, n_parents: usize) -> CoreResult<()> {
        let p = self.numeric.nrows();
        let shape_ok = self.numeric.ncols() == space.bounds.len()
            && self.categorical.dim() == (p, space.n_choices.len())
            && self.loss.nrows() == p
            && self.penalty.as_ref().is_none_or(|v| v.len() == p);
        if !shape_ok {
            return Err(CoreError::ShapeMismatch(format!(
                "parents: numeric {:?}, categorical {:?}, loss {:?} for {} numerical and {} \
                 categorical genes",
                self.numeric.dim(),
                self.categorical.dim(),
                self.loss.dim(),
                space.bounds.len(),
                space.n_choices.len()
            )));
        }
        if p < n_parents {
            return Err(CoreError::InvalidArgument(format!(
                "the crossover needs {n_parents} parents, the population has {p}"
            )));
        }
        let bad_index = self
            .categorical
            .rows()
            .into_iter()
            .any(|row| row.iter().zip(&space.n_choices).any(|(&i, &n)| i >= n));
        if bad_index {
            return Err(CoreError::InvalidArgument(
                "categorical index out of range".into(),
            ));
        }
        Ok(())
    }

    /// Constrained domination of Deb et al. (2002), Section VI (plain when unconstrained):
    /// feasible beats infeasible, smaller violation beats larger, else Pareto dominance.
    fn dominates(&self, a: usize, b: usize) -> bool {
        if let Some(penalty) = &self.penalty {
            let (pa, pb) = (penalty[a], penalty[b]);
            if pa > 0.0 || pb > 0.0 {
                return if pa <= 0.0 {
                    true
                } else if pb <= 0.0 {
                    false
                } else {
                    pa < pb
                };
            }
        }
        let (la, lb) = (self.loss.row(a), self.loss.row(b));
        la != lb && la.iter().zip(lb.iter()).all(|(x, y)| x <= y)
    }

    /// Binary tournament among `pool` (two draws with replacement; the first wins only if
    /// it dominates the second; Optuna does not look at the crowding distance here).
    fn tournament(&self, pool: &[usize], rng: &mut Rng) -> usize {
        let a = pool[index(rng, pool.len())];
        let b = pool[index(rng, pool.len())];
        if self.dominates(a, b) {
            a
        } else {
            b
        }
    }
}

/// Uniform index in `0..n` (`n > 0`).
fn index(rng: &mut Rng, n: usize) -> usize {
    ((rng.uniform() * n as f64) as usize).min(n - 1)
}

/// Polynomial mutation of `x` in `[low, high]` (Deb's NSGA-II C code), clipped.
fn polynomial(x: f64, low: f64, high: f64, eta: f64, rng: &mut Rng) -> f64 {
    let u = rng.uniform();
    let width = high - low;
    if width <= 0.0 {
        return x;
    }
    let power = 1.0 / (eta + 1.0);
    let delta_q = if u <= 0.5 {
        let delta = (x - low) / width;
        let value = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - delta).powf(eta + 1.0);
        value.powf(power) - 1.0
    } else {
        let delta = (high - x) / width;
        let value = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - delta).powf(eta + 1.0);
        1.0 - value.powf(power)
    };
    (x + delta_q * width).clamp(low, high)
}

/// Generate `n_children` children of `parents` with the stream of `seed`.
///
/// Per child, as Optuna 5.0: with probability `crossover_prob` the crossover's parents are
/// picked by binary tournaments without replacement, categorical genes come from the first
/// or the last of them (uniform crossover with `swapping_prob`) and numerical genes from
/// the crossover, repeated until the child lies inside the space (`>= lower_limit`, not
/// NaN); otherwise the child copies a uniformly drawn parent. Then each gene mutates with
/// probability `mutation_prob`.
pub fn generate_children(
    ops: &Operators,
    space: &Space,
    parents: &Population,
    n_children: usize,
    seed: u64,
) -> CoreResult<Children> {
    ops.validate()?;
    space.validate()?;
    let n_parents = ops.crossover.n_parents();
    parents.check(space, n_parents)?;
    let p = parents.numeric.nrows();
    let (d, c) = (space.bounds.len(), space.n_choices.len());
    let mut rng = Rng::new(seed);
    let mut numeric = Array2::<f64>::zeros((n_children, d));
    let mut categorical = Array2::<i64>::zeros((n_children, c));
    let mut source = vec![-1i64; n_children];
    let mut mutated = Array2::<bool>::from_elem((n_children, d + c), false);
    let rows: Vec<&[f64]> = parents
        .numeric
        .rows()
        .into_iter()
        .map(|r| r.to_slice().unwrap_or(&[]))
        .collect();
    let numeric_view: ArrayView2<'_, f64> = parents.numeric.view();
    let mut child = vec![0.0; d];
    for k in 0..n_children {
        if rng.uniform() < ops.crossover_prob {
            crossover_child(
                ops,
                space,
                parents,
                &rows,
                &mut rng,
                &mut child,
                categorical.row_mut(k).as_slice_mut(),
            );
            numeric
                .row_mut(k)
                .iter_mut()
                .zip(&child)
                .for_each(|(o, v)| *o = *v);
        } else {
            let parent = index(&mut rng, p);
            source[k] = parent as i64;
            numeric.row_mut(k).assign(&numeric_view.row(parent));
            for (o, &v) in categorical
                .row_mut(k)
                .iter_mut()
                .zip(parents.categorical.row(parent))
            {
                *o = v as i64;
            }
        }
        for g in 0..d + c {
            if rng.uniform() >= ops.mutation_prob {
                continue;
            }
            mutated[[k, g]] = true;
            if ops.mutation == Mutation::Flag {
                continue;
            }
            if g < d {
                let [low, high] = space.bounds[g];
                numeric[[k, g]] = match ops.mutation {
                    Mutation::Polynomial { eta } => {
                        polynomial(numeric[[k, g]], low, high, eta, &mut rng)
                    }
                    _ => low + (high - low) * rng.uniform(),
                };
            } else {
                categorical[[k, g - d]] = index(&mut rng, space.n_choices[g - d]) as i64;
            }
        }
    }
    Ok(Children {
        numeric,
        categorical,
        source,
        mutated,
    })
}

/// One crossover child: numerical genes into `child`, categorical indices into `cat`.
fn crossover_child(
    ops: &Operators,
    space: &Space,
    parents: &Population,
    rows: &[&[f64]],
    rng: &mut Rng,
    child: &mut [f64],
    cat: Option<&mut [i64]>,
) {
    let n_parents = ops.crossover.n_parents();
    let p = parents.numeric.nrows();
    let mut chosen: Vec<usize> = Vec::with_capacity(n_parents);
    let mut pool: Vec<usize> = Vec::with_capacity(p);
    let mut cat = cat;
    for attempt in 0..MAX_CROSSOVER_ATTEMPTS {
        chosen.clear();
        pool.clear();
        pool.extend(0..p);
        for _ in 0..n_parents {
            let winner = parents.tournament(&pool, rng);
            chosen.push(winner);
            pool.retain(|&i| i != winner); // the next parent comes from the others
        }
        let (first, last) = (chosen[0], chosen[n_parents - 1]);
        if let Some(cat) = cat.as_deref_mut() {
            for (g, o) in cat.iter_mut().enumerate() {
                let take_last = rng.uniform() >= ops.swapping_prob;
                let from = if take_last { last } else { first };
                *o = parents.categorical[[from, g]] as i64;
            }
        }
        if child.is_empty() {
            return;
        }
        let chosen_rows: Vec<&[f64]> = chosen.iter().map(|&i| rows[i]).collect();
        ops.crossover.apply(&chosen_rows, &space.bounds, rng, child);
        let inside = child
            .iter()
            .zip(&space.lower_limit)
            .all(|(&x, &limit)| x >= limit);
        if inside {
            return;
        }
        if attempt + 1 == MAX_CROSSOVER_ATTEMPTS {
            child.copy_from_slice(rows[first]);
        }
    }
}
