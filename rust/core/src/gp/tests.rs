//! Cargo tests of the GP maths: kernel, gradients by finite differences, L-BFGS-B on
//! classic problems, the fit, logEI's two branches and the acquisition optimiser.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use super::acqf::{standard_logei, Acqf, ConditionalGp, Term};
use super::fit::{fit, FitOptions};
use super::kernel::matern52;
use super::lbfgsb::{minimize, Options, Status};
use super::likelihood::{log_marginal_likelihood, map_loss, NoiseModel};
use super::model::GpModel;
use super::optim::{optimize_acqf_mixed, Dim, OptimOptions};
use super::prior::log_prior;
use super::qmc;
use super::{Inputs, KernelParams};

fn data(n: usize, d: usize, seed: u64, cat: &[bool]) -> (Inputs, Vec<f64>) {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut x = vec![0.0; n * d];
    for i in 0..n {
        for k in 0..d {
            x[i * d + k] = if cat[k] {
                rng.random_range(0..3) as f64
            } else {
                rng.random::<f64>()
            };
        }
    }
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let r = &x[i * d..(i + 1) * d];
            r.iter()
                .enumerate()
                .map(|(k, v)| (v * (k as f64 + 1.0)).sin())
                .sum::<f64>()
        })
        .collect();
    let m = y.iter().sum::<f64>() / n as f64;
    let s = (y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt();
    let y = y.iter().map(|v| (v - m) / s).collect();
    (Inputs::new(x, n, d, cat.to_vec()).unwrap(), y)
}

fn params(d: usize) -> KernelParams {
    KernelParams {
        inverse_squared_lengthscales: (0..d).map(|k| 0.5 + k as f64 * 0.7).collect(),
        kernel_scale: 1.3,
        noise_var: 0.05,
    }
}

#[test]
fn matern_derivative_matches_finite_difference() {
    for r2 in [0.01, 0.3, 1.0, 4.0] {
        let h = 1e-6;
        let fd = (matern52(r2 + h).0 - matern52(r2 - h).0) / (2.0 * h);
        assert!((fd - matern52(r2).1).abs() < 1e-7, "r2={r2}");
    }
    assert_eq!(matern52(0.0).0, 1.0);
}

#[test]
fn mll_and_prior_gradients_match_finite_differences() {
    let cat = [false, true, false];
    let (inp, y) = data(15, 3, 1, &cat);
    let p = params(3);
    let (_, g) = log_marginal_likelihood(&inp, &y, &p).unwrap();
    let (_, gp) = log_prior(&p);
    let h = 1e-6;
    for k in 0..5 {
        let bump = |s: f64| {
            let mut q = p.clone();
            match k {
                0..=2 => q.inverse_squared_lengthscales[k] += s,
                3 => q.kernel_scale += s,
                _ => q.noise_var += s,
            }
            (
                log_marginal_likelihood(&inp, &y, &q).unwrap().0,
                log_prior(&q).0,
            )
        };
        let (a, b) = (bump(h), bump(-h));
        let fd = (a.0 - b.0) / (2.0 * h);
        let fdp = (a.1 - b.1) / (2.0 * h);
        assert!(
            (fd - g[k]).abs() < 1e-5 * (1.0 + fd.abs()),
            "mll k={k}: {fd} vs {}",
            g[k]
        );
        assert!(
            (fdp - gp[k]).abs() < 1e-5 * (1.0 + fdp.abs()),
            "prior k={k}"
        );
    }
}

