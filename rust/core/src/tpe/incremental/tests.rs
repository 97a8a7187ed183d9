//! Tests of the incremental above estimator against fresh builds.

use super::*;
use crate::tpe::IndexedObservations;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

fn specs() -> Vec<ParamSpec> {
    let f = |low, high, step, log, n_choices| ParamSpec {
        n_choices,
        low,
        high,
        step,
        log,
    };
    vec![
        f(-5.0, 5.0, 0.0, false, 0),
        f(1e-3, 10.0, 0.0, true, 0),
        f(0.0, 10.0, 1.0, false, 0),
        f(0.0, 0.0, 0.0, false, 4),
        f(1.0, 64.0, 1.0, true, 0),
        f(0.0, 1.0, 0.0, false, 0),
    ]
}

fn random_value(rng: &mut Pcg64, s: &ParamSpec) -> f64 {
    if s.is_categorical() {
        return rng.random_range(0..s.n_choices) as f64;
    }
    if s.step != 0.0 {
        let k = ((s.high - s.low) / s.step).round() as i64;
        return s.low + s.step * rng.random_range(0..=k) as f64;
    }
    if s.log {
        return (s.low.ln() + rng.random::<f64>() * (s.high.ln() - s.low.ln())).exp();
    }
    s.low + rng.random::<f64>() * (s.high - s.low)
}

