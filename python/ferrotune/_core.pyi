"""Type stub for the private Rust extension module ``ferrotune._core``."""

import numpy as np
from numpy.typing import NDArray

__version__: str

# --- truncnorm (rust/py/src/truncnorm.rs): element-wise over equal-length 1-D arrays ---
def log_ndtr(x: NDArray[np.float64]) -> NDArray[np.float64]: ...
def ndtri_exp(y: NDArray[np.float64]) -> NDArray[np.float64]: ...
def log_gauss_mass(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]: ...
def truncnorm_ppf(
    q: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64]: ...
def truncnorm_logpdf(
    x: NDArray[np.float64],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    loc: NDArray[np.float64],
    scale: NDArray[np.float64],
) -> NDArray[np.float64]: ...
def truncnorm_sample(
    u: NDArray[np.float64],
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    loc: NDArray[np.float64],
    scale: NDArray[np.float64],
) -> NDArray[np.float64]: ...
