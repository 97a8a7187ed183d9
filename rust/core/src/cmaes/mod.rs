//! CMA-ES family with ask/tell, restarts and a byte-serialisable state.
//!
//! * [`Cma`]: full-covariance CMA-ES (Hansen's tutorial, arXiv:1604.00772),
//!   optionally with learning-rate adaptation (LRA-CMA-ES, arXiv:2304.03473);
//! * [`SepCma`]: separable CMA-ES;
//! * [`CmaWm`]: CMA-ES with margin for discrete coordinates (arXiv:2205.13482);
//! * [`warm_start_mgd`]: WS-CMA-ES initial distribution (arXiv:2012.06932);
//! * [`CmaEs`]: one of the above plus IPOP (Auger & Hansen 2005) / BIPOP
//!   (Hansen 2009) restarts, the unit that the sampler stores between trials.
//!
//! The numerical behaviour mirrors the `cmaes` Python package so that both
//! agree on one update given the same solutions.

// Index loops mirror the equations; `!(a < b)` deliberately also rejects NaN.
#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

mod cma;
mod codec;
mod linalg;
mod lra;
mod margin;
mod rng;
mod sep;
mod split_eig;
mod warm;

pub use cma::{default_popsize, Cma, Start, MAX_POPSIZE};
pub use margin::CmaWm;
pub use rng::Rng;
pub use sep::SepCma;
pub use warm::warm_start_mgd;

/// Internals timed by `rust/core/benches/split_eig.rs`; not part of the API.
#[doc(hidden)]
pub use split_eig::bench as split_eig_bench;

use crate::error::{CoreError, CoreResult};
use codec::{Reader, Writer};
use std::fmt;
use std::str::FromStr;

/// Per-coordinate `[low, high]` box.
pub type Bounds = Vec<[f64; 2]>;

pub(crate) const EPS: f64 = 1e-8;
pub(crate) const MEAN_MAX: f64 = 1e32;
pub(crate) const SIGMA_MAX: f64 = 1e32;

const MAGIC: &[u8] = b"FTCMAES1";

