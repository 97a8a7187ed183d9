//! Bindings for `ferrotune_core::tpe`: the search space, Parzen estimators and the TPE
//! proposal.
//!
//! A [`TPESpace`] is built once per search space (checked there) and passed to every
//! call, as pydantic-core builds a validator once and calls it many times; the functions
//! take keyword-only arguments, grouped into dictionaries where a proposal needs many.

use ferrotune_core::tpe::fast_path::{self, BatchItem, ColumnarHistory, Observations, StudyState};
use ferrotune_core::tpe::split::{SplitState, StateCodes};
use ferrotune_core::tpe::{
    IncrementalAbove, IndexedObservations, ParamSpec, ParzenConfig, ParzenEstimator, SortedColumn,
    TpeSpace,
};
use ferrotune_core::CoreError;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::{ArrayArg, BindingResult};
use crate::util;

/// The values of a `(rows, d)` matrix in row-major order (any number of columns when it
/// has no row).
fn matrix(arr: &PyReadonlyArray2<'_, f64>, d: usize, name: &str) -> Result<Vec<f64>, CoreError> {
    let a = arr.as_array();
    if a.nrows() > 0 && a.ncols() != d {
        return Err(CoreError::ShapeMismatch(format!(
            "`{name}` has {} columns, expected {d}",
            a.ncols()
        )));
    }
    Ok(a.iter().copied().collect())
}

/// The first `n` elements of a contiguous array.
fn prefix<'a, T: numpy::Element>(
    arr: &'a PyReadonlyArray1<'_, T>,
    n: usize,
    name: &'a str,
) -> Result<&'a [T], CoreError> {
    ArrayArg::new(name, arr)
        .contiguous()?
        .get(..n)
        .ok_or_else(|| CoreError::ShapeMismatch(format!("`{name}` has fewer than {n} rows")))
}

fn to_2d(py: Python<'_>, flat: Vec<f64>, d: usize) -> BindingResult<Bound<'_, PyArray2<f64>>> {
    let m = flat.len().checked_div(d).unwrap_or(0);
    let arr = ndarray::Array2::from_shape_vec((m, d), flat)
        .map_err(|e| CoreError::ShapeMismatch(e.to_string()))?;
    Ok(arr.into_pyarray(py))
}

/// One dimension of a [`TPESpace`]: numerical (`low`, `high`, `step`, `log`, internal
/// values) or categorical (`n_choices`, values are choice indices).
#[pyclass(frozen, module = "ferrotune._core")]
#[derive(Clone)]
struct TPEParam {
    inner: ParamSpec,
}

#[pymethods]
impl TPEParam {
    /// A numerical dimension on `[low, high]` (`step` 0 for a continuous one).
    #[staticmethod]
    #[pyo3(signature = (*, low, high, step=0.0, log=false))]
    fn numerical(low: f64, high: f64, step: f64, log: bool) -> Self {
        Self {
            inner: ParamSpec::numerical(low, high, step, log),
        }
    }

    /// A categorical dimension with `n_choices` choices.
    #[staticmethod]
    #[pyo3(signature = (*, n_choices))]
    fn categorical(n_choices: usize) -> BindingResult<Self> {
        if n_choices == 0 {
            return Err(CoreError::InvalidArgument(
                "a categorical parameter needs at least one choice, got n_choices=0".into(),
            )
            .into());
        }
        Ok(Self {
            inner: ParamSpec::categorical(n_choices),
        })
    }

    /// `"categorical"` or `"numerical"`.
    #[getter]
    fn kind(&self) -> &'static str {
        if self.inner.is_categorical() {
            "categorical"
        } else {
            "numerical"
        }
    }

    #[getter]
    fn low(&self) -> f64 {
        self.inner.low
    }

    #[getter]
    fn high(&self) -> f64 {
        self.inner.high
    }

    #[getter]
    fn step(&self) -> f64 {
        self.inner.step
    }

    #[getter]
    fn log(&self) -> bool {
        self.inner.log
    }

    #[getter]
    fn n_choices(&self) -> usize {
        self.inner.n_choices
    }

    fn __repr__(&self) -> String {
        format!("TPEParam({})", self.inner)
    }
}

/// A search space and its estimator options, checked once and reused for every
/// proposal over that space.
#[pyclass(frozen, module = "ferrotune._core")]
struct TPESpace {
    inner: TpeSpace,
}

#[pymethods]
impl TPESpace {
    #[new]
    #[pyo3(signature = (*, params, prior_weight=1.0, consider_magic_clip=true, consider_endpoints=false, n_candidates=24))]
    fn new(
        params: Vec<PyRef<'_, TPEParam>>,
        prior_weight: f64,
        consider_magic_clip: bool,
        consider_endpoints: bool,
        n_candidates: usize,
    ) -> BindingResult<Self> {
        let parzen = ParzenConfig {
            prior_weight,
            consider_magic_clip,
            consider_endpoints,
        };
        let params = params.iter().map(|p| p.inner).collect();
        Ok(Self {
            inner: TpeSpace::new(params, parzen, n_candidates)?,
        })
    }

