//! The three division-bound loops of a merge, in four lanes: element `4 c + l` goes to
//! lane `l`, lanes summed as `(l0 + l1) + (l2 + l3)`, no fused multiply-add. The AVX
//! versions (LLVM keeps the portable ones scalar) follow the same order, so both give the
//! same bits; they are reachable only with the [`Avx2Fma`](crate::simd::Avx2Fma) token,
//! which only [`crate::simd::dispatch`] creates after checking the CPU.

use crate::simd::Simd;

/// `(sum_j z2_j / ((d_j - origin) - x), sum_j z2_j / ((d_j - origin) - x)^2)`.
#[inline(always)]
pub(super) fn pole_sums<S: Simd>(
    simd: S,
    d: &[f64],
    z2: &[f64],
    origin: f64,
    x: f64,
) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = simd.avx2_fma() {
        // SAFETY: `cpu` exists only on CPUs with AVX2 and FMA (made by `simd::dispatch`).
        #[allow(unsafe_code)]
        return unsafe { avx::pole_sums(cpu, d, z2, origin, x) };
    }
    portable_pole_sums(d, z2, origin, x)
}

/// Multiply `lanes` by `((base_i - dj) + mu_i) / (d_i - dj)` over `i`.
#[inline(always)]
pub(super) fn gap_ratio_product<S: Simd>(
    simd: S,
    base: &[f64],
    mu: &[f64],
    d: &[f64],
    dj: f64,
    lanes: &mut [f64; 4],
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = simd.avx2_fma() {
        // SAFETY: as in `pole_sums`.
        #[allow(unsafe_code)]
        return unsafe { avx::gap_ratio_product(cpu, base, mu, d, dj, lanes) };
    }
    portable_gap_ratio_product(base, mu, d, dj, lanes)
}

/// `v_j = zhat_j / ((d_j - base) - mu)`; returns `sum_j v_j^2`.
#[inline(always)]
pub(super) fn pole_vector<S: Simd>(
    simd: S,
    zhat: &[f64],
    d: &[f64],
    base: f64,
    mu: f64,
    v: &mut [f64],
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if let Some(cpu) = simd.avx2_fma() {
        // SAFETY: as in `pole_sums`.
        #[allow(unsafe_code)]
        return unsafe { avx::pole_vector(cpu, zhat, d, base, mu, v) };
    }
    portable_pole_vector(zhat, d, base, mu, v)
}

#[inline(always)]
fn portable_pole_sums(d: &[f64], z2: &[f64], origin: f64, x: f64) -> (f64, f64) {
    let (mut s, mut ds) = ([0.0f64; 4], [0.0f64; 4]);
    let mut chunks_d = d.chunks_exact(4);
    let mut chunks_z = z2.chunks_exact(4);
    for (cd, cz) in (&mut chunks_d).zip(&mut chunks_z) {
        for lane in 0..4 {
            let t = 1.0 / ((cd[lane] - origin) - x);
            let term = cz[lane] * t;
            s[lane] += term;
            ds[lane] += term * t;
        }
    }
    let (mut total, mut dtotal) = (
        (s[0] + s[1]) + (s[2] + s[3]),
        (ds[0] + ds[1]) + (ds[2] + ds[3]),
    );
    for (d, z) in chunks_d.remainder().iter().zip(chunks_z.remainder()) {
        let t = 1.0 / ((d - origin) - x);
        total += z * t;
        dtotal += z * t * t;
    }
    (total, dtotal)
}

#[inline(always)]
fn portable_gap_ratio_product(base: &[f64], mu: &[f64], d: &[f64], dj: f64, lanes: &mut [f64; 4]) {
    let chunks = base
        .chunks_exact(4)
        .zip(mu.chunks_exact(4))
        .zip(d.chunks_exact(4));
    for ((cb, cm), cd) in chunks {
        for lane in 0..4 {
            lanes[lane] *= ((cb[lane] - dj) + cm[lane]) / (cd[lane] - dj);
        }
    }
    let done = base.len() / 4 * 4;
    for (lane, i) in (done..base.len()).enumerate() {
        lanes[lane] *= ((base[i] - dj) + mu[i]) / (d[i] - dj);
    }
}

#[inline(always)]
fn portable_pole_vector(zhat: &[f64], d: &[f64], base: f64, mu: f64, v: &mut [f64]) -> f64 {
    for ((vj, zj), dj) in v.iter_mut().zip(zhat).zip(d) {
        *vj = zj / ((dj - base) - mu);
    }
    let mut acc = [0.0f64; 4];
    let mut chunks = v.chunks_exact(4);
    for c in &mut chunks {
        for lane in 0..4 {
            acc[lane] += c[lane] * c[lane];
        }
    }
    let mut total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for x in chunks.remainder() {
        total += x * x;
    }
    total
}

