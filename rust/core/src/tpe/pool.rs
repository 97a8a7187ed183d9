//! Reused buffers for estimator builds.

use super::{Dim, ParzenEstimator};

/// Reused buffers, shared by all threads (estimators are built on rayon workers and
/// dropped on the caller's thread): fresh multi-megabyte allocations on every proposal
/// cost page faults (and memory-cgroup reclaim) that dominate the arithmetic.
static POOL: std::sync::Mutex<Vec<Vec<f64>>> = std::sync::Mutex::new(Vec::new());
static PAIRS: std::sync::Mutex<Vec<Vec<(f64, u32)>>> = std::sync::Mutex::new(Vec::new());

/// A buffer of `len` copies of `fill` from the pool.
pub(super) fn take_buf(len: usize, fill: f64) -> Vec<f64> {
    let mut v = POOL
        .lock()
        .map(|mut p| p.pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    v.clear();
    v.resize(len, fill);
    v
}

pub(super) fn give_buf(v: Vec<f64>) {
    if v.capacity() >= 64 {
        if let Ok(mut p) = POOL.lock() {
            if p.len() < 256 {
                p.push(v);
            }
        }
    }
}

pub(super) fn take_pairs() -> Vec<(f64, u32)> {
    let mut v = PAIRS
        .lock()
        .map(|mut p| p.pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    v.clear();
    v
}

pub(super) fn give_pairs(v: Vec<(f64, u32)>) {
    if let Ok(mut p) = PAIRS.lock() {
        if p.len() < 64 {
            p.push(v);
        }
    }
}

impl Drop for ParzenEstimator {
    fn drop(&mut self) {
        for dim in self.dims.drain(..) {
            if let Dim::Numeric(nd) = dim {
                give_buf(nd.mu);
                give_buf(nd.sigma);
                give_buf(nd.inv_sigma);
            }
        }
        give_buf(std::mem::take(&mut self.constant));
        if let Some(g) = self.gemm.take() {
            give_buf(g.coef);
        }
    }
}