#[test]
fn map_loss_gradient_in_raw_space() {
    let (inp, y) = data(12, 2, 2, &[false, false]);
    let noise = NoiseModel {
        minimum_noise: 1e-6,
        deterministic: false,
    };
    let raw = vec![0.1, -0.3, 0.2, -2.0];
    let mut g = vec![0.0; 4];
    map_loss(&inp, &y, &raw, &noise, &mut g).unwrap();
    let mut tmp = vec![0.0; 4];
    for k in 0..4 {
        let mut a = raw.clone();
        a[k] += 1e-6;
        let mut b = raw.clone();
        b[k] -= 1e-6;
        let fd = (map_loss(&inp, &y, &a, &noise, &mut tmp).unwrap()
            - map_loss(&inp, &y, &b, &noise, &mut tmp).unwrap())
            / 2e-6;
        assert!(
            (fd - g[k]).abs() < 1e-5 * (1.0 + fd.abs()),
            "k={k}: {fd} vs {}",
            g[k]
        );
    }
}

fn rosenbrock(x: &[f64], g: &mut [f64]) -> super::CoreResult<f64> {
    let n = x.len();
    let mut f = 0.0;
    g.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..n - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    Ok(f)
}

#[test]
fn lbfgsb_solves_rosenbrock_unbounded_and_bounded() {
    let opts = Options::default();
    let out = minimize(rosenbrock, &[-1.2, 1.0, -0.5, 0.7, 1.5], None, &opts).unwrap();
    assert!(out.f < 1e-8, "{out:?}");
    for v in &out.x {
        assert!((v - 1.0).abs() < 1e-3);
    }
    // With the optimum cut off: the constrained optimum of 2-D Rosenbrock on
    // x0 <= 0.5 is (0.5, 0.25), where the bound is active (scipy gives the same).
    let out = minimize(
        rosenbrock,
        &[-1.0, 2.0],
        Some(&[(-2.0, 0.5), (-2.0, 2.0)]),
        &opts,
    )
    .unwrap();
    assert!(
        (out.x[0] - 0.5).abs() < 1e-6 && (out.x[1] - 0.25).abs() < 1e-4,
        "{out:?}"
    );
    assert!(out.f <= 0.25 + 1e-8);
}

#[test]
fn lbfgsb_quadratic_with_active_bounds_and_start_outside() {
    // min sum (x_i - c_i)^2 on [0, 1]^4 with c outside on two coordinates.
    let c = [-1.0, 0.3, 2.0, 0.7];
    let fg = |x: &[f64], g: &mut [f64]| -> super::CoreResult<f64> {
        let mut f = 0.0;
        for i in 0..4 {
            f += (x[i] - c[i]).powi(2);
            g[i] = 2.0 * (x[i] - c[i]);
        }
        Ok(f)
    };
    let out = minimize(
        fg,
        &[5.0, -3.0, 0.5, 0.5],
        Some(&[(0.0, 1.0); 4]),
        &Options::default(),
    )
    .unwrap();
    let want = [0.0, 0.3, 1.0, 0.7];
    for i in 0..4 {
        assert!((out.x[i] - want[i]).abs() < 1e-6, "{out:?}");
    }
    assert_eq!(out.status, Status::GradientTolerance);
}

#[test]
fn standard_logei_is_continuous_and_accurate_across_branches() {
    let (a, ga) = standard_logei(-25.0 + 1e-9);
    let (b, gb) = standard_logei(-25.0 - 1e-9);
    assert!((a - b).abs() < 1e-6, "{a} {b}");
    assert!((ga - gb).abs() < 1e-4 * ga.abs());
    // EI(0) = 1/sqrt(2 pi).
    assert!((standard_logei(0.0).0 - (-0.918_938_533_204_672_8)).abs() < 1e-14);
    // Very negative z stays finite.
    let (v, g) = standard_logei(-1e4);
    assert!(v.is_finite() && g.is_finite() && v < -4e7);
    for z in [-30.0, -5.0, 0.5, 3.0] {
        let h = 1e-6;
        let fd = (standard_logei(z + h).0 - standard_logei(z - h).0) / (2.0 * h);
        assert!(
            (fd - standard_logei(z).1).abs() < 1e-5 * (1.0 + fd.abs()),
            "z={z}"
        );
    }
}

