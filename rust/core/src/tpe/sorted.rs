//! Incrementally sorted history columns and their byte encoding (for pickling).

use crate::error::{CoreError, CoreResult};

/// Bytes of the encoded `n_seen`.
const HEADER_BYTES: usize = 8;
/// Most history rows a column indexes (rows are `u32`).
const MAX_ROWS: u64 = 1 << 32;
/// Bytes of one encoded `(value, row)` pair.
const PAIR_BYTES: usize = 12;

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

    /// Bytes of the column's state: `n_seen` as a little-endian `u64`, then each sorted
    /// `(value, row)` pair as a little-endian `f64` and `u32` (the per-row mass cache is
    /// not kept: it is rebuilt on the next build).
    pub fn to_bytes(&mut self) -> Vec<u8> {
        self.settle();
        let mut buf = Vec::with_capacity(HEADER_BYTES + PAIR_BYTES * self.entries.len());
        buf.extend_from_slice(&(self.n_seen as u64).to_le_bytes());
        for (v, r) in &self.entries {
            buf.extend_from_slice(&v.to_le_bytes());
            buf.extend_from_slice(&r.to_le_bytes());
        }
        buf
    }

    /// A column from the bytes of [`SortedColumn::to_bytes`].
    ///
    /// The bytes come from outside (a pickle), so everything is checked: the length,
    /// then the pairs as [`SortedColumn::from_sorted`] does; a forged or truncated state
    /// is an error, never a panic or a column that indexes outside the history.
    pub fn from_bytes(bytes: &[u8]) -> CoreResult<Self> {
        let corrupt = |why: String| {
            CoreError::InvalidArgument(format!("corrupt TPESortedColumn state: {why}"))
        };
        let Some((header, body)) = bytes.split_first_chunk::<HEADER_BYTES>() else {
            return Err(corrupt(format!(
                "{} bytes, shorter than the {HEADER_BYTES}-byte header",
                bytes.len()
            )));
        };
        if !body.len().is_multiple_of(PAIR_BYTES) {
            return Err(corrupt(format!(
                "{} bytes after the header is not a whole number of {PAIR_BYTES}-byte pairs",
                body.len()
            )));
        }
        let n_seen = u64::from_le_bytes(*header);
        if n_seen > MAX_ROWS {
            return Err(corrupt(format!("row count {n_seen} exceeds {MAX_ROWS}")));
        }
        let n_seen = usize::try_from(n_seen)
            .map_err(|_| corrupt(format!("row count {n_seen} does not fit in memory")))?;
        let entries = body
            .chunks_exact(PAIR_BYTES)
            .map(|c| {
                let (v, r) = c.split_at(8);
                let v = f64::from_le_bytes(v.try_into().expect("8 bytes"));
                let r = u32::from_le_bytes(r.try_into().expect("4 bytes"));
                (v, r)
            })
            .collect();
        Self::from_sorted(entries, n_seen)
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
