use super::*;

/// A small deterministic generator.
fn lcg(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

fn random_points(n: usize, m: usize, seed: u64, grid: Option<f64>) -> Vec<f64> {
    let mut s = seed;
    (0..n * m)
        .map(|_| {
            let v = lcg(&mut s);
            grid.map_or(v, |g| (v * g).floor())
        })
        .collect()
}

/// Reference ranks: peel fronts by pairwise dominance.
fn brute_ranks(points: &[f64], m: usize) -> Vec<usize> {
    let n = points.len() / m;
    let row = |i: usize| &points[i * m..(i + 1) * m];
    let mut rank = vec![usize::MAX; n];
    let mut r = 0;
    while rank.contains(&usize::MAX) {
        let front: Vec<usize> = (0..n)
            .filter(|&i| rank[i] == usize::MAX)
            .filter(|&i| !(0..n).any(|j| rank[j] == usize::MAX && dominates(row(j), row(i))))
            .collect();
        for i in front {
            rank[i] = r;
        }
        r += 1;
    }
    rank
}

/// Reference hypervolume: inclusion-exclusion over all subsets (small n only).
fn brute_hv(points: &[f64], m: usize, reference: &[f64]) -> f64 {
    let n = points.len() / m;
    let mut total = 0.0;
    for mask in 1u32..(1 << n) {
        let mut corner = vec![f64::NEG_INFINITY; m];
        for i in 0..n {
            if mask >> i & 1 == 1 {
                for j in 0..m {
                    corner[j] = corner[j].max(points[i * m + j]);
                }
            }
        }
        let vol: f64 = corner
            .iter()
            .zip(reference)
            .map(|(c, r)| (r - c).max(0.0))
            .product();
        total += if mask.count_ones() % 2 == 1 {
            vol
        } else {
            -vol
        };
    }
    total
}

#[test]
fn ranks_of_simple_fronts() {
    let pts = [1.0, 4.0, 2.0, 2.0, 4.0, 1.0, 3.0, 3.0, 5.0, 5.0, 2.0, 2.0];
    let r = nondomination_rank(&pts, 2, 0).unwrap();
    assert_eq!(r, vec![0, 0, 0, 1, 2, 0]);
    let r = nondomination_rank(&pts, 2, 3).unwrap();
    assert_eq!(&r[..4], &[0, 0, 0, 1]);
    assert!(r[4] >= 1);
    // One objective: index among the sorted unique values; -0.0 equals 0.0.
    let r = nondomination_rank(&[3.0, -0.0, 0.0, 1.0], 1, 1).unwrap();
    assert_eq!(r, vec![2, 0, 0, 1]);
}

#[test]
fn ranks_match_brute_force() {
    for (m, grid) in [(2, Some(6.0)), (2, None), (3, Some(4.0)), (4, None)] {
        for seed in 0..20 {
            let pts = random_points(60, m, seed, grid);
            let want = brute_ranks(&pts, m);
            assert_eq!(nondomination_rank(&pts, m, 0).unwrap(), want, "m={m}");
            // With n_below, ranks up to the front reaching n_below are exact, the rest worse.
            let got = nondomination_rank(&pts, m, 10).unwrap();
            let mut counted = 0;
            let mut last = 0;
            while counted < 10 {
                counted += want.iter().filter(|&&r| r == last).count();
                last += 1;
            }
            for (g, w) in got.iter().zip(&want) {
                if *w < last {
                    assert_eq!(g, w);
                } else {
                    assert!(*g >= last);
                }
            }
        }
    }
}

#[test]
fn hypervolume_small_cases() {
    let hv = hypervolume(&[1.0, 2.0, 2.0, 1.0], 2, &[3.0, 3.0]).unwrap();
    assert!((hv - 3.0).abs() < 1e-12);
    // Three unit-thick slabs at the corners of [0,2]^3: 3*2 - 3*1 + 1 = 4.
    let hv = hypervolume(&[0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0], 3, &[2.0; 3]).unwrap();
    assert!((hv - 4.0).abs() < 1e-12, "{hv}");
    let hv4 = hypervolume(&[0.5; 4], 4, &[1.0; 4]).unwrap();
    assert!((hv4 - 0.0625).abs() < 1e-12);
    assert_eq!(hypervolume(&[], 3, &[1.0; 3]).unwrap(), 0.0);
    assert_eq!(
        hypervolume(&[0.0; 3], 3, &[1.0, f64::INFINITY, 1.0]).unwrap(),
        f64::INFINITY
    );
    // Points outside the reference add nothing.
    assert_eq!(hypervolume(&[2.0, 0.0], 2, &[1.0, 1.0]).unwrap(), 0.0);
}

#[test]
fn hypervolume_matches_inclusion_exclusion() {
    for m in 2..=5 {
        for (seed, grid) in [(1, None), (2, Some(5.0)), (3, None), (4, Some(3.0))] {
            let pts = random_points(12, m, seed * 31 + m as u64, grid);
            let reference = vec![if grid.is_some() { 6.0 } else { 1.1 }; m];
            let want = brute_hv(&pts, m, &reference);
            let got = hypervolume(&pts, m, &reference).unwrap();
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "m={m} {got} {want}"
            );
        }
    }
}

