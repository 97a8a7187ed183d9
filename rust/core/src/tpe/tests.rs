//! Unit tests of the Parzen estimator, the proposal and the sorted columns.

use super::kernel::sigmas_from_sorted;
use super::*;
use crate::error::CoreError;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

fn float_spec(low: f64, high: f64) -> ParamSpec {
    ParamSpec {
        n_choices: 0,
        low,
        high,
        step: 0.0,
        log: false,
    }
}

#[test]
fn bandwidths_follow_neighbour_rule() {
    // mus 0.2, 0.5, 0.6 in [0, 1], no endpoints, magic clip min = 1/min(100, 5) = 0.2.
    let cfg = ParzenConfig::default();
    let sorted = vec![(0.2, 0), (0.5, 1), (0.6, 2)];
    let mut s = vec![0.0; 4];
    sigmas_from_sorted(&sorted, 0.0, 1.0, &cfg, &mut s);
    // first: next gap 0.3; middle: max(0.3, 0.1) = 0.3; last: prev gap 0.1 -> clip 0.2.
    assert!((s[0] - 0.3).abs() < 1e-15);
    assert!((s[1] - 0.3).abs() < 1e-15);
    assert!((s[2] - 0.2).abs() < 1e-15);
    let cfg = ParzenConfig {
        consider_endpoints: true,
        consider_magic_clip: false,
        ..cfg
    };
    sigmas_from_sorted(&sorted, 0.0, 1.0, &cfg, &mut s);
    assert!((s[2] - 0.4).abs() < 1e-15); // max(0.1, 1 - 0.6)
}

#[test]
fn density_integrates_to_one() {
    let specs = [float_spec(-1.0, 2.0)];
    let est = ParzenEstimator::from_matrix(
        &specs,
        &[0.1, 0.5, 1.9],
        &[1.0, 2.0, 1.0],
        &ParzenConfig::default(),
    )
    .unwrap();
    let n = 20_000;
    let h = 3.0 / n as f64;
    let xs: Vec<f64> = (0..n).map(|i| -1.0 + (i as f64 + 0.5) * h).collect();
    let total: f64 = est.log_pdf(&xs).unwrap().iter().map(|l| l.exp() * h).sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
}

#[test]
fn discrete_masses_sum_to_one() {
    let specs = [ParamSpec {
        n_choices: 0,
        low: 1.0,
        high: 9.0,
        step: 2.0,
        log: false,
    }];
    let est = ParzenEstimator::from_matrix(
        &specs,
        &[3.0, 3.0, 7.0],
        &[1.0, 1.0, 1.0],
        &ParzenConfig::default(),
    )
    .unwrap();
    let xs = [1.0, 3.0, 5.0, 7.0, 9.0];
    let total: f64 = est.log_pdf(&xs).unwrap().iter().map(|l| l.exp()).sum();
    assert!((total - 1.0).abs() < 1e-12);
}

#[test]
fn categorical_probabilities_sum_to_one() {
    let specs = [ParamSpec {
        n_choices: 3,
        low: 0.0,
        high: 0.0,
        step: 0.0,
        log: false,
    }];
    let est = ParzenEstimator::from_matrix(
        &specs,
        &[0.0, 2.0, 2.0],
        &[1.0, 1.0, 1.0],
        &ParzenConfig::default(),
    )
    .unwrap();
    let p: Vec<f64> = est
        .log_pdf(&[0.0, 1.0, 2.0])
        .unwrap()
        .iter()
        .map(|l| l.exp())
        .collect();
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(p[2] > p[0] && p[0] > p[1]);
}

#[test]
fn indexed_matches_matrix_and_skips_are_exact() {
    let specs = [float_spec(0.0, 1.0), float_spec(-5.0, 5.0)];
    let n = 3000;
    let mut rng = Pcg64::seed_from_u64(3);
    let col0: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let col1: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 10.0 - 5.0).collect();
    let rows: Vec<u32> = (0..n as u32).filter(|r| r % 3 != 0).collect();
    let w: Vec<f64> = rows.iter().map(|&r| 1.0 + (r % 7) as f64).collect();
    let mut dense = Vec::new();
    for &r in &rows {
        dense.push(col0[r as usize]);
        dense.push(col1[r as usize]);
    }
    let extra = [0.5, 0.5, 0.25, -1.0];
    dense.extend_from_slice(&extra);
    let mut wd = w.clone();
    wd.extend_from_slice(&[3.0, 4.0]);
    let cfg = ParzenConfig::default();
    let a = ParzenEstimator::from_matrix(&specs, &dense, &wd, &cfg).unwrap();
    let mut s0 = SortedColumn::default();
    s0.sync(&col0[..n / 2]).unwrap();
    s0.sync(&col0).unwrap();
    let mut s1 = SortedColumn::default();
    s1.sync(&col1).unwrap();
    let b = ParzenEstimator::from_indexed(
        &specs,
        IndexedObservations {
            columns: vec![&col0, &col1],
            sorted: vec![Some(&mut s0), Some(&mut s1)],
            rows: &rows,
            row_weights: &w,
            extra: &extra,
            extra_weights: &[3.0, 4.0],
        },
        &cfg,
    )
    .unwrap();
    let xs: Vec<f64> = (0..200)
        .flat_map(|_| [rng.random::<f64>(), rng.random::<f64>() * 10.0 - 5.0])
        .collect();
    let la = a.log_pdf(&xs).unwrap();
    let lb = b.log_pdf(&xs).unwrap();
    for (x, y) in la.iter().zip(&lb) {
        assert!((x - y).abs() < 1e-12 * x.abs().max(1.0));
    }
}

