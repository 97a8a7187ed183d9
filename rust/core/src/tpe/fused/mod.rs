//! Fused evaluation of a Parzen mixture whose dims are all continuous.
//!
//! For every kernel `k` and candidate `c` the log term is the constant plus the quadratic
//! form of [`Gemm`] (`sum_i u_ci^2 a_ki + u_ci b_ki`), and the log-density is the
//! log-sum-exp over kernels. Instead of materialising the `(m, n)` matrix and running a
//! second pass for the log-sum-exp, kernels stream through in cache-sized blocks and each
//! block is folded into a per-candidate running maximum and rescaled sum ("online"
//! log-sum-exp, rescaling once per block). Candidates sit in the vector lanes, so both the
//! quadratic form and the exponentials vectorise without reordering any per-candidate sum,
//! and the work runs with AVX-512 or AVX2/FMA where the CPU has them (runtime dispatch,
//! see [`dispatch`]).
//!
//! Terms more than [`LSE_CUTOFF`] nats below the running maximum are dropped, as in the
//! dense [`log_sum_exp`](super::log_sum_exp); the result is the dense one up to rounding.

// Lane loops index several fixed-size arrays at once; that is the form that vectorises.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;

use super::{Gemm, LSE_CUTOFF};
use crate::simd::{dispatch, Kernel, Simd};

/// Candidates evaluated together (vector lanes).
const LANES: usize = 8;
/// Kernels per block (the block's terms stay in L1).
const BLOCK: usize = 256;
/// Kernels per parallel task.
const PAR_CHUNK: usize = 4096;

/// `a * b + c`, fused where the instruction set has it (a software `fma` is slow).
#[inline(always)]
fn mul_add<S: Simd>(a: f64, b: f64, c: f64) -> f64 {
    if S::FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// [`super::exp_neg`] with fused multiply-adds where available.
#[inline(always)]
fn exp_neg_fused<S: Simd>(z: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: round-to-nearest trick
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let shifted = mul_add::<S>(z, std::f64::consts::LOG2_E, MAGIC);
    let kf = shifted - MAGIC;
    let r = mul_add::<S>(-kf, LN2_LO, mul_add::<S>(-kf, LN2_HI, z));
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
        p = mul_add::<S>(p, r, c);
    }
    let bits = shifted
        .to_bits()
        .wrapping_sub(MAGIC.to_bits())
        .wrapping_add(1023)
        << 52;
    p * f64::from_bits(bits)
}

/// Per-lane running maximum and sum of `exp(term - max)`.
#[derive(Debug, Clone, Copy)]
struct Lse {
    max: [f64; LANES],
    sum: [f64; LANES],
}

impl Lse {
    fn new() -> Self {
        Self {
            max: [f64::NEG_INFINITY; LANES],
            sum: [0.0; LANES],
        }
    }

    /// Combine with the state of another kernel range.
    fn merge(&mut self, other: &Self) {
        for l in 0..LANES {
            let m = self.max[l].max(other.max[l]);
            if m == f64::NEG_INFINITY {
                continue;
            }
            let a = if self.sum[l] > 0.0 {
                self.sum[l] * (self.max[l] - m).exp()
            } else {
                0.0
            };
            let b = if other.sum[l] > 0.0 {
                other.sum[l] * (other.max[l] - m).exp()
            } else {
                0.0
            };
            self.sum[l] = a + b;
            self.max[l] = m;
        }
    }

    fn value(&self, l: usize) -> f64 {
        if self.sum[l] > 0.0 {
            self.max[l] + self.sum[l].ln()
        } else {
            f64::NEG_INFINITY
        }
    }
}

