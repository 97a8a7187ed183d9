//! Symmetric eigendecomposition for larger matrices: faer's Householder reduction, then
//! divide and conquer on the tridiagonal matrix here.
//!
//! 1. faer reduces `C` to a tridiagonal `T = Q^T C Q`.
//! 2. Cuppen's split, recursively: `T = diag(T1, T2) + rho v v^T` with `rho = T[m, m-1]`
//!    and `v = e_{m-1} + e_m`; the halves are solved the same way down to small leaves.
//! 3. Each merge is the eigenproblem of `D + rho z z^T` (`z = diag(Q1, Q2)^T v`): deflation
//!    of negligible `z_i` and of close eigenvalue pairs (Givens rotations, as LAPACK's
//!    dlaed2), the secular equation `1 + rho sum z_j^2 / (d_j - lambda) = 0` for each
//!    remaining root (the two-pole rational model of Bunch, Nielsen & Sorensen, Numer.
//!    Math. 31, 1978, with bisection as the safeguard), and the eigenvectors from Gu &
//!    Eisenstat's recomputed `z` (SIAM J. Matrix Anal. Appl. 16, 1995), which keeps them
//!    orthogonal to working precision.
//! 4. The eigenvectors of `T` are mapped back through the Householder sequence.
//!
//! faer's own divide and conquer does the same steps; from `SPLIT_EIG_MIN_DIM` (80) on, this
//! one's merges are cheaper (their division-bound loops run on AVX2 when the CPU has it):
//! 15-25% less time for the whole decomposition at d = 200, depending on the machine's
//! load (`split_eig_timing` below; per phase: `split_phase_timing`).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, tridiag, ComputeEigenvectors};
use faer::linalg::householder;
use faer::{diag::Diag, Accum, Auto, Conj, Mat, MatRef, Par};

use crate::error::{CoreError, CoreResult};
use crate::simd::Kernel;

const EPS: f64 = f64::EPSILON;

/// Eigenvalues (ascending) and eigenvectors (columns, column-major `n x n`) of the
/// symmetric tridiagonal matrix with diagonal `diag` and off-diagonal `off`.
fn faer_tridiagonal_evd(diag: &[f64], off: &[f64]) -> CoreResult<(Vec<f64>, Mat<f64>)> {
    let n = diag.len();
    let t = Mat::<f64>::from_fn(n, n, |i, j| {
        if i == j {
            diag[i]
        } else if i == j + 1 {
            off[j]
        } else if j == i + 1 {
            off[i]
        } else {
            0.0
        }
    });
    let mut s = Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let params = super::linalg::evd_params();
    let req = evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, Par::Seq, params);
    let mut buffer = MemBuffer::new(req);
    let result = evd::self_adjoint_evd(
        t.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        params,
    );
    crate::simd::clear_upper_simd_state();
    result.map_err(|e| CoreError::Numerical(format!("eigendecomposition failed: {e:?}")))?;
    let s = s.column_vector();
    Ok(((0..n).map(|i| s[i]).collect(), u))
}

/// Eigenpairs of `diag(d) + rho z z^T` (any sign of `rho`).
///
/// Returns the eigenvalues (unsorted) and the eigenvectors as the columns of a
/// column-major `n x n` matrix in the coordinates of `d`. Compiled for the CPU's vector
/// instructions (the secular equation and the vectors are division-bound); the lanes are
/// explicit, so every instruction set gives the same bits.
fn rank_one_evd(d: &[f64], z: &[f64], rho: f64) -> (Vec<f64>, Vec<f64>) {
    crate::simd::dispatch(RankOne { d, z, rho })
}

struct RankOne<'a> {
    d: &'a [f64],
    z: &'a [f64],
    rho: f64,
}

impl Kernel for RankOne<'_> {
    type Output = (Vec<f64>, Vec<f64>);

    #[inline(always)]
    fn run<const FMA: bool>(self) -> Self::Output {
        rank_one_evd_impl::<FMA>(self.d, self.z, self.rho)
    }
}