    /// Candidates drawn from l(x) per proposal.
    #[getter]
    fn n_candidates(&self) -> usize {
        self.inner.n_candidates()
    }

    fn __len__(&self) -> usize {
        self.inner.params().len()
    }
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
    fn sync(&mut self, py: Python<'_>, column: PyReadonlyArray1<'_, f64>) -> BindingResult<()> {
        let col = ArrayArg::new("column", &column).contiguous()?;
        let inner = &mut self.inner;
        Ok(util::run(py, || inner.sync(col))?)
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
        PyBytes::new(py, &self.inner.to_bytes())
    }

    fn __setstate__(&mut self, state: &[u8]) -> BindingResult<()> {
        self.inner = SortedColumn::from_bytes(state)?;
        Ok(())
    }
}

/// The above estimator of one study and search space, kept up to date across trials
/// (see `ferrotune_core::tpe::IncrementalAbove`); created empty, filled by proposals.
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

/// The split of a study's growing history, kept up to date across trials (see
/// `ferrotune_core::tpe::split::SplitState`) for `tpe_propose_split`; `complete` and
/// `pruned` are the `TrialState` codes of the history's `states`.
#[pyclass(module = "ferrotune._core")]
struct TPESplitState {
    inner: SplitState,
    codes: StateCodes,
}

#[pymethods]
impl TPESplitState {
    #[new]
    #[pyo3(signature = (*, complete, pruned))]
    fn new(complete: i8, pruned: i8) -> BindingResult<Self> {
        if complete == pruned {
            return Err(CoreError::InvalidArgument(format!(
                "the COMPLETE and PRUNED state codes must differ, got {complete} for both"
            ))
            .into());
        }
        Ok(Self {
            inner: SplitState::default(),
            codes: StateCodes { complete, pruned },
        })
    }

    /// Number of history rows taken in.
    #[getter]
    fn n_seen(&self) -> usize {
        self.inner.n_seen
    }
}

/// Log-density of the Parzen estimator built from `obs` at the rows of `x`.
#[pyfunction]
#[pyo3(signature = (*, space, obs, weights, x))]
fn parzen_log_pdf<'py>(
    py: Python<'py>,
    space: &TPESpace,
    obs: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
) -> BindingResult<Bound<'py, PyArray1<f64>>> {
    let (specs, cfg) = (space.inner.params(), space.inner.parzen());
    let d = specs.len();
    let obs = matrix(&obs, d, "obs")?;
    let x = matrix(&x, d, "x")?;
    let w = ArrayArg::new("weights", &weights).to_vec();
    let out = util::run(py, || {
        ParzenEstimator::from_matrix(specs, &obs, &w, cfg)?.log_pdf(&x)
    })?;
    Ok(out.into_pyarray(py))
}

/// `n` samples of the Parzen estimator built from `obs`.
#[pyfunction]
#[pyo3(signature = (*, space, obs, weights, n, seed))]
fn parzen_sample<'py>(
    py: Python<'py>,
    space: &TPESpace,
    obs: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray1<'py, f64>,
    n: usize,
    seed: u64,
) -> BindingResult<Bound<'py, PyArray2<f64>>> {
    let (specs, cfg) = (space.inner.params(), space.inner.parzen());
    let d = specs.len();
    let obs = matrix(&obs, d, "obs")?;
    let w = ArrayArg::new("weights", &weights).to_vec();
    let limit = ferrotune_core::tpe::MAX_CANDIDATE_VALUES;
    if n.saturating_mul(d) > limit {
        return Err(CoreError::InvalidArgument(format!(
            "{n} samples of {d} parameters exceed the limit of {limit} values"
        ))
        .into());
    }
    let out = util::run(py, || {
        let est = ParzenEstimator::from_matrix(specs, &obs, &w, cfg)?;
        Ok(est.sample_seeded(seed, n))
    })?;
    to_2d(py, out, d)
}

/// The "below" set of `tpe_propose`: `obs` `(n, d)` and their `weights`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct BelowArg<'py> {
    obs: PyReadonlyArray2<'py, f64>,
    weights: PyReadonlyArray1<'py, f64>,
}

/// The "above" set of `tpe_propose`: history `columns` (with their `sorted` columns,
/// `None` for categoricals), the selected `rows` and their `row_weights`, and `extra`
/// observations `(r, d)` with `extra_weights`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct AboveArg<'py> {
    columns: Vec<PyReadonlyArray1<'py, f64>>,
    sorted: Vec<Option<PyRefMut<'py, TPESortedColumn>>>,
    rows: PyReadonlyArray1<'py, i64>,
    row_weights: PyReadonlyArray1<'py, f64>,
    extra: PyReadonlyArray2<'py, f64>,
    extra_weights: PyReadonlyArray1<'py, f64>,
}

