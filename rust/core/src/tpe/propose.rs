//! One TPE proposal: sample candidates from l(x) and rank them by `log l - log g`.

use rand::SeedableRng;
use rand_pcg::Pcg64;

use super::{ParamSpec, ParzenEstimator, MAX_CANDIDATE_VALUES};
use crate::error::{CoreError, CoreResult};

/// Result of one TPE proposal.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Index of the best candidate.
    pub best: usize,
    /// Candidates, `(m, d)` row-major internal values.
    pub candidates: Vec<f64>,
    /// `log l(x) - log g(x)` of every candidate.
    pub acquisition: Vec<f64>,
    /// `log l(x)` and `log g(x)` of every candidate.
    pub log_below: Vec<f64>,
    /// See `log_below`.
    pub log_above: Vec<f64>,
}

/// Sample `n_candidates` from l(x) and rank them by `log l(x) - log g(x)` (Bergstra
/// et al. 2011, Eq. 6; Watanabe 2023, Eq. 2).
pub fn propose(
    specs: &[ParamSpec],
    below: &ParzenEstimator,
    above: &ParzenEstimator,
    n_candidates: usize,
    seed: u64,
) -> CoreResult<Proposal> {
    if n_candidates == 0 {
        return Err(CoreError::InvalidArgument(
            "n_ei_candidates must be positive".into(),
        ));
    }
    if specs.is_empty() {
        return Err(CoreError::InvalidArgument("empty search space".into()));
    }
    if n_candidates.saturating_mul(specs.len()) > MAX_CANDIDATE_VALUES {
        // Checked here because an allocation failure aborts the process (no error).
        return Err(CoreError::InvalidArgument(format!(
            "n_ei_candidates={n_candidates} candidates of {} parameters exceed the limit of \
             {MAX_CANDIDATE_VALUES} candidate values",
            specs.len()
        )));
    }
    let mut rng = Pcg64::seed_from_u64(seed);
    let candidates = below.sample(&mut rng, n_candidates);
    let log_below = below.log_pdf(&candidates)?;
    let log_above = above.log_pdf(&candidates)?;
    let acquisition: Vec<f64> = log_below
        .iter()
        .zip(&log_above)
        .map(|(l, g)| l - g)
        .collect();
    // First maximum, like numpy.argmax (NaN never wins).
    let mut best = 0;
    for (i, &v) in acquisition.iter().enumerate() {
        if v > acquisition[best] || (acquisition[best].is_nan() && !v.is_nan()) {
            best = i;
        }
    }
    Ok(Proposal {
        best,
        candidates,
        acquisition,
        log_below,
        log_above,
    })
}
