//! CPU vector features: run-time dispatch of vectorised kernels, and vector-state
//! housekeeping shared by the core and the bindings.

/// Clear the upper halves of the vector registers (`vzeroupper`) when the CPU has AVX.
///
/// The core is compiled for baseline x86-64, so its floating point is legacy-SSE
/// encoded. When AVX code that ran before it (numpy's kernels in the caller, or
/// faer's runtime-dispatched AVX2/AVX-512 kernels inside the core) leaves the upper
/// register state dirty, every such SSE instruction pays a false dependency until a
/// `vzeroupper` (CMA-ES sampling after faer's eigendecomposition ran ~3x slower, and
/// `ask` after some numpy calls up to ~5x).
#[inline]
#[allow(unsafe_code)] // one feature-checked intrinsic
pub fn clear_upper_simd_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: `zero_upper` only needs AVX, whose support was just checked.
        unsafe { zero_upper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zero_upper() {
    std::arch::x86_64::_mm256_zeroupper();
}

/// Work compiled once per instruction set by [`dispatch`]: `run` is inlined into a
/// function with the target features of `simd` enabled, so its loops vectorise for them.
pub(crate) trait Kernel {
    type Output;
    /// Do the work with the instruction set `simd` proves the CPU has.
    fn run<S: Simd>(self, simd: S) -> Self::Output;
}

/// A zero-sized proof that the CPU has an instruction set (the capability-token pattern
/// of the `pulp` crate). Only [`dispatch`] creates the tokens beyond [`Scalar`], after
/// checking the CPU, so code that needs a feature takes the token and is sound by
/// construction: without the token there is no way to reach it.
pub(crate) trait Simd: Copy + sealed::Sealed {
    /// Fused multiply-add is an instruction (else `f64::mul_add` is a slow software
    /// routine and kernels write `a * b + c`).
    const FMA: bool;

    /// The AVX2 + FMA token if this instruction set includes them, for kernels written
    /// with explicit AVX2 intrinsics.
    fn avx2_fma(self) -> Option<Avx2Fma>;
}

mod sealed {
    /// Only the tokens below are instruction sets.
    pub trait Sealed {}
    impl Sealed for super::Scalar {}
    impl Sealed for super::Avx2Fma {}
    impl Sealed for super::Avx512 {}
}

/// Baseline instructions only (SSE2 on x86-64): proves nothing, so anyone may make one;
/// kernels run with it give the portable results the vector paths are tested against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

impl Simd for Scalar {
    const FMA: bool = false;

    #[inline(always)]
    fn avx2_fma(self) -> Option<Avx2Fma> {
        None
    }
}

/// The CPU has AVX2 and FMA. Made only in this module (private field): by [`dispatch`]
/// after checking the CPU, or from an [`Avx512`] token, which implies it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2Fma {
    _checked: (),
}

impl Simd for Avx2Fma {
    const FMA: bool = true;

    #[inline(always)]
    fn avx2_fma(self) -> Option<Avx2Fma> {
        Some(self)
    }
}

/// The CPU has AVX-512 (F and DQ), AVX2 and FMA. Made only by [`dispatch`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512 {
    _checked: (),
}

impl Simd for Avx512 {
    const FMA: bool = true;

    #[inline(always)]
    fn avx2_fma(self) -> Option<Avx2Fma> {
        Some(Avx2Fma { _checked: () })
    }
}

/// Run `job` with the widest vector instructions the CPU has: AVX-512, AVX2 + FMA, or
/// the baseline. The one place that checks the CPU and creates tokens.
pub(crate) fn dispatch<K: Kernel>(job: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
        {
            let simd = Avx512 { _checked: () };
            // SAFETY: the CPU has every feature `run_avx512` is compiled for (checked above).
            #[allow(unsafe_code)]
            return unsafe { run_avx512(job, simd) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            let simd = Avx2Fma { _checked: () };
            // SAFETY: the CPU has every feature `run_avx2` is compiled for (checked above).
            #[allow(unsafe_code)]
            return unsafe { run_avx2(job, simd) };
        }
    }
    job.run(Scalar)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
fn run_avx512<K: Kernel>(job: K, simd: Avx512) -> K::Output {
    job.run(simd)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2<K: Kernel>(job: K, simd: Avx2Fma) -> K::Output {
    job.run(simd)
}
