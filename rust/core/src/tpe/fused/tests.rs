//! Tests of the fused Parzen pass: exactness against kernel-by-kernel sums, scalar vs SIMD.

use super::*;
use crate::simd::Scalar;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

/// The fused pass (row-major coefficients of a fresh build, candidates in and out of the
/// support, a partial last lane group, sequential and split over kernels) against the
/// log-sum-exp of every kernel's exact term.
#[test]
fn fused_matches_kernel_by_kernel_sum() {
    use crate::tpe::{ParamSpec, ParzenConfig, ParzenEstimator};
    let spec = |low: f64, high: f64, log: bool| ParamSpec {
        n_choices: 0,
        low,
        high,
        step: 0.0,
        log,
    };
    let specs = [
        spec(-5.0, 5.0, false),
        spec(1e-3, 10.0, true),
        spec(0.0, 1.0, false),
    ];
    let d = specs.len();
    let mut rng = Pcg64::seed_from_u64(11);
    let n = 9000;
    let mut obs = Vec::with_capacity(n * d);
    for _ in 0..n {
        // Clustered, as TPE histories are, so many kernels matter at once.
        let c: f64 = rng.random_range(0.0..1.0);
        obs.push(-5.0 + 10.0 * (0.3 + 0.1 * c));
        obs.push((1e-3f64.ln() + rng.random::<f64>() * 9.2).exp());
        obs.push((0.5 + 0.05 * (rng.random::<f64>() - 0.5)).clamp(0.0, 1.0));
    }
    let w: Vec<f64> = (0..n).map(|i| 0.1 + i as f64 / n as f64).collect();
    let est = ParzenEstimator::from_matrix(&specs, &obs, &w, &ParzenConfig::default()).unwrap();
    let gm = est
        .gemm
        .as_ref()
        .expect("large estimators use the matrix product");
    assert_eq!(gm.dims.len(), d);
    let m = 19;
    let mut x: Vec<f64> = Vec::new();
    for c in 0..m {
        if c == 5 {
            x.extend([7.0, 1.0, 0.5]); // outside the support
            continue;
        }
        let r = rng.random_range(0..n);
        x.extend_from_slice(&obs[r * d..(r + 1) * d]);
        x[c * d] += 0.01 * (rng.random::<f64>() - 0.5);
    }
    let want: Vec<f64> = x
        .chunks(d)
        .map(|xi| {
            if !est.in_support(xi) {
                return f64::NEG_INFINITY;
            }
            let terms: Vec<f64> = (0..est.n_kernels())
                .map(|k| est.kernel_value(k, xi))
                .collect();
            let mx = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            mx + terms.iter().map(|t| (t - mx).exp()).sum::<f64>().ln()
        })
        .collect();
    let u: Vec<f64> = x
        .chunks(d)
        .flat_map(|xi| {
            gm.dims
                .iter()
                .enumerate()
                .map(|(i, &j)| specs[j].transform(xi[j]) - gm.centre[i])
                .collect::<Vec<_>>()
        })
        .collect();
    let support: Vec<bool> = x.chunks(d).map(|xi| est.in_support(xi)).collect();
    // The baseline path (plain multiply-add) against the dispatched one (fused on CPUs
    // with FMA): equal up to rounding, each candidate in every lane of its group.
    let feats: Vec<Vec<[f64; LANES]>> = u
        .chunks(d)
        .map(|c| {
            c.iter()
                .map(|v| [v * v; LANES])
                .chain(c.iter().map(|&v| [v; LANES]))
        })
        .map(Iterator::collect)
        .collect();
    let job = || Job {
        gm,
        constant: &est.constant,
        feats: &feats,
        start: 0,
        end: n,
    };
    let (scalar, vector) = (job().run(Scalar), dispatch(job()));
    for (s, v) in scalar.iter().zip(&vector) {
        for l in 0..LANES {
            let (s, v) = (s.value(l), v.value(l));
            assert!((s - v).abs() <= 1e-12 * (1.0 + v.abs()), "{s} vs {v}");
        }
    }
    for parallel in [false, true] {
        let got = log_pdf(gm, &est.constant, &u, &support, parallel);
        if !parallel {
            assert_eq!(got, est.log_pdf(&x).unwrap());
        }
        for (g, w) in got.iter().zip(&want) {
            if w.is_infinite() {
                assert_eq!(g, w);
            } else {
                assert!((g - w).abs() <= 1e-9 * (1.0 + w.abs()), "{g} vs {w}");
            }
        }
    }
}

