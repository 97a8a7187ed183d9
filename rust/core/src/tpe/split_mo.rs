//! MOTPE's split of the finished trials in the common case (several objectives, no PRUNED
//! or constrained trial, no NaN value), kept across the proposals of one trial.
//!
//! Optuna 5.0's `_split_complete_trials_multi_objective`: the "below" set is the
//! `ceil(0.1 n)` best COMPLETE trials by non-domination rank, the first front that does
//! not fit whole broken by greedy hypervolume subset selection
//! ([`select_below`](crate::multiobjective::select_below)); "above" is the rest. Both
//! come back in trial-number order. The split only changes when a trial finishes, while a
//! univariate MOTPE trial asks for it once per parameter: it is computed once per history
//! length and reused.

use super::split::{RowOrder, Split, StateCodes};
use crate::error::{CoreError, CoreResult};
use crate::multiobjective::select_below;

/// Optuna's default number of "good" trials with several objectives: `ceil(0.1 n)`.
pub fn default_gamma_multiobjective(n_finished: usize) -> usize {
    // Same double product and ceiling as Python's `math.ceil(0.1 * x)`.
    (0.1 * n_finished as f64).ceil() as usize
}

/// The columns of a multi-objective history that the split reads, one entry per row.
#[derive(Debug, Clone, Copy)]
pub struct MultiHistory<'a> {
    /// Trial states (`TrialState` codes).
    pub states: &'a [i8],
    /// Objective values, `(rows, m)` row-major (NaN unless COMPLETE).
    pub values: &'a [f64],
    /// Total constraint violation, NaN when the trial set no constraint.
    pub violation: &'a [f64],
    /// Trial numbers.
    pub numbers: &'a [i64],
}

/// The multi-objective split, its inputs taken in incrementally and its result cached for
/// the current history length.
#[derive(Debug, Clone, Default)]
pub struct MultiSplitState {
    /// COMPLETE rows in trial-number order.
    complete: RowOrder,
    /// A row outside the common case was seen: every later split is declined.
    general: bool,
    n_seen: usize,
    /// `(history rows, minimize, split)` of the last call.
    cached: Option<(usize, Vec<bool>, Split)>,
}

impl MultiSplitState {
    /// The split of `history` (objectives minimised where `minimize`), or `None` outside
    /// the common case.
    pub fn split(
        &mut self,
        history: MultiHistory<'_>,
        minimize: &[bool],
        codes: StateCodes,
    ) -> CoreResult<Option<Split>> {
        let m = minimize.len();
        let n = history.states.len();
        if m < 2 || history.values.len() != n * m {
            return Err(CoreError::ShapeMismatch(format!(
                "expected {n} x {m} objective values (m >= 2), got {}",
                history.values.len()
            )));
        }
        if n < self.n_seen {
            // An older snapshot than the last call's: compute it from scratch.
            let mut fresh = Self::default();
            return fresh.split(history, minimize, codes);
        }
        self.take_in(history, m, codes);
        if self.general {
            return Ok(None);
        }
        if let Some((n_cached, dirs, split)) = &self.cached {
            if *n_cached == n && dirs == minimize {
                return Ok(Some(split.clone()));
            }
        }
        let rows = &self.complete.rows(n);
        let loss: Vec<f64> = rows
            .iter()
            .flat_map(|&r| {
                let v = &history.values[r as usize * m..(r as usize + 1) * m];
                v.iter()
                    .zip(minimize)
                    .map(|(&x, &min)| if min { x } else { -x })
            })
            .collect();
        let k = default_gamma_multiobjective(rows.len()).min(rows.len());
        let picked = select_below(&loss, m, k)?;
        let mut is_below = vec![false; rows.len()];
        for &p in &picked {
            is_below[p] = true;
        }
        let below = picked.iter().map(|&p| rows[p]).collect();
        let above = rows
            .iter()
            .zip(&is_below)
            .filter(|(_, &b)| !b)
            .map(|(&r, _)| r)
            .collect();
        let split = Split { below, above };
        self.cached = Some((n, minimize.to_vec(), split.clone()));
        Ok(Some(split))
    }

    /// Take in rows `n_seen..n` of `history`.
    fn take_in(&mut self, history: MultiHistory<'_>, m: usize, codes: StateCodes) {
        let n = history.states.len();
        let mut new_complete = Vec::new();
        for r in self.n_seen..n {
            let state = history.states[r];
            if state == codes.pruned || !history.violation[r].is_nan() {
                self.general = true;
            } else if state == codes.complete {
                if history.values[r * m..(r + 1) * m]
                    .iter()
                    .any(|v| v.is_nan())
                {
                    self.general = true;
                }
                new_complete.push(r as u32);
            }
        }
        if !self.general {
            self.complete.merge(new_complete, history.numbers);
        }
        self.complete.n_seen = n;
        self.n_seen = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODES: StateCodes = StateCodes {
        complete: 1,
        pruned: 2,
    };

    #[test]
    fn gamma_is_uncapped_ceiling() {
        assert_eq!(default_gamma_multiobjective(0), 0);
        assert_eq!(default_gamma_multiobjective(1), 1);
        assert_eq!(default_gamma_multiobjective(11), 2);
        assert_eq!(default_gamma_multiobjective(1000), 100);
    }

    #[test]
    fn split_in_number_order_and_cached() {
        // Rows finish out of number order; row 2 FAILs.
        let states = [1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1];
        let numbers = [1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10];
        let mut values = Vec::new();
        for i in 0..12 {
            let x = i as f64;
            values.extend([x, 12.0 - x]); // one front
        }
        values[4] = f64::NAN; // the FAIL row has no values
        values[5] = f64::NAN;
        values[22] = -1.0; // row 11 (number 10) dominates every other point
        values[23] = -1.0;
        let violation = [f64::NAN; 12];
        let h = MultiHistory {
            states: &states,
            values: &values,
            violation: &violation,
            numbers: &numbers,
        };
        let mut state = MultiSplitState::default();
        let s = state.split(h, &[true, true], CODES).unwrap().unwrap();
        // 11 COMPLETE -> ceil(1.1) = 2 below: row 11 (front 0) + one of front 1 by HSSP.
        assert_eq!(s.below.len(), 2);
        assert!(s.below.contains(&11));
        assert_eq!(s.above.len(), 9);
        let order: Vec<i64> = s.above.iter().map(|&r| numbers[r as usize]).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            state.split(h, &[true, true], CODES).unwrap(),
            Some(s.clone())
        );
        // Maximising both: row 11 becomes the worst point.
        let s2 = state.split(h, &[false, false], CODES).unwrap().unwrap();
        assert!(!s2.below.contains(&11));
        // A PRUNED row declines the split for good.
        let states2 = [1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
        let numbers2 = [1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 11, 10, 12];
        let mut values2 = values.clone();
        values2.extend([f64::NAN, f64::NAN]);
        let violation2 = [f64::NAN; 13];
        let h2 = MultiHistory {
            states: &states2,
            values: &values2,
            violation: &violation2,
            numbers: &numbers2,
        };
        assert_eq!(state.split(h2, &[true, true], CODES).unwrap(), None);
    }
}
