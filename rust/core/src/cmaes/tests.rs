use super::*;

fn sphere(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}
fn ellipsoid(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    x.iter()
        .enumerate()
        .map(|(i, v)| 1e6f64.powf(i as f64 / (n - 1.0)) * v * v)
        .sum()
}
fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}
fn rastrigin(x: &[f64]) -> f64 {
    10.0 * x.len() as f64
        + x.iter()
            .map(|v| v * v - 10.0 * (2.0 * std::f64::consts::PI * v).cos())
            .sum::<f64>()
}

fn settings(variant: Variant, n: usize, lo: f64, hi: f64) -> Settings {
    Settings {
        variant,
        lr_adapt: false,
        bounds: Some(vec![[lo, hi]; n]),
        steps: None,
        margin: None,
        n_max_resampling: 10 * n,
        restart: Restart::None,
        inc_popsize: 2,
        popsize: None,
    }
}

/// Run until `f < target` or `max_evals`; returns (best value, evaluations).
fn run(opt: &mut CmaEs, f: fn(&[f64]) -> f64, target: f64, max_evals: usize) -> (f64, usize) {
    let n = opt.dim();
    let mut best = f64::INFINITY;
    let mut evals = 0;
    while evals < max_evals {
        let lambda = opt.popsize();
        let mut xs = Vec::with_capacity(lambda * n);
        let mut vs = Vec::with_capacity(lambda);
        for _ in 0..lambda {
            let (x, raw) = opt.ask().unwrap();
            let v = f(&x);
            best = best.min(v);
            xs.extend_from_slice(&raw);
            vs.push(v);
        }
        evals += lambda;
        if best < target {
            break;
        }
        opt.tell(&xs, &vs).unwrap();
    }
    (best, evals)
}

#[test]
fn converges_on_sphere_ellipsoid_rosenbrock() {
    for (f, target, budget, name) in [
        (sphere as fn(&[f64]) -> f64, 1e-10, 20_000, "sphere"),
        (ellipsoid, 1e-8, 60_000, "ellipsoid"),
        (rosenbrock, 1e-8, 60_000, "rosenbrock"),
    ] {
        let n = 8;
        let mut opt = CmaEs::new(
            settings(Variant::Full, n, -5.0, 5.0),
            &vec![3.0; n],
            2.0,
            None,
            1,
        )
        .unwrap();
        let (best, evals) = run(&mut opt, f, target, budget);
        assert!(best < target, "{name}: best {best} after {evals}");
    }
}

#[test]
fn separable_converges_on_ellipsoid_and_lra_on_sphere() {
    let n = 10;
    let mut opt = CmaEs::new(
        settings(Variant::Separable, n, -5.0, 5.0),
        &vec![2.0; n],
        2.0,
        None,
        3,
    )
    .unwrap();
    let (best, evals) = run(&mut opt, ellipsoid, 1e-8, 30_000);
    assert!(best < 1e-8, "sep ellipsoid {best} after {evals}");

    let mut s = settings(Variant::Full, n, -5.0, 5.0);
    s.lr_adapt = true;
    let mut opt = CmaEs::new(s, &vec![2.0; n], 2.0, None, 3).unwrap();
    let (best, evals) = run(&mut opt, sphere, 1e-8, 30_000);
    assert!(best < 1e-8, "lra sphere {best} after {evals}");
}