fn fd_check(acqf: &Acqf, x: &[f64], skip: &[usize]) {
    let d = x.len();
    let mut g = vec![0.0; d];
    acqf.eval(x, Some(&mut g));
    for k in 0..d {
        if skip.contains(&k) {
            continue;
        }
        let h = 1e-6;
        let mut a = x.to_vec();
        a[k] += h;
        let mut b = x.to_vec();
        b[k] -= h;
        let fd = (acqf.eval(&a, None) - acqf.eval(&b, None)) / (2.0 * h);
        assert!(
            (fd - g[k]).abs() < 1e-4 * (1.0 + fd.abs()),
            "k={k}: fd {fd} vs {}",
            g[k]
        );
    }
    let batch = acqf.eval_batch(x, 1)[0];
    assert!((batch - acqf.eval(x, None)).abs() < 1e-9 * (1.0 + batch.abs()));
}

#[test]
fn acquisition_gradients_match_finite_differences() {
    let cat = [false, false, true];
    let (inp, y) = data(20, 3, 3, &cat);
    let m = Arc::new(GpModel::new(inp.clone(), &y, params(3)).unwrap());
    let yc: Vec<f64> = y.iter().map(|v| -v * 0.5 + 0.1).collect();
    let c = Arc::new(GpModel::new(inp.clone(), &yc, params(3)).unwrap());
    let x = [0.31, 0.77, 1.0];
    let ls = m.lengthscales();
    let ei = Acqf::new(
        vec![Term::LogEi {
            model: m.clone(),
            threshold: 1.2,
        }],
        1e-12,
        3,
        ls.clone(),
    )
    .unwrap();
    fd_check(&ei, &x, &[2]);
    let cei = Acqf::new(
        vec![
            Term::LogEi {
                model: m.clone(),
                threshold: 0.8,
            },
            Term::LogPi {
                model: c.clone(),
                threshold: 0.3,
            },
        ],
        1e-12,
        3,
        ls.clone(),
    )
    .unwrap();
    fd_check(&cei, &x, &[2]);
    let samples = qmc::normal(32, 2, 7);
    let ehvi = Acqf::new(
        vec![Term::LogEhvi {
            models: vec![m.clone(), c.clone()],
            lower: vec![-1.0, 0.5, 0.2, -0.4],
            intervals: vec![1.2, 10.0, 10.0, 0.9],
            samples,
        }],
        1e-12,
        3,
        ls.clone(),
    )
    .unwrap();
    fd_check(&ehvi, &x, &[2]);
    let run = vec![0.2, 0.5, 1.0, 0.9, 0.1, 0.0];
    let s = qmc::normal(64, 3, 11);
    let cond = ConditionalGp::new(m.clone(), run, &s, 64, 1e-12).unwrap();
    let q = Acqf::new(
        vec![Term::QLogEi {
            cond: Box::new(cond),
            threshold: 0.5,
        }],
        1e-12,
        3,
        ls,
    )
    .unwrap();
    fd_check(&q, &x, &[2]);
}

#[test]
fn fit_improves_the_map_objective_and_warm_start_agrees() {
    let (inp, y) = data(30, 2, 5, &[false, false]);
    let opts = FitOptions {
        noise: NoiseModel {
            minimum_noise: 1e-6,
            deterministic: false,
        },
        gtol: 1e-2,
    };
    let (m, ok) = fit(&inp, &y, None, &opts).unwrap();
    assert!(ok);
    let mut g = vec![0.0; 4];
    let fitted = map_loss(
        &inp,
        &y,
        &opts.noise.raw_from_params(m.params()),
        &opts.noise,
        &mut g,
    )
    .unwrap();
    let start = map_loss(
        &inp,
        &y,
        &opts.noise.raw_from_params(&KernelParams::ones(2)),
        &opts.noise,
        &mut g,
    )
    .unwrap();
    assert!(fitted < start - 1.0, "{fitted} vs {start}");
    let (m2, _) = fit(&inp, &y, Some(m.params()), &opts).unwrap();
    let again = map_loss(
        &inp,
        &y,
        &opts.noise.raw_from_params(m2.params()),
        &opts.noise,
        &mut g,
    )
    .unwrap();
    assert!(again <= fitted + 1e-3);
    let det = FitOptions {
        noise: NoiseModel {
            minimum_noise: 1e-6,
            deterministic: true,
        },
        gtol: 1e-2,
    };
    let (m3, _) = fit(&inp, &y, None, &det).unwrap();
    assert_eq!(m3.params().noise_var, 1e-6);
}

