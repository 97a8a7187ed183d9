//! The secular equation of a rank-one update: one root per interval between poles, by
//! the two-pole rational model of Bunch, Nielsen & Sorensen with bisection as safeguard.

use super::lanes::pole_sums;
use super::EPS;
use crate::simd::Simd;

/// Root `i` of `1/rho + sum_j z2_j / (d_j - lambda) = 0` (`d` ascending, `rho > 0`),
/// as `(origin index, mu)` with `lambda = d[origin] + mu`.
#[inline(always)]
pub(super) fn secular_root<S: Simd>(
    simd: S,
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
            split_pole_sums(simd, d, z2, i, i, x),
        )
    } else {
        let mid = 0.5 * (d[i + 1] - d[i]);
        let at_mid = split_pole_sums(simd, d, z2, i, i, mid);
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
        at_x = split_pole_sums(simd, d, z2, i, o, x);
    }
    (o, x)
}

/// Pole sums of root `i` at `lambda = d[o] + x`: psi over the poles at or left of it
/// (negative terms), phi over those right of it, each with its derivative.
#[inline(always)]
fn split_pole_sums<S: Simd>(
    simd: S,
    d: &[f64],
    z2: &[f64],
    i: usize,
    o: usize,
    x: f64,
) -> (f64, f64, f64, f64) {
    let (psi, dpsi) = pole_sums(simd, &d[..=i], &z2[..=i], d[o], x);
    let (phi, dphi) = pole_sums(simd, &d[i + 1..], &z2[i + 1..], d[o], x);
    (psi, dpsi, phi, dphi)
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
