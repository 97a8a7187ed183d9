//! One merge of the divide and conquer: the eigenpairs of `diag(d) + rho z z^T`
//! (deflation, secular equation, Gu-Eisenstat eigenvectors), compiled per instruction set.

use super::lanes::{gap_ratio_product, pole_vector};
use super::secular::secular_root;
use super::EPS;
use crate::simd::{Kernel, Simd};

/// Eigenpairs of `diag(d) + rho z z^T` (any sign of `rho`).
///
/// Returns the eigenvalues (unsorted) and the eigenvectors as the columns of a
/// column-major `n x n` matrix in the coordinates of `d`. Compiled for the CPU's vector
/// instructions (the secular equation and the vectors are division-bound); the lanes are
/// explicit, so every instruction set gives the same bits.
pub(super) fn rank_one_evd(d: &[f64], z: &[f64], rho: f64) -> (Vec<f64>, Vec<f64>) {
    crate::simd::dispatch(RankOne { d, z, rho })
}

/// [`rank_one_evd`] as a [`Kernel`] for [`crate::simd::dispatch`].
pub(super) struct RankOne<'a> {
    pub(super) d: &'a [f64],
    pub(super) z: &'a [f64],
    pub(super) rho: f64,
}

impl Kernel for RankOne<'_> {
    type Output = (Vec<f64>, Vec<f64>);

    #[inline(always)]
    fn run<S: Simd>(self, simd: S) -> Self::Output {
        rank_one_evd_with(simd, self.d, self.z, self.rho)
    }
}

/// [`rank_one_evd`] with the instruction set `simd` (the hot loops use AVX2 if it has it).
#[inline(always)]
fn rank_one_evd_with<S: Simd>(simd: S, d: &[f64], z: &[f64], rho: f64) -> (Vec<f64>, Vec<f64>) {
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
        let (o, m) = secular_root(simd, &dk, &z2, z2sum, rho, i);
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
        gap_ratio_product(simd, &base[..j], &mu[..j], &dk[..j], dj, &mut lanes);
        gap_ratio_product(
            simd,
            &base[j + 1..],
            &mu[j + 1..],
            &dk[j + 1..],
            dj,
            &mut lanes,
        );
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
        let inv = 1.0 / pole_vector(simd, &zhat, &dk, b, m, &mut v).sqrt();
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