#[test]
fn optimizer_finds_the_maximum_of_a_known_posterior() {
    // Data from a function peaked at x = 0.7 in dim 0; int-like grid in dim 1; a categorical.
    let n = 25;
    let mut rng = Pcg64::seed_from_u64(9);
    let grid: Vec<f64> = (0..40).map(|i| (i as f64 + 0.5) / 40.0).collect();
    let mut x = Vec::new();
    let mut y = Vec::new();
    for _ in 0..n {
        let a: f64 = rng.random();
        let b = grid[rng.random_range(0..40)];
        let c = rng.random_range(0..3) as f64;
        x.extend_from_slice(&[a, b, c]);
        y.push(
            -(a - 0.7).powi(2) * 10.0 - (b - 0.3).powi(2) * 5.0 + if c == 1.0 { 0.5 } else { 0.0 },
        );
    }
    let inp = Inputs::new(x, n, 3, vec![false, false, true]).unwrap();
    let opts = FitOptions {
        noise: NoiseModel {
            minimum_noise: 1e-6,
            deterministic: true,
        },
        gtol: 1e-2,
    };
    let (m, _) = fit(&inp, &y, None, &opts).unwrap();
    let m = Arc::new(m);
    // Threshold far above the data: logEI then favours the posterior mean's peak region.
    let acqf = Acqf::new(
        vec![Term::LogEi {
            model: m.clone(),
            threshold: 0.6,
        }],
        1e-12,
        3,
        m.lengthscales(),
    )
    .unwrap();
    let dims = [
        Dim::Continuous,
        Dim::Grid(grid.clone()),
        Dim::Categorical(3),
    ];
    let run = || {
        let opts = OptimOptions {
            seed: 3,
            ..Default::default()
        };
        optimize_acqf_mixed(&acqf, &dims, &[], &opts).unwrap()
    };
    let (best, f) = run();
    // At least as good as a dense brute-force scan of the space.
    let mut pts = Vec::new();
    for i in 0..=200 {
        for b in &grid {
            for c in 0..3 {
                pts.extend_from_slice(&[i as f64 / 200.0, *b, c as f64]);
            }
        }
    }
    let scan = acqf
        .eval_batch(&pts, pts.len() / 3)
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(f >= scan - 1e-6, "{f} < {scan} at {best:?}");
    assert!(grid.contains(&best[1]));
    // Same seed, same answer.
    let (again, _) = run();
    assert_eq!(best, again);
}

#[test]
fn qmc_points_cover_the_cube() {
    let u = qmc::uniform(1024, 3, 1);
    assert!(u.iter().all(|v| (0.0..1.0).contains(v)));
    let mean: f64 = u.iter().sum::<f64>() / u.len() as f64;
    assert!((mean - 0.5).abs() < 0.01);
    assert_ne!(qmc::uniform(4, 2, 1), qmc::uniform(4, 2, 2));
}

