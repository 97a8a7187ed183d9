//! Dense symmetric linear algebra on row-major `n x n` slices (faer underneath).

use crate::error::{CoreError, CoreResult};
use std::cell::RefCell;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors, SelfAdjointEvdParams};
use faer::{diag::Diag, Accum, Auto, Mat, MatMut, MatRef, Par, Side, Spec};

thread_local! {
    /// Scratch memory of the last eigendecomposition size (one per thread), so that a
    /// generation does not map and fault in fresh pages for faer's workspace.
    static EVD_SCRATCH: RefCell<Option<(usize, MemBuffer)>> = const { RefCell::new(None) };
}

/// faer's divide-and-conquer solves subproblems below this size with the QR algorithm
/// (faer's default is 128; 64 is faster at the dimensions CMA-ES sees, e.g. ~3% at d = 200).
const EVD_RECURSION_THRESHOLD: usize = 64;

pub(crate) fn evd_params() -> Spec<SelfAdjointEvdParams, f64> {
    let mut params = <SelfAdjointEvdParams as Auto<f64>>::auto();
    params.recursion_threshold = EVD_RECURSION_THRESHOLD;
    params.into()
}

/// Make the row-major `n x n` matrix exactly symmetric: both halves become the mean of
/// the two (the covariance update accumulates them with different rounding).
pub fn symmetrize(c: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..i {
            let s = 0.5 * (c[i * n + j] + c[j * n + i]);
            c[i * n + j] = s;
            c[j * n + i] = s;
        }
    }
}

/// Eigendecomposition `C = B diag(w) B^T` of a symmetric matrix.
///
/// Returns `(w, b, bt)` with `b` row-major, eigenvectors in its columns, and `bt`
/// its transpose (row-major, eigenvectors in its rows; faer's column-major output
/// as it is), eigenvalues ascending (the same convention as `numpy.linalg.eigh`).
/// `c` must be exactly symmetric (the caller symmetrises it): below
/// [`SPLIT_EIG_MIN_DIM`] only its lower triangle is read, from it on all of it.
pub fn sym_eig(c: &[f64], n: usize) -> CoreResult<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    if n < SPLIT_EIG_MIN_DIM {
        return sym_eig_faer(c, n);
    }
    let (w, bt) = super::split_eig::split_sym_eig(c, n)?;
    if w.iter().any(|x| !x.is_finite()) {
        return Err(CoreError::Numerical(
            "eigendecomposition produced non-finite eigenvalues".into(),
        ));
    }
    let mut b = vec![0.0; n * n];
    for (j, row) in bt.chunks_exact(n).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            b[i * n + j] = v;
        }
    }
    Ok((w, b, bt))
}

/// From this dimension on, [`sym_eig`] solves the tridiagonal problem with the divide and
/// conquer of `split_eig/`; below it faer's whole decomposition is as fast or faster
/// (`benches/split_eig.rs`: d = 64 0.32 vs 0.34 ms, d = 96 1.00 vs 0.88 ms).
pub const SPLIT_EIG_MIN_DIM: usize = 80;

/// [`sym_eig`] by faer's self-adjoint eigendecomposition alone.
pub fn sym_eig_faer(c: &[f64], n: usize) -> CoreResult<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let m = MatRef::from_row_major_slice(c, n, n);
    let mut s = Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    let result = EVD_SCRATCH.with(|cell| {
        let mut cached = cell.borrow_mut();
        if cached.as_ref().is_none_or(|(dim, _)| *dim != n) {
            let req = evd::self_adjoint_evd_scratch::<f64>(
                n,
                ComputeEigenvectors::Yes,
                Par::Seq,
                evd_params(),
            );
            *cached = Some((n, MemBuffer::new(req)));
        }
        let (_, buffer) = cached.as_mut().expect("just set");
        evd::self_adjoint_evd(
            m,
            s.as_mut(),
            Some(u.as_mut()),
            Par::Seq,
            MemStack::new(buffer),
            evd_params(),
        )
    });
    // faer's AVX kernels can return with the upper vector state dirty.
    crate::simd::clear_upper_simd_state();
    result.map_err(|e| CoreError::Numerical(format!("eigendecomposition failed: {e:?}")))?;
    let s = s.column_vector();
    let u = u.as_ref();
    let w: Vec<f64> = (0..n).map(|i| s[i]).collect();
    if w.iter().any(|x| !x.is_finite()) {
        return Err(CoreError::Numerical(
            "eigendecomposition produced non-finite eigenvalues".into(),
        ));
    }
    let mut bt = Vec::with_capacity(n * n);
    for j in 0..n {
        bt.extend(u.col(j).iter().copied());
    }
    let mut b = vec![0.0; n * n];
    for (j, col) in bt.chunks_exact(n).enumerate() {
        for (i, &v) in col.iter().enumerate() {
            b[i * n + j] = v;
        }
    }
    Ok((w, b, bt))
}