#[test]
fn ln_matches_std() {
    let mut rng = Pcg64::seed_from_u64(3);
    let mut x: Vec<f64> = (0..20_000)
        .map(|_| 10f64.powf(rng.random_range(-300.0..300.0)))
        .collect();
    x.extend([
        1.0,
        2.0,
        0.5,
        std::f64::consts::SQRT_2,
        1e-5,
        0.0,
        f64::INFINITY,
    ]);
    x.extend([f64::MIN_POSITIVE / 4.0, -1.0, f64::NAN]);
    x.extend((1..2000).map(|i| i as f64 / 1000.0));
    let mut out = vec![0.0; x.len()];
    ln_slice(&x, &mut out);
    let mut scalar = vec![0.0; x.len()];
    LnJob {
        x: &x,
        out: &mut scalar,
    }
    .run(Scalar);
    let positive_normal = |v: f64| v.is_normal() && v > 0.0;
    for ((&v, &s), &o) in x.iter().zip(&scalar).zip(&out) {
        if positive_normal(v) {
            assert_eq!(s.to_bits(), o.to_bits(), "scalar and vector ln({v})");
        }
    }
    for (&v, &l) in x.iter().zip(&out) {
        let want = v.ln();
        if want.is_nan() {
            assert!(l.is_nan(), "ln({v}) = {l}");
        } else if want.is_infinite() || want == 0.0 {
            assert_eq!(l, want, "ln({v})");
        } else {
            assert!(
                (l - want).abs() <= 4.0 * f64::EPSILON * want.abs(),
                "ln({v}) = {l}, want {want}"
            );
        }
    }
}

/// Timing report (ignored test): `cargo test --release -p ferrotune-core fused_timing -- --ignored --nocapture`.
mod timing {
    use super::super::*;
    use crate::tpe::{IncrementalAbove, ParamSpec, ParzenConfig, ParzenEstimator};
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    /// Clustered 10-D history (as TPE produces), candidates next to observations.
    #[test]
    #[ignore = "timing report, run with --release --ignored --nocapture"]
    fn fused_timing() {
        let d = 10;
        let specs: Vec<ParamSpec> = (0..d)
            .map(|_| ParamSpec {
                n_choices: 0,
                low: -5.0,
                high: 5.0,
                step: 0.0,
                log: false,
            })
            .collect();
        for n in [10_000usize, 30_000, 100_000] {
            let mut rng = Pcg64::seed_from_u64(1);
            let obs: Vec<f64> = (0..n * d)
                .map(|_| {
                    let r: f64 = rng.random();
                    (-4.0 + 2.0 * r * r * r).clamp(-5.0, 5.0)
                })
                .collect();
            let w = vec![1.0; n];
            let fresh =
                ParzenEstimator::from_matrix(&specs, &obs, &w, &ParzenConfig::default()).unwrap();
            let columns: Vec<Vec<f64>> = (0..d)
                .map(|j| (0..n).map(|r| obs[r * d + j]).collect())
                .collect();
            let cols: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
            let rows: Vec<u32> = (0..n as u32).collect();
            let mut inc = IncrementalAbove::new(&specs, ParzenConfig::default()).unwrap();
            let kept = inc.update(&cols, &rows, &w).unwrap();
            let x: Vec<f64> = (0..24)
                .flat_map(|_| {
                    let r = rng.random_range(0..n);
                    obs[r * d..(r + 1) * d].to_vec()
                })
                .collect();
            let u: Vec<f64> = x.iter().map(|v| v - 0.0).collect();
            let support = vec![true; 24];
            for (est, parallel) in [(&fresh, false), (kept, false), (kept, true)] {
                let gm = est.gemm.as_ref().unwrap();
                let best = (0..30)
                    .map(|_| {
                        let t = std::time::Instant::now();
                        std::hint::black_box(log_pdf(gm, &est.constant, &u, &support, parallel));
                        t.elapsed()
                    })
                    .min()
                    .expect("runs");
                let layout = if gm.kernel_major {
                    "kernel-major"
                } else {
                    "row-major"
                };
                println!("n={n} {layout} parallel={parallel}: min {best:?}");
            }
        }
    }
}

/// One dimension, candidates sorted into the lanes: every candidate's log-density is bit
/// for bit the one it gets when evaluated alone (each lane depends on its own candidate
/// only), whatever the order of the batch, near and far from the kernels.
#[test]
fn one_dimension_lane_order_changes_no_bit() {
    use crate::tpe::{ParamSpec, ParzenConfig, ParzenEstimator};
    let specs = [ParamSpec {
        n_choices: 0,
        low: -5.0,
        high: 5.0,
        step: 0.0,
        log: false,
    }];
    let mut rng = Pcg64::seed_from_u64(23);
    let n = 1500;
    let obs: Vec<f64> = (0..n)
        .map(|_| (rng.random::<f64>() * 2.0 - 0.5).clamp(-5.0, 5.0))
        .collect();
    let w: Vec<f64> = (0..n).map(|i| (i + 1) as f64 / n as f64).collect();
    let est = ParzenEstimator::from_matrix(&specs, &obs, &w, &ParzenConfig::default()).unwrap();
    assert!(
        est.gemm.is_some(),
        "large estimators use the matrix product"
    );
    let mut x: Vec<f64> = (0..29).map(|_| rng.random::<f64>() * 10.0 - 5.0).collect();
    x.push(7.0); // outside the support
    let batch = est.log_pdf(&x).unwrap();
    assert_eq!(batch[29], f64::NEG_INFINITY);
    for (c, xi) in x.iter().enumerate() {
        let alone = est.log_pdf(std::slice::from_ref(xi)).unwrap();
        assert_eq!(
            alone[0].to_bits(),
            batch[c].to_bits(),
            "candidate {c} at {xi}"
        );
    }
    let reversed: Vec<f64> = x.iter().rev().copied().collect();
    let back = est.log_pdf(&reversed).unwrap();
    for (c, v) in back.iter().rev().enumerate() {
        assert_eq!(v.to_bits(), batch[c].to_bits());
    }
}
