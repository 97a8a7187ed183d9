//! Dense symmetric linear algebra on row-major `n x n` slices (faer underneath).

use crate::error::{CoreError, CoreResult};
use faer::{Mat, Side};

/// Eigendecomposition `C = B diag(w) B^T` of a symmetric matrix.
///
/// Returns `(w, b)` with `b` row-major, eigenvectors in its columns, eigenvalues
/// ascending (the same convention as `numpy.linalg.eigh`). Only the lower
/// triangle of `c` is read.
pub fn sym_eig(c: &[f64], n: usize) -> CoreResult<(Vec<f64>, Vec<f64>)> {
    let m = Mat::<f64>::from_fn(n, n, |i, j| c[i * n + j]);
    let e = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| CoreError::Numerical(format!("eigendecomposition failed: {e:?}")))?;
    let s = e.S().column_vector();
    let u = e.U();
    let w: Vec<f64> = (0..n).map(|i| s[i]).collect();
    if w.iter().any(|x| !x.is_finite()) {
        return Err(CoreError::Numerical(
            "eigendecomposition produced non-finite eigenvalues".into(),
        ));
    }
    let mut b = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            b[i * n + j] = u[(i, j)];
        }
    }
    Ok((w, b))
}

/// Eigenvalues only.
pub fn sym_eigvals(c: &[f64], n: usize) -> CoreResult<Vec<f64>> {
    let m = Mat::<f64>::from_fn(n, n, |i, j| c[i * n + j]);
    let v = m
        .self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| CoreError::Numerical(format!("eigenvalues failed: {e:?}")))?;
    Ok(v)
}

/// Row-major product `a b` of two `n x n` matrices.
pub fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let ma = Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j]);
    let mb = Mat::<f64>::from_fn(n, n, |i, j| b[i * n + j]);
    let p = &ma * &mb;
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = p[(i, j)];
        }
    }
    out
}

/// `B diag(s) B^T` for row-major `b`.
pub fn reconstruct(b: &[f64], s: &[f64], n: usize) -> Vec<f64> {
    let mb = Mat::<f64>::from_fn(n, n, |i, j| b[i * n + j]);
    let mbs = Mat::<f64>::from_fn(n, n, |i, j| b[i * n + j] * s[j]);
    let p = &mbs * mb.transpose();
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
        let (w, b) = sym_eig(&c, n).unwrap();
        assert!(w.windows(2).all(|p| p[0] <= p[1]));
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
