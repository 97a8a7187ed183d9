//! Bindings for `ferrotune_core::tpe`: Parzen estimators and the TPE proposal.

use ferrotune_core::tpe::split::{default_weights, SplitHistory, SplitState, StateCodes};
use ferrotune_core::tpe::{
    self, IncrementalAbove, IndexedObservations, ParamSpec, ParzenConfig, ParzenEstimator,
    SortedColumn,
};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::util;

fn specs_from(arr: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<ParamSpec>> {
    let a = arr.as_array();
    if a.ncols() != 5 {
        return Err(PyValueError::new_err(format!(
            "specs must have 5 columns (n_choices, low, high, step, log), got {}",
            a.ncols()
        )));
    }
    Ok(a.rows()
        .into_iter()
        .map(|r| ParamSpec {
            n_choices: r[0].max(0.0) as usize,
            low: r[1],
            high: r[2],
            step: r[3],
            log: r[4] != 0.0,
        })
        .collect())
}

fn matrix(arr: &PyReadonlyArray2<'_, f64>, d: usize, name: &str) -> PyResult<Vec<f64>> {
    let a = arr.as_array();
    if a.nrows() > 0 && a.ncols() != d {
        return Err(PyValueError::new_err(format!(
            "`{name}` has {} columns, expected {d}",
            a.ncols()
        )));
    }
    Ok(a.iter().copied().collect())
}

fn config(prior_weight: f64, consider_magic_clip: bool, consider_endpoints: bool) -> ParzenConfig {
    ParzenConfig {
        prior_weight,
        consider_magic_clip,
        consider_endpoints,
    }
}

fn to_2d(py: Python<'_>, flat: Vec<f64>, d: usize) -> PyResult<Bound<'_, PyArray2<f64>>> {
    let m = flat.len().checked_div(d).unwrap_or(0);
    let arr = ndarray::Array2::from_shape_vec((m, d), flat)
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// Incrementally sorted `(value, row)` pairs of one history column.
#[pyclass(module = "ferrotune._core")]
#[derive(Default)]
struct TPESortedColumn {
    inner: SortedColumn,
}

#[pymethods]
impl TPESortedColumn {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Merge the rows appended to `column` since the last call (NaN rows skipped).
    fn sync(&mut self, py: Python<'_>, column: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        let col = column
            .as_slice()
            .map_err(|_| PyValueError::new_err("column must be contiguous"))?;
        let inner = &mut self.inner;
        util::run(py, || inner.sync(col))
    }

    /// Number of history rows consumed.
    #[getter]
    fn n_seen(&self) -> usize {
        self.inner.n_seen
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __getstate__<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let n_seen = self.inner.n_seen;
        let entries = self.inner.entries();
        let mut buf = Vec::with_capacity(8 + 12 * entries.len());
        buf.extend_from_slice(&(n_seen as u64).to_le_bytes());
        for (v, r) in entries {
            buf.extend_from_slice(&v.to_le_bytes());
            buf.extend_from_slice(&r.to_le_bytes());
        }
        PyBytes::new(py, &buf)
    }

    fn __setstate__(&mut self, state: &[u8]) -> PyResult<()> {
        if state.len() < 8 || !(state.len() - 8).is_multiple_of(12) {
            return Err(PyValueError::new_err("corrupt TPESortedColumn state"));
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&state[..8]);
        let entries = state[8..]
            .chunks_exact(12)
            .map(|c| {
                let mut v = [0u8; 8];
                v.copy_from_slice(&c[..8]);
                let mut r = [0u8; 4];
                r.copy_from_slice(&c[8..]);
                (f64::from_le_bytes(v), u32::from_le_bytes(r))
            })
            .collect();
        self.inner = SortedColumn::from_sorted(entries, u64::from_le_bytes(n) as usize)
            .map_err(util::to_py_err)?;
        Ok(())
    }
}

/// The above estimator of one study and search space, kept up to date across trials
/// (see `ferrotune_core::tpe::IncrementalAbove`); created empty, filled by `tpe_propose`.
#[pyclass(module = "ferrotune._core")]
#[derive(Default)]
struct TPEAboveState {
    inner: Option<IncrementalAbove>,
}

#[pymethods]
impl TPEAboveState {
    #[new]
    fn new() -> Self {
        Self::default()
    }
}

/// Log-density of the Parzen estimator built from `obs` at the rows of `x`.
#[pyfunction]
#[pyo3(signature = (specs, obs, weights, x, prior_weight=1.0, consider_magic_clip=true, consider_endpoints=false))]
#[allow(clippy::too_many_arguments)]
fn parzen_log_pdf<'py>(
    py: Python<'py>,
    specs: PyReadonlyArray2<'py, f64>,
    obs: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
    prior_weight: f64,
    consider_magic_clip: bool,
    consider_endpoints: bool,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let specs = specs_from(&specs)?;
    let d = specs.len();
    let obs = matrix(&obs, d, "obs")?;
    let x = matrix(&x, d, "x")?;
    let w = weights.as_array().to_vec();
    let cfg = config(prior_weight, consider_magic_clip, consider_endpoints);
    let out = util::run(py, || {
        ParzenEstimator::from_matrix(&specs, &obs, &w, &cfg)?.log_pdf(&x)
    })?;
    Ok(out.into_pyarray(py))
}

/// `n` samples of the Parzen estimator built from `obs`.
#[pyfunction]
#[pyo3(signature = (specs, obs, weights, n, seed, prior_weight=1.0, consider_magic_clip=true, consider_endpoints=false))]
#[allow(clippy::too_many_arguments)]
fn parzen_sample<'py>(
    py: Python<'py>,
    specs: PyReadonlyArray2<'py, f64>,
    obs: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray1<'py, f64>,
    n: usize,
    seed: u64,
    prior_weight: f64,
    consider_magic_clip: bool,
    consider_endpoints: bool,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let specs = specs_from(&specs)?;
    let d = specs.len();
    let obs = matrix(&obs, d, "obs")?;
    let w = weights.as_array().to_vec();
    let cfg = config(prior_weight, consider_magic_clip, consider_endpoints);
    if n.saturating_mul(d) > tpe::MAX_CANDIDATE_VALUES {
        return Err(PyValueError::new_err(format!(
            "{n} samples of {d} parameters exceed the limit of {} values",
            tpe::MAX_CANDIDATE_VALUES
        )));
    }
    let out = util::run(py, || {
        let est = ParzenEstimator::from_matrix(&specs, &obs, &w, &cfg)?;
        Ok(est.sample_seeded(seed, n))
    })?;
    to_2d(py, out, d)
}

/// Observations of both estimators of one proposal.
struct Estimators<'a> {
    below: &'a [f64],
    below_weights: &'a [f64],
    columns: Vec<&'a [f64]>,
    sorted: Vec<Option<&'a mut SortedColumn>>,
    rows: &'a [u32],
    row_weights: &'a [f64],
    extra: &'a [f64],
    extra_weights: &'a [f64],
}

