//! The whole TPE step from a search space, observations and the incremental state.
//!
//! [`propose_with`] builds l(x) from the "below" observations and g(x) from the "above"
//! history rows (kept up to date in an [`IncrementalAbove`] when it applies) and runs
//! [`propose()`]. [`propose_split`] first splits a columnar single-objective history
//! itself (see [`split`](super::split)) and weighs both sets with Optuna's
//! `default_weights`: the common case of the sampler in one call.

use rayon::prelude::*;

use super::split::{default_weights, Split, SplitHistory, SplitState, StateCodes};
use super::split_mo::MultiHistory;
use super::{
    propose, IncrementalAbove, IndexedObservations, ParzenEstimator, Proposal, SortedColumn,
    TpeSpace,
};
use crate::error::{CoreError, CoreResult};

/// Observations of both estimators of one proposal.
pub struct Observations<'a> {
    /// The below set, `(n, d)` row-major internal values.
    pub below: &'a [f64],
    /// Unnormalised weight of each below observation.
    pub below_weights: &'a [f64],
    /// The above set: history columns, their sorted columns, selected rows and extras.
    pub above: IndexedObservations<'a>,
}

/// Build l(x) and g(x) (g kept up to date in `above_state` when the incremental
/// estimator applies) and run the proposal.
pub fn propose_with(
    space: &TpeSpace,
    obs: Observations<'_>,
    seed: u64,
    above_state: Option<&mut Option<IncrementalAbove>>,
) -> CoreResult<Proposal> {
    propose_logged(space, obs, seed, above_state, None)
}

/// [`propose_with`] given `ln` of the above set's row weights (see
/// [`IncrementalAbove::update_logged`]).
fn propose_logged(
    space: &TpeSpace,
    obs: Observations<'_>,
    seed: u64,
    above_state: Option<&mut Option<IncrementalAbove>>,
    above_log_weights: Option<&[f64]>,
) -> CoreResult<Proposal> {
    let (specs, cfg) = (space.params(), space.parzen());
    let below_est = ParzenEstimator::from_matrix(specs, obs.below, obs.below_weights, cfg)?;
    let above = obs.above;
    for (j, (s, c)) in above.sorted.iter().zip(&above.columns).enumerate() {
        if let Some(s) = s {
            if s.n_seen != c.len() {
                return Err(CoreError::InvalidArgument(format!(
                    "sorted column {j} is not synced ({} of {} rows)",
                    s.n_seen,
                    c.len()
                )));
            }
        }
    }
    let n_candidates = space.n_candidates();
    let state = above_state
        .filter(|_| IncrementalAbove::applicable(cfg, above.rows.len(), above.extra_weights.len()));
    if let Some(state) = state {
        if !state.as_ref().is_some_and(|s| s.matches(specs, cfg)) {
            *state = Some(IncrementalAbove::new(specs, *cfg)?);
        }
        let inc = state.as_mut().expect("just set");
        let above_est = inc.update_logged(
            &above.columns,
            above.rows,
            above.row_weights,
            above_log_weights,
        )?;
        return propose(specs, &below_est, above_est, n_candidates, seed);
    }
    let above_est = ParzenEstimator::from_indexed(specs, above, cfg)?;
    propose(specs, &below_est, &above_est, n_candidates, seed)
}

/// A history in columns: its first rows, as [`propose_split`] reads it.
pub struct ColumnarHistory<'a> {
    /// `TrialState` code of each row.
    pub states: &'a [i8],
    /// Objective values, `(rows, len(minimize))` row-major (NaN if none).
    pub values: &'a [f64],
    /// Constraint violation of each row (NaN if unconstrained).
    pub violation: &'a [f64],
    /// Trial number of each row.
    pub numbers: &'a [i64],
    /// Per parameter of the space, the internal value of each row (NaN if missing).
    pub columns: Vec<&'a [f64]>,
    /// Per objective, whether the study minimises it.
    pub minimize: &'a [bool],
}

