//! TPE's split of the finished trials in the common case, for a one-call proposal.
//!
//! The common case is one objective, no PRUNED trials and no constraints: the "below"
//! (good) set is the `gamma(n)` best COMPLETE trials by value, ties broken by trial number,
//! and the "above" (bad) set the other COMPLETE trials. Both come back sorted by trial
//! number, as the observation weights (Optuna's `default_weights`, oldest first) expect.
//! Bit-for-bit the same as the Python `split_history` / `default_weights` it replaces.

use super::split_mo::MultiSplitState;

/// Optuna's default number of "good" trials: `min(ceil(0.1 n), 25)`.
pub fn default_gamma(n_finished: usize) -> usize {
    // Same double product and ceiling as Python's `math.ceil(0.1 * x)`.
    ((0.1 * n_finished as f64).ceil() as usize).min(25)
}

/// Optuna's `default_weights(n)`: `np.linspace(1 / n, 1, n - 25)` then 25 ones (all ones
/// below 25), with numpy's `linspace` arithmetic (`i * step + start`, last = stop).
pub fn default_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let num = n - 25;
    let start = 1.0 / n as f64;
    let delta = 1.0 - start;
    let mut w = Vec::with_capacity(n);
    if num == 1 {
        w.push(0.0 * delta + start);
    } else if num > 1 {
        let div = (num - 1) as f64;
        let step = delta / div;
        if step == 0.0 {
            // numpy's denormal branch (unreachable for n > 25, kept for fidelity).
            w.extend((0..num).map(|i| i as f64 / div * delta + start));
        } else {
            w.extend((0..num).map(|i| i as f64 * step + start));
        }
        w[num - 1] = 1.0;
    }
    w.resize(n, 1.0);
    w
}

/// History rows in trial-number order, maintained by merges as rows are appended.
#[derive(Debug, Clone, Default)]
pub struct RowOrder {
    perm: Vec<u32>,
    /// Number of history rows merged.
    pub n_seen: usize,
}

impl RowOrder {
    /// Merge rows `n_seen..numbers.len()` (a no-op when `numbers` has no new row).
    ///
    /// New rows are sorted stably by number and inserted before existing rows with an
    /// equal number (numpy's `searchsorted` + `insert`, as the Python cache did).
    pub fn sync(&mut self, numbers: &[i64]) {
        let n = numbers.len();
        if n <= self.n_seen {
            return;
        }
        self.merge((self.n_seen as u32..n as u32).collect(), numbers);
        self.n_seen = n;
    }

    /// Merge the rows `new` (any order) into the order.
    pub(crate) fn merge(&mut self, mut new: Vec<u32>, numbers: &[i64]) {
        if new.is_empty() {
            return;
        }
        if !new
            .windows(2)
            .all(|w| numbers[w[0] as usize] <= numbers[w[1] as usize])
        {
            new.sort_by_key(|&r| numbers[r as usize]);
        }
        let appendable = self
            .perm
            .last()
            .is_none_or(|&last| numbers[new[0] as usize] > numbers[last as usize]);
        if appendable {
            self.perm.extend_from_slice(&new);
            return;
        }
        let old = std::mem::take(&mut self.perm);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < new.len() {
            if numbers[new[j] as usize] <= numbers[old[i] as usize] {
                merged.push(new[j]);
                j += 1;
            } else {
                merged.push(old[i]);
                i += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&new[j..]);
        self.perm = merged;
    }

    /// Rows below `n` in trial-number order (all merged rows when `n >= n_seen`).
    pub fn rows(&self, n: usize) -> std::borrow::Cow<'_, [u32]> {
        if n >= self.n_seen {
            std::borrow::Cow::Borrowed(&self.perm)
        } else {
            std::borrow::Cow::Owned(
                self.perm
                    .iter()
                    .copied()
                    .filter(|&r| (r as usize) < n)
                    .collect(),
            )
        }
    }
}

/// The columns of the finished-trial history that the split reads, one entry per row.
#[derive(Debug, Clone, Copy)]
pub struct SplitHistory<'a> {
    /// Trial states (`TrialState` codes).
    pub states: &'a [i8],
    /// The objective value (NaN unless COMPLETE).
    pub values: &'a [f64],
    /// Total constraint violation, NaN when the trial set no constraint.
    pub violation: &'a [f64],
    /// Trial numbers.
    pub numbers: &'a [i64],
}

/// `TrialState` codes the split needs.
#[derive(Debug, Clone, Copy)]
pub struct StateCodes {
    /// COMPLETE.
    pub complete: i8,
    /// PRUNED.
    pub pruned: i8,
}