/// Build l(x) and g(x) (g kept up to date in `state` when the incremental estimator
/// applies) and run the proposal.
fn propose_with(
    specs: &[ParamSpec],
    obs: Estimators<'_>,
    cfg: &ParzenConfig,
    n_candidates: usize,
    seed: u64,
    state: Option<&mut Option<IncrementalAbove>>,
) -> Result<tpe::Proposal, ferrotune_core::CoreError> {
    let below_est = ParzenEstimator::from_matrix(specs, obs.below, obs.below_weights, cfg)?;
    let state = state
        .filter(|_| IncrementalAbove::applicable(cfg, obs.rows.len(), obs.extra_weights.len()));
    if let Some(state) = state {
        if !state.as_ref().is_some_and(|s| s.matches(specs, cfg)) {
            *state = Some(IncrementalAbove::new(specs, *cfg)?);
        }
        let inc = state.as_mut().expect("just set");
        let above_est = inc.update(&obs.columns, obs.rows, obs.row_weights)?;
        return tpe::propose(specs, &below_est, above_est, n_candidates, seed);
    }
    let above_est = ParzenEstimator::from_indexed(
        specs,
        IndexedObservations {
            columns: obs.columns,
            sorted: obs.sorted,
            rows: obs.rows,
            row_weights: obs.row_weights,
            extra: obs.extra,
            extra_weights: obs.extra_weights,
        },
        cfg,
    )?;
    tpe::propose(specs, &below_est, &above_est, n_candidates, seed)
}

type ProposalArrays<'py> = (
    usize,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// One TPE step: sample candidates from l(x) (built from `below`), score
