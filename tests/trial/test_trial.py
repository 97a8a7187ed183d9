from __future__ import annotations

import math

import pytest

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from ferrotune.exceptions import UpdateFinishedTrialError
from ferrotune.samplers import RandomSampler
from ferrotune.trial import Trial, TrialState


def _study(seed: int = 0) -> ferrotune.Study:
    return ferrotune.create_study(sampler=RandomSampler(seed=seed))


def test_suggest_values_lie_in_their_distributions() -> None:
    study = _study()
    for _ in range(200):
        trial = study.ask()
        x = trial.suggest_float("x", -3.0, 2.0)
        lx = trial.suggest_float("lx", 1e-4, 10.0, log=True)
        sx = trial.suggest_float("sx", 0.0, 1.0, step=0.25)
        n = trial.suggest_int("n", -5, 5)
        ln = trial.suggest_int("ln", 1, 1000, log=True)
        sn = trial.suggest_int("sn", 0, 10, step=5)
        c = trial.suggest_categorical("c", ["a", None, 3])
        assert -3.0 <= x <= 2.0 and isinstance(x, float)
        assert 1e-4 <= lx <= 10.0
        assert sx in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert -5 <= n <= 5 and isinstance(n, int)
        assert 1 <= ln <= 1000 and isinstance(ln, int)
        assert sn in (0, 5, 10)
        assert c in ("a", None, 3)
        study.tell(trial, x)
    assert len(study.trials) == 200
    # every value of a small space shows up
    assert {t.params["sn"] for t in study.trials} == {0, 5, 10}
    assert {t.params["c"] for t in study.trials} == {"a", None, 3}


def test_same_name_twice_returns_first_value() -> None:
    study = _study()
    trial = study.ask()
    first = trial.suggest_float("x", 0.0, 1.0)
    assert trial.suggest_float("x", 0.0, 1.0) == first
    # a different but compatible range still returns the first value, with Optuna's warning
    with pytest.warns(RuntimeWarning, match="Inconsistent parameter values"):
        assert trial.suggest_float("x", -10.0, 10.0) == first
    assert trial.params == {"x": first}


def test_same_name_with_incompatible_distribution_raises() -> None:
    study = _study()
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    with pytest.raises(ValueError, match="different distribution kind"):
        trial.suggest_int("x", 0, 1)
    with pytest.raises(ValueError, match="log configuration"):
        trial.suggest_float("x", 0.1, 1.0, log=True)
    trial.suggest_categorical("c", ["a", "b"])
    with pytest.raises(ValueError, match="dynamic value space"):
        trial.suggest_categorical("c", ["a", "z"])


def test_incompatible_distribution_across_trials_raises() -> None:
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    trial = study.ask()
    with pytest.raises(ValueError, match="different distribution kind"):
        trial.suggest_int("x", 0, 1)


@pytest.mark.filterwarnings("ignore:Choices for a categorical distribution:UserWarning")
@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda t: t.suggest_float("x", 1.0, 0.0), ValueError, "low=1.0"),
        (lambda t: t.suggest_float("x", 0.0, 1.0, log=True), ValueError, "low > 0"),
        (lambda t: t.suggest_float("x", 0.1, 1.0, log=True, step=0.1), ValueError, "step"),
        (lambda t: t.suggest_float("x", 0.0, 1.0, step=-0.5), ValueError, "step=-0.5"),
        (lambda t: t.suggest_int("x", 0, 10, log=True), ValueError, "low >= 1"),
        (lambda t: t.suggest_int("x", 0, 10.5), ValueError, "high=10.5"),
        (lambda t: t.suggest_categorical("x", []), ValueError, "one or more"),
        (lambda t: t.suggest_categorical("x", [[1], [2]]), TypeError, "unhashable"),
        (lambda t: t.suggest_float(3, 0.0, 1.0), TypeError, "names must be str"),
    ],
)
def test_invalid_suggest_arguments(call, exc: type[Exception], message: str) -> None:  # type: ignore[no-untyped-def]
    trial = _study().ask()
    with pytest.raises(exc, match=message):
        call(trial)