/// Fold kernels `start..end` into `lse` for one group of `LANES` candidates whose features
/// (`[u^2 ..., u ...]`, `w` of them) are `feat[i][lane]`. `KERNEL_MAJOR` selects the
/// coefficient layout of [`Gemm`].
#[inline(always)]
fn accumulate<const KERNEL_MAJOR: bool, S: Simd>(
    pass: &Pass<'_>,
    feat: &[[f64; LANES]],
    floor_quad: &[f64; LANES],
    start: usize,
    end: usize,
    lse: &mut Lse,
    terms: &mut [[f64; LANES]; BLOCK],
) {
    let (coef, constant, n, w) = (pass.coef, pass.constant, pass.n, pass.w);
    let dc = w / 2;
    let mut block = start;
    while block < end {
        let stop = (block + BLOCK).min(end);
        let mut block_max = [f64::NEG_INFINITY; LANES];
        // Four kernels at a time: independent accumulation chains keep both FMA units
        // busy (one kernel alone is bound by the latency of its 2D-term sum).
        let coef_at = |k: usize, i: usize| {
            if KERNEL_MAJOR {
                coef[k * w + i]
            } else {
                coef[i * n + k]
            }
        };
        let mut k = block;
        while k + 4 <= stop {
            let mut v0 = [constant[k]; LANES];
            let mut v1 = [constant[k + 1]; LANES];
            let mut v2 = [constant[k + 2]; LANES];
            let mut v3 = [constant[k + 3]; LANES];
            if KERNEL_MAJOR && pass.floor_off.is_some_and(|off| off[k..k + 4] == [0; 4]) {
                // All four at the bandwidth floor: the quadratic part is the candidate's
                // `floor_quad`, only the linear coefficients are read.
                for l in 0..LANES {
                    v0[l] += floor_quad[l];
                    v1[l] += floor_quad[l];
                    v2[l] += floor_quad[l];
                    v3[l] += floor_quad[l];
                }
                let rows = &coef[k * w..(k + 4) * w];
                let (c0, rest) = rows.split_at(w);
                let (c1, rest) = rest.split_at(w);
                let (c2, c3) = rest.split_at(w);
                let lin = &feat[dc..w];
                for ((((f, &a0), &a1), &a2), &a3) in lin
                    .iter()
                    .zip(&c0[dc..])
                    .zip(&c1[dc..])
                    .zip(&c2[dc..])
                    .zip(&c3[dc..])
                {
                    for l in 0..LANES {
                        v0[l] = mul_add::<S>(a0, f[l], v0[l]);
                        v1[l] = mul_add::<S>(a1, f[l], v1[l]);
                        v2[l] = mul_add::<S>(a2, f[l], v2[l]);
                        v3[l] = mul_add::<S>(a3, f[l], v3[l]);
                    }
                }
                for (j, v) in [v0, v1, v2, v3].iter().enumerate() {
                    for l in 0..LANES {
                        if v[l] > block_max[l] {
                            block_max[l] = v[l];
                        }
                    }
                    terms[k - block + j] = *v;
                }
                k += 4;
                continue;
            }
            let mut step = |f: &[f64; LANES], a0: f64, a1: f64, a2: f64, a3: f64| {
                for l in 0..LANES {
                    v0[l] = mul_add::<S>(a0, f[l], v0[l]);
                    v1[l] = mul_add::<S>(a1, f[l], v1[l]);
                    v2[l] = mul_add::<S>(a2, f[l], v2[l]);
                    v3[l] = mul_add::<S>(a3, f[l], v3[l]);
                }
            };
            // Slices up front, so the loops carry no bounds checks.
            let feat = &feat[..w];
            if KERNEL_MAJOR {
                let rows = &coef[k * w..(k + 4) * w];
                let (c0, rest) = rows.split_at(w);
                let (c1, rest) = rest.split_at(w);
                let (c2, c3) = rest.split_at(w);
                for ((((f, &a0), &a1), &a2), &a3) in feat.iter().zip(c0).zip(c1).zip(c2).zip(c3) {
                    step(f, a0, a1, a2, a3);
                }
            } else {
                for (i, f) in feat.iter().enumerate() {
                    let c = &coef[i * n + k..i * n + k + 4];
                    step(f, c[0], c[1], c[2], c[3]);
                }
            }
            for (j, v) in [v0, v1, v2, v3].iter().enumerate() {
                for l in 0..LANES {
                    // `>` rather than `f64::max`: no NaN fix-ups (terms are never NaN).
                    if v[l] > block_max[l] {
                        block_max[l] = v[l];
                    }
                }
                terms[k - block + j] = *v;
            }
            k += 4;
        }
        while k < stop {
            let mut v = [constant[k]; LANES];
            for (i, f) in feat.iter().enumerate().take(w) {
                let a = coef_at(k, i);
                for l in 0..LANES {
                    v[l] = mul_add::<S>(a, f[l], v[l]);
                }
            }
            for l in 0..LANES {
                block_max[l] = block_max[l].max(v[l]);
            }
            terms[k - block] = v;
            k += 1;
        }
        for l in 0..LANES {
            if block_max[l] > lse.max[l] {
                if lse.sum[l] > 0.0 {
                    lse.sum[l] *= (lse.max[l] - block_max[l]).exp();
                }
                lse.max[l] = block_max[l];
            }
        }
        let max = lse.max;
        let mut sum = lse.sum;
        for t in &terms[..stop - block] {
            // Most far kernels are below the cutoff in every lane: skip their exponentials.
            if t.iter().zip(&max).all(|(&v, &m)| v - m <= -LSE_CUTOFF) {
                continue;
            }
            for l in 0..LANES {
                // NaN (all terms -inf) fails the comparison and adds nothing.
                let z = t[l] - max[l];
                let e = exp_neg_fused::<S>(z.max(-LSE_CUTOFF - 1.0));
                sum[l] += if z > -LSE_CUTOFF { e } else { 0.0 };
            }
        }
        lse.sum = sum;
        block = stop;
    }
}

