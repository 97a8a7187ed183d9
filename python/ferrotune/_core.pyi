"""Type stub for the private Rust extension module ``ferrotune._core``."""

from collections.abc import Sequence
from typing import Literal, TypedDict, final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CmaEsOptimizer",
    "ForestParams",
    "GPAcqf",
    "GPDim",
    "GPFitOptions",
    "GPKernelParams",
    "GPModel",
    "GPOptimizerOptions",
    "NSGACrossover",
    "NSGAOperators",
    "NSGAPopulation",
    "NSGASpace",
    "TPEAboveState",
    "TPEParam",
    "TPESortedColumn",
    "TPESpace",
    "TPESplitState",
    "__version__",
    "_panic_for_tests",
    "cmaes_warm_start_mgd",
    "fanova_importances",
    "forest_mdi_importances",
    "gp_fantasies",
    "gp_fit_kernel_params",
    "gp_log_prior",
    "gp_normal_qmc_samples",
    "gp_standard_logei",
    "hypervolume",
    "log_gauss_mass",
    "log_ndtr",
    "ndtri_exp",
    "nondomination_rank",
    "nsga3_associate",
    "nsga_children",
    "nsga_crowding_order",
    "nsga_nondomination_ranks",
    "nsga_select_elite",
    "parzen_log_pdf",
    "parzen_sample",
    "select_below",
    "solve_hssp",
    "tpe_propose",
    "tpe_propose_split",
    "tpe_propose_split_batch",
    "truncnorm_logpdf",
    "truncnorm_ppf",
    "truncnorm_sample",
]

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

# --- cmaes (rust/py/src/cmaes.rs): CMA-ES ask/tell with a bytes state ---
@final
class CmaEsOptimizer:
    def __new__(
        cls,
        mean: NDArray[np.float64],
        sigma: float,
        *,
        bounds: NDArray[np.float64] | None = None,
        cov: NDArray[np.float64] | None = None,
        seed: int = 0,
        popsize: int | None = None,
        variant: str = "cma",
        lr_adapt: bool = False,
        steps: NDArray[np.float64] | None = None,
        margin: float | None = None,
        n_max_resampling: int | None = None,
        restart_strategy: str | None = None,
        inc_popsize: int = 2,
    ) -> CmaEsOptimizer: ...
    @property
    def dim(self) -> int: ...
    @property
    def population_size(self) -> int: ...
    @property
    def generation(self) -> int: ...
    @property
    def n_restarts(self) -> int: ...
    @property
    def mean(self) -> NDArray[np.float64]: ...
    @property
    def sigma(self) -> float: ...
    @property
    def cov(self) -> NDArray[np.float64]: ...
    @property
    def margin_scale(self) -> NDArray[np.float64]: ...
    def reseed(self, seed: int) -> None: ...
    def should_stop(self) -> bool: ...
    def ask(self, n: int = 1) -> NDArray[np.float64]: ...
    def ask_with_raw(self, n: int = 1) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
    def tell(self, x: NDArray[np.float64], values: NDArray[np.float64]) -> bool: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> CmaEsOptimizer: ...
    def __getstate__(self) -> bytes: ...
    def __setstate__(self, state: bytes) -> None: ...

def cmaes_warm_start_mgd(
    x: NDArray[np.float64], values: NDArray[np.float64], gamma: float = 0.1, alpha: float = 0.1
) -> tuple[NDArray[np.float64], float, NDArray[np.float64]]: ...

# --- tpe (rust/py/src/tpe.rs) ---
class _BelowSet(TypedDict):
    obs: NDArray[np.float64]
    weights: NDArray[np.float64]

class _AboveSet(TypedDict):
    columns: list[NDArray[np.float64]]
    sorted: list[TPESortedColumn | None]
    rows: NDArray[np.int64]
    row_weights: NDArray[np.float64]
    extra: NDArray[np.float64]
    extra_weights: NDArray[np.float64]

class _ColumnarHistory(TypedDict):
    n: int
    states: NDArray[np.int8]
    values: NDArray[np.float64]
    violation: NDArray[np.float64]
    numbers: NDArray[np.int64]
    columns: list[NDArray[np.float64]]
    minimize: list[bool]

