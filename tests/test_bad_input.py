"""Regression tests for bad input (issue 15): each class of hostile value is rejected at
the boundary with a ValueError/TypeError naming the value, or accepted as Optuna 5.0
accepts it, and the study stays usable."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import ferrotune as optuna
from ferrotune.distributions import FloatDistribution, IntDistribution
from ferrotune.trial import FixedTrial, TrialState

INF = math.inf
NAN = math.nan


# -- 1. non-finite bounds and steps ---------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "label", "shown"),
    [
        ({"low": 0.0, "high": 1.0, "step": NAN}, "step", "nan"),
        ({"low": 0.0, "high": 1.0, "step": INF}, "step", "inf"),
        ({"low": 0.0, "high": 10**400}, "high", "10000000000"),
    ],
)
def test_float_distribution_requires_finite_arguments(
    kwargs: dict[str, float], label: str, shown: str
) -> None:
    with pytest.raises(ValueError, match=f"`{label}` must be finite, but got {label}={shown}"):
        FloatDistribution(**kwargs)


@pytest.mark.parametrize(
    ("low", "high", "log", "single"),
    [
        (INF, INF, False, True),
        (-INF, -INF, False, True),
        (INF, INF, True, True),
        (0.0, INF, False, False),
        (-INF, 0.0, False, False),
        (-INF, INF, False, False),
        (NAN, NAN, False, False),
        (NAN, 1.0, False, False),
        (0.0, NAN, False, False),
        (NAN, 1.0, True, False),
    ],
)
def test_float_distribution_accepts_non_finite_bounds_like_optuna(
    low: float, high: float, log: bool, single: bool
) -> None:
    # Optuna 5.0 builds these (its storage tests build FloatDistribution(inf, inf) and
    # FloatDistribution(nan, nan)); only the comparisons ``low > high`` and ``log and
    # low <= 0`` reject, and NaN fails neither.
    d = FloatDistribution(low, high, log=log)
    assert (d.low, d.high, d.log) == pytest.approx((low, high, log), nan_ok=True)
    assert d.single() is single
    has_nan = math.isnan(low) or math.isnan(high)
    assert d._contains(low) is not has_nan
    back = optuna.distributions.json_to_distribution(optuna.distributions.distribution_to_json(d))
    assert back._asdict() == pytest.approx(d._asdict(), nan_ok=True)
    assert (back == d) is not has_nan  # NaN bounds compare unequal, as in Optuna


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"low": INF, "high": 0.0}, "`low <= high` must hold"),
        ({"low": -INF, "high": INF, "log": True}, "`low > 0` must hold for `log=True`"),
        ({"low": 0.0, "high": INF, "step": 0.5}, "`high` must be finite when `step` is given"),
        ({"low": NAN, "high": 1.0, "step": 0.5}, "`low` must be finite when `step` is given"),
    ],
)
def test_float_distribution_rejects_what_optuna_rejects(
    kwargs: dict[str, Any], message: str
) -> None:
    # With a step, Optuna fails in ``decimal`` (InvalidOperation) or builds a NaN grid;
    # ferrotune names the bound.
    with pytest.raises(ValueError, match=message):
        FloatDistribution(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({"low": 0, "high": INF}, "high"),
        ({"low": NAN, "high": 3}, "low"),
        ({"low": 0, "high": 10, "step": NAN}, "step"),
        ({"low": 0, "high": 10, "step": INF}, "step"),
    ],
)
def test_int_distribution_requires_finite_arguments(kwargs: dict[str, float], label: str) -> None:
    with pytest.raises(ValueError, match=f"`{label}` must be finite"):
        IntDistribution(**kwargs)  # type: ignore[arg-type]


def test_distributions_reject_non_numbers_with_type_error() -> None:
    with pytest.raises(TypeError, match=r"`step` must be a real number, but got step=\[0.1\]"):
        FloatDistribution(0.0, 1.0, step=[0.1])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`low` must be a real number, but got low='0'"):
        FloatDistribution("0", 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"`step` must be a real number, but got step=\[1\]"):
        IntDistribution(0, 10, step=[1])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`step > 0` must hold, but got step=0\.5"):
        IntDistribution(0, 10, step=0.5)  # type: ignore[arg-type]


def test_distributions_accept_numpy_scalars() -> None:
    d = FloatDistribution(np.float32(0.0), np.float64(1.0), step=np.float64(0.25))
    assert (d.low, d.high, d.step) == (0.0, 1.0, 0.25)
    assert all(type(v) is float for v in (d.low, d.high, d.step))
    i = IntDistribution(np.int64(0), np.int32(10), step=np.int64(2))
    assert (i.low, i.high, i.step) == (0, 10, 2)
    assert all(type(v) is int for v in (i.low, i.high, i.step))


SUGGESTS = [
    ("float inf", lambda t: t.suggest_float("x", 0.0, INF), ValueError, "`high` must be finite"),
    ("float nan", lambda t: t.suggest_float("x", NAN, 1.0), ValueError, "`low` must be finite"),
    ("float -inf", lambda t: t.suggest_float("x", -INF, INF), ValueError, "`low` must be finite"),
    ("float nan nan", lambda t: t.suggest_float("x", NAN, NAN), ValueError, "`low` must be"),
    ("float log inf", lambda t: t.suggest_float("x", 1.0, INF, log=True), ValueError, "`high`"),
    (
        "float step nan",
        lambda t: t.suggest_float("x", 0.0, 1.0, step=NAN),
        ValueError,
        "`step` must be finite",
    ),
    (
        "float step list",
        lambda t: t.suggest_float("x", 0.0, 1.0, step=[0.1]),
        TypeError,
        "`step` must be a real number",
    ),
    ("int inf", lambda t: t.suggest_int("x", 0, INF), ValueError, "`high` must be finite"),
    ("int nan", lambda t: t.suggest_int("x", NAN, 3), ValueError, "`low` must be finite"),
    (
        "int step list",
        lambda t: t.suggest_int("x", 0, 10, step=[1]),
        TypeError,
        "`step` must be a real number",
    ),
    ("uniform", lambda t: t.suggest_uniform("x", 0.0, INF), ValueError, "`high` must be finite"),
    (
        "loguniform",
        lambda t: t.suggest_loguniform("x", 1e-3, INF),
        ValueError,
        "`high` must be finite",
    ),
    (
        "discrete",
        lambda t: t.suggest_discrete_uniform("x", 0.0, 1.0, NAN),
        ValueError,
        "`step` must be finite",
    ),
]


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.parametrize(
    "sampler_cls",
    [
        optuna.samplers.TPESampler,
        optuna.samplers.RandomSampler,
        optuna.samplers.CmaEsSampler,
        optuna.samplers.NSGAIISampler,
        optuna.samplers.QMCSampler,
    ],
)
@pytest.mark.parametrize(("case", "suggest", "exc", "message"), SUGGESTS)
def test_suggest_rejects_non_finite_at_the_first_call(
    sampler_cls: type, case: str, suggest: object, exc: type, message: str
) -> None:
    study = optuna.create_study(sampler=sampler_cls(seed=0))

    def objective(trial: optuna.Trial) -> float:
        suggest(trial)  # type: ignore[operator]
        return 0.0

    with pytest.raises(exc, match=f"parameter 'x': {message}"):
        study.optimize(objective, n_trials=1)
    assert study.trials[0].state == TrialState.FAIL
    assert study.trials[0].params == {}  # the bad distribution never reached the storage
    # The study goes on: valid trials run afterwards.
    study.optimize(lambda t: t.suggest_float("y", 0.0, 1.0), n_trials=3)
    assert [t.state for t in study.trials[1:]] == [TrialState.COMPLETE] * 3


def test_fixed_trial_names_parameter_and_value() -> None:
    # Nothing is sampled: an infinite range is accepted, as in Optuna.
    assert FixedTrial({"x": 1.0}).suggest_float("x", 0.0, INF) == 1.0
    with pytest.raises(ValueError, match="parameter 'x': `nan` is invalid value"):
        FixedTrial({"x": NAN}).suggest_float("x", 0.0, 1.0)


def test_enqueued_nan_names_the_parameter() -> None:
    study = optuna.create_study()
    study.enqueue_trial({"lr": NAN})
    with pytest.raises(ValueError, match="Invalid value for parameter 'lr': `nan` is invalid"):
        study.optimize(lambda t: t.suggest_float("lr", 0.0, 1.0), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


# -- 3. report steps beyond the storage's integer range -------------------------------------
@pytest.mark.parametrize("step", [2**63, 2**70, np.uint64(2**63 + 5)])
@pytest.mark.parametrize("storage", [None, "sqlite"])
def test_report_rejects_steps_beyond_int64(
    step: int, storage: str | None, tmp_path: object
) -> None:
    url = None if storage is None else f"sqlite:///{tmp_path}/s.db"
    pruner = optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0)
    study = optuna.create_study(storage=url, pruner=pruner)
    trial = study.ask()
    with pytest.raises(ValueError, match=f"`step` argument is {int(step)} but must be at most"):
        trial.report(1.0, step)
    trial.report(1.0, 2**63 - 1)  # the largest storable step is fine
    assert not trial.should_prune()
    study.tell(trial, 1.0)
    # Pruning keeps working for the rest of the study.
    trial = study.ask()
    trial.report(5.0, 2**63 - 1)
    assert trial.should_prune()


def test_report_accepts_numpy_steps_and_values_and_names_bad_ones() -> None:
    study = optuna.create_study()
    trial = study.ask()
    trial.report(np.float32(0.5), np.int64(3))
    trial.report(np.int64(2), np.float64(4.0))
    assert study.trials[0].intermediate_values == {3: 0.5, 4: 2.0}
    assert all(type(k) is int for k in study.trials[0].intermediate_values)
    with pytest.raises(TypeError, match="got step=inf"):
        trial.report(1.0, INF)
    with pytest.raises(TypeError, match=r"got value=\[1.0\]"):
        trial.report([1.0], 5)  # type: ignore[arg-type]


# -- 4. seeds: numpy integers accepted, what Optuna rejects rejected ------------------------
def _all_samplers() -> list[tuple[str, object]]:
    s = optuna.samplers
    return [
        ("tpe", s.TPESampler),
        ("random", s.RandomSampler),
        ("cmaes", s.CmaEsSampler),
        ("nsgaii", s.NSGAIISampler),
        ("qmc", s.QMCSampler),
        ("bruteforce", s.BruteForceSampler),
        ("grid", lambda seed: s.GridSampler({"x": [0.0, 0.5, 1.0]}, seed=seed)),
    ]


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.parametrize(("name", "make"), _all_samplers())
def test_every_sampler_accepts_numpy_integer_seeds(name: str, make: object) -> None:
    def run(seed: object) -> list[float]:
        study = optuna.create_study(sampler=make(seed=seed))  # type: ignore[operator]
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0, step=0.5), n_trials=3)
        return [t.params["x"] for t in study.trials]

    assert run(np.int64(3)) == run(3) == run(np.uint8(3))


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.parametrize(("name", "make"), _all_samplers())
@pytest.mark.parametrize(
    ("seed", "exc", "shown"),
    [
        (2**70, ValueError, str(2**70)),
        (2**32, ValueError, str(2**32)),
        (-1, ValueError, "-1"),
        (3.0, TypeError, "3.0"),
        (np.float64(3.0), TypeError, "3.0"),
        ("3", TypeError, "'3'"),
    ],
)
def test_every_sampler_rejects_seeds_optuna_rejects(
    name: str, make: object, seed: object, exc: type, shown: str
) -> None:
    with pytest.raises(exc, match=f"`seed` must be .* but got seed=.*{shown}"):
        make(seed=seed)  # type: ignore[operator]


# -- 6. silent accepts ------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["MINIMIZE", "Maximize", " minimize", "NOT_SET", 1])
def test_direction_is_case_sensitive_as_in_optuna(direction: object) -> None:
    with pytest.raises(ValueError, match=f"but got {direction!r}"):
        optuna.create_study(direction=direction)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"but got {direction!r}"):
        optuna.create_study(directions=["minimize", direction])  # type: ignore[list-item]
    assert optuna.create_study(direction="maximize").direction.name == "MAXIMIZE"


@pytest.mark.parametrize("value", ["1.5", b"1.5", ["1.5"], ("1.5",), 10**400])
def test_tell_with_a_string_value_fails_the_trial(value: object) -> None:
    study = optuna.create_study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="The value"):
        study.tell(trial, value)  # type: ignore[arg-type]
    frozen = study.trials[0]
    assert frozen.state == TrialState.FAIL
    assert frozen.values is None
    assert "The value" in frozen.system_attrs["fail_reason"]
    study.tell(study.ask(), 2.0)
    assert study.best_value == 2.0


def test_objective_returning_a_string_fails_the_trial_and_the_study_goes_on() -> None:
    study = optuna.create_study()
    study.optimize(lambda t: "1.5", n_trials=2)  # type: ignore[arg-type,return-value]
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    assert "'1.5' is a str, not a number" in study.trials[0].system_attrs["fail_reason"]
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    assert study.trials[-1].state == TrialState.COMPLETE
    with pytest.raises(ValueError, match="is a str, not a number"):
        study.tell(study.ask(), "1.5", state=TrialState.COMPLETE)  # type: ignore[arg-type]


@pytest.mark.parametrize("scale", [1e308, 1e-310])
@pytest.mark.parametrize(
    "evaluator",
    [
        optuna.importance.FanovaImportanceEvaluator,
        optuna.importance.MeanDecreaseImpurityImportanceEvaluator,
    ],
)
def test_forest_importances_are_finite_for_extreme_values(scale: float, evaluator: type) -> None:
    rng = np.random.default_rng(0)
    dists = {"x": FloatDistribution(0.0, 1.0), "y": FloatDistribution(0.0, 1.0)}
    study = optuna.create_study()
    for _ in range(40):
        x, y = rng.random(2)
        value = (1.0 if x > 0.5 else -1.0) * scale * (0.9 + 0.1 * y)
        study.add_trial(
            optuna.trial.create_trial(params={"x": x, "y": y}, distributions=dists, value=value)
        )
    importances = optuna.importance.get_param_importances(study, evaluator=evaluator(seed=0))
    assert all(math.isfinite(v) for v in importances.values()), importances
    assert importances["x"] > 0.9
    assert math.isclose(sum(importances.values()), 1.0)


# -- 7/8. no panic reaches Python -------------------------------------------------------------
def test_a_core_panic_is_a_runtime_error() -> None:
    from ferrotune import _core

    with pytest.raises(RuntimeError, match=r"^internal error in ferrotune core: boom 7$"):
        _core._panic_for_tests("boom 7")
    try:  # catchable by ``except Exception`` (pyo3's PanicException is a BaseException)
        _core._panic_for_tests("again")
    except Exception as e:
        assert type(e) is RuntimeError
    else:
        pytest.fail("no error")


class _Forged:
    """Pickles as a ``TPESortedColumn`` with the given raw state."""

    def __init__(self, state: bytes) -> None:
        self.state = state

    def __reduce__(self) -> tuple[object, ...]:
        from ferrotune import _core

        return (_core.TPESortedColumn, (), self.state)


def _sorted_state(n_seen: int, pairs: list[tuple[float, int]]) -> bytes:
    import struct

    return struct.pack("<Q", n_seen) + b"".join(struct.pack("<dI", v, r) for v, r in pairs)


@pytest.mark.parametrize(
    ("n_seen", "pairs", "why"),
    [
        (3, [(0.5, 1000)], "row 1000 at pair 0 is not below 3"),
        (3, [(0.5, 0), (0.1, 1)], "pairs 0 and 1 are not sorted"),
        (3, [(NAN, 0)], "NaN value"),
        (3, [(0.1, 1), (0.5, 1)], "a row appears twice"),
        (1, [(0.1, 0), (0.5, 1)], "2 pairs but only 1 rows seen"),
    ],
)
def test_forged_tpe_sorted_column_pickle_is_a_value_error(
    n_seen: int, pairs: list[tuple[float, int]], why: str
) -> None:
    import pickle

    data = pickle.dumps(_Forged(_sorted_state(n_seen, pairs)))
    with pytest.raises(ValueError, match=f"corrupt TPESortedColumn state: {why}"):
        pickle.loads(data)


def test_forged_tpe_state_and_inconsistent_history_never_panic() -> None:
    import pickle

    from ferrotune import _core

    # A valid pickle whose column claims more rows than the history has.
    column = pickle.loads(pickle.dumps(_Forged(_sorted_state(50, [(0.5, 49)]))))
    unit = _core.TPESpace(params=[_core.TPEParam.numerical(low=0.0, high=1.0)], n_candidates=8)
    col = np.array([0.1, 0.5, 0.9])

    def propose(**kw: object) -> object:
        below: dict[str, object] = {"obs": np.array([[0.2]]), "weights": np.array([1.0])}
        above: dict[str, object] = {
            "columns": [col],
            "sorted": [None],
            "rows": np.array([0, 1], dtype=np.int64),
            "row_weights": np.array([1.0, 1.0]),
            "extra": np.empty((0, 1)),
            "extra_weights": np.empty(0),
        }
        space = kw.pop("space", unit)
        for key, value in kw.items():
            (below if key in below else above)[key] = value
        return _core.tpe_propose(space=space, below=below, above=above, seed=1)  # type: ignore[arg-type]

    propose()  # the consistent call works
    categorical = _core.TPESpace(params=[_core.TPEParam.categorical(n_choices=2)])
    bad: list[dict[str, object]] = [
        {"sorted": [column]},
        {"rows": np.array([0, 1000], dtype=np.int64)},
        {"rows": np.array([0, -1], dtype=np.int64)},
        {"row_weights": np.array([1.0])},
        {"obs": np.array([[0.2, 0.3]])},
        {"weights": np.array([])},
        {"space": categorical, "obs": np.array([[7.0]])},
    ]
    for kw in bad:
        with pytest.raises(ValueError):
            propose(**kw)


def test_tpe_functions_take_keyword_arguments_only() -> None:
    from ferrotune import _core

    space = _core.TPESpace(params=[_core.TPEParam.numerical(low=0.0, high=1.0)])
    obs, weights = np.array([[0.5]]), np.array([1.0])
    assert _core.parzen_log_pdf(space=space, obs=obs, weights=weights, x=obs).shape == (1,)
    with pytest.raises(TypeError):
        _core.parzen_log_pdf(space, obs, weights, obs)  # type: ignore[misc]
    with pytest.raises(TypeError):
        _core.parzen_sample(space, obs, weights, 3, 0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        _core.TPESpace([_core.TPEParam.numerical(low=0.0, high=1.0)])  # type: ignore[misc]
    with pytest.raises(TypeError):
        _core.TPESplitState(1, 2)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda c: c.TPEParam.numerical(low=1.0, high=0.0), "low=1, high=0"),
        (lambda c: c.TPEParam.numerical(low=0.0, high=INF), "high=inf"),
        (lambda c: c.TPEParam.numerical(low=0.0, high=1.0, step=NAN), "step=NaN"),
        (lambda c: c.TPEParam.numerical(low=0.0, high=1.0, step=-0.5), "step=-0.5"),
        (lambda c: c.TPEParam.numerical(low=0.0, high=1.0, log=True), "log=true"),
    ],
)
def test_tpe_space_rejects_bad_specs(make: Callable[[Any], Any], why: str) -> None:
    from ferrotune import _core

    with pytest.raises(ValueError, match=f"invalid parameter spec at column 0: .*{why}"):
        _core.TPESpace(params=[make(_core)])


def test_tpe_space_rejects_bad_options() -> None:
    from ferrotune import _core

    unit = [_core.TPEParam.numerical(low=0.0, high=1.0)]
    with pytest.raises(ValueError, match="n_choices=0"):
        _core.TPEParam.categorical(n_choices=0)
    with pytest.raises(ValueError, match="prior_weight must be non-negative, got -1"):
        _core.TPESpace(params=unit, prior_weight=-1.0)
    with pytest.raises(ValueError, match="n_ei_candidates must be positive"):
        _core.TPESpace(params=unit, n_candidates=0)
    with pytest.raises(ValueError, match="state codes must differ"):
        _core.TPESplitState(complete=1, pruned=1)


@pytest.mark.parametrize(
    ("state", "why"),
    [
        (b"", "0 bytes, shorter than the 8-byte header"),
        (b"\x03\x00\x00", "3 bytes, shorter"),
        (_sorted_state(3, [(0.5, 0)])[:-1], "11 bytes after the header"),
        (_sorted_state(2**63, []), "row count 9223372036854775808 exceeds"),
    ],
)
def test_truncated_tpe_sorted_column_pickle_is_a_value_error(state: bytes, why: str) -> None:
    import pickle

    with pytest.raises(ValueError, match=f"corrupt TPESortedColumn state: {why}"):
        pickle.loads(pickle.dumps(_Forged(state)))


# -- 2. every retry loop is bounded -----------------------------------------------------------
class _NeverInside(optuna.samplers.nsgaii.BaseCrossover):
    """A crossover whose children never lie in the search space."""

    n_parents = 2

    def __init__(self, value: float) -> None:
        self.value = value
        self.calls = 0

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: optuna.Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        self.calls += 1
        return np.full(parents_params.shape[1], self.value)


@pytest.mark.parametrize("value", [-1e9, NAN])
def test_nsgaii_crossover_retry_loop_is_bounded(
    value: float, caplog: pytest.LogCaptureFixture
) -> None:
    from ferrotune.samplers.nsgaii._child_generation import _MAX_CROSSOVER_ATTEMPTS

    crossover = _NeverInside(value)
    sampler = optuna.samplers.NSGAIISampler(
        population_size=2, crossover=crossover, crossover_prob=1.0, seed=0
    )
    study = optuna.create_study(sampler=sampler)
    study.optimize(
        lambda t: t.suggest_float("x", 0.0, 1.0) + t.suggest_float("y", 0.0, 1.0), n_trials=6
    )
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert all(0.0 <= t.params["x"] <= 1.0 for t in study.trials)
    # Children of generation 1 and later hit the bound once each, then fall back.
    assert crossover.calls == 4 * _MAX_CROSSOVER_ATTEMPTS
    assert "produced no child inside the search space" in caplog.text


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
def test_brute_force_grid_size_is_bounded() -> None:
    study = optuna.create_study(sampler=optuna.samplers.BruteForceSampler(seed=0))
    with pytest.raises(ValueError, match=r"step=1e-300: it has \d+ values, more than 10000000"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0, step=1e-300), n_trials=1)
    with pytest.raises(ValueError, match=r"\[0, 1000000000000\] with step=1: it has"):
        study.optimize(lambda t: t.suggest_int("n", 0, 10**12), n_trials=1)
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 2
    study = optuna.create_study(sampler=optuna.samplers.BruteForceSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0, step=0.25), n_trials=5)
    assert sorted(t.params["x"] for t in study.trials) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_float_step_far_below_the_range_is_exact() -> None:
    # decimal's default 28 digits raised DivisionImpossible for such quotients.
    with pytest.warns(UserWarning, match="not divisible by `step`"):
        d = FloatDistribution(0.0, 1.0, step=3e-300)
    assert 0.0 < d.high <= 1.0
    assert FloatDistribution(0.0, 1.0, step=1e-300).high == 1.0


# -- 5. clear messages ------------------------------------------------------------------------
class _ArrayEq:
    """Hashable, but ``==`` gives an array (as numpy-backed objects do)."""

    def __init__(self, v: int) -> None:
        self.v = v

    def __hash__(self) -> int:
        return hash(self.v)

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        return np.array([True, False])

    def __repr__(self) -> str:
        return f"_ArrayEq({self.v})"


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore:Choices for a categorical distribution:UserWarning")
@pytest.mark.parametrize(
    "choices",
    [
        [np.int64(1), np.float64(2.5), np.str_("a"), np.bool_(False)],
        [(1, 2), (np.int64(3), 4), None, NAN],
        [frozenset({1}), b"x", 2**70, -INF],
    ],
)
def test_qmc_takes_the_categorical_choices_optuna_takes(choices: list[object]) -> None:
    study = optuna.create_study(sampler=optuna.samplers.QMCSampler(seed=0))
    study.optimize(
        lambda t: (t.suggest_categorical("c", choices), t.suggest_float("x", 0.0, 1.0))[1],
        n_trials=6,
    )
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore:Choices for a categorical distribution:UserWarning")
def test_array_like_choices_never_raise_numpys_ambiguous_truth_value() -> None:
    study = optuna.create_study(sampler=optuna.samplers.QMCSampler(seed=0))
    with pytest.raises(TypeError, match=r"must be hashable, but \(array\(\[1\.\]\),\) is"):
        study.optimize(
            lambda t: t.suggest_categorical("c", [(np.array([1.0]),), (np.array([2.0]),)]),
            n_trials=1,
        )
    weird = [_ArrayEq(1), _ArrayEq(2)]
    for _ in range(2):
        try:
            study.optimize(lambda t: (t.suggest_categorical("w", weird), 0.0)[1], n_trials=1)
        except (TypeError, ValueError) as e:
            assert "ambiguous" not in str(e)


@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        (b"\xff\xfe\x00garbage", "corrupt at line 4"),
        (
            b'{"op_code": 0, "worker_id": "w", "study_name": "\xc3\x28", "directions": [1]}',
            "corrupt at line 4: 'utf-8' codec can't decode",
        ),
        (b"[1, 2]", r"corrupt at line 4: \[1, 2\] is not a journal record"),
        (b"{}", r"corrupt at line 4: \{\} is not a journal record"),
        (b'{"op_code": 999, "worker_id": "w"}', "corrupt at line 4: unknown journal op code 999"),
        (b'{"op_code": 4, "worker_id": "w"}', "corrupt at line 4: field 'study_id' is missing"),
        (
            b'{"op_code": 0, "worker_id": "w", "study_name": "t", "directions": 5}',
            "corrupt at line 4: record .* is invalid",
        ),
    ],
)
def test_corrupt_journal_lines_give_one_clear_error(
    garbage: bytes, message: str, tmp_path: object
) -> None:
    from ferrotune.storages import JournalStorage
    from ferrotune.storages.journal import JournalFileBackend

    path = f"{tmp_path}/journal.log"
    study = optuna.create_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    with open(path, "wb") as f:
        f.write(b"\n".join([*lines[:3], garbage, *lines[3:]]))
    with pytest.raises(ValueError, match=message):
        optuna.load_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")


def test_core_errors_show_no_rust_debug_dumps() -> None:
    from ferrotune import _core

    with pytest.raises(ValueError) as info:
        _core.TPESpace(params=[_core.TPEParam.numerical(low=0.0, high=INF)])
    message = str(info.value)
    assert message == (
        "invalid parameter spec at column 0: low=0, high=inf, step=none, log=false"
    ), message
    assert "ParamSpec" not in message and "{" not in message


@pytest.mark.parametrize("storage", [None, "sqlite"])
def test_add_trial_rejects_steps_beyond_int64(storage: str | None, tmp_path: object) -> None:
    url = None if storage is None else f"sqlite:///{tmp_path}/s.db"
    study = optuna.create_study(storage=url)
    with pytest.raises(ValueError, match=f"signed 64-bit integer, but got step={2**70}"):
        study.add_trial(optuna.trial.create_trial(value=1.0, intermediate_values={2**70: 0.5}))
    study.add_trial(optuna.trial.create_trial(value=1.0, intermediate_values={2**63 - 1: 0.5}))
    assert study.trials[0].intermediate_values == {2**63 - 1: 0.5}


def test_numpy_integers_are_accepted_where_optuna_accepts_them() -> None:
    i = np.int64
    sampler = optuna.samplers.TPESampler(n_startup_trials=i(2), n_ei_candidates=i(5), seed=i(0))
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=i(4), n_jobs=i(1))
    assert len(study.trials) == 4
    nsga = optuna.samplers.NSGAIISampler(population_size=i(4), seed=i(1))
    study = optuna.create_study(sampler=nsga)
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=6)
    assert len(study.trials) == 6
    cma = optuna.samplers.CmaEsSampler(inc_popsize=i(2), seed=i(2))
    assert cma is not None
    pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=i(3))
    assert pruner._min_resource == 3


@pytest.mark.parametrize("high", [1.5, np.float32(1.5), np.float64(2.25)])
def test_suggest_int_rejects_fractional_bounds_of_any_float_type(high: float) -> None:
    study = optuna.create_study()
    with pytest.raises(
        ValueError, match=f"parameter 'n': `high` must be an integer, but got high={high}"
    ):
        study.optimize(lambda t: t.suggest_int("n", 0, high), n_trials=1)  # type: ignore[arg-type]
    study.optimize(lambda t: t.suggest_int("n", np.float32(0.0), np.int64(3)), n_trials=1)  # type: ignore[arg-type]
    assert study.trials[-1].params["n"] in range(4)


@pytest.mark.parametrize(
    ("variant", "restart"), [("cma", "bipop"), ("sepcma", "ipop"), ("cmawm", None)]
)
def test_forged_cmaes_states_never_panic(variant: str, restart: str | None) -> None:
    """Every 8-byte window of a saved CMA-ES state overwritten with a huge value: the
    decoder refuses it (ValueError) or the optimizer keeps working; it used to panic
    (capacity overflow) or abort on a 100 GB allocation."""
    import struct

    from ferrotune import _core

    kwargs: dict[str, object] = {"seed": 1, "variant": variant, "restart_strategy": restart}
    kwargs["bounds"] = np.array([[-5.0, 5.0]] * 3)
    if variant == "cmawm":
        kwargs["steps"] = np.array([0.0, 1.0, 0.5])
    opt = _core.CmaEsOptimizer(np.zeros(3), 1.0, **kwargs)  # type: ignore[arg-type]
    for _ in range(3):
        x = opt.ask(opt.population_size)
        opt.tell(x, (x**2).sum(axis=1))
    good = opt.to_bytes()
    outcomes = {"ok": 0, "refused": 0}
    for offset in range(len(good) - 8):
        for value in (2**64 - 1, 2**40, 2**20 + 1):
            forged = good[:offset] + struct.pack("<Q", value) + good[offset + 8 :]
            try:
                o = _core.CmaEsOptimizer.from_bytes(forged)
                for _ in range(2):
                    x = o.ask(o.population_size)
                    with np.errstate(all="ignore"):
                        values = np.nan_to_num((x**2).sum(axis=1), posinf=1e300)
                    o.tell(x, values)
                outcomes["ok"] += 1
            except ValueError:
                outcomes["refused"] += 1
            except RuntimeError as e:  # a numerical failure, but never a caught panic
                assert "internal error" not in str(e), (offset, value, e)
                outcomes["refused"] += 1
    assert outcomes["refused"] > 0 and outcomes["ok"] > 0, outcomes


def test_oversized_candidate_counts_are_errors_not_aborts() -> None:
    """A failed allocation aborts the process; the core refuses such sizes up front."""
    from ferrotune import _core

    sampler = optuna.samplers.TPESampler(n_ei_candidates=10**12, n_startup_trials=1, seed=0)
    study = optuna.create_study(sampler=sampler)
    with pytest.raises(ValueError, match="n_ei_candidates=1000000000000 candidates"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE, TrialState.FAIL]
    opt = _core.CmaEsOptimizer(np.zeros(2), 1.0)
    with pytest.raises(ValueError, match="exceed the limit"):
        opt.ask(10**12)
    space = _core.TPESpace(params=[_core.TPEParam.numerical(low=0.0, high=1.0)])
    obs = np.array([[0.5]])
    with pytest.raises(ValueError, match="exceed the limit"):
        _core.parzen_sample(space=space, obs=obs, weights=np.array([1.0]), n=10**12, seed=0)


@pytest.mark.filterwarnings("ignore:`prior_weight` has been deprecated:FutureWarning")
@pytest.mark.parametrize("prior_weight", [NAN, INF, -1.0])
def test_tpe_prior_weight_must_be_finite(prior_weight: float) -> None:
    with pytest.raises(ValueError, match=f"prior_weight, but got {prior_weight}"):
        optuna.samplers.TPESampler(prior_weight=prior_weight)


@pytest.mark.filterwarnings("ignore:`gamma` has been deprecated:FutureWarning")
def test_tpe_gamma_returning_a_non_integer_names_it() -> None:
    sampler = optuna.samplers.TPESampler(gamma=lambda n: NAN, n_startup_trials=2, seed=0)
    study = optuna.create_study(sampler=sampler)
    with pytest.raises(ValueError, match=r"`gamma\(2\)` must return an integer, but returned nan"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3)
    assert study.trials[-1].state == TrialState.FAIL


# -- found by the fuzz suite (tests/fuzz) ------------------------------------------------------
@pytest.mark.filterwarnings("ignore:Choices for a categorical distribution:UserWarning")
def test_unstorable_categorical_choice_names_the_choice(tmp_path: object) -> None:
    study = optuna.create_study(storage=f"sqlite:///{tmp_path}/s.db")
    with pytest.raises(TypeError, match=r"got the choice b'x' of type bytes"):
        study.optimize(lambda t: (t.suggest_categorical("c", ["a", b"x"]), 0.0)[1], n_trials=1)
    with pytest.raises(TypeError, match=r"attribute 'k' must be JSON serializable, but got b''"):
        study.set_user_attr("k", b"")
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=1)
    assert study.best_trial.state == TrialState.COMPLETE


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"sampler": math.nan}, "`sampler` must be a BaseSampler or None, but got nan"),
        ({"pruner": "median"}, "`pruner` must be a BasePruner or None, but got 'median'"),
        ({"study_name": ["s"]}, r"`study_name` must be a str or None, but got \['s'\]"),
        ({"directions": b"\x00"}, r"`directions` must be a list of directions, but got b'\\x00'"),
    ],
)
def test_create_study_names_bad_components(kwargs: dict[str, object], shown: str) -> None:
    with pytest.raises(TypeError, match=shown):
        optuna.create_study(**kwargs)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: optuna.samplers.CmaEsSampler(n_startup_trials=None), "`n_startup_trials`"),
        (lambda: optuna.samplers.CmaEsSampler(popsize="8"), "`popsize`"),
        (lambda: optuna.samplers.CmaEsSampler(lr_adapt=math.nan), "`lr_adapt` must be a bool"),
        (lambda: optuna.samplers.CmaEsSampler(independent_sampler=1), "`independent_sampler`"),
        (lambda: optuna.samplers.TPESampler(constraints_func=1.0), "`constraints_func`"),
        (lambda: optuna.samplers.TPESampler(multivariate="yes"), "`multivariate`"),
        (lambda: optuna.samplers.NSGAIISampler(after_trial_strategy=0), "`after_trial_strategy`"),
        (
            lambda: optuna.samplers.PartialFixedSampler(math.nan, optuna.samplers.RandomSampler()),
            "`fixed_params`",
        ),
    ],
)
def test_sampler_arguments_are_checked_at_construction(make: object, shown: str) -> None:
    with pytest.raises(TypeError, match=shown):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kwargs", "exc", "shown"),
    [
        ({"value": "1.5"}, TypeError, "`value` must hold real numbers, but got '1.5'"),
        ({"value": 2**63}, None, ""),  # stored as a float (was an sqlite OverflowError)
        ({"values": [1.0, None]}, TypeError, "`values` must hold real numbers, but got None"),
        (
            {"intermediate_values": {1.5: 0.1}},
            TypeError,
            "steps must be integers, but got step=1.5",
        ),
        ({"intermediate_values": {1: None}}, TypeError, "`intermediate_values` must hold real"),
        ({"user_attrs": "abc"}, TypeError, "`user_attrs` must be a dict, but got 'abc'"),
        ({"params": {1: 0.5}}, TypeError, "keys of `params` must be str, but got 1"),
        ({"state": 1}, TypeError, "`state` must be a TrialState, but got 1"),
    ],
)
def test_create_trial_names_bad_arguments(
    kwargs: dict[str, object], exc: type[Exception] | None, shown: str, tmp_path: object
) -> None:
    args: dict[str, object] = {"value": 1.0, **kwargs}
    if "values" in kwargs:
        del args["value"]
    study = optuna.create_study(
        storage=f"sqlite:///{tmp_path}/s.db",
        directions=["minimize"] * len(args.get("values", [0])),  # type: ignore[arg-type]
    )
    if exc is None:
        study.add_trial(optuna.trial.create_trial(**args))  # type: ignore[arg-type]
        assert study.trials[0].value == float(2**63)
        return
    with pytest.raises(exc, match=shown):
        optuna.trial.create_trial(**args)  # type: ignore[arg-type]


def test_create_trial_takes_optunas_trial_state() -> None:
    import optuna as real_optuna

    frozen = optuna.trial.create_trial(state=real_optuna.trial.TrialState.FAIL)
    assert frozen.state is TrialState.FAIL


@pytest.mark.filterwarnings("ignore::ferrotune.exceptions.ExperimentalWarning")
def test_brute_force_goes_on_after_a_trial_that_failed_before_suggesting() -> None:
    study = optuna.create_study(sampler=optuna.samplers.BruteForceSampler(seed=0))

    def objective(trial: optuna.Trial) -> float:
        if trial.number == 0:
            raise ValueError("failed before any suggest")
        return trial.suggest_float("f", 1.5, 1.5) + trial.suggest_float("x", 0.0, 1.0, step=0.5)

    study.optimize(objective, n_trials=4, catch=(ValueError,))
    assert [t.state for t in study.trials] == [TrialState.FAIL] + [TrialState.COMPLETE] * 3
    assert sorted(t.params["x"] for t in study.trials[1:]) == [0.0, 0.5, 1.0]


def test_journal_names_values_it_cannot_write(tmp_path: object) -> None:
    from ferrotune.storages import JournalStorage
    from ferrotune.storages.journal import JournalFileBackend

    path = f"{tmp_path}/journal.log"
    study = optuna.create_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")
    with pytest.raises(TypeError, match=r"The value b'' of 'user_attr.k' cannot be written"):
        study.set_user_attr("k", b"")
    with pytest.raises(TypeError, match=r"The value b'1' of 'system_attrs.fixed_params.x'"):
        study.enqueue_trial({"x": b"1"})
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=2)
    reloaded = optuna.load_study(storage=JournalStorage(JournalFileBackend(path)), study_name="s")
    assert [t.state for t in reloaded.trials] == [TrialState.COMPLETE] * 2


@pytest.mark.parametrize("variant", ["cma", "sepcma", "cmawm"])
def test_cmaes_resampling_loop_is_bounded(variant: str) -> None:
    """A box holding almost none of the search distribution's mass: every candidate's
    resampling loop runs to ``n_max_resampling`` and the draw is then clipped, so ``ask``
    returns in-bounds candidates instead of spinning."""
    from ferrotune._core import CmaEsOptimizer

    n, width = 5, 1e-9
    steps = np.array([0.0] * n) if variant != "cmawm" else np.array([0.0, 0.0, 0.0, 0.0, 1e-10])
    opt = CmaEsOptimizer(
        np.full(n, width / 2), 1e3, bounds=np.array([[0.0, width]] * n), seed=3,
        variant=variant, n_max_resampling=1000,
        **({"steps": steps} if variant == "cmawm" else {}),
    )  # fmt: skip
    x = opt.ask(100)
    assert x.shape == (100, n)
    assert np.all((x >= 0.0) & (x <= width))
    # Clipped, not accepted: nearly every coordinate sits on a bound.
    assert np.mean((x == 0.0) | (x == width)) > 0.9


def test_unhashable_arguments_the_constructors_accept_are_not_cached() -> None:
    """``log=[]`` is falsy and accepted, as in Optuna; the distribution cache must not
    turn it into "unhashable type: 'list'" (found by tests/fuzz)."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    x = trial.suggest_float("x", 0.0, 1.0, log=[])  # type: ignore[arg-type]
    n = trial.suggest_int("n", 0, 3, log=[])  # type: ignore[arg-type]
    assert 0.0 <= x <= 1.0 and 0 <= n <= 3
    assert trial.distributions["x"].log is False
    study.tell(trial, x + n)
    assert study.best_value == x + n