/// `log l - log g` with g(x) built from history `columns[rows]` plus `extra`, and return
/// `(best_index, candidates, acquisition, log_l, log_g)`.
#[pyfunction]
#[pyo3(signature = (specs, below, below_weights, columns, sorted, rows, row_weights, extra, extra_weights, n_candidates, seed, prior_weight=1.0, consider_magic_clip=true, consider_endpoints=false, above_state=None))]
#[allow(clippy::too_many_arguments)]
fn tpe_propose<'py>(
    py: Python<'py>,
    specs: PyReadonlyArray2<'py, f64>,
    below: PyReadonlyArray2<'py, f64>,
    below_weights: PyReadonlyArray1<'py, f64>,
    columns: Vec<PyReadonlyArray1<'py, f64>>,
    mut sorted: Vec<Option<PyRefMut<'py, TPESortedColumn>>>,
    rows: PyReadonlyArray1<'py, i64>,
    row_weights: PyReadonlyArray1<'py, f64>,
    extra: PyReadonlyArray2<'py, f64>,
    extra_weights: PyReadonlyArray1<'py, f64>,
    n_candidates: usize,
    seed: u64,
    prior_weight: f64,
    consider_magic_clip: bool,
    consider_endpoints: bool,
    above_state: Option<PyRefMut<'py, TPEAboveState>>,
) -> PyResult<ProposalArrays<'py>> {
    let specs = specs_from(&specs)?;
    let d = specs.len();
    let below = matrix(&below, d, "below")?;
    let below_w = below_weights.as_array().to_vec();
    let extra = matrix(&extra, d, "extra")?;
    let extra_w = extra_weights.as_array().to_vec();
    let row_w = row_weights.as_array().to_vec();
    let rows: Vec<u32> = rows
        .as_array()
        .iter()
        .map(|&r| u32::try_from(r).map_err(|_| PyValueError::new_err(format!("bad row {r}"))))
        .collect::<PyResult<_>>()?;
    let cols: Vec<&[f64]> = columns
        .iter()
        .map(|c| {
            c.as_slice()
                .map_err(|_| PyValueError::new_err("columns must be contiguous"))
        })
        .collect::<PyResult<_>>()?;
    for (j, (s, c)) in sorted.iter().zip(&cols).enumerate() {
        if let Some(s) = s {
            if s.inner.n_seen != c.len() {
                return Err(PyValueError::new_err(format!(
                    "sorted column {j} is not synced ({} of {} rows)",
                    s.inner.n_seen,
                    c.len()
                )));
            }
        }
    }
    let sorted_refs: Vec<Option<&mut SortedColumn>> = sorted
        .iter_mut()
        .map(|o| o.as_mut().map(|r| &mut r.inner))
        .collect();
    let cfg = config(prior_weight, consider_magic_clip, consider_endpoints);
    let mut above_state = above_state;
    let state = above_state.as_mut().map(|s| &mut s.inner);
    let p = util::run(py, || {
        propose_with(
            &specs,
            Estimators {
                below: &below,
                below_weights: &below_w,
                columns: cols,
                sorted: sorted_refs,
                rows: &rows,
                row_weights: &row_w,
                extra: &extra,
                extra_weights: &extra_w,
            },
            &cfg,
            n_candidates,
            seed,
            state,
        )
    })?;
    Ok((
        p.best,
        to_2d(py, p.candidates, d)?,
        p.acquisition.into_pyarray(py),
        p.log_below.into_pyarray(py),
        p.log_above.into_pyarray(py),
    ))
}

/// The split of a study's growing history, kept up to date across trials (see
/// `ferrotune_core::tpe::split::SplitState`) for `tpe_propose_split`.
#[pyclass(module = "ferrotune._core")]
#[derive(Default)]
struct TPESplitState {
    inner: SplitState,
}

#[pymethods]
impl TPESplitState {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Number of history rows taken in.
    #[getter]
    fn n_seen(&self) -> usize {
        self.inner.n_seen
    }
}

/// `TrialState.COMPLETE` and `TrialState.PRUNED`.
const STATE_CODES: StateCodes = StateCodes {
    complete: 1,
    pruned: 2,
};

fn prefix<'a, T: numpy::Element>(
    arr: &'a PyReadonlyArray1<'_, T>,
    n: usize,
    name: &str,
) -> PyResult<&'a [T]> {
    let s = arr
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("`{name}` must be contiguous")))?;
    s.get(..n)
        .ok_or_else(|| PyValueError::new_err(format!("`{name}` has fewer than {n} rows")))
}

