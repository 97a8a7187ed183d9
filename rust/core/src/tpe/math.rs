//! Small numerical helpers: top-k selection, log-sum-exp and a fast `exp` on `[-50, 0]`.

use super::LSE_CUTOFF;

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