/// `AVX`: the CPU has AVX2 and FMA (the hot loops then use them).
#[inline(always)]
fn rank_one_evd_impl<const AVX: bool>(d: &[f64], z: &[f64], rho: f64) -> (Vec<f64>, Vec<f64>) {
    let n = d.len();
    // D + rho z z^T = -((-D) + (-rho) z z^T): solve with rho > 0 and flip back.
    let flip = rho < 0.0;
    let sign = if flip { -1.0 } else { 1.0 };
    let d: Vec<f64> = d.iter().map(|x| sign * x).collect();
    let znorm = z.iter().map(|x| x * x).sum::<f64>().sqrt();
    let mut vectors = vec![0.0; n * n];
    let mut values = d.clone();
    let rho = rho.abs() * znorm * znorm;
    let dmax = d.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let tol = 8.0 * EPS * dmax.max(rho);
    if znorm == 0.0 || rho <= tol {
        for i in 0..n {
            vectors[i * n + i] = 1.0;
            values[i] = sign * d[i];
        }
        return (values, vectors);
    }
    let mut z: Vec<f64> = z.iter().map(|x| x / znorm).collect();
    let mut d = d;

    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| d[a].total_cmp(&d[b]));

    // Deflation (as LAPACK's dlaed2): rotations between coordinates, recorded in order.
    let mut rotations: Vec<(usize, usize, f64, f64)> = Vec::new();
    let mut deflated: Vec<usize> = Vec::new();
    let mut kept: Vec<usize> = Vec::with_capacity(n);
    let mut last: Option<usize> = None;
    for &j in &order {
        if rho * z[j].abs() <= tol {
            deflated.push(j);
            continue;
        }
        if let Some(p) = last {
            // Rotate (p, j) so that z_p becomes 0: the pair decouples when the resulting
            // off-diagonal (d_j - d_p) c s is negligible.
            let r = z[p].hypot(z[j]);
            let (c, s) = (z[j] / r, z[p] / r);
            if ((d[j] - d[p]) * c * s).abs() <= tol {
                let (dp, dj) = (d[p], d[j]);
                d[p] = c * c * dp + s * s * dj;
                d[j] = s * s * dp + c * c * dj;
                z[p] = 0.0;
                z[j] = r;
                rotations.push((p, j, c, s));
                deflated.push(p);
                last = Some(j);
                continue;
            }
            kept.push(p);
        }
        last = Some(j);
    }
    if let Some(p) = last {
        kept.push(p);
    }
    kept.sort_by(|&a, &b| d[a].total_cmp(&d[b]));
    let k = kept.len();
    let dk: Vec<f64> = kept.iter().map(|&i| d[i]).collect();
    let zk: Vec<f64> = kept.iter().map(|&i| z[i]).collect();
    let z2: Vec<f64> = zk.iter().map(|x| x * x).collect();
    let z2sum: f64 = z2.iter().sum();

    // Secular equation: root i lies in (d_i, d_{i+1}) (the last in (d_{k-1}, d_{k-1} +
    // rho |z|^2)); it is solved for mu = lambda - origin, with the origin at the closer pole.
    let mut origin = vec![0usize; k];
    let mut mu = vec![0.0; k];
    for i in 0..k {
        let (o, m) = secular_root::<AVX>(&dk, &z2, z2sum, rho, i);
        origin[i] = o;
        mu[i] = m;
    }
    // lambda_i - d_j is computed from the root's own origin (exact differences of poles):
    // (base_i - d_j) + mu_i.
    let base: Vec<f64> = origin.iter().map(|&o| dk[o]).collect();

    // Gu-Eisenstat: the z for which the computed roots are exact eigenvalues,
    // zhat_j^2 = (lambda_j - d_j) / rho * prod_{i != j} (lambda_i - d_j) / (d_i - d_j).
    let mut zhat = vec![0.0; k];
    for j in 0..k {
        let dj = dk[j];
        let mut lanes = [1.0f64; 4];
        gap_ratio_product::<AVX>(&base[..j], &mu[..j], &dk[..j], dj, &mut lanes);
        gap_ratio_product::<AVX>(&base[j + 1..], &mu[j + 1..], &dk[j + 1..], dj, &mut lanes);
        let prod = ((base[j] - dj) + mu[j]) / rho * ((lanes[0] * lanes[1]) * (lanes[2] * lanes[3]));
        zhat[j] = prod.abs().sqrt().copysign(zk[j]);
    }

    // Columns: deflated unit vectors (rotated back below), then the merged ones.
    for &j in &deflated {
        vectors[j * n + j] = 1.0;
        values[j] = d[j];
    }
    let mut v = vec![0.0; k];
    for (i, &col) in kept.iter().enumerate() {
        let (b, m) = (base[i], mu[i]);
        let inv = 1.0 / pole_vector::<AVX>(&zhat, &dk, b, m, &mut v).sqrt();
        let column = &mut vectors[col * n..(col + 1) * n];
        for (&row, vj) in kept.iter().zip(&v) {
            column[row] = vj * inv;
        }
        values[col] = b + m;
    }
    // Undo the deflation rotations (last first) on the rows of every column: the vectors
    // above are in the rotated coordinates.
    for &(p, j, c, s) in rotations.iter().rev() {
        for col in vectors.chunks_exact_mut(n) {
            let (vp, vj) = (col[p], col[j]);
            col[p] = c * vp + s * vj;
            col[j] = -s * vp + c * vj;
        }
    }
    if flip {
        values.iter_mut().for_each(|v| *v = -*v);
    }
    (values, vectors)
}