/// Mutable references to the sorted columns (`None` stays `None`).
fn sorted_refs<'a>(
    sorted: &'a mut [Option<PyRefMut<'_, TPESortedColumn>>],
) -> Vec<Option<&'a mut SortedColumn>> {
    sorted
        .iter_mut()
        .map(|o| o.as_mut().map(|r| &mut r.inner))
        .collect()
}

type ProposalArrays<'py> = (
    usize,
    Bound<'py, PyArray2<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

/// One TPE step: sample candidates from l(x) (built from `below`), score
/// `log l - log g` with g(x) built from `above`, and return
/// `(best_index, candidates, acquisition, log_l, log_g)`.
#[pyfunction]
#[pyo3(signature = (*, space, below, above, seed, above_state=None))]
fn tpe_propose<'py>(
    py: Python<'py>,
    space: &TPESpace,
    below: BelowArg<'py>,
    mut above: AboveArg<'py>,
    seed: u64,
    mut above_state: Option<PyRefMut<'py, TPEAboveState>>,
) -> BindingResult<ProposalArrays<'py>> {
    let d = space.inner.params().len();
    let below_obs = matrix(&below.obs, d, "below")?;
    let below_w = ArrayArg::new("below_weights", &below.weights).to_vec();
    let extra = matrix(&above.extra, d, "extra")?;
    let extra_w = ArrayArg::new("extra_weights", &above.extra_weights).to_vec();
    let row_w = ArrayArg::new("row_weights", &above.row_weights).to_vec();
    let rows: Vec<u32> = above
        .rows
        .as_array()
        .iter()
        .map(|&r| u32::try_from(r).map_err(|_| CoreError::InvalidArgument(format!("bad row {r}"))))
        .collect::<Result<_, _>>()?;
    let columns: Vec<&[f64]> = above
        .columns
        .iter()
        .map(|c| ArrayArg::new("columns", c).contiguous())
        .collect::<Result<_, _>>()?;
    let sorted = sorted_refs(&mut above.sorted);
    let state = above_state.as_mut().map(|s| &mut s.inner);
    let inner = &space.inner;
    let p = util::run(py, || {
        let obs = Observations {
            below: &below_obs,
            below_weights: &below_w,
            above: IndexedObservations {
                columns,
                sorted,
                rows: &rows,
                row_weights: &row_w,
                extra: &extra,
                extra_weights: &extra_w,
            },
        };
        fast_path::propose_with(inner, obs, seed, state)
    })?;
    Ok((
        p.best,
        to_2d(py, p.candidates, d)?,
        p.acquisition.into_pyarray(py),
        p.log_below.into_pyarray(py),
        p.log_above.into_pyarray(py),
    ))
}

/// The history of `tpe_propose_split`: its first `n` rows of `states`, `values`
/// (shape `(.., len(minimize))`), `violation`, `numbers` and one column per parameter,
/// and per objective whether the study minimises it.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct HistoryArg<'py> {
    n: usize,
    states: PyReadonlyArray1<'py, i8>,
    values: PyReadonlyArray2<'py, f64>,
    violation: PyReadonlyArray1<'py, f64>,
    numbers: PyReadonlyArray1<'py, i64>,
    columns: Vec<PyReadonlyArray1<'py, f64>>,
    minimize: Vec<bool>,
}

/// The state `tpe_propose_split` keeps up to date: the `sorted` columns (`None` for
/// categoricals), the `split` state and the `above` estimator state (or `None`).
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct StudyStateArg<'py> {
    sorted: Vec<Option<PyRefMut<'py, TPESortedColumn>>>,
    split: PyRefMut<'py, TPESplitState>,
    above: Option<PyRefMut<'py, TPEAboveState>>,
}

/// The whole TPE step of the common case in one call (see
/// `ferrotune_core::tpe::fast_path::propose_split`): returns the best candidate's
/// internal values, or `None` when the history is not the common case.
#[pyfunction]
#[pyo3(signature = (*, space, history, state, seed))]
fn tpe_propose_split<'py>(
    py: Python<'py>,
    space: &TPESpace,
    history: HistoryArg<'py>,
    mut state: StudyStateArg<'py>,
    seed: u64,
) -> BindingResult<Option<Vec<f64>>> {
    let history = columnar(&history)?;
    let split = &mut *state.split;
    let study_state = StudyState {
        sorted: sorted_refs(&mut state.sorted),
        split: &mut split.inner,
        codes: split.codes,
        above: state.above.as_mut().map(|s| &mut s.inner),
    };
    let inner = &space.inner;
    let proposed = util::run(py, || {
        fast_path::propose_split(inner, history, study_state, seed)
    })?;
    Ok(proposed)
}