/// What [`propose_split`] keeps up to date across trials of one study.
pub struct StudyState<'a> {
    /// Per parameter, its sorted column (`None` for categoricals).
    pub sorted: Vec<Option<&'a mut SortedColumn>>,
    /// The below/above split of the history.
    pub split: &'a mut SplitState,
    /// `TrialState` codes of COMPLETE and PRUNED trials.
    pub codes: StateCodes,
    /// The incremental above estimator of this space, if kept.
    pub above: Option<&'a mut Option<IncrementalAbove>>,
}

/// The whole TPE step of the common case in one call: no PRUNED or constrained trial,
/// default gamma and weights, no running-trial observations.
///
/// Syncs the sorted columns and the split state, splits (one objective: the `gamma(n)`
/// best COMPLETE trials by value, ties by trial number; several: MOTPE's split by
/// non-domination rank and HSSP, see [`split_mo`](super::split_mo)), weighs the above set
/// with Optuna's `default_weights` in trial-number order and the below set likewise (one
/// objective) or uniformly (several, as Optuna 5.0's MOTPE), and proposes as
/// [`propose_with`] does.
/// Returns the best candidate's internal values, or `None` when the history is not the
/// common case (a PRUNED or constrained row, a NaN value, a parameter missing in some
/// row): the caller then takes the general path.
pub fn propose_split(
    space: &TpeSpace,
    history: ColumnarHistory<'_>,
    state: StudyState<'_>,
    seed: u64,
) -> CoreResult<Option<Vec<f64>>> {
    let d = space.params().len();
    if history.columns.len() != d || state.sorted.len() != d {
        return Err(CoreError::ShapeMismatch(format!(
            "expected {d} columns and sorted columns, got {} and {}",
            history.columns.len(),
            state.sorted.len()
        )));
    }
    let Some(split) = split_common(&history, state.split, state.codes)? else {
        return Ok(None);
    };
    let item = BatchItem {
        space,
        columns: history.columns,
        sorted: state.sorted,
        above: state.above,
        seed,
    };
    let n = history.states.len();
    let weights = SplitWeights::new(&split, history.minimize.len());
    propose_on_split(item, &split, &weights, n)
}

/// One search space of [`propose_split_batch`]: its columns, sorted columns (`None` for
/// categoricals), incremental above state and seed.
pub struct BatchItem<'a> {
    /// The search space.
    pub space: &'a TpeSpace,
    /// Per parameter of the space, the internal value of each row (NaN if missing).
    pub columns: Vec<&'a [f64]>,
    /// Per parameter, its sorted column (`None` for categoricals).
    pub sorted: Vec<Option<&'a mut SortedColumn>>,
    /// The incremental above estimator of this space, if kept.
    pub above: Option<&'a mut Option<IncrementalAbove>>,
    /// Seed of this proposal.
    pub seed: u64,
}

/// [`propose_split`] for several search spaces over the same history (a univariate TPE
/// trial asks for one proposal per parameter): the split is computed once and the
/// proposals run in parallel. Entry `i` is exactly what [`propose_split`] returns for
/// `items[i]`; the outer `None` when the history is not the common case.
pub fn propose_split_batch(
    history: ColumnarHistory<'_>,
    split: &mut SplitState,
    codes: StateCodes,
    items: Vec<BatchItem<'_>>,
) -> CoreResult<Option<Vec<Option<Vec<f64>>>>> {
    for (i, item) in items.iter().enumerate() {
        let d = item.space.params().len();
        if item.columns.len() != d || item.sorted.len() != d {
            return Err(CoreError::ShapeMismatch(format!(
                "space {i}: expected {d} columns and sorted columns, got {} and {}",
                item.columns.len(),
                item.sorted.len()
            )));
        }
    }
    let Some(split) = split_common(&history, split, codes)? else {
        return Ok(None);
    };
    let n = history.states.len();
    // The weights depend on the split only: computed once for every space.
    let weights = SplitWeights::new(&split, history.minimize.len());
    let out: CoreResult<Vec<Option<Vec<f64>>>> = items
        .into_par_iter()
        .map(|item| propose_on_split(item, &split, &weights, n))
        .collect();
    out.map(Some)
}

