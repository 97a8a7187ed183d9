//! A small, serialisable random generator (xoshiro256++ seeded by splitmix64).
//!
//! The optimizer state must round-trip through bytes, including the generator,
//! so the generator is a plain 4-word state rather than an opaque `rand` type.

/// Bound of the rejection loop of [`Rng::normal`] (probability of reaching it with a
/// sound generator: (1 - pi/4)^1000, about 1e-668).
const MAX_REJECTIONS: usize = 1000;

/// xoshiro256++ (Blackman & Vigna, 2019) with a Marsaglia polar normal sampler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let s = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Self { s }
    }

    /// Rebuild from a saved state (see [`Rng::state`]).
    pub fn from_state(s: [u64; 4]) -> Self {
        if s == [0; 4] {
            // The all-zero state is a fixed point of xoshiro; never produce it.
            return Self::new(0);
        }
        Self { s }
    }

    /// The raw 4-word state.
    pub fn state(&self) -> [u64; 4] {
        self.s
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[0]
            .wrapping_add(self.s[3])
            .rotate_left(23)
            .wrapping_add(self.s[0]);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform draw in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal draw (Marsaglia polar method, one value per accepted pair).
    ///
    /// A pair is accepted with probability pi/4, so the rejection loop ends after a few
    /// rounds; it is still bounded (after `MAX_REJECTIONS` rounds, which a sound
    /// generator never reaches, the draw is 0, the mean) so that no state can hang it.
    pub fn normal(&mut self) -> f64 {
        polar_normal(|| self.uniform())
    }
}

/// The Marsaglia polar rejection loop over a source of uniform draws in `[0, 1)`, bounded
/// by `MAX_REJECTIONS` rounds (then 0, the mean).
fn polar_normal(mut uniform: impl FnMut() -> f64) -> f64 {
    for _ in 0..MAX_REJECTIONS {
        let u = 2.0 * uniform() - 1.0;
        let v = 2.0 * uniform() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * (-2.0 * s.ln() / s).sqrt();
        }
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_state_round_trip() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut c = Rng::from_state(a.state());
        assert_eq!(a.normal(), c.normal());
        assert_ne!(Rng::new(8).next_u64(), Rng::new(7).next_u64());
    }

    #[test]
    fn rejection_loop_is_bounded() {
        // A degenerate source whose pairs are never inside the unit circle (u = v = -1):
        // the loop gives up after MAX_REJECTIONS rounds with the mean instead of spinning.
        let mut draws = 0usize;
        let x = polar_normal(|| {
            draws += 1;
            0.0
        });
        assert_eq!(x, 0.0);
        assert_eq!(draws, 2 * MAX_REJECTIONS);
        // A source that is accepted at once gives the polar transform of its first pair.
        let mut pair = [0.75, 0.5].into_iter();
        let y = polar_normal(|| pair.next().unwrap());
        let s: f64 = 0.25;
        assert!((y - 0.5 * (-2.0 * s.ln() / s).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn normal_moments() {
        let mut r = Rng::new(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01, "{m}");
        assert!((v - 1.0).abs() < 0.02, "{v}");
    }
}