/// The mixture's coefficients as the kernel loops read them.
struct Pass<'a> {
    coef: &'a [f64],
    constant: &'a [f64],
    n: usize,
    /// Coefficients per kernel: `2 dc`.
    w: usize,
    /// Per kernel, dims off the bandwidth floor (kernel-major estimators only).
    floor_off: Option<&'a [u8]>,
}

/// Kernels `start..end` folded into one [`Lse`] per candidate group.
struct Job<'a> {
    gm: &'a Gemm,
    constant: &'a [f64],
    feats: &'a [Vec<[f64; LANES]>],
    start: usize,
    end: usize,
}

impl Kernel for Job<'_> {
    type Output = Vec<Lse>;

    #[inline(always)]
    fn run<S: Simd>(self, _simd: S) -> Vec<Lse> {
        let pass = Pass {
            coef: &self.gm.coef,
            constant: self.constant,
            n: self.constant.len(),
            w: 2 * self.gm.dims.len(),
            floor_off: self.gm.floor.as_ref().map(|f| f.off.as_slice()),
        };
        // Per group: sum_i a_i u_i^2 with the floor coefficients (see `Floor`).
        let dc = self.gm.dims.len();
        let floor_quads: Vec<[f64; LANES]> = self
            .feats
            .iter()
            .map(|feat| {
                let mut q = [0.0; LANES];
                if let Some(fl) = &self.gm.floor {
                    for (f, &a) in feat[..dc].iter().zip(&fl.quad) {
                        for l in 0..LANES {
                            q[l] = mul_add::<S>(a, f[l], q[l]);
                        }
                    }
                }
                q
            })
            .collect();
        let mut out = vec![Lse::new(); self.feats.len()];
        let mut terms = Box::new([[0.0f64; LANES]; BLOCK]);
        // Kernel blocks outside, candidate groups inside: a block's coefficients are read
        // from memory once and reused from cache by every group (the whole matrix is far
        // larger than the caches, and streaming it per group made the pass memory-bound).
        let mut block = self.start;
        while block < self.end {
            let stop = (block + BLOCK).min(self.end);
            for ((lse, feat), q) in out.iter_mut().zip(self.feats).zip(&floor_quads) {
                if self.gm.kernel_major {
                    accumulate::<true, S>(&pass, feat, q, block, stop, lse, &mut terms);
                } else {
                    accumulate::<false, S>(&pass, feat, q, block, stop, lse, &mut terms);
                }
            }
            block = stop;
        }
        out
    }
}

/// Fold kernels `start..end` into one [`Lse`] per candidate group, vectorised for the CPU.
fn accumulate_range(
    gm: &Gemm,
    constant: &[f64],
    feats: &[Vec<[f64; LANES]>],
    start: usize,
    end: usize,
) -> Vec<Lse> {
    let job = Job {
        gm,
        constant,
        feats,
        start,
        end,
    };
    dispatch(job)
}