/// Root `i` of `1/rho + sum_j z2_j / (d_j - lambda) = 0` (`d` ascending, `rho > 0`),
/// as `(origin index, mu)` with `lambda = d[origin] + mu`.
#[inline(always)]
fn secular_root<const AVX: bool>(
    d: &[f64],
    z2: &[f64],
    z2sum: f64,
    rho: f64,
    i: usize,
) -> (usize, f64) {
    let k = d.len();
    let last = i + 1 == k;
    // Origin at the pole the root is closer to, found from the sign at the midpoint; that
    // evaluation is also the first iterate.
    let (o, mut lo, mut hi, mut x, mut at_x) = if last {
        let x = 0.5 * rho * z2sum;
        (
            i,
            0.0,
            rho * z2sum,
            x,
            split_pole_sums::<AVX>(d, z2, i, i, x),
        )
    } else {
        let mid = 0.5 * (d[i + 1] - d[i]);
        let at_mid = split_pole_sums::<AVX>(d, z2, i, i, mid);
        if 1.0 / rho + at_mid.0 + at_mid.2 >= 0.0 {
            (i, 0.0, mid, mid, at_mid)
        } else {
            (i + 1, -mid, 0.0, -mid, at_mid)
        }
    };
    for _ in 0..100 {
        let (psi, dpsi, phi, dphi) = at_x;
        let abs_sum = phi - psi;
        let f = 1.0 / rho + psi + phi;
        if f.abs() <= 8.0 * EPS * (k as f64) * (1.0 / rho + abs_sum) {
            break;
        }
        if f > 0.0 {
            hi = x;
        } else {
            lo = x;
        }
        if hi - lo <= 2.0 * EPS * lo.abs().max(hi.abs()) {
            break;
        }
        // Two-pole rational model (Bunch, Nielsen & Sorensen; "middle way" of dlaed4):
        // psi ~ a + b / (delta_i - x), phi ~ c + e / (delta_{i+1} - x), delta_j = d_j - d_o.
        let di = d[i] - d[o];
        let b = dpsi * (di - x) * (di - x);
        let a = psi - dpsi * (di - x);
        let next = if last {
            let denom = 1.0 / rho + a;
            if denom > 0.0 {
                di + b / denom
            } else {
                f64::NAN
            }
        } else {
            let dn = d[i + 1] - d[o];
            let e = dphi * (dn - x) * (dn - x);
            let c = phi - dphi * (dn - x);
            let aa = 1.0 / rho + a + c;
            // aa (di - y)(dn - y) + b (dn - y) + e (di - y) = 0, in y.
            let qa = aa;
            let qb = -(aa * (di + dn) + b + e);
            let qc = aa * di * dn + b * dn + e * di;
            solve_quadratic_in(qa, qb, qc, lo, hi)
        };
        x = if next.is_finite() && next > lo && next < hi {
            next
        } else {
            0.5 * (lo + hi)
        };
        at_x = split_pole_sums::<AVX>(d, z2, i, o, x);
    }
    (o, x)
}

