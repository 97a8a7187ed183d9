"""The Python/Rust boundary: error classes, forged state, shared objects and threads.

Everything here goes through ``ferrotune._core`` directly or through samplers under
``n_jobs``: a bad argument must come back as ``ValueError``/``TypeError`` naming it, a core
panic as ``RuntimeError``, forged pickled state as ``ValueError``, and concurrent use must
neither crash nor corrupt state.
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable

import numpy as np
import pytest

import ferrotune
from ferrotune import _core
from ferrotune.samplers import (
    BaseSampler,
    BruteForceSampler,
    CmaEsSampler,
    GridSampler,
    NSGAIISampler,
    QMCSampler,
    RandomSampler,
    TPESampler,
)
from ferrotune.trial import TrialState

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

pytestmark = pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")


# --- error classes crossing the boundary ------------------------------------------------


def test_core_panic_is_runtime_error_not_base_exception() -> None:
    with pytest.raises(RuntimeError, match="internal error in ferrotune core: boom"):
        _core._panic_for_tests("boom")


def test_shape_mismatch_is_value_error() -> None:
    with pytest.raises(ValueError, match="shape"):
        _core.hypervolume(np.zeros((3, 2)), np.zeros(3))


def test_wrong_argument_type_is_type_error() -> None:
    with pytest.raises(TypeError):
        _core.hypervolume("not an array", np.zeros(2))  # type: ignore[arg-type]


def test_non_contiguous_array_is_accepted_or_rejected_by_name() -> None:
    points = np.asfortranarray(np.array([[1.0, 2.0], [2.0, 1.0], [0.5, 3.0]]))
    reference = np.array([4.0, 4.0])
    try:
        got = _core.hypervolume(points, reference)
    except ValueError as err:
        assert "contiguous" in str(err)
    else:
        assert got == pytest.approx(_core.hypervolume(np.ascontiguousarray(points), reference))


def test_cmaes_bad_arguments_name_the_value() -> None:
    with pytest.raises(ValueError, match="sigma"):
        _core.CmaEsOptimizer(np.zeros(2), -1.0)
    with pytest.raises(ValueError, match="variant"):
        _core.CmaEsOptimizer(np.zeros(2), 1.0, variant="nope")
    optimizer = _core.CmaEsOptimizer(np.zeros(2), 1.0, seed=1)
    with pytest.raises(ValueError):
        optimizer.tell(np.zeros((3, 2)), np.zeros(2))


# --- forged pickles -------------------------------------------------------------------------


def _forgeries(good: bytes) -> list[bytes]:
    rng = np.random.default_rng(0)
    forged = [b"", b"\x00", good[: len(good) // 2], good[:-1], good + b"\x00" * 7]
    for _ in range(20):
        flipped = bytearray(good)
        for index in rng.integers(0, len(good), size=3):
            flipped[index] ^= 0xFF
        forged.append(bytes(flipped))
    return forged


def test_forged_cmaes_state_raises_value_error_or_loads_a_working_optimizer() -> None:
    optimizer = _core.CmaEsOptimizer(np.zeros(3), 0.5, seed=3, popsize=6)
    x = optimizer.ask(6)
    optimizer.tell(x, np.sum(x**2, axis=1))
    good = optimizer.to_bytes()
    for forged in _forgeries(good):
        try:
            loaded = _core.CmaEsOptimizer.from_bytes(forged)
        except ValueError:
            continue
        # Some byte flips land in free floats: the loaded optimizer must still be usable.
        try:
            sample = loaded.ask(2)
        except (ValueError, RuntimeError):
            continue
        assert sample.shape == (2, 3)


def test_forged_cmaes_pickle_raises_value_error() -> None:
    optimizer = _core.CmaEsOptimizer(np.zeros(2), 1.0, seed=0)
    payload = pickle.dumps(optimizer)
    assert pickle.loads(payload).to_bytes() == optimizer.to_bytes()
    with pytest.raises(ValueError):
        _core.CmaEsOptimizer.from_bytes(b"definitely not a CMA-ES state")


# --- one core object shared between threads ----------------------------------------------


def test_cmaes_optimizer_shared_between_threads_never_corrupts() -> None:
    optimizer = _core.CmaEsOptimizer(np.full(4, 0.5), 0.3, seed=7, popsize=8)
    errors: list[BaseException] = []
    asked: list[np.ndarray] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(200):
            try:
                x = optimizer.ask(1)
            except RuntimeError as err:  # the object is busy in another thread
                assert "borrow" in str(err).lower()
                continue
            except BaseException as err:  # pragma: no cover - reported below
                errors.append(err)
                return
            with lock:
                asked.append(x)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert asked, "no thread got a sample"
    assert all(x.shape == (1, 4) and np.all(np.isfinite(x)) for x in asked)
    # Still a working optimizer afterwards: a full generation is told and accepted.
    x = optimizer.ask(optimizer.population_size)
    optimizer.tell(x, np.sum((x - 0.2) ** 2, axis=1))
    assert optimizer.generation == 1


# --- samplers under n_jobs -----------------------------------------------------------------


def _sampler_factories() -> dict[str, Callable[[], BaseSampler]]:
    return {
        "tpe": lambda: TPESampler(seed=0, n_startup_trials=5),
        "tpe_multivariate_liar": lambda: TPESampler(
            seed=0, n_startup_trials=5, multivariate=True, constant_liar=True
        ),
        "cmaes": lambda: CmaEsSampler(seed=0, n_startup_trials=3),
        "nsgaii": lambda: NSGAIISampler(seed=0, population_size=8),
        "qmc": lambda: QMCSampler(seed=0),
        "random": lambda: RandomSampler(seed=0),
        "grid": lambda: GridSampler(
            {"x": list(np.linspace(-3, 3, 12)), "y": list(range(-4, 5)), "c": ["a", "b"]}, seed=0
        ),
        "brute_force": lambda: BruteForceSampler(seed=0),
    }


@pytest.mark.parametrize("name", sorted(_sampler_factories()))
def test_threaded_stress_under_n_jobs(name: str) -> None:
    n_trials = 120
    multi = name == "nsgaii"

    def objective(trial: ferrotune.Trial) -> float | tuple[float, float]:
        # BruteForce needs a finite space: an int x.
        if name == "brute_force":
            x = float(trial.suggest_int("x", -3, 3))
        else:
            x = trial.suggest_float("x", -3, 3)
        y = trial.suggest_int("y", -4, 4)
        c = trial.suggest_categorical("c", ["a", "b"])
        if trial.number % 17 == 5:
            raise ValueError("objective failure on purpose")
        value = (x - 1.0) ** 2 + (y + 1) ** 2 + (0.5 if c == "b" else 0.0)
        return (value, -x) if multi else value

    directions = ["minimize", "minimize"] if multi else ["minimize"]
    study = ferrotune.create_study(directions=directions, sampler=_sampler_factories()[name]())
    study.optimize(objective, n_trials=n_trials, n_jobs=4, catch=(ValueError,))

    trials = study.get_trials(deepcopy=False)
    assert len(trials) <= n_trials
    if name not in ("grid", "brute_force"):  # those stop when the space is exhausted
        assert len(trials) == n_trials
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    states = {t.state for t in trials}
    assert states <= {TrialState.COMPLETE, TrialState.FAIL}
    for trial in trials:
        assert -3 <= trial.params["x"] <= 3
        assert -4 <= trial.params["y"] <= 4 and isinstance(trial.params["y"], int)
        assert trial.params["c"] in ("a", "b")
        if trial.state == TrialState.FAIL:
            assert "objective failure on purpose" in trial.system_attrs["fail_reason"]
    # The columnar history agrees with the trial list after concurrent appends.
    completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    assert len(completed) == sum(t.state == TrialState.COMPLETE for t in trials)


# --- TPE: forged sorted-column pickles, one frozen space shared by threads ----------------


def _synced_column() -> _core.TPESortedColumn:
    column = _core.TPESortedColumn()
    column.sync(np.array([0.3, -1.0, 2.5, 0.3, np.nan, 1.7]))
    return column


def test_forged_tpe_sorted_column_pickle_raises_value_error() -> None:
    column = _synced_column()
    good = pickle.dumps(column)
    restored = pickle.loads(good)
    assert (len(restored), restored.n_seen) == (len(column), column.n_seen)
    state = column.__getstate__()
    rejected = 0
    for forged in _forgeries(state):
        fresh = _core.TPESortedColumn()
        try:
            fresh.__setstate__(forged)
        except ValueError:
            rejected += 1
            continue
        # A flip that keeps the bytes valid (sorted, finite, rows in range) is a valid column.
        assert len(fresh) <= fresh.n_seen
    assert rejected >= 5  # the truncated and padded forgeries at least


def test_tpe_space_rejects_bad_specs_by_name() -> None:
    with pytest.raises(ValueError, match=r"low|high"):
        _core.TPESpace(params=[_core.TPEParam.numerical(low=2.0, high=1.0)])
    with pytest.raises(ValueError, match="n_choices"):
        _core.TPESpace(params=[_core.TPEParam.categorical(n_choices=0)])
    with pytest.raises(TypeError):
        _core.parzen_log_pdf(  # type: ignore[call-arg]
            _core.TPESpace(params=[]), np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))
        )


def test_one_frozen_tpe_space_shared_by_threads_gives_serial_results() -> None:
    space = _core.TPESpace(
        params=[
            _core.TPEParam.numerical(low=-3.0, high=3.0),
            _core.TPEParam.numerical(low=0.0, high=4.0, step=1.0),
            _core.TPEParam.categorical(n_choices=3),
        ]
    )
    rng = np.random.default_rng(5)
    obs = np.column_stack([rng.uniform(-3, 3, 40), rng.integers(0, 5, 40), rng.integers(0, 3, 40)])
    weights = np.full(40, 1.0 / 40)
    x = np.column_stack(
        [rng.uniform(-3, 3, 500), rng.integers(0, 5, 500), rng.integers(0, 3, 500)]
    )
    serial = _core.parzen_log_pdf(space=space, obs=obs, weights=weights, x=x)
    samples = _core.parzen_sample(space=space, obs=obs, weights=weights, n=64, seed=9)
    results: list[tuple[np.ndarray, np.ndarray]] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            got = _core.parzen_log_pdf(space=space, obs=obs, weights=weights, x=x)
            drawn = _core.parzen_sample(space=space, obs=obs, weights=weights, n=64, seed=9)
            with lock:
                results.append((got, drawn))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200
    for got, drawn in results:
        np.testing.assert_array_equal(got, serial)
        np.testing.assert_array_equal(drawn, samples)