@pytest.mark.parametrize(
    "sampler_cls",
    [optuna.samplers.RandomSampler, optuna.samplers.TPESampler, optuna.samplers.NSGAIISampler],
)
def test_single_infinite_value_is_suggested_like_optuna(sampler_cls: type) -> None:
    # Optuna returns the single value without asking the sampler, and stores it.
    study = optuna.create_study(sampler=sampler_cls(seed=0))

    def objective(t: optuna.Trial) -> float:
        assert t.suggest_float("p", INF, INF) == INF
        assert t.suggest_float("n", -INF, -INF) == -INF
        return t.suggest_float("x", 0.0, 1.0)

    study.optimize(objective, n_trials=12)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert study.trials[-1].params["p"] == INF
    assert study.trials[-1].distributions["n"] == FloatDistribution(-INF, -INF)


def test_fixed_value_of_an_infinite_range_is_used_like_optuna() -> None:
    # An enqueued value is not sampled, so Optuna accepts the range; so does ferrotune. The
    # next trial, without a fixed value, needs the sampler and is rejected.
    study = optuna.create_study()
    study.enqueue_trial({"x": 5.0})
    study.optimize(lambda t: t.suggest_float("x", 0.0, INF), n_trials=1)
    assert study.trials[0].params == {"x": 5.0}
    assert study.trials[0].distributions["x"] == FloatDistribution(0.0, INF)
    with pytest.raises(ValueError, match="parameter 'x': `high` must be finite"):
        study.optimize(lambda t: t.suggest_float("x", 0.0, INF), n_trials=1)


def test_range_of_infinite_width_is_rejected_at_the_call() -> None:
    study = optuna.create_study()
    with pytest.raises(ValueError, match=r"the width high - low of \[-1e\+308, 1e\+308\]"):
        study.optimize(lambda t: t.suggest_float("x", -1e308, 1e308), n_trials=1)
