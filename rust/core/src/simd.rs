//! CPU vector-state housekeeping shared by the core and the bindings.

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