/// The whole TPE step of the common case in one call: single objective, no PRUNED or
/// constrained trial, default gamma and weights, no running-trial observations.
///
/// Takes the first `n` rows of the history arrays (`states`, `values` of shape `(.., 1)`,
/// `violation`, `numbers`, one column per parameter), syncs the sorted columns and the row
/// split state, splits (the `gamma(n)` best COMPLETE trials by value, ties by trial number),
/// weighs both sets with Optuna's `default_weights` in trial-number order and proposes as
/// `tpe_propose` does. Returns the best candidate's internal values, or `None` when the
/// history is not the common case (a PRUNED or constrained row, a NaN value, a parameter
/// missing in some row): the caller then takes the general path.
#[pyfunction]
#[pyo3(signature = (specs, n, states, values, violation, numbers, minimize, columns, sorted, split_state, n_candidates, seed, prior_weight=1.0, consider_magic_clip=true, consider_endpoints=false, above_state=None))]
#[allow(clippy::too_many_arguments)]
fn tpe_propose_split<'py>(
    py: Python<'py>,
    specs: PyReadonlyArray2<'py, f64>,
    n: usize,
    states: PyReadonlyArray1<'py, i8>,
    values: PyReadonlyArray2<'py, f64>,
    violation: PyReadonlyArray1<'py, f64>,
    numbers: PyReadonlyArray1<'py, i64>,
    minimize: bool,
    columns: Vec<PyReadonlyArray1<'py, f64>>,
    mut sorted: Vec<Option<PyRefMut<'py, TPESortedColumn>>>,
    mut split_state: PyRefMut<'py, TPESplitState>,
    n_candidates: usize,
    seed: u64,
    prior_weight: f64,
    consider_magic_clip: bool,
    consider_endpoints: bool,
    above_state: Option<PyRefMut<'py, TPEAboveState>>,
) -> PyResult<Option<Vec<f64>>> {
    let specs = specs_from(&specs)?;
    let d = specs.len();
    if columns.len() != d || sorted.len() != d {
        return Err(PyValueError::new_err(format!(
            "expected {d} columns and sorted columns, got {} and {}",
            columns.len(),
            sorted.len()
        )));
    }
    let states = prefix(&states, n, "states")?;
    let violation = prefix(&violation, n, "violation")?;
    let numbers = prefix(&numbers, n, "numbers")?;
    if values.as_array().ncols() != 1 {
        return Err(PyValueError::new_err("`values` must have one column"));
    }
    let values = values
        .as_slice()
        .map_err(|_| PyValueError::new_err("`values` must be contiguous"))?
        .get(..n)
        .ok_or_else(|| PyValueError::new_err(format!("`values` has fewer than {n} rows")))?;
    let cols: Vec<&[f64]> = columns
        .iter()
        .map(|c| prefix(c, n, "columns"))
        .collect::<PyResult<_>>()?;
    let sorted_refs: Vec<Option<&mut SortedColumn>> = sorted
        .iter_mut()
        .map(|o| o.as_mut().map(|r| &mut r.inner))
        .collect();
    let split_state = &mut split_state.inner;
    let cfg = config(prior_weight, consider_magic_clip, consider_endpoints);
    let mut above_state = above_state;
    let state = above_state.as_mut().map(|s| &mut s.inner);
    let p = util::run(py, || {
        let mut sorted_refs = sorted_refs;
        for (s, c) in sorted_refs.iter_mut().zip(&cols) {
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
        let history = SplitHistory {
            states,
            values,
            violation,
            numbers,
        };
        let Some(split) = split_state.split(history, None, minimize, STATE_CODES) else {
            return Ok(None);
        };
        let below: Vec<f64> = split
            .below
            .iter()
            .flat_map(|&r| cols.iter().map(move |c| c[r as usize]))
            .collect();
        let below_w = default_weights(split.below.len());
        let row_w = default_weights(split.above.len());
        let p = propose_with(
            &specs,
            Estimators {
                below: &below,
                below_weights: &below_w,
                columns: cols.clone(),
                sorted: sorted_refs,
                rows: &split.above,
                row_weights: &row_w,
                extra: &[],
                extra_weights: &[],
            },
            &cfg,
            n_candidates,
            seed,
            state,
        )?;
        Ok(Some(p.candidates[p.best * d..(p.best + 1) * d].to_vec()))
    })?;
    Ok(p)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TPESortedColumn>()?;
    m.add_class::<TPEAboveState>()?;
    m.add_class::<TPESplitState>()?;
    m.add_function(wrap_pyfunction!(parzen_log_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(parzen_sample, m)?)?;
    m.add_function(wrap_pyfunction!(tpe_propose, m)?)?;
    m.add_function(wrap_pyfunction!(tpe_propose_split, m)?)?;
    Ok(())
}
