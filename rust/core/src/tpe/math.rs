//! Small numerical helpers: top-k selection, log-sum-exp and a fast `exp` on `[-50, 0]`.

// Lane loops index several fixed-size arrays at once; that is the form that vectorises.
#![allow(clippy::needless_range_loop)]

use super::LSE_CUTOFF;
use crate::simd::{dispatch, Kernel, Simd};

/// Indices of the `k` largest values (unordered).
pub(super) fn top_k(v: &[f64], k: usize) -> Vec<usize> {
    let mut best: Vec<usize> = Vec::with_capacity(k + 1);
    for (i, &a) in v.iter().enumerate() {
        if best.len() < k {
            best.push(i);
        } else {
            let (pos, &worst) = best
                .iter()
                .enumerate()
                .min_by(|x, y| v[*x.1].total_cmp(&v[*y.1]))
                .expect("non-empty");
            if a > v[worst] {
                best[pos] = i;
            }
        }
    }
    best
}

/// `log(sum(exp(v)))`, dropping terms more than `LSE_CUTOFF` below the maximum.
pub(super) fn log_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY || m.is_nan() {
        return m;
    }
    let cut = -LSE_CUTOFF;
    let s: f64 = v
        .iter()
        .map(|&a| {
            let z = a - m;
            if z > cut {
                exp_neg(z)
            } else {
                0.0
            }
        })
        .sum();
    m + s.ln()
}

/// [`log_sum_exp`] of each of the `rows.len() / n` rows of `rows` (row-major, `n` per
/// row), bit for bit: the same maximum and the same terms added in the same order (no
/// fused multiply-add), but four rows' sums advance together in vector lanes, compiled
/// for the CPU's vector unit (see [`dispatch`]).
pub(super) fn log_sum_exp_rows(rows: &[f64], n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(rows.len().checked_div(n).unwrap_or(0));
    if n > 0 {
        dispatch(LseRows {
            rows,
            n,
            out: &mut out,
        });
    }
    out
}

struct LseRows<'a> {
    rows: &'a [f64],
    n: usize,
    out: &'a mut Vec<f64>,
}

impl Kernel for LseRows<'_> {
    type Output = ();

    #[inline(always)]
    fn run<S: Simd>(self, _simd: S) {
        const LANES: usize = 4;
        let n = self.n;
        let cut = -LSE_CUTOFF;
        for chunk in self.rows.chunks(LANES * n) {
            let lanes = chunk.len() / n;
            // Missing lanes repeat the last row; their results are dropped.
            let row = |c: usize| &chunk[c.min(lanes - 1) * n..(c.min(lanes - 1) + 1) * n];
            let r: [&[f64]; LANES] = [row(0), row(1), row(2), row(3)];
            let mut m = [f64::NEG_INFINITY; LANES];
            for c in 0..LANES {
                m[c] = r[c].iter().copied().fold(f64::NEG_INFINITY, f64::max);
            }
            // Interleave the rows so that one load fills the lanes.
            let mut t: Vec<[f64; LANES]> = Vec::with_capacity(n);
            t.extend((0..n).map(|k| [r[0][k], r[1][k], r[2][k], r[3][k]]));
            let mut s = [-0.0f64; LANES];
            for v in &t {
                for c in 0..LANES {
                    let z = v[c] - m[c];
                    let e = exp_neg(z);
                    s[c] += if z > cut { e } else { 0.0 };
                }
            }
            for c in 0..lanes {
                self.out
                    .push(if m[c] == f64::NEG_INFINITY || m[c].is_nan() {
                        m[c]
                    } else {
                        m[c] + s[c].ln()
                    });
            }
        }
    }
}

/// `exp(z)` for `z` in `[-LSE_CUTOFF, 0]`: Cody-Waite reduction `z = k ln 2 + r`,
/// degree-13 Taylor polynomial for `exp(r)` (|r| <= ln2/2, truncation < 1e-17), and
/// `2^k` assembled from bits; within 2 ulp of `f64::exp` and vectorisable.
#[inline(always)]
pub(super) fn exp_neg(z: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: round-to-nearest trick
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let shifted = z * std::f64::consts::LOG2_E + MAGIC;
    let kf = shifted - MAGIC;
    let r = (z - kf * LN2_HI) - kf * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    let bits = shifted
        .to_bits()
        .wrapping_sub(MAGIC.to_bits())
        .wrapping_add(1023)
        << 52;
    p * f64::from_bits(bits)
}