/// Below and above rows, each in trial-number order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The best COMPLETE rows.
    pub below: Vec<u32>,
    /// The other COMPLETE rows.
    pub above: Vec<u32>,
}

/// Split `history` when it is the common case; `None` when a row is PRUNED, a row has a
/// constraint violation, or a COMPLETE row has a NaN value (the general path handles
/// those). `order` lists the rows by trial number; `n_below` is the number of good trials
/// (`None`: [`default_gamma`] of the number of COMPLETE rows).
pub fn split_single_objective(
    history: SplitHistory<'_>,
    order: &[u32],
    n_below: Option<usize>,
    minimize: bool,
    codes: StateCodes,
) -> Option<Split> {
    let n = history.states.len();
    let mut n_complete = 0;
    for r in 0..n {
        let state = history.states[r];
        if state == codes.pruned || !history.violation[r].is_nan() {
            return None;
        }
        if state == codes.complete {
            if history.values[r].is_nan() {
                return None;
            }
            n_complete += 1;
        }
    }
    let k = n_below
        .unwrap_or_else(|| default_gamma(n_complete))
        .min(n_complete);
    // The k smallest (value, number) pairs, kept sorted while scanning: after the first
    // few rows almost every row is rejected by one comparison with the k-th best. Values
    // compare as numpy's do (no NaN here; -0.0 == 0.0), ties go to the smaller number.
    let less = |a: (f64, i64), b: (f64, i64)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
    let mut keyed: Vec<(f64, i64, u32)> = Vec::with_capacity(k + 1);
    if k > 0 {
        for r in 0..n {
            if history.states[r] != codes.complete {
                continue;
            }
            let v = history.values[r];
            let key = (if minimize { v } else { -v }, history.numbers[r]);
            if keyed.len() == k {
                let worst = keyed[k - 1];
                if !less(key, (worst.0, worst.1)) {
                    continue;
                }
                keyed.pop();
            }
            let pos = keyed.partition_point(|e| less((e.0, e.1), key));
            keyed.insert(pos, (key.0, key.1, r as u32));
        }
    }
    keyed.sort_unstable_by_key(|e| e.1);
    let below: Vec<u32> = keyed.iter().map(|e| e.2).collect();
    let mut is_below = vec![false; n];
    for &r in &below {
        is_below[r as usize] = true;
    }
    let above = order
        .iter()
        .copied()
        .filter(|&r| history.states[r as usize] == codes.complete && !is_below[r as usize])
        .collect();
    Some(Split { below, above })
}

/// Most good trials the default gamma asks for.
const MAX_DEFAULT_BELOW: usize = 25;

/// [`split_single_objective`] kept up to date as history rows are appended: each call
/// looks at the new rows only (O(new rows)), plus one copy of the above rows.
///
/// It holds the COMPLETE rows in trial-number order, the best `MAX_DEFAULT_BELOW`
/// of them by (value, number), their count, and whether a row outside the common case
/// (PRUNED, constrained, NaN value) has been seen: rows never change, so from then on
/// every split is declined.
#[derive(Debug, Clone, Default)]
pub struct SplitState {
    /// The multi-objective split of the same study (see [`MultiSplitState`]).
    pub multi: MultiSplitState,
    complete: RowOrder,
    best: Vec<(f64, i64, u32)>,
    n_complete: usize,
    general: bool,
    minimize: bool,
    /// Number of history rows taken in.
    pub n_seen: usize,
}

impl SplitState {
    /// The split of `history` (see [`split_single_objective`], whose result this is).
    pub fn split(
        &mut self,
        history: SplitHistory<'_>,
        n_below: Option<usize>,
        minimize: bool,
        codes: StateCodes,
    ) -> Option<Split> {
        let n = history.states.len();
        if n < self.n_seen {
            // An older snapshot than the last call's: compute it from scratch.
            let mut order = RowOrder::default();
            order.sync(history.numbers);
            return split_single_objective(history, &order.perm, n_below, minimize, codes);
        }
        if self.n_seen > 0 && minimize != self.minimize {
            *self = Self::default();
        }
        self.minimize = minimize;
        self.take_in(history, codes);
        if self.general {
            return None;
        }
        let k = n_below
            .unwrap_or_else(|| default_gamma(self.n_complete))
            .min(self.n_complete);
        if k > self.best.len() {
            // More good trials than kept (a custom gamma): the full selection.
            return split_single_objective(history, &self.complete.perm, n_below, minimize, codes);
        }
        let mut chosen: Vec<(i64, u32)> = self.best[..k].iter().map(|e| (e.1, e.2)).collect();
        chosen.sort_unstable();
        let below: Vec<u32> = chosen.iter().map(|e| e.1).collect();
        // Both lists are in trial-number order: skip the below rows while copying.
        let mut above = Vec::with_capacity(self.n_complete - k);
        let mut next = 0;
        for &r in &self.complete.perm {
            if next < below.len() && r == below[next] {
                next += 1;
            } else {
                above.push(r);
            }
        }
        if next != below.len() {
            // Only with repeated trial numbers: fall back to membership tests.
            let mut is_below = vec![false; n];
            for &r in &below {
                is_below[r as usize] = true;
            }
            above = self
                .complete
                .perm
                .iter()
                .copied()
                .filter(|&r| !is_below[r as usize])
                .collect();
        }
        Some(Split { below, above })
    }