/// Pole sums of root `i` at `lambda = d[o] + x`: psi over the poles at or left of it
/// (negative terms), phi over those right of it, each with its derivative.
#[inline(always)]
fn split_pole_sums<const AVX: bool>(
    d: &[f64],
    z2: &[f64],
    i: usize,
    o: usize,
    x: f64,
) -> (f64, f64, f64, f64) {
    let (psi, dpsi) = pole_sums::<AVX>(&d[..=i], &z2[..=i], d[o], x);
    let (phi, dphi) = pole_sums::<AVX>(&d[i + 1..], &z2[i + 1..], d[o], x);
    (psi, dpsi, phi, dphi)
}

// The three division-bound loops below, in four lanes: element `4 c + l` goes to lane
// `l`, lanes summed as `(l0 + l1) + (l2 + l3)`, no fused multiply-add; the AVX versions
// (LLVM keeps the portable ones scalar) follow the same order, so both give the same bits.

/// `(sum_j z2_j / ((d_j - origin) - x), sum_j z2_j / ((d_j - origin) - x)^2)`.
#[inline(always)]
fn pole_sums<const AVX: bool>(d: &[f64], z2: &[f64], origin: f64, x: f64) -> (f64, f64) {
    #[cfg(target_arch = "x86_64")]
    if AVX {
        // SAFETY: `AVX` is true only on `simd::dispatch`'s paths for CPUs with AVX2 + FMA.
        #[allow(unsafe_code)]
        return unsafe { avx::pole_sums(d, z2, origin, x) };
    }
    portable_pole_sums(d, z2, origin, x)
}

/// Multiply `lanes` by `((base_i - dj) + mu_i) / (d_i - dj)` over `i`.
#[inline(always)]
fn gap_ratio_product<const AVX: bool>(
    base: &[f64],
    mu: &[f64],
    d: &[f64],
    dj: f64,
    lanes: &mut [f64; 4],
) {
    #[cfg(target_arch = "x86_64")]
    if AVX {
        // SAFETY: as in `pole_sums`.
        #[allow(unsafe_code)]
        return unsafe { avx::gap_ratio_product(base, mu, d, dj, lanes) };
    }
    portable_gap_ratio_product(base, mu, d, dj, lanes)
}

