//! NSGA-III: association of individuals with reference lines.
//!
//! Deb and Jain, "An Evolutionary Many-Objective Optimization Algorithm Using
//! Reference-Point-Based Nondominated Sorting Approach, Part I", IEEE TEC 18(4), 2014,
//! Section IV-E (Algorithm 3): each normalised individual `x` joins the reference line
//! through the origin along `r` with the smallest perpendicular distance
//! `d(x, r) = |x - (x.r / |r|^2) r|`.

use crate::error::{CoreError, CoreResult};

/// The nearest reference line of each individual and its distance to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    /// Index of the nearest reference point (the first one on ties).
    pub closest: Vec<usize>,
    /// Perpendicular distance to that reference line.
    pub distance: Vec<f64>,
}

/// Associate the rows of `points` (`n x m`, row-major) with the rows of `reference_points`
/// (`p x m`): Algorithm 3 of Deb and Jain (2014), O(n p m) without temporaries.
///
/// A row with a NaN gets the first reference point and a NaN distance.
pub fn associate(
    points: &[f64],
    reference_points: &[f64],
    n_objectives: usize,
) -> CoreResult<Association> {
    let m = n_objectives;
    if m == 0 {
        return Err(CoreError::InvalidArgument(
            "n_objectives must be at least 1".to_owned(),
        ));
    }
    if !points.len().is_multiple_of(m) || !reference_points.len().is_multiple_of(m) {
        return Err(CoreError::ShapeMismatch(format!(
            "points ({}) and reference_points ({}) must both hold rows of {m} values",
            points.len(),
            reference_points.len()
        )));
    }
    if reference_points.is_empty() {
        return Err(CoreError::InvalidArgument(
            "reference_points must have at least one row".to_owned(),
        ));
    }
    let inverse_norms: Vec<f64> = reference_points
        .chunks_exact(m)
        .map(|r| 1.0 / r.iter().map(|v| v * v).sum::<f64>())
        .collect();
    if inverse_norms.iter().any(|v| !v.is_finite()) {
        return Err(CoreError::InvalidArgument(
            "reference_points must be finite and nonzero".to_owned(),
        ));
    }
    let n = points.len() / m;
    let mut closest = Vec::with_capacity(n);
    let mut distance = Vec::with_capacity(n);
    for x in points.chunks_exact(m) {
        let mut best = (0usize, f64::INFINITY);
        let mut first = true;
        for (j, (r, inv)) in reference_points
            .chunks_exact(m)
            .zip(&inverse_norms)
            .enumerate()
        {
            // Projection coefficient x.r / |r|^2, then the residual's length.
            let coef = x.iter().zip(r).map(|(a, b)| a * b).sum::<f64>() * inv;
            let d = x
                .iter()
                .zip(r)
                .map(|(a, b)| {
                    let e = a - coef * b;
                    e * e
                })
                .sum::<f64>()
                .sqrt();
            if first || d < best.1 {
                best = (j, d);
                first = false;
            }
        }
        closest.push(best.0);
        distance.push(best.1);
    }
    Ok(Association { closest, distance })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_line_and_distance() {
        // Lines along the axes and the diagonal of the plane.
        let refs = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let points = [2.0, 0.5, 0.1, 3.0, 1.0, 1.2];
        let a = associate(&points, &refs, 2).unwrap();
        assert_eq!(a.closest, vec![0, 1, 2]);
        assert!((a.distance[0] - 0.5).abs() < 1e-15);
        assert!((a.distance[1] - 0.1).abs() < 1e-15);
        assert!((a.distance[2] - 0.2 / 2f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn ties_go_to_the_first_point_and_scale_does_not_matter() {
        let refs = [2.0, 0.0, 0.0, 2.0];
        let a = associate(&[1.0, 1.0], &refs, 2).unwrap();
        assert_eq!(a.closest, vec![0]);
        let scaled = associate(&[1.0, 1.0], &[20.0, 0.0, 0.0, 20.0], 2).unwrap();
        assert_eq!(a, scaled);
    }

    #[test]
    fn nan_rows_take_the_first_point() {
        let a = associate(&[f64::NAN, 1.0], &[1.0, 0.0, 0.0, 1.0], 2).unwrap();
        assert_eq!(a.closest, vec![0]);
        assert!(a.distance[0].is_nan());
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(associate(&[1.0], &[1.0], 0).is_err());
        assert!(associate(&[1.0, 2.0, 3.0], &[1.0, 0.0], 2).is_err());
        assert!(associate(&[1.0, 2.0], &[], 2).is_err());
        assert!(associate(&[1.0, 2.0], &[0.0, 0.0], 2).is_err());
        assert!(associate(&[], &[1.0, 0.0], 2).unwrap().closest.is_empty());
    }
}