#[test]
fn samples_concentrate_near_good_points_and_are_reproducible() {
    let specs = [float_spec(-10.0, 10.0)];
    let cfg = ParzenConfig::default();
    let good: Vec<f64> = (0..30).map(|i| 0.9 + 0.2 * i as f64 / 29.0).collect();
    let below = ParzenEstimator::from_matrix(&specs, &good, &[1.0; 30], &cfg).unwrap();
    let above_obs: Vec<f64> = (0..50).map(|i| -10.0 + 0.4 * i as f64).collect();
    let above = ParzenEstimator::from_matrix(&specs, &above_obs, &[1.0; 50], &cfg).unwrap();
    let p = propose(&specs, &below, &above, 24, 7).unwrap();
    let q = propose(&specs, &below, &above, 24, 7).unwrap();
    assert_eq!(p.candidates, q.candidates);
    assert!((p.candidates[p.best] - 1.0).abs() < 2.0);
    let mut rng = Pcg64::seed_from_u64(1);
    let s = below.sample(&mut rng, 4000);
    let near = s.iter().filter(|v| (**v - 1.0).abs() < 1.0).count();
    assert!(near > 2800, "{near}");
}

#[test]
#[ignore = "timing report, run with --release --ignored --nocapture"]
fn timing_breakdown() {
    let d = 10;
    let specs: Vec<ParamSpec> = (0..d).map(|_| float_spec(-5.0, 5.0)).collect();
    let cfg = ParzenConfig::default();
    for &n in &[10_000usize, 100_000] {
        let mut rng = Pcg64::seed_from_u64(0);
        let cols: Vec<Vec<f64>> = (0..d)
            .map(|_| (0..n).map(|_| rng.random::<f64>() * 10.0 - 5.0).collect())
            .collect();
        let mut sorted: Vec<SortedColumn> = cols
            .iter()
            .map(|c| {
                let mut s = SortedColumn::default();
                s.sync(c).unwrap();
                s
            })
            .collect();
        let rows: Vec<u32> = (25..n as u32).collect();
        let w = vec![1.0; rows.len()];
        let t = std::time::Instant::now();
        let reps = 10;
        let mut est = None;
        for _ in 0..reps {
            est = Some(
                ParzenEstimator::from_indexed(
                    &specs,
                    IndexedObservations {
                        columns: cols.iter().map(|c| c.as_slice()).collect(),
                        sorted: sorted.iter_mut().map(Some).collect(),
                        rows: &rows,
                        row_weights: &w,
                        extra: &[],
                        extra_weights: &[],
                    },
                    &cfg,
                )
                .unwrap(),
            );
        }
        let build = t.elapsed() / reps;
        let est = est.unwrap();
        let x: Vec<f64> = (0..24 * d)
            .map(|_| rng.random::<f64>() * 2.0 - 1.0)
            .collect();
        let t = std::time::Instant::now();
        for _ in 0..reps {
            est.log_pdf(&x).unwrap();
        }
        let eval = t.elapsed() / reps;
        println!("n={n}: build {build:?}, log_pdf(24) {eval:?}");
    }
}

#[test]
fn param_spec_errors_are_readable() {
    let spec = ParamSpec {
        n_choices: 0,
        low: 0.0,
        high: f64::INFINITY,
        step: 0.0,
        log: false,
    };
    let msg = spec.validate(2).unwrap_err().to_string();
    assert_eq!(
        msg,
        "invalid parameter spec at column 2: low=0, high=inf, step=none, log=false"
    );
    assert!(!msg.contains("ParamSpec"));
}