/// `v_j = zhat_j / ((d_j - base) - mu)`; returns `sum_j v_j^2`.
#[inline(always)]
fn pole_vector<const AVX: bool>(zhat: &[f64], d: &[f64], base: f64, mu: f64, v: &mut [f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if AVX {
        // SAFETY: as in `pole_sums`.
        #[allow(unsafe_code)]
        return unsafe { avx::pole_vector(zhat, d, base, mu, v) };
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
    use std::arch::x86_64::*;

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
    pub(super) fn pole_sums(d: &[f64], z2: &[f64], origin: f64, x: f64) -> (f64, f64) {
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
    pub(super) fn pole_vector(zhat: &[f64], d: &[f64], base: f64, mu: f64, v: &mut [f64]) -> f64 {
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

/// The root of `qa y^2 + qb y + qc` inside `(lo, hi)`, or NaN.
#[inline(always)]
fn solve_quadratic_in(qa: f64, qb: f64, qc: f64, lo: f64, hi: f64) -> f64 {
    if qa == 0.0 {
        return if qb != 0.0 { -qc / qb } else { f64::NAN };
    }
    let disc = (qb * qb - 4.0 * qa * qc).max(0.0).sqrt();
    // Stable pair of roots.
    let q = -0.5 * (qb + disc.copysign(qb));
    let r1 = q / qa;
    let r2 = if q != 0.0 { qc / q } else { r1 };
    if r1 > lo && r1 < hi {
        r1
    } else if r2 > lo && r2 < hi {
        r2
    } else {
        f64::NAN
    }
}

/// Tridiagonal problems below this size go to faer whole (1 x 1 ones are solved here).
const LEAF_DIM: usize = 8;

/// Eigenpairs of the symmetric tridiagonal matrix (`diag`, `off`) by Cuppen's divide and
/// conquer: eigenvalues unsorted, eigenvectors in the matching columns of the result.
fn tridiagonal_dc(diag: &[f64], off: &[f64]) -> CoreResult<(Vec<f64>, Mat<f64>)> {
    let n = diag.len();
    if n == 1 {
        return Ok((vec![diag[0]], Mat::<f64>::from_fn(1, 1, |_, _| 1.0)));
    }
    if n < LEAF_DIM {
        return faer_tridiagonal_evd(diag, off);
    }
    // T = diag(T1 - rho e e^T, T2 - rho e_0 e_0^T) + rho v v^T with v = e_{m-1} + e_m.
    let m = n / 2;
    let rho = off[m - 1];
    let mut d1 = diag[..m].to_vec();
    let mut d2 = diag[m..].to_vec();
    d1[m - 1] -= rho;
    d2[0] -= rho;
    let (w1, q1) = tridiagonal_dc(&d1, &off[..m - 1])?;
    let (w2, q2) = tridiagonal_dc(&d2, &off[m..])?;

    // Merge: D + rho z z^T with z = diag(Q1, Q2)^T v = [last row of Q1; first row of Q2].
    let mut dd = w1;
    dd.extend(w2);
    let z: Vec<f64> = (0..m)
        .map(|j| q1[(m - 1, j)])
        .chain((0..n - m).map(|j| q2[(0, j)]))
        .collect();
    if dd.iter().chain(&z).any(|x| !x.is_finite()) || !rho.is_finite() {
        return Err(CoreError::Numerical(
            "eigendecomposition produced non-finite values".into(),
        ));
    }
    let (values, merge) = rank_one_evd(&dd, &z, rho);

    // Eigenvectors of T: diag(Q1, Q2) times the merge vectors, as two products.
    let merge = MatRef::from_column_major_slice(&merge, n, n);
    let mut u = Mat::<f64>::zeros(n, n);
    faer::linalg::matmul::matmul(
        u.as_mut().subrows_mut(0, m),
        Accum::Replace,
        q1.as_ref(),
        merge.subrows(0, m),
        1.0,
        Par::Seq,
    );
    faer::linalg::matmul::matmul(
        u.as_mut().subrows_mut(m, n - m),
        Accum::Replace,
        q2.as_ref(),
        merge.subrows(m, n - m),
        1.0,
        Par::Seq,
    );
    crate::simd::clear_upper_simd_state();
    Ok((values, u))
}

/// `C = B diag(w) B^T` for a symmetric row-major `n x n` `c` (read as column-major);
/// returns `w` ascending and `B^T` row-major (eigenvectors in rows).
pub fn split_sym_eig(c: &[f64], n: usize) -> CoreResult<(Vec<f64>, Vec<f64>)> {
    let reduction = Tridiagonal::reduce(c, n);
    let (values, mut u) = tridiagonal_dc(&reduction.diag, &reduction.off)?;
    reduction.back_transform(&mut u);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let w: Vec<f64> = order.iter().map(|&i| values[i]).collect();
    let mut bt = Vec::with_capacity(n * n);
    for &col in &order {
        bt.extend(u.col(col).iter().copied());
    }
    Ok((w, bt))
}

/// `C = Q T Q^T` with `T` tridiagonal (faer's Householder reduction): `diag`, `off` are
/// `T`, the reflectors of `Q` stay in `factors` and `block` as faer stores them.
struct Tridiagonal {
    diag: Vec<f64>,
    off: Vec<f64>,
    factors: Mat<f64>,
    block: Mat<f64>,
}

impl Tridiagonal {
    fn reduce(c: &[f64], n: usize) -> Self {
        // Column j of the symmetric `c` is its row j: contiguous reads.
        let mut factors = Mat::<f64>::from_fn(n, n, |i, j| c[j * n + i]);
        let bs = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(n, n);
        let mut block = Mat::<f64>::zeros(bs, n - 1);
        let tparams = <tridiag::TridiagParams as Auto<f64>>::auto().into();
        let req = tridiag::tridiag_in_place_scratch::<f64>(n, Par::Seq, tparams);
        tridiag::tridiag_in_place(
            factors.as_mut(),
            block.as_mut(),
            Par::Seq,
            MemStack::new(&mut MemBuffer::new(req)),
            tparams,
        );
        crate::simd::clear_upper_simd_state();
        let diag: Vec<f64> = (0..n).map(|i| factors[(i, i)]).collect();
        let off: Vec<f64> = (0..n - 1).map(|i| factors[(i + 1, i)]).collect();
        Self {
            diag,
            off,
            factors,
            block,
        }
    }

    /// `u <- Q u`: eigenvectors of `T` (columns) to eigenvectors of `C`.
    fn back_transform(&self, u: &mut Mat<f64>) {
        let n = self.diag.len();
        let req = householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
            n - 1,
            self.block.nrows(),
            n,
        );
        householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
            self.factors.as_ref().submatrix(1, 0, n - 1, n - 1),
            self.block.as_ref(),
            Conj::No,
            u.as_mut().subrows_mut(1, n - 1),
            Par::Seq,
            MemStack::new(&mut MemBuffer::new(req)),
        );
        crate::simd::clear_upper_simd_state();
    }
}

#[cfg(test)]
mod tests {
    use super::super::linalg::symmetrize;
    use super::*;

    fn check(c: &[f64], n: usize) {
        let (w, bt) = split_sym_eig(c, n).unwrap();
        let (w_ref, _, _) = super::super::linalg::sym_eig_faer(c, n).unwrap();
        let scale = w_ref.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-300);
        for (a, b) in w.iter().zip(&w_ref) {
            assert!((a - b).abs() <= 1e-12 * scale, "eigenvalue {a} vs {b}");
        }
        // Orthonormal rows of B^T and C B = B diag(w).
        for i in 0..n {
            for j in 0..n {
                let dot: f64 = (0..n).map(|k| bt[i * n + k] * bt[j * n + k]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (dot - want).abs() <= 1e-12,
                    "orthogonality ({i},{j}) = {dot}"
                );
            }
            for r in 0..n {
                let cb: f64 = (0..n).map(|k| c[r * n + k] * bt[i * n + k]).sum();
                assert!(
                    (cb - w[i] * bt[i * n + r]).abs() <= 1e-11 * scale,
                    "residual"
                );
            }
        }
    }

    fn random_spd(n: usize, seed: u64, spread: f64) -> Vec<f64> {
        let mut rng = crate::cmaes::rng::Rng::new(seed);
        let x: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|k| x[i * n + k] * x[j * n + k]).sum::<f64>() / n as f64;
            }
            c[i * n + i] += 10f64.powf(spread * i as f64 / (n - 1) as f64);
        }
        c
    }

    #[test]
    fn matches_faer_on_random_and_ill_conditioned_matrices() {
        for (n, seed, spread) in [(64, 1, 0.0), (65, 2, 3.0), (100, 3, 6.0), (200, 4, 3.0)] {
            check(&random_spd(n, seed, spread), n);
        }
    }

    /// The covariance matrices of a real CMA-ES run (ellipsoid, d = 120, through the split
    /// path), checked against faer at every generation.
    #[test]
    fn matches_faer_along_a_cma_es_run() {
        use crate::cmaes::cma::Cma;
        let n = 120;
        assert!(n >= super::super::linalg::SPLIT_EIG_MIN_DIM);
        let scale: Vec<f64> = (0..n)
            .map(|i| 10f64.powf(3.0 * i as f64 / (n - 1) as f64))
            .collect();
        let mut opt = Cma::new(&vec![1.0; n], 0.5, None, 10 * n, 7, None, None, false).unwrap();
        for generation in 0..40 {
            let lambda = opt.popsize;
            let xs = opt.ask_many(lambda).unwrap();
            let values: Vec<f64> = xs
                .chunks_exact(n)
                .map(|x| x.iter().zip(&scale).map(|(v, s)| (s * v).powi(2)).sum())
                .collect();
            opt.tell(&xs, &values).unwrap();
            if generation % 4 == 0 {
                let mut c = opt.c.clone();
                symmetrize(&mut c, n);
                check(&c, n);
            }
        }
    }

    #[test]
    fn matches_faer_on_many_random_sizes_and_signs() {
        for (seed, n) in [
            (11, 97),
            (12, 112),
            (13, 127),
            (14, 150),
            (15, 233),
            (16, 260),
        ] {
            let mut c = random_spd(n, seed, 2.0);
            // Indefinite too: shift the spectrum across zero.
            for i in 0..n {
                c[i * n + i] -= 10.0;
            }
            check(&c, n);
        }
    }

    #[test]
    fn handles_identity_and_repeated_eigenvalues() {
        let n = 80;
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            c[i * n + i] = 1.0;
        }
        check(&c, n);
        // Identity plus a tiny rank-two perturbation: huge clusters, heavy deflation.
        let v: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) / 10.0).collect();
        let u: Vec<f64> = (0..n).map(|i| ((i * 3 % 5) as f64 - 2.0) / 10.0).collect();
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] += 1e-9 * v[i] * v[j] - 3e-10 * u[i] * u[j];
            }
        }
        check(&c, n);
        // Three distinct eigenvalues with large multiplicities, rotated.
        let q = random_spd(n, 9, 0.0);
        let (_, _, qt) = super::super::linalg::sym_eig_faer(&q, n).unwrap();
        let lam: Vec<f64> = (0..n).map(|i| [1.0, 2.0, 5.0][i % 3]).collect();
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|k| qt[k * n + i] * lam[k] * qt[k * n + j]).sum();
            }
        }
        symmetrize(&mut c, n);
        check(&c, n);
    }

    /// Timing report, faer's decomposition against the split one, interleaved, at d = 200
    /// (or `SPLIT_EIG_DIM`):
    /// `cargo test --release -p ferrotune-core split_eig_timing -- --ignored --nocapture`
    /// The AVX loops and the portable ones give the same bits (same lanes, same order).
    #[test]
    fn vector_and_portable_merges_agree_bitwise() {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            let mut rng = crate::cmaes::rng::Rng::new(21);
            for k in [1usize, 2, 5, 8, 13, 64, 101] {
                let d: Vec<f64> = (0..k).map(|_| 3.0 * rng.normal()).collect();
                let z: Vec<f64> = (0..k).map(|_| rng.normal()).collect();
                for rho in [0.7, -1.3] {
                    let portable = rank_one_evd_impl::<false>(&d, &z, rho);
                    let vector = crate::simd::dispatch(RankOne { d: &d, z: &z, rho });
                    assert_eq!(portable.0, vector.0, "eigenvalues, k = {k}");
                    assert_eq!(portable.1, vector.1, "eigenvectors, k = {k}");
                }
            }
        }
    }

    /// Time per phase of the split decomposition at d = 200 (or `SPLIT_EIG_DIM`):
    /// `cargo test --release -p ferrotune-core split_phase_timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn split_phase_timing() {
        use std::time::Instant;
        let n = timing_dim();
        let c = random_spd(n, 5, 3.0);
        let (mut reduce, mut dc, mut back) = (vec![], vec![], vec![]);
        for _ in 0..100 {
            let t0 = Instant::now();
            let reduction = Tridiagonal::reduce(&c, n);
            let t1 = Instant::now();
            let (_, mut u) = tridiagonal_dc(&reduction.diag, &reduction.off).unwrap();
            let t2 = Instant::now();
            reduction.back_transform(&mut u);
            std::hint::black_box(&u);
            reduce.push((t1 - t0).as_secs_f64());
            dc.push((t2 - t1).as_secs_f64());
            back.push(t2.elapsed().as_secs_f64());
        }
        println!(
            "d={n}: tridiagonal reduction {:.3} ms, divide and conquer {:.3} ms, \
             back-transform {:.3} ms (medians)",
            median_ms(&mut reduce),
            median_ms(&mut dc),
            median_ms(&mut back)
        );
    }

    fn timing_dim() -> usize {
        std::env::var("SPLIT_EIG_DIM")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200)
    }

    fn median_ms(v: &mut [f64]) -> f64 {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2] * 1e3
    }

    #[test]
    #[ignore]
    fn split_eig_timing() {
        use std::time::Instant;
        let n = timing_dim();
        let c = random_spd(n, 5, 3.0);
        let (mut t_faer, mut t_split) = (vec![], vec![]);
        for _ in 0..60 {
            let t0 = Instant::now();
            std::hint::black_box(super::super::linalg::sym_eig_faer(&c, n).unwrap());
            let t1 = Instant::now();
            std::hint::black_box(split_sym_eig(&c, n).unwrap());
            t_faer.push((t1 - t0).as_secs_f64());
            t_split.push(t1.elapsed().as_secs_f64());
        }
        println!(
            "d={n}: faer {:.3} ms, split {:.3} ms (medians, interleaved)",
            median_ms(&mut t_faer),
            median_ms(&mut t_split)
        );
    }
}