#[cfg(target_arch = "x86_64")]
mod avx {
    //! AVX versions of the portable loops above (same lanes and order of operations).
    //! Each entry point takes the [`Avx2Fma`] token: no way to call one without it.
    use std::arch::x86_64::*;

    use crate::simd::Avx2Fma;

    /// The four lanes of `v`.
    #[target_feature(enable = "avx2,fma")]
    fn lanes(v: __m256d) -> [f64; 4] {
        let lo = _mm256_castpd256_pd128(v);
        let hi = _mm256_extractf128_pd::<1>(v);
        [
            _mm_cvtsd_f64(lo),
            _mm_cvtsd_f64(_mm_unpackhi_pd(lo, lo)),
            _mm_cvtsd_f64(hi),
            _mm_cvtsd_f64(_mm_unpackhi_pd(hi, hi)),
        ]
    }

    /// `(l0 + l1) + (l2 + l3)`.
    #[target_feature(enable = "avx2,fma")]
    fn lane_sum(v: __m256d) -> f64 {
        let l = lanes(v);
        (l[0] + l[1]) + (l[2] + l[3])
    }

    #[target_feature(enable = "avx2,fma")]
    fn load(c: &[f64]) -> __m256d {
        _mm256_set_pd(c[3], c[2], c[1], c[0])
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn pole_sums(
        _cpu: Avx2Fma,
        d: &[f64],
        z2: &[f64],
        origin: f64,
        x: f64,
    ) -> (f64, f64) {
        let (mut s, mut ds) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        let (one, vo, vx) = (
            _mm256_set1_pd(1.0),
            _mm256_set1_pd(origin),
            _mm256_set1_pd(x),
        );
        let mut chunks_d = d.chunks_exact(4);
        let mut chunks_z = z2.chunks_exact(4);
        for (cd, cz) in (&mut chunks_d).zip(&mut chunks_z) {
            let t = _mm256_div_pd(one, _mm256_sub_pd(_mm256_sub_pd(load(cd), vo), vx));
            let term = _mm256_mul_pd(load(cz), t);
            s = _mm256_add_pd(s, term);
            ds = _mm256_add_pd(ds, _mm256_mul_pd(term, t));
        }
        let (mut total, mut dtotal) = (lane_sum(s), lane_sum(ds));
        for (d, z) in chunks_d.remainder().iter().zip(chunks_z.remainder()) {
            let t = 1.0 / ((d - origin) - x);
            total += z * t;
            dtotal += z * t * t;
        }
        (total, dtotal)
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn gap_ratio_product(
        _cpu: Avx2Fma,
        base: &[f64],
        mu: &[f64],
        d: &[f64],
        dj: f64,
        products: &mut [f64; 4],
    ) {
        let vdj = _mm256_set1_pd(dj);
        let mut acc = load(products);
        let chunks = base
            .chunks_exact(4)
            .zip(mu.chunks_exact(4))
            .zip(d.chunks_exact(4));
        for ((cb, cm), cd) in chunks {
            let gap = _mm256_add_pd(_mm256_sub_pd(load(cb), vdj), load(cm));
            acc = _mm256_mul_pd(acc, _mm256_div_pd(gap, _mm256_sub_pd(load(cd), vdj)));
        }
        *products = lanes(acc);
        let done = base.len() / 4 * 4;
        for (lane, i) in (done..base.len()).enumerate() {
            products[lane] *= ((base[i] - dj) + mu[i]) / (d[i] - dj);
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub(super) fn pole_vector(
        _cpu: Avx2Fma,
        zhat: &[f64],
        d: &[f64],
        base: f64,
        mu: f64,
        v: &mut [f64],
    ) -> f64 {
        let (vb, vm) = (_mm256_set1_pd(base), _mm256_set1_pd(mu));
        let mut acc = _mm256_setzero_pd();
        let k = v.len() / 4 * 4;
        for ((cv, cz), cd) in v[..k]
            .chunks_exact_mut(4)
            .zip(zhat.chunks_exact(4))
            .zip(d.chunks_exact(4))
        {
            let q = _mm256_div_pd(load(cz), _mm256_sub_pd(_mm256_sub_pd(load(cd), vb), vm));
            acc = _mm256_add_pd(acc, _mm256_mul_pd(q, q));
            cv.copy_from_slice(&lanes(q));
        }
        let mut total = lane_sum(acc);
        for ((vj, zj), dj) in v[k..].iter_mut().zip(&zhat[k..]).zip(&d[k..]) {
            *vj = zj / ((dj - base) - mu);
            total += *vj * *vj;
        }
        total
    }
}