/// Log-density at the `m` candidates `u` (`(m, dc)` row-major, centred coordinates of the
/// matrix-product dims, which are all the dims); candidates outside the support get -inf.
pub(super) fn log_pdf(
    gm: &Gemm,
    constant: &[f64],
    u: &[f64],
    in_support: &[bool],
    parallel: bool,
) -> Vec<f64> {
    let dc = gm.dims.len();
    let m = in_support.len();
    let n = constant.len();
    // One dimension: candidates by coordinate, so that a group's lanes lie close together
    // and more far kernels are below the cutoff in every lane (their exponentials are
    // skipped). Each lane's result depends on its own candidate only: the order changes
    // no bit of any result.
    let mut lane_order: Vec<usize> = (0..m).collect();
    if dc == 1 {
        lane_order.sort_by(|&a, &b| u[a].total_cmp(&u[b]));
    }
    // Candidates in groups of LANES; the last group repeats its last candidate.
    let feats: Vec<Vec<[f64; LANES]>> = (0..m.div_ceil(LANES))
        .map(|g| {
            let mut feat = vec![[0.0; LANES]; 2 * dc];
            for l in 0..LANES {
                let c = lane_order[(g * LANES + l).min(m - 1)];
                for i in 0..dc {
                    let v = u[c * dc + i];
                    feat[i][l] = v * v;
                    feat[dc + i][l] = v;
                }
            }
            feat
        })
        .collect();
    let lse = if parallel && n >= 2 * PAR_CHUNK {
        // Fixed chunks merged in order: the result does not depend on thread timing, and
        // work stealing balances a core that is shared with another process.
        let starts: Vec<usize> = (0..n).step_by(PAR_CHUNK).collect();
        let parts: Vec<Vec<Lse>> = starts
            .par_iter()
            .map(|&s| accumulate_range(gm, constant, &feats, s, (s + PAR_CHUNK).min(n)))
            .collect();
        let mut parts = parts.into_iter();
        let mut lse = parts.next().expect("n > 0");
        for part in parts {
            lse.iter_mut().zip(&part).for_each(|(x, y)| x.merge(y));
        }
        lse
    } else {
        accumulate_range(gm, constant, &feats, 0, n)
    };
    let mut out = vec![f64::NEG_INFINITY; m];
    for (p, &c) in lane_order.iter().enumerate() {
        if in_support[c] {
            out[c] = lse[p / LANES].value(p % LANES);
        }
    }
    out
}

/// `ln(x)` for positive normal `x`: `x = 2^e m` with `m` in `[sqrt(1/2), sqrt(2))`, and
/// `ln m = 2 atanh(s)`, `s = (m - 1) / (m + 1)`, `|s| <= 0.1716`, as an odd series whose
/// terms after `s^25` are below 1e-19 relative; within a few ulp of `f64::ln`, and
/// branch-free so that it vectorises.
#[inline(always)]
fn ln_normal(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const EXP_MAGIC: f64 = 4_503_599_627_370_496.0; // 2^52
    let bits = x.to_bits();
    let mant = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    // Exponent as a float without an integer conversion: 2^52 + e_biased, minus 2^52.
    let e_biased = f64::from_bits((bits >> 52) | EXP_MAGIC.to_bits()) - EXP_MAGIC;
    let big = mant > std::f64::consts::SQRT_2;
    let m = if big { 0.5 * mant } else { mant };
    let e = e_biased - 1023.0 + if big { 1.0 } else { 0.0 };
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 25.0;
    for c in [
        1.0 / 23.0,
        1.0 / 21.0,
        1.0 / 19.0,
        1.0 / 17.0,
        1.0 / 15.0,
        1.0 / 13.0,
        1.0 / 11.0,
        1.0 / 9.0,
        1.0 / 7.0,
        1.0 / 5.0,
        1.0 / 3.0,
    ] {
        p = p * s2 + c;
    }
    let ln_m = 2.0 * s + 2.0 * s * s2 * p;
    e * LN2_HI + (ln_m + e * LN2_LO)
}

struct LnJob<'a> {
    x: &'a [f64],
    out: &'a mut [f64],
}

impl Kernel for LnJob<'_> {
    type Output = ();

    #[inline(always)]
    fn run<S: Simd>(self, _simd: S) {
        for (o, &x) in self.out.iter_mut().zip(self.x) {
            *o = ln_normal(x);
        }
    }
}

/// `out[i] = ln(x[i])` (vectorised; zero, subnormal and non-finite inputs through `f64::ln`).
pub(super) fn ln_slice(x: &[f64], out: &mut [f64]) {
    dispatch(LnJob { x, out: &mut *out });
    for (o, &v) in out.iter_mut().zip(x) {
        if !(v.is_normal() && v > 0.0) {
            *o = v.ln();
        }
    }
}

#[cfg(test)]
mod tests;