#[test]
fn forged_sorted_column_states_are_rejected() {
    assert!(SortedColumn::from_sorted(vec![(0.5, 0), (1.0, 2)], 3).is_ok());
    let bad = [
        (vec![(0.5, 7)], 3),           // row beyond the rows seen
        (vec![(0.5, 0), (0.1, 1)], 3), // not sorted
        (vec![(f64::NAN, 0)], 3),      // NaN value
        (vec![(0.5, 1), (0.7, 1)], 3), // repeated row
        (vec![(0.5, 0), (0.6, 1)], 1), // more pairs than rows
    ];
    for (entries, n_seen) in bad {
        let err = SortedColumn::from_sorted(entries.clone(), n_seen).unwrap_err();
        assert!(
            err.to_string().starts_with("corrupt TPESortedColumn state"),
            "{entries:?}: {err}"
        );
    }
}

#[test]
fn sorted_column_bytes_round_trip_and_reject_forgeries() {
    let mut col = SortedColumn::default();
    col.sync(&[0.5, f64::NAN, 0.1, 0.9]).unwrap();
    let bytes = col.to_bytes();
    assert_eq!(bytes.len(), 8 + 3 * 12);
    let mut back = SortedColumn::from_bytes(&bytes).unwrap();
    assert_eq!(back.n_seen, 4);
    assert_eq!(back.entries(), &[(0.1, 2), (0.5, 0), (0.9, 3)]);

    let pair = |v: f64, r: u32| [v.to_le_bytes().as_slice(), &r.to_le_bytes()].concat();
    let with_pairs =
        |n: u64, pairs: &[Vec<u8>]| [n.to_le_bytes().to_vec(), pairs.concat()].concat();
    let forged = [
        bytes[..5].to_vec(),                          // truncated header
        bytes[..bytes.len() - 1].to_vec(),            // truncated pair
        with_pairs(3, &[pair(f64::NAN, 0)]),          // NaN value
        with_pairs(3, &[pair(0.5, 0), pair(0.1, 1)]), // not sorted
        with_pairs(3, &[pair(0.5, 5)]),               // row beyond n_seen
        with_pairs(3, &[pair(0.5, 1), pair(0.7, 1)]), // repeated row
        with_pairs(1, &[pair(0.5, 0), pair(0.6, 1)]), // more pairs than rows
        with_pairs(u64::MAX, &[]),                    // absurd row count
    ];
    for bytes in forged {
        let err = SortedColumn::from_bytes(&bytes).unwrap_err();
        assert!(matches!(err, CoreError::InvalidArgument(_)), "{err}");
        assert!(
            err.to_string().starts_with("corrupt TPESortedColumn state"),
            "{err}"
        );
    }
    assert_eq!(
        SortedColumn::from_bytes(&0u64.to_le_bytes()).unwrap().len(),
        0
    );
}

#[test]
fn tpe_space_rejects_bad_specs() {
    let cfg = ParzenConfig::default();
    assert!(TpeSpace::new(vec![ParamSpec::numerical(0.0, 1.0, 0.0, false)], cfg, 24).is_ok());
    let bad_params = [
        ParamSpec::numerical(1.0, 0.0, 0.0, false),
        ParamSpec::numerical(0.0, f64::INFINITY, 0.0, false),
        ParamSpec::numerical(0.0, 1.0, f64::NAN, false),
        ParamSpec::numerical(0.0, 1.0, -1.0, false),
        ParamSpec::numerical(0.0, 1.0, 0.0, true),
    ];
    for p in bad_params {
        let err = TpeSpace::new(vec![p], cfg, 24).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid parameter spec at column 0"),
            "{err}"
        );
    }
    let p = vec![ParamSpec::categorical(3)];
    assert!(TpeSpace::new(p.clone(), cfg, 0).is_err());
    let negative = ParzenConfig {
        prior_weight: -1.0,
        ..cfg
    };
    assert!(TpeSpace::new(p, negative, 24).is_err());
}

#[test]
fn oversized_proposals_are_errors_not_aborts() {
    let spec = ParamSpec {
        n_choices: 0,
        low: 0.0,
        high: 1.0,
        step: 0.0,
        log: false,
    };
    let cfg = ParzenConfig {
        prior_weight: 1.0,
        consider_magic_clip: true,
        consider_endpoints: false,
    };
    let est = ParzenEstimator::from_matrix(&[spec], &[0.5], &[1.0], &cfg).unwrap();
    let err = propose(&[spec], &est, &est, usize::MAX / 2, 0).unwrap_err();
    assert!(err.to_string().contains("exceed the limit"), "{err}");
    assert!(propose(&[spec], &est, &est, 24, 0).is_ok());
}