class _StudyState(TypedDict):
    sorted: list[TPESortedColumn | None]
    split: TPESplitState
    above: TPEAboveState | None

class _BatchState(TypedDict):
    sorted: list[TPESortedColumn | None]
    split: TPESplitState
    above: list[TPEAboveState | None]

@final
class TPEParam:
    """One dimension of a ``TPESpace``: numerical (internal values) or categorical."""

    @staticmethod
    def numerical(
        *, low: float, high: float, step: float = 0.0, log: bool = False
    ) -> TPEParam: ...
    @staticmethod
    def categorical(*, n_choices: int) -> TPEParam: ...
    @property
    def kind(self) -> Literal["categorical", "numerical"]: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def step(self) -> float: ...
    @property
    def log(self) -> bool: ...
    @property
    def n_choices(self) -> int: ...

@final
class TPESpace:
    """A search space and its estimator options, checked once, reused by every proposal."""

    def __new__(
        cls,
        *,
        params: Sequence[TPEParam],
        prior_weight: float = 1.0,
        consider_magic_clip: bool = True,
        consider_endpoints: bool = False,
        n_candidates: int = 24,
    ) -> TPESpace: ...
    @property
    def n_candidates(self) -> int: ...
    def __len__(self) -> int: ...

@final
class TPESortedColumn:
    """Incrementally sorted ``(value, row)`` pairs of one history column."""

    def __init__(self) -> None: ...
    def sync(self, column: NDArray[np.float64]) -> None: ...
    @property
    def n_seen(self) -> int: ...
    def __len__(self) -> int: ...
    def __getstate__(self) -> bytes: ...
    def __setstate__(self, state: bytes) -> None: ...

@final
class TPEAboveState:
    """The above Parzen estimator of one study and search space, kept across trials."""

    def __init__(self) -> None: ...

@final
class TPESplitState:
    """The split of a study's growing history, kept across trials for ``tpe_propose_split``.

    ``complete`` and ``pruned`` are the ``TrialState`` codes of the history's states.
    """

    def __new__(cls, *, complete: int, pruned: int) -> TPESplitState: ...
    @property
    def n_seen(self) -> int: ...

def parzen_log_pdf(
    *,
    space: TPESpace,
    obs: NDArray[np.float64],
    weights: NDArray[np.float64],
    x: NDArray[np.float64],
) -> NDArray[np.float64]: ...
def parzen_sample(
    *,
    space: TPESpace,
    obs: NDArray[np.float64],
    weights: NDArray[np.float64],
    n: int,
    seed: int,
) -> NDArray[np.float64]: ...
def tpe_propose(
    *,
    space: TPESpace,
    below: _BelowSet,
    above: _AboveSet,
    seed: int,
    above_state: TPEAboveState | None = None,
) -> tuple[
    int, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
]: ...
def tpe_propose_split(
    *,
    space: TPESpace,
    history: _ColumnarHistory,
    state: _StudyState,
    seed: int,
) -> list[float] | None: ...
def tpe_propose_split_batch(
    *,
    spaces: list[TPESpace],
    history: _ColumnarHistory,
    state: _BatchState,
    seeds: list[int],
) -> list[list[float] | None] | None: ...

# --- multiobjective (rust/py/src/multiobjective.rs) ---
def nondomination_rank(
    loss_values: NDArray[np.float64], n_below: int = 0
) -> NDArray[np.int64]: ...
def hypervolume(
    loss_values: NDArray[np.float64], reference_point: NDArray[np.float64]
) -> float: ...
def solve_hssp(
    loss_values: NDArray[np.float64], subset_size: int, reference_point: NDArray[np.float64]
) -> NDArray[np.int64]: ...
def select_below(loss_values: NDArray[np.float64], n_below: int) -> NDArray[np.int64]: ...

# --- nsga3 (rust/py/src/nsga3.rs): reference-line association ---
def nsga3_associate(
    points: NDArray[np.float64], reference_points: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]: ...

# --- fanova (rust/py/src/fanova.rs): random-forest importances ---
@final
class ForestParams:
    def __new__(
        cls,
        *,
        n_trees: int,
        max_depth: int,
        min_samples_split: int,
        min_samples_leaf: int,
        seed: int,
    ) -> ForestParams: ...