#[test]
fn hypervolume_3d_sweep_matches_wfg_on_many_points() {
    let pts = random_points(400, 3, 7, None);
    let reference = [1.0; 3];
    let fast = hypervolume(&pts, 3, &reference).unwrap();
    // The same volume as a 4-D one with a flat fourth objective (WFG path).
    let pts4: Vec<f64> = pts
        .chunks(3)
        .flat_map(|p| [p[0], p[1], p[2], 0.0])
        .collect();
    let wfg = hypervolume(&pts4, 4, &[1.0; 4]).unwrap();
    assert!((fast - wfg).abs() < 1e-12, "{fast} {wfg}");
}

#[test]
fn greedy_hssp_prefers_spread() {
    let pts = [0.0, 10.0, 1.0, 9.0, 5.0, 5.0, 9.0, 1.0, 10.0, 0.0];
    let s = hssp_greedy(&pts, 2, 2, &[11.0, 11.0]).unwrap();
    assert_eq!(s[0], 2); // (5, 5) has the largest box.
    assert_eq!(hssp_greedy(&pts, 2, 5, &[11.0, 11.0]).unwrap().len(), 5);
    assert!(hssp_greedy(&pts, 2, 6, &[11.0, 11.0]).is_err());
    assert_eq!(
        hssp_greedy(&pts, 2, 2, &[f64::INFINITY, 1.0]).unwrap(),
        vec![0, 1]
    );
}

/// Plain greedy: recompute every candidate's contribution from scratch.
fn brute_greedy(points: &[f64], m: usize, k: usize, reference: &[f64]) -> Vec<usize> {
    let n = points.len() / m;
    let mut selected: Vec<usize> = Vec::new();
    for _ in 0..k {
        let base: Vec<f64> = selected
            .iter()
            .flat_map(|&s| points[s * m..(s + 1) * m].to_vec())
            .collect();
        let hv0 = hypervolume(&base, m, reference).unwrap();
        let mut best = (f64::NEG_INFINITY, 0);
        for i in (0..n).filter(|i| !selected.contains(i)) {
            let mut with = base.clone();
            with.extend_from_slice(&points[i * m..(i + 1) * m]);
            let c = hypervolume(&with, m, reference).unwrap() - hv0;
            if c > best.0 + 1e-12 {
                best = (c, i);
            }
        }
        selected.push(best.1);
    }
    selected
}

#[test]
fn greedy_hssp_matches_plain_greedy() {
    for m in 2..=4 {
        for seed in 0..10 {
            // One front: points on the simplex-like surface sum(x) = 1 (no dominance).
            let raw = random_points(30, m, seed + 100 * m as u64, None);
            let mut pts: Vec<f64> = raw
                .chunks(m)
                .flat_map(|p| {
                    let s: f64 = p.iter().sum();
                    p.iter().map(move |v| v / s).collect::<Vec<_>>()
                })
                .collect();
            // Lexicographic order, as MOTPE passes a front.
            let mut rows: Vec<Vec<f64>> = pts.chunks(m).map(|c| c.to_vec()).collect();
            rows.sort_by(|a, b| lex_cmp(a, b));
            pts = rows.concat();
            let reference = reference_point(&pts, m).unwrap();
            let got = hssp_greedy(&pts, m, 8, &reference).unwrap();
            assert_eq!(
                got,
                brute_greedy(&pts, m, 8, &reference),
                "m={m} seed={seed}"
            );
        }
    }
}

#[test]
fn reference_point_pushes_outwards() {
    let r = reference_point(&[1.0, -2.0, 0.0, 2.0, -1.0, 0.0], 3).unwrap();
    assert_eq!(r, vec![1.1 * 2.0, -0.9, EPS]);
}

#[test]
fn solve_hssp_fills_with_duplicates() {
    // Three copies of one point and one other: 3 picks = both unique + first duplicate.
    let pts = [1.0, 2.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0];
    assert_eq!(solve_hssp(&pts, 2, 3, &[3.0, 3.0]).unwrap(), vec![0, 1, 2]);
    // Enough unique points: the greedy on the unique ones, first occurrences.
    let pts = [1.0, 2.0, 1.0, 2.0, 2.0, 1.0];
    assert_eq!(solve_hssp(&pts, 2, 2, &[3.0, 3.0]).unwrap(), vec![0, 2]);
}

#[test]
fn select_below_takes_whole_fronts_then_hssp() {
    // Front 0: (0,3) (3,0); front 1: (1,4) (2.5,2.5) (4,1) (4.5, 0.5)... check sizes.
    let pts = [0.0, 3.0, 3.0, 0.0, 1.0, 4.0, 2.5, 2.5, 4.0, 1.0, 5.0, 5.0];
    assert_eq!(select_below(&pts, 2, 2).unwrap(), vec![0, 1]);
    // One more from front 1: (2.5, 2.5) has the largest box w.r.t. 1.1 x worst.
    assert_eq!(select_below(&pts, 2, 3).unwrap(), vec![0, 1, 3]);
    assert_eq!(select_below(&pts, 2, 0).unwrap(), Vec::<usize>::new());
    assert_eq!(
        select_below(&pts, 2, 9).unwrap(),
        (0..6).collect::<Vec<_>>()
    );
}
