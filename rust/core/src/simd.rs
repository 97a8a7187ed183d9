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
/// function with the target features enabled, so its loops vectorise for them.
pub(crate) trait Kernel {
    type Output;
    /// `FMA`: whether fused multiply-add is an instruction (else `a * b + c`); true only
    /// when the CPU has AVX2 and FMA (checked by [`dispatch`]), which kernels may rely on.
    fn run<const FMA: bool>(self) -> Self::Output;
}

/// Run `job` with the widest vector instructions the CPU has: AVX-512, AVX2 + FMA, or
/// the baseline.
pub(crate) fn dispatch<K: Kernel>(job: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("avx2")
            && is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has every feature `run_avx512` is compiled for (checked above).
            #[allow(unsafe_code)]
            return unsafe { run_avx512(job) };
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has every feature `run_avx2` is compiled for (checked above).
            #[allow(unsafe_code)]
            return unsafe { run_avx2(job) };
        }
    }
    job.run::<false>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
fn run_avx512<K: Kernel>(job: K) -> K::Output {
    job.run::<true>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2<K: Kernel>(job: K) -> K::Output {
    job.run::<true>()
}