/// Eigenvalues only.
pub fn sym_eigvals(c: &[f64], n: usize) -> CoreResult<Vec<f64>> {
    let m = Mat::<f64>::from_fn(n, n, |i, j| c[i * n + j]);
    let v = m.self_adjoint_eigenvalues(Side::Lower);
    crate::simd::clear_upper_simd_state();
    v.map_err(|e| CoreError::Numerical(format!("eigenvalues failed: {e:?}")))
}

/// Row-major product `a b` of two `n x n` matrices.
pub fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let ma = Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j]);
    let mb = Mat::<f64>::from_fn(n, n, |i, j| b[i * n + j]);
    let p = &ma * &mb;
    crate::simd::clear_upper_simd_state();
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = p[(i, j)];
        }
    }
    out
}

/// Row-major product `a b` of an `m x k` and a `k x p` matrix (no copies in or out).
pub fn gemm(a: &[f64], b: &[f64], m: usize, k: usize, p: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * p];
    if m > 0 && p > 0 {
        faer::linalg::matmul::matmul(
            MatMut::from_row_major_slice_mut(&mut out, m, p),
            Accum::Replace,
            MatRef::from_row_major_slice(a, m, k),
            MatRef::from_row_major_slice(b, k, p),
            1.0,
            Par::Seq,
        );
        crate::simd::clear_upper_simd_state();
    }
    out
}

/// Row-major `a^T diag(w) a` for an `m x n` matrix `a`: the weighted sum of the outer
/// products of its rows, `sum_k w_k a_k a_k^T` (n x n).
pub fn weighted_gram(a: &[f64], w: &[f64], m: usize, n: usize) -> Vec<f64> {
    let scaled: Vec<f64> = a
        .chunks_exact(n)
        .zip(w)
        .flat_map(|(row, &wk)| row.iter().map(move |v| v * wk))
        .collect();
    let mut out = vec![0.0; n * n];
    if m > 0 && n > 0 {
        faer::linalg::matmul::matmul(
            MatMut::from_row_major_slice_mut(&mut out, n, n),
            Accum::Replace,
            MatRef::from_row_major_slice(a, m, n).transpose(),
            MatRef::from_row_major_slice(&scaled, m, n),
            1.0,
            Par::Seq,
        );
        crate::simd::clear_upper_simd_state();
    }
    out
}

/// `B diag(s) B^T` for row-major `b`.
pub fn reconstruct(b: &[f64], s: &[f64], n: usize) -> Vec<f64> {
    let mb = Mat::<f64>::from_fn(n, n, |i, j| b[i * n + j]);
    let mbs = Mat::<f64>::from_fn(n, n, |i, j| b[i * n + j] * s[j]);
    let p = &mbs * mb.transpose();
    crate::simd::clear_upper_simd_state();
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = p[(i, j)];
        }
    }
    out
}

/// `B^T y` for row-major `b`.
pub fn bt_mul(b: &[f64], y: &[f64], n: usize, out: &mut [f64]) {
    out.iter_mut().for_each(|o| *o = 0.0);
    for i in 0..n {
        let yi = y[i];
        let row = &b[i * n..(i + 1) * n];
        for (o, &bij) in out.iter_mut().zip(row) {
            *o += bij * yi;
        }
    }
}

/// `B z` for row-major `b`.
pub fn b_mul(b: &[f64], z: &[f64], n: usize, out: &mut [f64]) {
    for i in 0..n {
        let row = &b[i * n..(i + 1) * n];
        out[i] = row.iter().zip(z).map(|(a, c)| a * c).sum();
    }
}

/// `B z` from `bt = B^T` (row-major): `out = sum_k z_k bt[k, :]`.
///
/// Each `out[i]` is summed over `k` in the same order as [`b_mul`]'s dot product,
/// so the result is bit-identical, but the inner loop runs along contiguous
/// memory across `i` and vectorises.
pub fn b_mul_from_bt(bt: &[f64], z: &[f64], n: usize, out: &mut [f64]) {
    out.iter_mut().for_each(|o| *o = 0.0);
    for (row, &zk) in bt.chunks_exact(n).zip(z) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v * zk;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eig_reconstructs() {
        let n = 4;
        let a: Vec<f64> = (0..n * n).map(|k| ((k * 7 % 5) as f64) - 2.0).collect();
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|k| a[i * n + k] * a[j * n + k]).sum::<f64>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        let (w, b, bt) = sym_eig(&c, n).unwrap();
        assert!(w.windows(2).all(|p| p[0] <= p[1]));
        let z: Vec<f64> = (0..n).map(|k| 0.3 * k as f64 - 0.7).collect();
        let (mut y1, mut y2) = (vec![0.0; n], vec![0.0; n]);
        b_mul(&b, &z, n, &mut y1);
        b_mul_from_bt(&bt, &z, n, &mut y2);
        assert_eq!(y1, y2);
        let r = reconstruct(&b, &w, n);
        for k in 0..n * n {
            assert!((r[k] - c[k]).abs() < 1e-10);
        }
        let p = matmul(&c, &c, n);
        let q = reconstruct(&b, &w.iter().map(|x| x * x).collect::<Vec<_>>(), n);
        for k in 0..n * n {
            assert!((p[k] - q[k]).abs() < 1e-8);
        }
    }
}