#[test]
fn margin_solves_mixed_integer_problem() {
    // Continuous sphere on the first half, integer grid {-5..5} on the second.
    let n = 6;
    let mut s = settings(Variant::Margin, n, -5.0, 5.0);
    s.steps = Some(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let mut opt = CmaEs::new(s, &vec![3.0; n], 2.0, None, 5).unwrap();
    fn f(x: &[f64]) -> f64 {
        x[..3].iter().map(|v| v * v).sum::<f64>()
            + x[3..].iter().map(|v| (v - 2.0).abs()).sum::<f64>()
    }
    let mut enc_ok = true;
    let (best, _) = {
        let n = opt.dim();
        let mut best = f64::INFINITY;
        for _ in 0..400 {
            let lambda = opt.popsize();
            let mut xs = Vec::new();
            let mut vs = Vec::new();
            for _ in 0..lambda {
                let (x, raw) = opt.ask().unwrap();
                enc_ok &= x[3..].iter().all(|v| v.fract() == 0.0);
                let v = f(&x);
                best = best.min(v);
                xs.extend_from_slice(&raw);
                vs.push(v);
            }
            assert_eq!(xs.len(), lambda * n);
            opt.tell(&xs, &vs).unwrap();
        }
        (best, 0)
    };
    assert!(enc_ok, "integer coordinates must be encoded to the grid");
    assert!(best < 1e-6, "margin best {best}");
    assert!(opt.margin_scale()[3..]
        .iter()
        .all(|a| a.is_finite() && *a > 0.0));
}

#[test]
fn same_seed_same_trajectory_and_state_round_trip() {
    let n = 5;
    let mk = || {
        CmaEs::new(
            settings(Variant::Full, n, -5.0, 5.0),
            &vec![1.0; n],
            1.0,
            None,
            42,
        )
        .unwrap()
    };
    let (mut a, mut b) = (mk(), mk());
    let r1 = run(&mut a, rosenbrock, 0.0, 600);
    let r2 = run(&mut b, rosenbrock, 0.0, 600);
    assert_eq!(r1, r2);
    assert_eq!(a.mean(), b.mean());
    let mut c = CmaEs::new(
        settings(Variant::Full, n, -5.0, 5.0),
        &vec![1.0; n],
        1.0,
        None,
        43,
    )
    .unwrap();
    run(&mut c, rosenbrock, 0.0, 600);
    assert_ne!(a.mean(), c.mean());

    for variant in [Variant::Full, Variant::Separable, Variant::Margin] {
        let mut s = settings(variant, n, -5.0, 5.0);
        s.steps = Some(vec![0.0, 1.0, 0.0, 0.5, 0.0]);
        s.restart = Restart::Bipop;
        let mut a = CmaEs::new(s, &vec![1.0; n], 1.0, None, 7).unwrap();
        run(&mut a, sphere, 0.0, 300);
        let bytes = a.to_bytes();
        let mut b = CmaEs::from_bytes(&bytes).unwrap();
        assert_eq!(b.to_bytes(), bytes, "{variant:?}");
        assert_eq!(a.ask().unwrap(), b.ask().unwrap(), "{variant:?}");
        assert!(CmaEs::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(CmaEs::from_bytes(b"garbage").is_err());
    }
}

#[test]
fn ipop_and_bipop_restart_on_rastrigin() {
    let n = 5;
    for strategy in [Restart::Ipop, Restart::Bipop] {
        let mut s = settings(Variant::Full, n, -5.12, 5.12);
        s.restart = strategy;
        let mut opt = CmaEs::new(s, &vec![3.0; n], 1.5, None, 11).unwrap();
        let p0 = opt.popsize();
        let (best, _) = run(&mut opt, rastrigin, 1e-8, 200_000);
        assert!(opt.n_restarts() >= 1, "{strategy:?} never restarted");
        if strategy == Restart::Ipop {
            assert_eq!(opt.popsize(), p0 * 2usize.pow(opt.n_restarts() as u32));
        }
        assert!(best < 1e-8, "{strategy:?} best {best}");
    }
}

#[test]
fn bad_inputs_are_rejected() {
    let n = 3;
    let s = settings(Variant::Full, n, 0.0, 1.0);
    assert!(CmaEs::new(s.clone(), &[0.5, 2.0, 0.5], 0.3, None, 0).is_err());
    assert!(CmaEs::new(s.clone(), &[0.5; 3], 0.0, None, 0).is_err());
    assert!(CmaEs::new(s.clone(), &[0.5; 3], -1.0, None, 0).is_err());
    assert!(CmaEs::new(s.clone(), &[0.5; 3], f64::NAN, None, 0).is_err());
    let mut opt = CmaEs::new(s, &[0.5; 3], 0.3, None, 0).unwrap();
    assert!(opt.tell(&[0.0; 6], &[1.0, 2.0]).is_err());
    let mut sep = settings(Variant::Separable, 1, 0.0, 1.0);
    sep.popsize = Some(4);
    assert!(CmaEs::new(sep, &[0.5], 0.3, None, 0).is_err());
}

#[test]
fn warm_start_recovers_source_optimum() {
    let n = 3;
    let mut rng = Rng::new(0);
    let m = 200;
    let mut xs = Vec::new();
    let mut vs = Vec::new();
    for _ in 0..m {
        let x: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        vs.push(x.iter().map(|v| (v - 0.3) * (v - 0.3)).sum());
        xs.extend(x);
    }
    let (mean, sigma, cov) = warm_start_mgd(&xs, &vs, n, 0.1, 0.1).unwrap();
    for v in &mean {
        assert!((v - 0.3).abs() < 0.1, "{mean:?}");
    }
    assert!(sigma > 0.0 && sigma < 0.3);
    let det = super::linalg::sym_eigvals(&cov, n)
        .unwrap()
        .iter()
        .product::<f64>();
    assert!((det - 1.0).abs() < 1e-9);
    assert!(warm_start_mgd(&xs[..3 * n], &vs[..3], n, 0.1, 0.1).is_err());
}

/// `ask_many` draws the candidates `ask` would, one by one: the same normal variates
/// (one matrix product without bounds, so equal up to rounding) and, with bounds, the
/// same resampling sequence exactly.
#[test]
fn ask_many_matches_sequential_asks() {
    for bounded in [false, true] {
        let n = 7;
        let mean = vec![0.3; n];
        let bounds = bounded.then(|| vec![[0.0, 1.0]; n]);
        let mut one = Cma::new(Start::new(&mean, 0.4, 5), bounds.clone(), 10 * n, false).unwrap();
        let mut many = Cma::new(Start::new(&mean, 0.4, 5), bounds, 10 * n, false).unwrap();
        for generation in 0..4 {
            let lambda = one.popsize;
            let batch = many.ask_many(lambda).unwrap();
            let single: Vec<f64> = (0..lambda).flat_map(|_| one.ask().unwrap()).collect();
            for (a, b) in batch.iter().zip(&single) {
                if bounded {
                    assert_eq!(a, b, "generation {generation}");
                } else {
                    assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
                }
            }
            let values: Vec<f64> = single.chunks_exact(n).map(|x| x.iter().sum()).collect();
            one.tell(&single, &values).unwrap();
            many.tell(&single, &values).unwrap();
        }
    }
}

/// Timing report for one full-CMA generation at d = 200 (the size `compare_cmaes.py`
/// times against the `cmaes` package), split into eigendecomposition, sampling and tell.
/// `cargo test --release -p ferrotune-core generation_timing -- --ignored --nocapture`
#[test]
#[ignore]
fn generation_timing() {
    use std::time::Instant;
    let n = 200;
    let mut rng = Rng::new(3);
    let mean: Vec<f64> = (0..n).map(|_| 2.0 * rng.uniform() - 1.0).collect();
    let scale: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(3.0 * i as f64 / (n - 1) as f64))
        .collect();
    let f = |x: &[f64]| -> f64 { x.iter().zip(&scale).map(|(v, s)| (s * v).powi(2)).sum() };
    let mut opt = Cma::new(Start::new(&mean, 0.5, 0), None, 10 * n, false).unwrap();
    let lambda = opt.popsize;
    let (mut t_eig, mut t_ask, mut t_tell) = (vec![], vec![], vec![]);
    for _ in 0..120 {
        let t0 = Instant::now();
        opt.eigen().unwrap();
        let t1 = Instant::now();
        let xs = opt.ask_many(lambda).unwrap();
        let vs: Vec<f64> = xs.chunks_exact(n).map(f).collect();
        let t2 = Instant::now();
        opt.tell(&xs, &vs).unwrap();
        let t3 = Instant::now();
        t_eig.push((t1 - t0).as_secs_f64());
        t_ask.push((t2 - t1).as_secs_f64());
        t_tell.push((t3 - t2).as_secs_f64());
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2] * 1e3
    };
    println!(
        "d={n} popsize={lambda}: eigen {:.3} ms, sampling {:.3} ms, tell {:.3} ms (medians)",
        med(&mut t_eig),
        med(&mut t_ask),
        med(&mut t_tell)
    );
}