def test_single_valued_distributions_return_their_value() -> None:
    trial = _study().ask()
    assert trial.suggest_float("a", 2.5, 2.5) == 2.5
    assert trial.suggest_int("b", 7, 7) == 7
    assert trial.suggest_categorical("c", ["only"]) == "only"


def test_conditional_search_space() -> None:
    def objective(trial: Trial) -> float:
        kind = trial.suggest_categorical("kind", ["linear", "tree"])
        if kind == "linear":
            return trial.suggest_float("alpha", 1e-3, 1.0, log=True)
        return float(trial.suggest_int("depth", 1, 8))

    study = _study()
    study.optimize(objective, n_trials=60)
    kinds = {t.params["kind"]: set(t.params) for t in study.trials}
    assert kinds["linear"] == {"kind", "alpha"}
    assert kinds["tree"] == {"kind", "depth"}


def test_dynamic_range_depending_on_other_param() -> None:
    def objective(trial: Trial) -> float:
        n = trial.suggest_int("n", 1, 4)
        return sum(trial.suggest_float(f"w{i}", 0, 1) for i in range(n))

    study = _study()
    study.optimize(objective, n_trials=40)
    for t in study.trials:
        assert len(t.params) == 1 + t.params["n"]


def test_user_attrs_and_system_attrs() -> None:
    study = _study()
    trial = study.ask()
    trial.set_user_attr("note", {"a": 1})
    assert trial.user_attrs == {"note": {"a": 1}}
    study.tell(trial, 1.0)
    assert study.trials[0].user_attrs == {"note": {"a": 1}}


def test_trial_properties() -> None:
    study = _study()
    trial = study.ask()
    trial.suggest_int("n", 0, 3)
    assert trial.number == 0
    assert trial.datetime_start is not None
    assert trial.distributions == {"n": IntDistribution(0, 3)}
    # returned dicts are copies
    trial.params["n"] = 99
    assert trial.params["n"] != 99


def test_suggest_after_tell_raises() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 0.0)
    with pytest.raises(UpdateFinishedTrialError, match="already finished"):
        trial.suggest_float("x", 0, 1)


def test_fixed_distributions_in_ask() -> None:
    study = _study()
    trial = study.ask({"x": FloatDistribution(0, 1), "c": CategoricalDistribution([1, 2])})
    assert set(trial.params) == {"x", "c"}
    assert trial.suggest_float("x", 0, 1) == trial.params["x"]


def test_constraints_are_recorded() -> None:
    study = _study()
    trial = study.ask()
    trial.set_constraint("c0", 1.5)
    trial.set_constraint("c1", -0.5)
    with pytest.warns(UserWarning, match="already set"):
        trial.set_constraint("c0", 3.0)
    with pytest.raises(ValueError, match="NaN"):
        trial.set_constraint("c2", math.nan)
    study.tell(trial, 1.0)
    assert study.trials[0].constraints == {"c0": 1.5, "c1": -0.5}


def test_report_records_intermediate_values() -> None:
    study = _study()
    trial = study.ask()
    trial.report(0.5, 0)
    trial.report(0.25, 3)
    with pytest.warns(UserWarning, match="already reported"):
        trial.report(0.9, 3)
    with pytest.raises(TypeError, match="step"):
        trial.report(0.1, "1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        trial.report(0.1, -1)
    with pytest.raises(TypeError, match="value"):
        trial.report("x", 4)  # type: ignore[arg-type]
    study.tell(trial, 0.1)
    frozen = study.trials[0]
    assert frozen.intermediate_values == {0: 0.5, 3: 0.25}
    assert frozen.last_step == 3
    assert trial.should_prune() is False or study.pruner is not None


def test_trial_state_is_finished() -> None:
    assert not TrialState.RUNNING.is_finished()
    assert not TrialState.WAITING.is_finished()
    assert all(s.is_finished() for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))
