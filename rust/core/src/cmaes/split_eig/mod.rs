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
//! load (measure with `rust/core/benches/split_eig.rs`, total and per phase).
//!
//! Files: this one drives the recursion and the Householder reduction; [`merge`] solves
//! one rank-one update, with the roots from [`secular`] and the vectorised loops of
//! [`lanes`].

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, tridiag, ComputeEigenvectors};
use faer::linalg::householder;
use faer::{diag::Diag, Accum, Auto, Conj, Mat, MatRef, Par};

use crate::error::{CoreError, CoreResult};
use merge::rank_one_evd;

pub mod bench;
mod lanes;
mod merge;
mod secular;
#[cfg(test)]
mod tests;

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