/// Check the history's shapes and split it (`None` outside the common case).
fn split_common(
    history: &ColumnarHistory<'_>,
    state: &mut SplitState,
    codes: StateCodes,
) -> CoreResult<Option<Split>> {
    let n = history.states.len();
    let n_obj = history.minimize.len();
    if n_obj == 0 || history.values.len() != n * n_obj {
        return Err(CoreError::ShapeMismatch(format!(
            "expected {n} x {n_obj} objective values, got {}",
            history.values.len()
        )));
    }
    let lengths = [history.violation.len(), history.numbers.len()];
    let column_lengths = history.columns.iter().map(|c| c.len());
    if lengths.into_iter().chain(column_lengths).any(|l| l != n) {
        return Err(CoreError::ShapeMismatch(format!(
            "history arrays differ in length from the {n} states"
        )));
    }
    if n_obj == 1 {
        let split_history = SplitHistory {
            states: history.states,
            values: history.values,
            violation: history.violation,
            numbers: history.numbers,
        };
        Ok(state.split(split_history, None, history.minimize[0], codes))
    } else {
        let multi_history = MultiHistory {
            states: history.states,
            values: history.values,
            violation: history.violation,
            numbers: history.numbers,
        };
        state.multi.split(multi_history, history.minimize, codes)
    }
}

/// The weights of a split's below and above sets, and the logarithms of the latter.
struct SplitWeights {
    below: Vec<f64>,
    above: Vec<f64>,
    above_log: Vec<f64>,
}

impl SplitWeights {
    /// Optuna's `default_weights` in trial-number order for the above set, and for the
    /// below set with one objective (several: uniform, as Optuna 5.0's MOTPE).
    fn new(split: &Split, n_obj: usize) -> Self {
        let below = if n_obj == 1 {
            default_weights(split.below.len())
        } else {
            vec![1.0; split.below.len()]
        };
        let above = default_weights(split.above.len());
        let mut above_log = vec![0.0; above.len()];
        super::fused::ln_slice(&above, &mut above_log);
        Self {
            below,
            above,
            above_log,
        }
    }
}

/// Sync the item's sorted columns (`n` history rows) and propose on the weighed split
/// (`None` when a parameter is missing in some row).
fn propose_on_split(
    item: BatchItem<'_>,
    split: &Split,
    weights: &SplitWeights,
    n: usize,
) -> CoreResult<Option<Vec<f64>>> {
    let d = item.space.params().len();
    let cols = item.columns;
    let mut sorted = item.sorted;
    for (s, c) in sorted.iter_mut().zip(&cols) {
        if c.len() != n {
            return Err(CoreError::ShapeMismatch(format!(
                "a column has {} rows, the history {n}",
                c.len()
            )));
        }
        let complete = match s {
            Some(s) => {
                s.sync(c)?;
                s.len() == s.n_seen
            }
            None => !c.iter().any(|v| v.is_nan()),
        };
        if !complete {
            return Ok(None); // a parameter is missing in some row
        }
    }
    let below: Vec<f64> = split
        .below
        .iter()
        .flat_map(|&r| cols.iter().map(move |c| c[r as usize]))
        .collect();
    let obs = Observations {
        below: &below,
        below_weights: &weights.below,
        above: IndexedObservations {
            columns: cols,
            sorted,
            rows: &split.above,
            row_weights: &weights.above,
            extra: &[],
            extra_weights: &[],
        },
    };
    let p = propose_logged(
        item.space,
        obs,
        item.seed,
        item.above,
        Some(&weights.above_log),
    )?;
    Ok(Some(p.candidates[p.best * d..(p.best + 1) * d].to_vec()))
}