/// The likelihood on cached pair differences against the textbook formula on the dense
/// kernel matrix (`-1/2 log|C| - 1/2 y^T C^-1 y` from an independent Cholesky).
#[test]
fn cached_likelihood_matches_the_dense_formula() {
    use super::kernel::train_kernel;
    use super::likelihood::cholesky;
    let cat = [false, true, false, false];
    let (inp, y) = data(40, 4, 7, &cat);
    let p = params(4);
    let (value, _) = log_marginal_likelihood(&inp, &y, &p).unwrap();
    let n = inp.n;
    let mut c = train_kernel(&inp, &p);
    for i in 0..n {
        c[i * n + i] += p.noise_var;
    }
    let llt = cholesky(&c, n).unwrap();
    let l = llt.L();
    // Forward substitution z = L^-1 y, so that y^T C^-1 y = |z|^2.
    let mut z = y.clone();
    for i in 0..n {
        for j in 0..i {
            z[i] -= l[(i, j)] * z[j];
        }
        z[i] /= l[(i, i)];
    }
    let expected =
        -(0..n).map(|i| l[(i, i)].ln()).sum::<f64>() - 0.5 * z.iter().map(|v| v * v).sum::<f64>();
    assert!((value - expected).abs() < 1e-9 * expected.abs().max(1.0));
}

/// The batched posterior (matrix-product distances, one triangular solve) agrees with the
/// per-point posterior (direct distances, `C^-1`), categorical dimensions included.
#[test]
fn batched_posterior_matches_the_pointwise_one() {
    let cat = [false, true, false];
    let (inp, y) = data(30, 3, 3, &cat);
    let model = GpModel::new(inp.clone(), &y, params(3)).unwrap();
    let mut rng = Pcg64::seed_from_u64(9);
    let m = 300;
    let mut xs = vec![0.0; m * 3];
    for j in 0..m {
        xs[j * 3] = rng.random::<f64>();
        xs[j * 3 + 1] = rng.random_range(0..3) as f64;
        xs[j * 3 + 2] = rng.random::<f64>();
    }
    // A training point itself: the variance is near the noise floor there.
    xs[..3].copy_from_slice(inp.row(4));
    let (means, vars) = model.posterior_batch(&xs, m);
    for j in 0..m {
        let (mean, var) = model.posterior_grad(&xs[j * 3..(j + 1) * 3], None);
        assert!(
            (means[j] - mean).abs() < 1e-9,
            "mean {j}: {} vs {mean}",
            means[j]
        );
        assert!(
            (vars[j] - var).abs() < 1e-9,
            "var {j}: {} vs {var}",
            vars[j]
        );
    }
}

/// Warm-starting a fit on one more point with the previous fit's curvature pairs reaches
/// the MAP loss of the fit started without them. Pairs of the wrong dimension are ignored.
#[test]
fn fit_with_carried_curvature_reaches_the_same_optimum() {
    use super::fit::fit_warm;
    let (inp, y) = data(41, 3, 11, &[false, false, false]);
    let opts = FitOptions {
        noise: NoiseModel {
            minimum_noise: 1e-6,
            deterministic: false,
        },
        gtol: 1e-2,
    };
    let head = Inputs::new(inp.x[..40 * 3].to_vec(), 40, 3, vec![false; 3]).unwrap();
    let first = fit_warm(&head, &y[..40], None, &[], &opts).unwrap();
    assert!(first.ok && !first.curvature.is_empty());
    assert!(first
        .curvature
        .iter()
        .all(|(s, g)| s.len() == 5 && g.len() == 5));
    let p = first.model.params().clone();
    let with = fit_warm(&inp, &y, Some(&p), &first.curvature, &opts).unwrap();
    let without = fit_warm(&inp, &y, Some(&p), &[], &opts).unwrap();
    let bad = vec![(vec![1.0; 2], vec![1.0; 2])];
    let ignored = fit_warm(&inp, &y, Some(&p), &bad, &opts).unwrap();
    assert_eq!(ignored.model.params(), without.model.params());
    let mut g = vec![0.0; 5];
    let loss = |m: &GpModel, g: &mut [f64]| {
        map_loss(
            &inp,
            &y,
            &opts.noise.raw_from_params(m.params()),
            &opts.noise,
            g,
        )
        .unwrap()
    };
    let lw = loss(&with.model, &mut g);
    let lo = loss(&without.model, &mut g);
    assert!((lw - lo).abs() < 1e-3 * lo.abs().max(1.0), "{lw} vs {lo}");
}