def fanova_importances(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    bounds: NDArray[np.float64],
    groups: list[list[int]],
    *,
    forest: ForestParams,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def forest_mdi_importances(
    x: NDArray[np.float64], y: NDArray[np.float64], *, forest: ForestParams
) -> NDArray[np.float64]: ...

# --- gp (rust/py/src/gp.rs): Gaussian-process sampler maths ---
@final
class GPKernelParams:
    """Kernel hyperparameters (natural parameterisation), checked finite and positive."""

    def __new__(
        cls,
        *,
        inverse_squared_lengthscales: NDArray[np.float64],
        kernel_scale: float,
        noise_var: float,
    ) -> GPKernelParams: ...
    @property
    def inverse_squared_lengthscales(self) -> NDArray[np.float64]: ...
    @property
    def kernel_scale(self) -> float: ...
    @property
    def noise_var(self) -> float: ...

@final
class GPModel:
    """A GP conditioned on normalised inputs and standardised (maximised) outputs."""

    def __new__(
        cls,
        *,
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        is_categorical: NDArray[np.bool_],
        params: GPKernelParams,
    ) -> GPModel: ...
    @property
    def fit_curvature(self) -> list[tuple[list[float], list[float]]]: ...
    @property
    def params(self) -> GPKernelParams: ...
    def kernel(
        self, *, x1: NDArray[np.float64], x2: NDArray[np.float64]
    ) -> NDArray[np.float64]: ...
    def posterior(
        self, *, x: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
    def log_marginal_likelihood(self) -> tuple[float, NDArray[np.float64]]: ...

@final
class GPDim:
    """One dimension of the acquisition optimiser's normalised space."""

    @staticmethod
    def continuous() -> GPDim: ...
    @staticmethod
    def grid(*, values: NDArray[np.float64]) -> GPDim: ...
    @staticmethod
    def categorical(*, n_choices: int) -> GPDim: ...

@final
class GPAcqf:
    """An acquisition function to maximise (logEI, qLogEI, logEHVI, plus constraints)."""

    @staticmethod
    def log_ei(
        *,
        model: GPModel,
        threshold: float,
        constraints: Sequence[tuple[GPModel, float]] = ...,
        stabilizing_noise: float = 1e-12,
    ) -> GPAcqf: ...
    @staticmethod
    def q_log_ei(
        *,
        model: GPModel,
        threshold: float,
        x_running: NDArray[np.float64],
        qmc_samples: NDArray[np.float64],
        constraints: Sequence[tuple[GPModel, float, NDArray[np.float64]]] = ...,
        stabilizing_noise: float = 1e-12,
    ) -> GPAcqf: ...
    @staticmethod
    def log_ehvi(
        *,
        models: Sequence[GPModel],
        box_lower_bounds: NDArray[np.float64],
        box_intervals: NDArray[np.float64],
        qmc_samples: NDArray[np.float64],
        constraints: Sequence[tuple[GPModel, float]] = ...,
        stabilizing_noise: float = 1e-12,
    ) -> GPAcqf: ...
    @staticmethod
    def q_log_ehvi(
        *,
        models: Sequence[GPModel],
        x_running: NDArray[np.float64],
        qmc_samples: Sequence[NDArray[np.float64]],
        boxes: tuple[NDArray[np.float64], NDArray[np.float64]],
        constraints: Sequence[tuple[GPModel, float, NDArray[np.float64]]] = ...,
        stabilizing_noise: float = 1e-12,
    ) -> GPAcqf: ...
    def evaluate(
        self, *, x: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]: ...
    def optimize(
        self,
        *,
        dims: Sequence[GPDim],
        warmstart: NDArray[np.float64],
        seed: int,
        options: GPOptimizerOptions | None = None,
    ) -> tuple[NDArray[np.float64], float]: ...

@final
class GPOptimizerOptions:
    """Settings of the acquisition optimiser (Optuna's defaults)."""

    def __new__(
        cls, *, n_preliminary_samples: int = 2048, n_local_search: int = 10, tol: float = 1e-4
    ) -> GPOptimizerOptions: ...
    @property
    def n_preliminary_samples(self) -> int: ...
    @property
    def n_local_search(self) -> int: ...
    @property
    def tol(self) -> float: ...

@final
class GPFitOptions:
    """Options of the kernel-parameter fit (Optuna's defaults)."""

    def __new__(
        cls,
        *,
        minimum_noise: float = 1e-6,
        deterministic_objective: bool = False,
        gtol: float = 1e-2,
    ) -> GPFitOptions: ...
    @property
    def minimum_noise(self) -> float: ...
    @property
    def deterministic_objective(self) -> bool: ...
    @property
    def gtol(self) -> float: ...

def gp_log_prior(*, params: GPKernelParams) -> tuple[float, NDArray[np.float64]]: ...
def gp_fit_kernel_params(
    *,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    is_categorical: NDArray[np.bool_],
    initial: GPKernelParams | None = None,
    options: GPFitOptions | None = None,
    curvature: list[tuple[list[float], list[float]]] | None = None,
) -> tuple[GPModel, bool]: ...
def gp_standard_logei(*, z: NDArray[np.float64]) -> NDArray[np.float64]: ...
def gp_fantasies(
    *,
    model: GPModel,
    x_running: NDArray[np.float64],
    qmc_samples: NDArray[np.float64],
    stabilizing_noise: float = 1e-12,
) -> NDArray[np.float64]: ...
def gp_normal_qmc_samples(*, n_samples: int, dim: int, seed: int) -> NDArray[np.float64]: ...
def _panic_for_tests(message: str) -> None:
    """Panic inside the core call helper (tests: raises ``RuntimeError``)."""

# -- NSGA-II (ferrotune_core::nsga) --------------------------------------------------------
@final
class NSGACrossover:
    """A built-in crossover of numerical genes with its parameters."""

    @staticmethod
    def uniform(*, swapping_prob: float) -> NSGACrossover: ...
    @staticmethod
    def blx_alpha(*, alpha: float) -> NSGACrossover: ...
    @staticmethod
    def spx(*, epsilon: float | None = None) -> NSGACrossover: ...
    @staticmethod
    def sbx(
        *, eta: float, uniform_crossover_prob: float, use_child_gene_prob: float
    ) -> NSGACrossover: ...
    @staticmethod
    def vsbx(
        *, eta: float, uniform_crossover_prob: float, use_child_gene_prob: float
    ) -> NSGACrossover: ...
    @staticmethod
    def undx(*, sigma_xi: float, sigma_eta: float | None = None) -> NSGACrossover: ...
    @property
    def n_parents(self) -> int: ...

@final
class NSGAOperators:
    """Crossover, mutation (``uniform``, ``polynomial`` or ``flag``) and probabilities."""

    def __new__(
        cls,
        *,
        crossover: NSGACrossover,
        crossover_prob: float,
        swapping_prob: float,
        mutation_prob: float,
        mutation: Literal["uniform", "polynomial", "flag"] | str = "uniform",
        mutation_eta: float = 20.0,
    ) -> NSGAOperators: ...

@final
class NSGASpace:
    """Transformed bounds and lower limits of numerical genes, choice counts of categorical."""

    def __new__(
        cls,
        *,
        bounds: NDArray[np.float64],
        lower_limit: NDArray[np.float64],
        n_choices: NDArray[np.int64],
    ) -> NSGASpace: ...

@final
class NSGAPopulation:
    """One generation's parents: genes, categorical indices, losses, violations."""

    def __new__(
        cls,
        *,
        numeric: NDArray[np.float64],
        categorical: NDArray[np.int64],
        loss: NDArray[np.float64],
        penalty: NDArray[np.float64] | None = None,
    ) -> NSGAPopulation: ...
    def __len__(self) -> int: ...

def nsga_children(
    *,
    operators: NSGAOperators,
    space: NSGASpace,
    parents: NSGAPopulation,
    n_children: int,
    seed: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]: ...
def nsga_select_elite(
    *,
    values: NDArray[np.float64],
    signs: NDArray[np.float64],
    population_size: int,
    penalty: NDArray[np.float64] | None = None,
) -> NDArray[np.int64]: ...
def nsga_nondomination_ranks(
    *, loss: NDArray[np.float64], penalty: NDArray[np.float64] | None = None
) -> NDArray[np.int64]: ...
def nsga_crowding_order(*, values: NDArray[np.float64]) -> NDArray[np.int64]: ...