/// `m` random points of the space, row-major.
fn random_points(rng: &mut Pcg64, specs: &[ParamSpec], m: usize) -> Vec<f64> {
    (0..m)
        .flat_map(|_| {
            specs
                .iter()
                .map(|s| random_value(rng, s))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Random histories and kernel sets (growing, with rows entering and leaving, rows
/// with missing values never selected): the incremental estimator's log-density
/// equals a fresh `from_indexed` build.
#[test]
fn matches_fresh_build_over_a_run() {
    // 150 rows: the fresh build evaluates directly; 400: through its matrix product.
    for initial in [150, 400] {
        check_run(&specs(), initial);
    }
    // Continuous dims only: evaluated by the fused pass over kernel-major coefficients.
    let continuous: Vec<ParamSpec> = specs()
        .into_iter()
        .filter(|s| !s.is_categorical() && s.step == 0.0)
        .collect();
    check_run(&continuous, 400);
}

fn check_run(specs: &[ParamSpec], initial: usize) {
    let specs = specs.to_vec();
    let d = specs.len();
    let cfg = ParzenConfig::default();
    let mut rng = Pcg64::seed_from_u64(7);
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); d];
    let mut state = IncrementalAbove::new(&specs, cfg).unwrap();
    for step in 0..60 {
        let grow = if step == 0 {
            initial
        } else {
            rng.random_range(0..4)
        };
        for _ in 0..grow {
            let missing = rng.random::<f64>() < 0.05;
            // Ties: sometimes repeat an earlier row's value exactly.
            let copy = (!columns[0].is_empty() && rng.random::<f64>() < 0.1)
                .then(|| rng.random_range(0..columns[0].len()));
            for (j, col) in columns.iter_mut().enumerate() {
                let v = match copy {
                    Some(r) if !col[r].is_nan() => col[r],
                    _ => random_value(&mut rng, &specs[j]),
                };
                col.push(if missing && j == d / 2 { f64::NAN } else { v });
            }
        }
        let n = columns[0].len();
        let usable: Vec<u32> = (0..n as u32)
            .filter(|&r| columns.iter().all(|c| !c[r as usize].is_nan()))
            .collect();
        // Leave out a random handful (the "below" set), as TPE does.
        let rows: Vec<u32> = usable
            .iter()
            .copied()
            .filter(|_| rng.random::<f64>() > 0.1)
            .collect();
        let weights: Vec<f64> = (0..rows.len())
            .map(|i| 0.1 + i as f64 / rows.len() as f64)
            .collect();
        let cols: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
        let fresh = ParzenEstimator::from_indexed(
            &specs,
            IndexedObservations {
                columns: cols.clone(),
                sorted: (0..d).map(|_| None).collect(),
                rows: &rows,
                row_weights: &weights,
                extra: &[],
                extra_weights: &[],
            },
            &cfg,
        )
        .unwrap();
        let inc = state.update(&cols, &rows, &weights).unwrap();
        let x = random_points(&mut rng, &specs, 16);
        // The floor bookkeeping matches the coefficients.
        let gm = inc.gemm.as_ref().expect("numerical dims");
        let fl = gm
            .floor
            .as_ref()
            .expect("incremental estimators track the floor");
        let dc = gm.dims.len();
        let mut at_floor = 0;
        for (k, &off) in fl.off.iter().enumerate() {
            let count = (0..dc)
                .filter(|&i| gm.coef[k * 2 * dc + i] != fl.quad[i])
                .count();
            assert_eq!(off as usize, count, "kernel {k}");
            at_floor += usize::from(off == 0);
        }
        // With 400 rows and more, many kernels sit at the floor (the fast path runs).
        if fl.off.len() > 400 {
            assert!(
                at_floor * 4 > fl.off.len(),
                "{at_floor} of {}",
                fl.off.len()
            );
        }
        let a = fresh.log_pdf(&x).unwrap();
        let b = inc.log_pdf(&x).unwrap();
        for (u, v) in a.iter().zip(&b) {
            assert!(
                (u - v).abs() <= 1e-9 * (1.0 + u.abs()),
                "step {step}: {u} vs {v}"
            );
        }
    }
}

#[test]
fn rejects_too_few_observations_and_bad_rows() {
    let specs = specs();
    let cfg = ParzenConfig::default();
    let mut state = IncrementalAbove::new(&specs, cfg).unwrap();
    let cols: Vec<Vec<f64>> = specs.iter().map(|_| vec![0.0; 10]).collect();
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    assert!(state.update(&refs, &[0, 1], &[1.0, 1.0]).is_err());
    assert!(!IncrementalAbove::applicable(&cfg, 200, 1));
    assert!(IncrementalAbove::applicable(&cfg, 200, 0));
}

mod timing {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_pcg::Pcg64;

    #[test]
    #[ignore = "timing report, run with --release --ignored --nocapture"]
    fn update_timing() {
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
        let mut rng = Pcg64::seed_from_u64(0);
        let n = 100_000;
        let mut columns: Vec<Vec<f64>> = (0..d)
            .map(|_| (0..n).map(|_| rng.random_range(-5.0..5.0)).collect())
            .collect();
        let mut state = IncrementalAbove::new(&specs, ParzenConfig::default()).unwrap();
        let mut times = Vec::new();
        for step in 0..40 {
            for col in columns.iter_mut() {
                col.push(rng.random_range(-5.0..5.0));
            }
            let n_rows = columns[0].len();
            let skip = (step * 7919) % n_rows;
            let rows: Vec<u32> = (0..n_rows as u32).filter(|&r| r as usize != skip).collect();
            let w: Vec<f64> = (0..rows.len()).map(|i| 1.0 / (1.0 + i as f64)).collect();
            let cols: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
            let t = std::time::Instant::now();
            state.update(&cols, &rows, &w).unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "update at n={n}: min {:?}, median {:?}",
            times[1], times[20]
        );
    }
}

/// Given the logarithms of the row weights (shared by the spaces of one batch), the
/// estimator is bit for bit the one that computes them itself; a length mismatch is an
/// error naming the weights.
#[test]
fn shared_log_weights_give_the_same_estimator() {
    let specs = specs();
    let cfg = ParzenConfig::default();
    let mut rng = Pcg64::seed_from_u64(5);
    let n = 700;
    let columns: Vec<Vec<f64>> = specs
        .iter()
        .map(|s| (0..n).map(|_| random_value(&mut rng, s)).collect())
        .collect();
    let cols: Vec<&[f64]> = columns.iter().map(|c| c.as_slice()).collect();
    let mut own = IncrementalAbove::new(&specs, cfg).unwrap();
    let mut shared = IncrementalAbove::new(&specs, cfg).unwrap();
    for m in [400, 401, 650, 700] {
        let rows: Vec<u32> = (0..m as u32).filter(|r| r % 7 != 3).collect();
        let weights: Vec<f64> = (0..rows.len())
            .map(|i| {
                if i % 5 == 0 {
                    0.0
                } else {
                    0.5 + i as f64 / 97.0
                }
            })
            .collect();
        let mut logs = vec![0.0; weights.len()];
        fused::ln_slice(&weights, &mut logs);
        let x = random_points(&mut rng, &specs, 24);
        let a = own.update(&cols[..], &rows, &weights).unwrap().log_pdf(&x);
        let b = shared
            .update_logged(&cols[..], &rows, &weights, Some(&logs))
            .unwrap()
            .log_pdf(&x);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a.iter().zip(&b).all(|(u, v)| u.to_bits() == v.to_bits()));
    }
    let rows: Vec<u32> = (0..500).collect();
    let weights = vec![1.0; 500];
    let err = shared
        .update_logged(&cols[..], &rows, &weights, Some(&[0.0; 3]))
        .unwrap_err();
    assert!(err.to_string().contains("log weights"), "{err}");
}