    /// Take in rows `n_seen..n` of `history`.
    fn take_in(&mut self, history: SplitHistory<'_>, codes: StateCodes) {
        let n = history.states.len();
        let mut new_complete = Vec::new();
        for r in self.n_seen..n {
            if self.general {
                break;
            }
            let state = history.states[r];
            if state == codes.pruned || !history.violation[r].is_nan() {
                self.general = true;
            } else if state == codes.complete {
                let v = history.values[r];
                if v.is_nan() {
                    self.general = true;
                    continue;
                }
                new_complete.push(r as u32);
                self.n_complete += 1;
                self.offer((
                    if self.minimize { v } else { -v },
                    history.numbers[r],
                    r as u32,
                ));
            }
        }
        self.n_seen = n;
        if !self.general {
            self.complete.merge(new_complete, history.numbers);
        }
        self.complete.n_seen = n;
    }

    /// Keep `entry` if it is among the best [`MAX_DEFAULT_BELOW`] by (value, number).
    fn offer(&mut self, entry: (f64, i64, u32)) {
        let less =
            |a: &(f64, i64, u32), b: &(f64, i64, u32)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
        if self.best.len() == MAX_DEFAULT_BELOW {
            if !less(&entry, &self.best[MAX_DEFAULT_BELOW - 1]) {
                return;
            }
            self.best.pop();
        }
        let pos = self.best.partition_point(|e| less(e, &entry));
        self.best.insert(pos, entry);
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
    fn gamma_matches_optuna() {
        assert_eq!(default_gamma(0), 0);
        assert_eq!(default_gamma(1), 1);
        assert_eq!(default_gamma(10), 1);
        assert_eq!(default_gamma(11), 2);
        assert_eq!(default_gamma(30), 3);
        assert_eq!(default_gamma(249), 25);
        assert_eq!(default_gamma(100_000), 25);
    }

    #[test]
    fn weights_ramp_then_flat() {
        assert!(default_weights(0).is_empty());
        assert_eq!(default_weights(24), vec![1.0; 24]);
        assert_eq!(default_weights(25), vec![1.0; 25]);
        let w = default_weights(26);
        assert_eq!(w[0], 1.0 / 26.0);
        assert_eq!(&w[1..], &[1.0; 25]);
        let w = default_weights(125);
        assert_eq!(w.len(), 125);
        let start = 1.0 / 125.0;
        let step = (1.0 - start) / 99.0;
        assert_eq!(w[0], start);
        assert_eq!(w[37], 37.0 * step + start);
        assert_eq!(w[99], 1.0);
        assert!(w[100..].iter().all(|&x| x == 1.0));
    }

    #[test]
    fn row_order_appends_and_merges() {
        let mut order = RowOrder::default();
        order.sync(&[0, 1, 2]);
        assert_eq!(&*order.rows(3), &[0, 1, 2]);
        order.sync(&[0, 1, 2, 5, 3]);
        assert_eq!(&*order.rows(5), &[0, 1, 2, 4, 3]);
        order.sync(&[0, 1, 2, 5, 3, 4, 6]);
        assert_eq!(&*order.rows(7), &[0, 1, 2, 4, 5, 3, 6]);
        // A reader of an older snapshot sees only its rows.
        assert_eq!(&*order.rows(5), &[0, 1, 2, 4, 3]);
        order.sync(&[0, 1, 2, 5, 3, 4, 6]);
        assert_eq!(order.n_seen, 7);
    }

    fn history<'a>(
        states: &'a [i8],
        values: &'a [f64],
        violation: &'a [f64],
        numbers: &'a [i64],
    ) -> SplitHistory<'a> {
        SplitHistory {
            states,
            values,
            violation,
            numbers,
        }
    }

    #[test]
    fn split_picks_best_with_number_ties() {
        // Rows in finish order; numbers out of order; FAIL row (3) in neither set.
        let states = [1, 1, 1, 3, 1, 1];
        let values = [3.0, 1.0, 1.0, f64::NAN, -0.0, 0.0];
        let violation = [f64::NAN; 6];
        let numbers = [0, 4, 2, 3, 5, 1];
        let mut order = RowOrder::default();
        order.sync(&numbers);
        let h = history(&states, &values, &violation, &numbers);
        let s = split_single_objective(h, &order.rows(6), Some(3), true, CODES).unwrap();
        // -0.0 and 0.0 tie: numbers 5 and 1 -> both; then 1.0 at numbers 2 and 4 -> 2.
        assert_eq!(s.below, vec![5, 2, 4]);
        assert_eq!(s.above, vec![0, 1]);
        let s = split_single_objective(h, &order.rows(6), Some(2), false, CODES).unwrap();
        assert_eq!(s.below, vec![0, 2]);
        assert_eq!(s.above, vec![5, 1, 4]);
        // Default gamma: ceil(0.5) = 1.
        let s = split_single_objective(h, &order.rows(6), None, true, CODES).unwrap();
        assert_eq!(s.below, vec![5]);
        let s = split_single_objective(h, &order.rows(6), Some(10), true, CODES).unwrap();
        assert_eq!(s.below, vec![0, 5, 2, 1, 4]);
        assert!(s.above.is_empty());
        let s = split_single_objective(h, &order.rows(6), Some(0), true, CODES).unwrap();
        assert!(s.below.is_empty());
        assert_eq!(s.above, vec![0, 5, 2, 1, 4]);
    }

    /// A small deterministic generator for the randomised comparisons.
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    #[test]
    fn split_state_matches_full_split_as_rows_arrive() {
        for (seed, minimize) in [(1u64, true), (2, false), (3, true)] {
            let mut rng = seed;
            let n = 400;
            // Rows finish out of number order; some FAIL; values with many ties.
            let mut numbers: Vec<i64> = (0..n as i64).collect();
            for i in 0..n {
                let j = i + (lcg(&mut rng) as usize % 4).min(n - 1 - i);
                numbers.swap(i, j);
            }
            let states: Vec<i8> = (0..n)
                .map(|_| {
                    if lcg(&mut rng).is_multiple_of(9) {
                        3
                    } else {
                        1
                    }
                })
                .collect();
            let values: Vec<f64> = states
                .iter()
                .map(|&st| {
                    if st == 1 {
                        (lcg(&mut rng) % 50) as f64 - 25.0
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            let violation = vec![f64::NAN; n];
            let mut state = SplitState::default();
            let mut order = RowOrder::default();
            let mut m = 0;
            while m < n {
                m = (m + 1 + lcg(&mut rng) as usize % 5).min(n);
                let h = history(&states[..m], &values[..m], &violation[..m], &numbers[..m]);
                order.sync(h.numbers);
                let full = split_single_objective(h, &order.rows(m), None, minimize, CODES);
                assert_eq!(state.split(h, None, minimize, CODES), full, "m={m}");
                // A custom number of good trials, more than kept, and an older snapshot.
                let full = split_single_objective(h, &order.rows(m), Some(40), minimize, CODES);
                assert_eq!(state.split(h, Some(40), minimize, CODES), full);
                let old = m / 2;
                let h = history(
                    &states[..old],
                    &values[..old],
                    &violation[..old],
                    &numbers[..old],
                );
                let full = split_single_objective(h, &order.rows(old), None, minimize, CODES);
                assert_eq!(state.split(h, None, minimize, CODES), full);
            }
        }
    }

    #[test]
    fn split_state_declines_for_good_after_a_general_row() {
        let numbers = [0, 1, 2];
        let nan = [f64::NAN; 3];
        let mut state = SplitState::default();
        let h = history(&[1, 1], &[1.0, 2.0], &nan[..2], &numbers[..2]);
        assert!(state.split(h, None, true, CODES).is_some());
        let h = history(&[1, 1, 2], &[1.0, 2.0, f64::NAN], &nan, &numbers);
        assert!(state.split(h, None, true, CODES).is_none());
        assert!(state.split(h, None, true, CODES).is_none());
    }

    #[test]
    fn split_declines_general_cases() {
        let numbers = [0, 1];
        let order = [0, 1];
        let nan = [f64::NAN; 2];
        let pruned = history(&[1, 2], &[1.0, f64::NAN], &nan, &numbers);
        assert!(split_single_objective(pruned, &order, None, true, CODES).is_none());
        let constrained = history(&[1, 1], &[1.0, 2.0], &[f64::NAN, 0.0], &numbers);
        assert!(split_single_objective(constrained, &order, None, true, CODES).is_none());
        let nan_value = history(&[1, 1], &[1.0, f64::NAN], &nan, &numbers);
        assert!(split_single_objective(nan_value, &order, None, true, CODES).is_none());
    }
}