pub(crate) fn check_bounds(bounds: Option<&Bounds>, mean: &[f64]) -> CoreResult<()> {
    if let Some(b) = bounds {
        if b.len() != mean.len() {
            return Err(CoreError::ShapeMismatch(format!(
                "bounds has {} rows, mean has {} elements",
                b.len(),
                mean.len()
            )));
        }
        for (i, ([lo, hi], m)) in b.iter().zip(mean).enumerate() {
            if !(lo <= hi) {
                return Err(CoreError::InvalidArgument(format!(
                    "bounds[{i}] = [{lo}, {hi}] has low > high"
                )));
            }
            if !(lo <= m && m <= hi) {
                return Err(CoreError::InvalidArgument(format!(
                    "mean[{i}] = {m} is outside its bounds [{lo}, {hi}]"
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn check_finite_solutions(
    xs: &[f64],
    values: &[f64],
    lambda: usize,
    n: usize,
) -> CoreResult<()> {
    if values.len() != lambda || xs.len() != lambda * n {
        return Err(CoreError::ShapeMismatch(format!(
            "must tell popsize = {lambda} solutions of dimension {n}, got {} values and {} coordinates",
            values.len(),
            xs.len()
        )));
    }
    if xs.iter().any(|x| !(x.abs() < MEAN_MAX)) {
        return Err(CoreError::InvalidArgument(format!(
            "solutions must be finite with absolute values below {MEAN_MAX}"
        )));
    }
    if values.iter().any(|v| v.is_nan()) {
        return Err(CoreError::InvalidArgument(
            "objective values must not be NaN".into(),
        ));
    }
    Ok(())
}

/// Indices sorting `values` ascending, stable (like Python's `list.sort`).
pub(crate) fn sort_by_value(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    order
}

/// Which CMA-ES variant drives a [`CmaEs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Full,
    Separable,
    Margin,
}

/// Restart strategy after a run meets its termination criteria.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    None,
    /// Increasing population (Auger & Hansen, CEC 2005).
    Ipop,
    /// Alternating large / small populations (Hansen, GECCO 2009 workshop).
    Bipop,
}

impl Variant {
    /// Every variant, in the order error messages list them.
    pub const ALL: [Self; 3] = [Self::Full, Self::Separable, Self::Margin];

    /// The name the Python API uses: "cma", "sepcma" or "cmawm".
    pub fn name(self) -> &'static str {
        match self {
            Self::Full => "cma",
            Self::Separable => "sepcma",
            Self::Margin => "cmawm",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = CoreError;

    fn from_str(name: &str) -> CoreResult<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.name() == name)
            .ok_or_else(|| {
                CoreError::InvalidArgument(format!(
                    "variant must be 'cma', 'sepcma' or 'cmawm', got {name:?}"
                ))
            })
    }
}

impl Restart {
    /// The name the Python API uses: "none", "ipop" or "bipop".
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ipop => "ipop",
            Self::Bipop => "bipop",
        }
    }
}

impl fmt::Display for Restart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Restart {
    type Err = CoreError;

    /// Parses "ipop" or "bipop": no restarts is spelt by passing no strategy (`None` in
    /// Python), not by a name.
    fn from_str(name: &str) -> CoreResult<Self> {
        [Self::Ipop, Self::Bipop]
            .into_iter()
            .find(|r| r.name() == name)
            .ok_or_else(|| {
                CoreError::InvalidArgument(format!(
                    "restart_strategy must be None, 'ipop' or 'bipop', got {name:?}"
                ))
            })
    }
}

/// Everything needed to (re)start an engine.
#[derive(Clone, Debug)]
pub struct Settings {
    pub variant: Variant,
    pub lr_adapt: bool,
    pub bounds: Option<Bounds>,
    /// Grid spacing per coordinate for [`Variant::Margin`] (`<= 0`: continuous).
    pub steps: Option<Vec<f64>>,
    pub margin: Option<f64>,
    pub n_max_resampling: usize,
    pub restart: Restart,
    pub inc_popsize: usize,
    pub popsize: Option<usize>,
}

#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // one engine per run, never in collections
enum Engine {
    Full(Cma),
    Sep(SepCma),
    Margin(CmaWm),
}

/// A CMA-ES run with optional IPOP/BIPOP restarts; serialisable to bytes.
#[derive(Clone, Debug)]
pub struct CmaEs {
    settings: Settings,
    engine: Engine,
    sigma0: f64,
    x0: Vec<f64>,
    rng: Rng,
    popsize0: usize,
    popsize: usize,
    n_restarts: u64,
    n_restarts_with_large: u64,
    large: bool,
    small_n_eval: u64,
    large_n_eval: u64,
    generation: u64,
}

impl CmaEs {
    /// Start a run at `mean` with step size `sigma0` and optional covariance.
    pub fn new(
        settings: Settings,
        mean: &[f64],
        sigma0: f64,
        cov: Option<&[f64]>,
        seed: u64,
    ) -> CoreResult<Self> {
        if settings.restart != Restart::None && settings.inc_popsize < 1 {
            return Err(CoreError::InvalidArgument(format!(
                "inc_popsize must be >= 1, got {}",
                settings.inc_popsize
            )));
        }
        let mut rng = Rng::new(seed);
        let start = Start {
            cov,
            popsize: settings.popsize,
            ..Start::new(mean, sigma0, rng.next_u64())
        };
        let engine = Self::make_engine(&settings, start)?;
        let popsize = match &engine {
            Engine::Full(e) => e.popsize,
            Engine::Sep(e) => e.popsize,
            Engine::Margin(e) => e.cma.popsize,
        };
        Ok(Self {
            settings,
            engine,
            sigma0,
            x0: mean.to_vec(),
            rng,
            popsize0: popsize,
            popsize,
            n_restarts: 0,
            n_restarts_with_large: 0,
            large: false,
            small_n_eval: 0,
            large_n_eval: 0,
            generation: 0,
        })
    }

    fn make_engine(s: &Settings, start: Start<'_>) -> CoreResult<Engine> {
        let Start {
            mean,
            sigma,
            popsize,
            seed,
            ..
        } = start;
        Ok(match s.variant {
            Variant::Full => Engine::Full(Cma::new(
                start,
                s.bounds.clone(),
                s.n_max_resampling,
                s.lr_adapt,
            )?),
            Variant::Separable => Engine::Sep(SepCma::new(
                mean,
                sigma,
                s.bounds.clone(),
                s.n_max_resampling,
                seed,
                popsize,
            )?),
            Variant::Margin => {
                let bounds = s.bounds.clone().ok_or_else(|| {
                    CoreError::InvalidArgument("CMA-ES with margin needs bounds".into())
                })?;
                let steps = s.steps.clone().unwrap_or_else(|| vec![0.0; mean.len()]);
                Engine::Margin(CmaWm::new(
                    start,
                    bounds,
                    &steps,
                    s.n_max_resampling,
                    s.margin,
                )?)
            }
        })
    }

    /// Number of coordinates.
    pub fn dim(&self) -> usize {
        self.x0.len()
    }
    /// Current population size (changes on IPOP/BIPOP restarts).
    pub fn popsize(&self) -> usize {
        self.popsize
    }
    /// Number of updates since the run started, across restarts (monotone).
    pub fn generation(&self) -> u64 {
        self.generation
    }
    /// Number of restarts so far.
    pub fn n_restarts(&self) -> u64 {
        self.n_restarts
    }
    /// Whether the current engine is in its first generation of a (re)start.
    pub fn local_generation(&self) -> u64 {
        match &self.engine {
            Engine::Full(e) => e.g,
            Engine::Sep(e) => e.g,
            Engine::Margin(e) => e.cma.g,
        }
    }
    /// Current mean.
    pub fn mean(&self) -> &[f64] {
        match &self.engine {
            Engine::Full(e) => &e.mean,
            Engine::Sep(e) => &e.mean,
            Engine::Margin(e) => &e.cma.mean,
        }
    }
    /// Current step size.
    pub fn sigma(&self) -> f64 {
        match &self.engine {
            Engine::Full(e) => e.sigma,
            Engine::Sep(e) => e.sigma,
            Engine::Margin(e) => e.cma.sigma,
        }
    }
    /// Covariance matrix `C` (row-major `n x n`; diagonal for separable).
    pub fn cov(&self) -> Vec<f64> {
        match &self.engine {
            Engine::Full(e) => e.c.clone(),
            Engine::Margin(e) => e.cma.c.clone(),
            Engine::Sep(e) => {
                let n = e.n;
                let mut c = vec![0.0; n * n];
                for i in 0..n {
                    c[i * n + i] = e.c[i];
                }
                c
            }
        }
    }
    /// Margin scaling `A` (ones unless the variant is [`Variant::Margin`]).
    pub fn margin_scale(&self) -> Vec<f64> {
        match &self.engine {
            Engine::Margin(e) => e.a.clone(),
            _ => vec![1.0; self.dim()],
        }
    }

    /// Re-seed the sampling generator (the sampler does this per trial).
    pub fn reseed(&mut self, seed: u64) {
        let r = Rng::new(seed);
        match &mut self.engine {
            Engine::Full(e) => e.rng = r,
            Engine::Sep(e) => e.rng = r,
            Engine::Margin(e) => e.cma.rng = r,
        }
    }

    /// One candidate: `(x to evaluate, x to tell)`; they differ only with margin.
    pub fn ask(&mut self) -> CoreResult<(Vec<f64>, Vec<f64>)> {
        match &mut self.engine {
            Engine::Full(e) => {
                let x = e.ask()?;
                Ok((x.clone(), x))
            }
            Engine::Sep(e) => {
                let x = e.ask();
                Ok((x.clone(), x))
            }
            Engine::Margin(e) => e.ask(),
        }
    }

    /// `k` candidates as row-major `k x dim` arrays `(x to evaluate, x to tell)`, the same
    /// as `k` calls of [`CmaEs::ask`] (full CMA-ES without bounds draws them in one product).
    pub fn ask_many(&mut self, k: usize) -> CoreResult<(Vec<f64>, Vec<f64>)> {
        if k.saturating_mul(self.dim()) > crate::tpe::MAX_CANDIDATE_VALUES {
            // Checked here because an allocation failure aborts the process (no error).
            return Err(CoreError::InvalidArgument(format!(
                "{k} candidates of dimension {} exceed the limit of {} values",
                self.dim(),
                crate::tpe::MAX_CANDIDATE_VALUES
            )));
        }
        if let Engine::Full(e) = &mut self.engine {
            let xs = e.ask_many(k)?;
            return Ok((xs.clone(), xs));
        }
        let d = self.dim();
        let mut xs = Vec::with_capacity(k * d);
        let mut raws = Vec::with_capacity(k * d);
        for _ in 0..k {
            let (x, raw) = self.ask()?;
            xs.extend(x);
            raws.extend(raw);
        }
        Ok((xs, raws))
    }

    /// Termination criteria of the current engine.
    pub fn should_stop(&mut self) -> CoreResult<bool> {
        match &mut self.engine {
            Engine::Full(e) => e.should_stop(),
            Engine::Sep(e) => Ok(e.should_stop()),
            Engine::Margin(e) => e.cma.should_stop(),
        }
    }

    /// Update with one population (`xs` row-major `popsize x n`, the "x to
    /// tell" of [`CmaEs::ask`]); restarts if the strategy says so. Returns
    /// whether a restart happened.
    pub fn tell(&mut self, xs: &[f64], values: &[f64]) -> CoreResult<bool> {
        match &mut self.engine {
            Engine::Full(e) => e.tell(xs, values)?,
            Engine::Sep(e) => e.tell(xs, values)?,
            Engine::Margin(e) => e.tell(xs, values)?,
        }
        self.generation = self.generation.saturating_add(1);
        if self.settings.restart == Restart::None || !self.should_stop()? {
            return Ok(false);
        }
        self.restart()?;
        Ok(true)
    }

    fn restart(&mut self) -> CoreResult<()> {
        let inc = self.settings.inc_popsize as u64;
        self.n_restarts = self.n_restarts.saturating_add(1);
        match self.settings.restart {
            Restart::None => {}
            Restart::Ipop => {
                self.popsize = self.popsize.saturating_mul(inc as usize);
            }
            Restart::Bipop => {
                let n_eval = (self.popsize as u64).saturating_mul(self.local_generation());
                if self.large {
                    self.large_n_eval = self.large_n_eval.saturating_add(n_eval);
                } else {
                    self.small_n_eval = self.small_n_eval.saturating_add(n_eval);
                }
                if self.small_n_eval < self.large_n_eval {
                    // Small regime: popsize0 * (inc^n_large)^(U^2).
                    self.large = false;
                    let mult = (inc as f64).powi(self.n_restarts_with_large as i32);
                    let u = self.rng.uniform();
                    self.popsize = ((self.popsize0 as f64) * mult.powf(u * u)).floor() as usize;
                } else {
                    self.large = true;
                    self.n_restarts_with_large = self.n_restarts_with_large.saturating_add(1);
                    let exponent = u32::try_from(self.n_restarts_with_large).unwrap_or(u32::MAX);
                    self.popsize = self
                        .popsize0
                        .saturating_mul((inc as usize).saturating_pow(exponent));
                }
            }
        }
        // Restarts grow the population geometrically: cap it (a float product can also
        // be NaN or infinite for a corrupt state, which `as usize` maps to 0 or MAX).
        self.popsize = self.popsize.min(MAX_POPSIZE);
        // New start point drawn uniformly in the box (the initial mean if unbounded).
        let mean: Vec<f64> = match &self.settings.bounds {
            Some(b) => b
                .iter()
                .map(|[lo, hi]| lo + (hi - lo) * self.rng.uniform())
                .collect(),
            None => self.x0.clone(),
        };
        let seed = self.rng.next_u64();
        let start = Start {
            popsize: Some(self.popsize.max(2)),
            ..Start::new(&mean, self.sigma0, seed)
        };
        self.engine = Self::make_engine(&self.settings, start)?;
        Ok(())
    }

    /// Serialise the whole run (settings, engine, generators) to bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.buf.extend_from_slice(MAGIC);
        let s = &self.settings;
        w.u64(match s.variant {
            Variant::Full => 0,
            Variant::Separable => 1,
            Variant::Margin => 2,
        });
        w.bool(s.lr_adapt);
        let flat = s.bounds.as_ref().map(|b| {
            b.iter()
                .flat_map(|x| x.iter().copied())
                .collect::<Vec<f64>>()
        });
        w.opt_vec(flat.as_deref());
        w.opt_vec(s.steps.as_deref());
        w.opt_f64(s.margin);
        w.usize(s.n_max_resampling);
        w.u64(match s.restart {
            Restart::None => 0,
            Restart::Ipop => 1,
            Restart::Bipop => 2,
        });
        w.usize(s.inc_popsize);
        w.opt_f64(s.popsize.map(|p| p as f64));
        w.f64(self.sigma0);
        w.vec(&self.x0);
        for v in self.rng.state() {
            w.u64(v);
        }
        w.usize(self.popsize0);
        w.usize(self.popsize);
        w.u64(self.n_restarts);
        w.u64(self.n_restarts_with_large);
        w.bool(self.large);
        w.u64(self.small_n_eval);
        w.u64(self.large_n_eval);
        w.u64(self.generation);
        match &self.engine {
            Engine::Full(e) => e.encode(&mut w),
            Engine::Sep(e) => e.encode(&mut w),
            Engine::Margin(e) => e.encode(&mut w),
        }
        w.buf
    }

    /// Inverse of [`CmaEs::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> CoreResult<Self> {
        let bad = |w: &str| CoreError::InvalidArgument(format!("corrupt CMA-ES state: {w}"));
        let mut r = Reader::new(bytes);
        r.expect(MAGIC)?;
        let variant = match r.u64()? {
            0 => Variant::Full,
            1 => Variant::Separable,
            2 => Variant::Margin,
            _ => return Err(bad("variant")),
        };
        let lr_adapt = r.bool()?;
        let bounds = r.opt_vec()?.map(|f| {
            f.chunks(2)
                .filter(|p| p.len() == 2)
                .map(|p| [p[0], p[1]])
                .collect()
        });
        let steps = r.opt_vec()?;
        let margin = r.opt_f64()?;
        let n_max_resampling = r.usize()?;
        let restart = match r.u64()? {
            0 => Restart::None,
            1 => Restart::Ipop,
            2 => Restart::Bipop,
            _ => return Err(bad("restart")),
        };
        let inc_popsize = r.usize()?;
        let popsize = r.opt_f64()?.map(|p| p as usize);
        let settings = Settings {
            variant,
            lr_adapt,
            bounds,
            steps,
            margin,
            n_max_resampling,
            restart,
            inc_popsize,
            popsize,
        };
        let sigma0 = r.f64()?;
        let x0 = r.vec()?;
        let rng = Rng::from_state([r.u64()?, r.u64()?, r.u64()?, r.u64()?]);
        let popsize0 = r.usize()?;
        let popsize = r.usize()?;
        let n_restarts = r.u64()?;
        let n_restarts_with_large = r.u64()?;
        let large = r.bool()?;
        let small_n_eval = r.u64()?;
        let large_n_eval = r.u64()?;
        let generation = r.u64()?;
        let engine = match variant {
            Variant::Full => Engine::Full(Cma::decode(&mut r)?),
            Variant::Separable => Engine::Sep(SepCma::decode(&mut r)?),
            Variant::Margin => Engine::Margin(CmaWm::decode(&mut r)?),
        };
        r.finish()?;
        let too_large = |p: usize| p > MAX_POPSIZE;
        if too_large(popsize0)
            || too_large(popsize)
            || too_large(inc_popsize)
            || settings.popsize.is_some_and(too_large)
        {
            return Err(bad("population size"));
        }
        let me = Self {
            settings,
            engine,
            sigma0,
            x0,
            rng,
            popsize0,
            popsize,
            n_restarts,
            n_restarts_with_large,
            large,
            small_n_eval,
            large_n_eval,
            generation,
        };
        if me.mean().len() != me.x0.len() {
            return Err(bad("dims"));
        }
        Ok(me)
    }
}

#[cfg(test)]
mod tests;
