//! Timing of the symmetric eigendecomposition behind CMA-ES at large dimension: faer's
//! own decomposition against the split one (`src/cmaes/split_eig/`), interleaved, then the
//! split one per phase. Medians over repeated runs on one random SPD matrix.
//!
//! Run (release build; `SPLIT_EIG_DIM` sets the dimension, default 200):
//!
//! ```text
//! cargo bench -p ferrotune-core --bench split_eig
//! SPLIT_EIG_DIM=400 cargo bench -p ferrotune-core --bench split_eig
//! ```
//!
//! A plain binary (`harness = false` in Cargo.toml), so no benchmarking dependency.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ferrotune_core::cmaes::split_eig_bench::{
    phase_times, random_spd, split_sym_eig, sym_eig_faer,
};

fn main() {
    let n = std::env::var("SPLIT_EIG_DIM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let c = random_spd(n, 5, 3.0);

    let (mut faer, mut split) = (vec![], vec![]);
    for _ in 0..60 {
        let t0 = Instant::now();
        black_box(sym_eig_faer(&c, n).expect("finite input"));
        let t1 = Instant::now();
        black_box(split_sym_eig(&c, n).expect("finite input"));
        faer.push(t1 - t0);
        split.push(t1.elapsed());
    }
    println!(
        "d={n}: faer {:.3} ms, split {:.3} ms (medians of 60, interleaved)",
        median_ms(&mut faer),
        median_ms(&mut split)
    );

    let (mut reduce, mut divide, mut back) = (vec![], vec![], vec![]);
    for _ in 0..100 {
        let [r, d, b] = phase_times(&c, n);
        reduce.push(r);
        divide.push(d);
        back.push(b);
    }
    println!(
        "d={n}: tridiagonal reduction {:.3} ms, divide and conquer {:.3} ms, \
         back-transform {:.3} ms (medians of 100)",
        median_ms(&mut reduce),
        median_ms(&mut divide),
        median_ms(&mut back)
    );
}

fn median_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}
