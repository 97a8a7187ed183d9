//! Reused buffers for estimator builds, capped in bytes.

use std::sync::Mutex;

use super::{Dim, ParzenEstimator};

/// Most bytes of idle `f64` buffers kept for reuse. One proposal over `n` kernels and
/// `d` numerical dimensions takes about `8 (5 d + 4) n` bytes (centres, bandwidths, their
/// inverses and per-kernel constants per dimension, the matrix-product coefficients):
/// 256 MiB covers 10 dimensions up to ~500k trials; past that the surplus is freed.
pub const BUFFER_POOL_MAX_BYTES: usize = 256 << 20;
/// Most bytes of idle `(value, kernel)` sort buffers kept (one per dimension in use).
pub const PAIR_POOL_MAX_BYTES: usize = 64 << 20;
/// Buffers smaller than this are freed rather than pooled (not worth a lock).
const MIN_POOLED_BYTES: usize = 512;

/// Reused buffers, shared by all threads (estimators are built on rayon workers and
/// dropped on the caller's thread): fresh multi-megabyte allocations on every proposal
/// cost page faults (and memory-cgroup reclaim) that dominate the arithmetic.
///
/// Capped by the bytes of the idle buffers, not their count: a few large buffers of a
/// long study must not pin an unbounded amount of memory.
struct Pool<T> {
    idle: Mutex<Idle<T>>,
    max_bytes: usize,
}

struct Idle<T> {
    buffers: Vec<Vec<T>>,
    bytes: usize,
}

fn bytes_of<T>(v: &Vec<T>) -> usize {
    v.capacity() * std::mem::size_of::<T>()
}

impl<T> Pool<T> {
    const fn new(max_bytes: usize) -> Self {
        Self {
            idle: Mutex::new(Idle {
                buffers: Vec::new(),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    /// An empty buffer, with the capacity of the last one given back if any.
    fn take(&self) -> Vec<T> {
        let Ok(mut idle) = self.idle.lock() else {
            return Vec::new();
        };
        let Some(mut v) = idle.buffers.pop() else {
            return Vec::new();
        };
        idle.bytes -= bytes_of(&v);
        v.clear();
        v
    }

    /// Keep `v` for reuse unless that would exceed the byte cap.
    fn give(&self, v: Vec<T>) {
        let bytes = bytes_of(&v);
        if bytes < MIN_POOLED_BYTES {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.bytes + bytes <= self.max_bytes {
                idle.bytes += bytes;
                idle.buffers.push(v);
            }
        }
    }
}

static POOL: Pool<f64> = Pool::new(BUFFER_POOL_MAX_BYTES);
static PAIRS: Pool<(f64, u32)> = Pool::new(PAIR_POOL_MAX_BYTES);

/// A buffer of `len` copies of `fill` from the pool.
pub(super) fn take_buf(len: usize, fill: f64) -> Vec<f64> {
    let mut v = POOL.take();
    v.resize(len, fill);
    v
}

/// Give a buffer from [`take_buf`] (or any other) back to the pool.
pub(super) fn give_buf(v: Vec<f64>) {
    POOL.give(v);
}

/// An empty `(value, kernel)` buffer from the pool.
pub(super) fn take_pairs() -> Vec<(f64, u32)> {
    PAIRS.take()
}

/// Give a buffer from [`take_pairs`] back to the pool.
pub(super) fn give_pairs(v: Vec<(f64, u32)>) {
    PAIRS.give(v);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_keeps_buffers_up_to_its_byte_cap() {
        let pool: Pool<f64> = Pool::new(4096);
        pool.give(vec![0.0; 256]); // 2 KiB
        pool.give(vec![0.0; 256]); // 4 KiB in all
        pool.give(vec![0.0; 256]); // over the cap: freed
        pool.give(vec![0.0; 8]); // too small to pool
        let idle = pool.idle.lock().unwrap();
        assert_eq!(idle.buffers.len(), 2);
        assert_eq!(idle.bytes, 4096);
        drop(idle);
        let v = pool.take();
        assert!(v.is_empty() && v.capacity() >= 256);
        assert_eq!(pool.idle.lock().unwrap().bytes, 2048);
    }
}