/// The first `history.n` rows of a [`HistoryArg`], checked.
fn columnar<'a>(history: &'a HistoryArg<'_>) -> BindingResult<ColumnarHistory<'a>> {
    let n = history.n;
    let n_obj = history.minimize.len();
    if n_obj == 0 {
        return Err(CoreError::InvalidArgument("`minimize` is empty".into()).into());
    }
    ArrayArg::new("values", &history.values).shape(&[None, Some(n_obj)])?;
    let values = ArrayArg::new("values", &history.values).contiguous()?;
    let columns = history
        .columns
        .iter()
        .map(|c| prefix(c, n, "columns"))
        .collect::<Result<_, _>>()?;
    Ok(ColumnarHistory {
        states: prefix(&history.states, n, "states")?,
        values: values
            .get(..n * n_obj)
            .ok_or_else(|| CoreError::ShapeMismatch(format!("`values` has fewer than {n} rows")))?,
        violation: prefix(&history.violation, n, "violation")?,
        numbers: prefix(&history.numbers, n, "numbers")?,
        columns,
        minimize: &history.minimize,
    })
}

/// The state `tpe_propose_split_batch` keeps up to date: the `sorted` columns of every
/// space's parameters in order (`None` for categoricals), the `split` state and one
/// `above` state (or `None`) per space.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct BatchStateArg<'py> {
    sorted: Vec<Option<PyRefMut<'py, TPESortedColumn>>>,
    split: PyRefMut<'py, TPESplitState>,
    above: Vec<Option<PyRefMut<'py, TPEAboveState>>>,
}

/// `tpe_propose_split` for several search spaces over one history in one call (see
/// `ferrotune_core::tpe::fast_path::propose_split_batch`): `history["columns"]` holds the
/// columns of every space's parameters in order; returns per space what
/// `tpe_propose_split` would (`None` for a space with a parameter missing in some row),
/// or `None` when the history is not the common case.
#[pyfunction]
#[pyo3(signature = (*, spaces, history, state, seeds))]
fn tpe_propose_split_batch<'py>(
    py: Python<'py>,
    spaces: Vec<PyRef<'py, TPESpace>>,
    history: HistoryArg<'py>,
    mut state: BatchStateArg<'py>,
    seeds: Vec<u64>,
) -> BindingResult<Option<Vec<Option<Vec<f64>>>>> {
    let n_items = spaces.len();
    if seeds.len() != n_items || state.above.len() != n_items {
        return Err(CoreError::ShapeMismatch(format!(
            "{n_items} spaces but {} seeds and {} above states",
            seeds.len(),
            state.above.len()
        ))
        .into());
    }
    let d_total: usize = spaces.iter().map(|s| s.inner.params().len()).sum();
    if history.columns.len() != d_total || state.sorted.len() != d_total {
        return Err(CoreError::ShapeMismatch(format!(
            "the spaces have {d_total} parameters, got {} columns and {} sorted columns",
            history.columns.len(),
            state.sorted.len()
        ))
        .into());
    }
    let mut history = columnar(&history)?;
    let mut columns = std::mem::take(&mut history.columns).into_iter();
    let mut sorted = sorted_refs(&mut state.sorted).into_iter();
    let mut above = state.above.iter_mut();
    let items: Vec<BatchItem<'_>> = spaces
        .iter()
        .zip(&seeds)
        .map(|(space, &seed)| {
            let d = space.inner.params().len();
            BatchItem {
                space: &space.inner,
                columns: columns.by_ref().take(d).collect(),
                sorted: sorted.by_ref().take(d).collect(),
                above: above.next().and_then(|a| a.as_mut().map(|s| &mut s.inner)),
                seed,
            }
        })
        .collect();
    let split = &mut *state.split;
    let (inner, codes) = (&mut split.inner, split.codes);
    let proposed = util::run(py, || {
        fast_path::propose_split_batch(history, inner, codes, items)
    })?;
    Ok(proposed)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TPEParam>()?;
    m.add_class::<TPESpace>()?;
    m.add_class::<TPESortedColumn>()?;
    m.add_class::<TPEAboveState>()?;
    m.add_class::<TPESplitState>()?;
    m.add_function(wrap_pyfunction!(parzen_log_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(parzen_sample, m)?)?;
    m.add_function(wrap_pyfunction!(tpe_propose, m)?)?;
    m.add_function(wrap_pyfunction!(tpe_propose_split, m)?)?;
    m.add_function(wrap_pyfunction!(tpe_propose_split_batch, m)?)?;
    Ok(())
}
