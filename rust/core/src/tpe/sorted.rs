//! Incrementally sorted history columns and their byte encoding (for pickling).

use crate::error::{CoreError, CoreResult};

/// A column's `(value, row)` pairs sorted by value, grown as history rows arrive.
#[derive(Debug, Clone, Default)]
pub struct SortedColumn {
    /// Sorted `(value, row)` pairs of the non-NaN rows seen so far, except `pending`.
    pub(super) entries: Vec<(f64, u32)>,
    /// Pairs synced but not merged yet: merging waits until a build reads the column
    /// (the incremental estimator does not), so a sync costs O(new rows), not O(n).
    pending: Vec<(f64, u32)>,
    /// Number of history rows consumed.
    pub n_seen: usize,
    /// Per history row: `(sigma, constant part)` of its kernel at the last call.
    pub cache: Vec<(f64, f64)>,
    /// Bounds the cache was computed for.
    pub cache_key: [u64; 3],
}

impl SortedColumn {
    /// Size the mass cache to the rows seen and reset it when the bounds changed.
    pub(super) fn prepare_cache(&mut self, key: [u64; 3]) {
        if self.cache_key != key {
            self.cache.clear();
            self.cache_key = key;
        }
        if self.cache.len() < self.n_seen {
            self.cache.resize(self.n_seen, (f64::NAN, 0.0));
        }
    }
}

impl SortedColumn {
    /// A column restored from its sorted pairs and the number of history rows consumed.
    ///
    /// The pairs come from outside (a pickle), so they are checked: sorted by value then
    /// row, no NaN value, distinct rows below `n_seen` (rows index the history columns).
    pub fn from_sorted(entries: Vec<(f64, u32)>, n_seen: usize) -> CoreResult<Self> {
        let corrupt = |why: String| {
            Err(CoreError::InvalidArgument(format!(
                "corrupt TPESortedColumn state: {why}"
            )))
        };
        if entries.len() > n_seen {
            return corrupt(format!(
                "{} pairs but only {n_seen} rows seen",
                entries.len()
            ));
        }
        for (i, &(v, r)) in entries.iter().enumerate() {
            if v.is_nan() {
                return corrupt(format!("NaN value at pair {i}"));
            }
            if r as usize >= n_seen {
                return corrupt(format!("row {r} at pair {i} is not below {n_seen}"));
            }
            if i > 0 {
                let (pv, pr) = entries[i - 1];
                if pv.total_cmp(&v).then(pr.cmp(&r)).is_ge() {
                    return corrupt(format!("pairs {} and {i} are not sorted", i - 1));
                }
            }
        }
        let mut rows: Vec<u32> = entries.iter().map(|e| e.1).collect();
        rows.sort_unstable();
        if rows.windows(2).any(|w| w[0] == w[1]) {
            return corrupt("a row appears twice".into());
        }
        Ok(Self {
            entries,
            n_seen,
            ..Self::default()
        })
    }

    /// Number of non-NaN rows seen.
    pub fn len(&self) -> usize {
        self.entries.len() + self.pending.len()
    }

    /// Whether no non-NaN row was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sorted `(value, row)` pairs of every non-NaN row seen.
    pub fn entries(&mut self) -> &[(f64, u32)] {
        self.settle();
        &self.entries
    }

    /// Take in rows `n_seen..column.len()` of `column` (NaN rows are skipped).
    pub fn sync(&mut self, column: &[f64]) -> CoreResult<()> {
        if column.len() < self.n_seen {
            return Err(CoreError::InvalidArgument(format!(
                "column shrank from {} to {} rows",
                self.n_seen,
                column.len()
            )));
        }
        self.pending.extend(
            (self.n_seen..column.len())
                .filter(|&r| !column[r].is_nan())
                .map(|r| (column[r], r as u32)),
        );
        self.n_seen = column.len();
        Ok(())
    }

    /// Merge the pending pairs into the sorted ones.
    pub(super) fn settle(&mut self) {
        let mut new = std::mem::take(&mut self.pending);
        if new.is_empty() {
            return;
        }
        let cmp = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        new.sort_by(cmp);
        if new.len() == 1 {
            let pos = self
                .entries
                .partition_point(|e| cmp(e, &new[0]) == std::cmp::Ordering::Less);
            self.entries.insert(pos, new[0]);
            return;
        }
        let old = std::mem::take(&mut self.entries);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < new.len() {
            if cmp(&old[i], &new[j]) != std::cmp::Ordering::Greater {
                merged.push(old[i]);
                i += 1;
            } else {
                merged.push(new[j]);
                j += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&new[j..]);
        self.entries = merged;
    }
}