/// Forged states (any 8-byte window overwritten with a huge or odd value) decode to an
/// error or to an optimizer that keeps working: no panic, no multi-gigabyte allocation.
#[test]
fn forged_states_never_panic_or_exhaust_memory() {
    for (variant, restart) in [
        (Variant::Full, Restart::Bipop),
        (Variant::Separable, Restart::Ipop),
        (Variant::Margin, Restart::Bipop),
    ] {
        let n = 3;
        let mut s = settings(variant, n, -5.0, 5.0);
        s.restart = restart;
        if variant == Variant::Margin {
            s.steps = Some(vec![0.0, 1.0, 0.5]);
        }
        let mut opt = CmaEs::new(s, &vec![1.0; n], 1.0, None, 7).unwrap();
        let budget = 3 * opt.popsize();
        run(&mut opt, sphere, 0.0, budget);
        let good = opt.to_bytes();
        for offset in 0..good.len().saturating_sub(8) {
            for value in [u64::MAX, 1 << 40, (MAX_POPSIZE as u64) + 1, 0] {
                let mut forged = good.clone();
                forged[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
                let Ok(mut o) = CmaEs::from_bytes(&forged) else {
                    continue;
                };
                assert!(o.popsize() <= MAX_POPSIZE, "offset {offset}");
                for _ in 0..2 {
                    let lambda = o.popsize();
                    let Ok((_, raw)) = o.ask_many(lambda) else {
                        break;
                    };
                    let values: Vec<f64> = raw.chunks(n.max(1)).map(sphere).collect();
                    if o.tell(&raw, &values).is_err() {
                        break;
                    }
                }
            }
        }
    }
}
