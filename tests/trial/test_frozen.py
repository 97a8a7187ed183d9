from __future__ import annotations

import copy
import datetime
import pickle

import pytest

import ferrotune
from ferrotune.distributions import FloatDistribution, IntDistribution
from ferrotune.trial import FixedTrial, FrozenTrial, TrialState, create_trial


def test_create_trial_validates() -> None:
    trial = create_trial(
        params={"x": 0.5, "n": 2},
        distributions={"x": FloatDistribution(0, 1), "n": IntDistribution(0, 3)},
        value=1.5,
        intermediate_values={0: 2.0},
        constraints={"c": -1.0},
    )
    assert trial.state == TrialState.COMPLETE
    assert trial.value == 1.5 and trial.values == [1.5]
    assert trial.constraints == {"c": -1.0}
    assert trial.duration is not None
    with pytest.raises(ValueError, match="values should be set"):
        create_trial(state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match="isn't contained"):
        create_trial(params={"x": 2.0}, distributions={"x": FloatDistribution(0, 1)}, value=0.0)
    with pytest.raises(ValueError, match="Inconsistent parameters"):
        create_trial(params={"x": 0.1}, distributions={}, value=0.0)
    with pytest.raises(ValueError, match="only one of"):
        create_trial(value=1.0, values=[1.0])
    with pytest.raises(ValueError, match="failed trial"):
        create_trial(state=TrialState.FAIL, value=1.0)


def test_frozen_trial_replays_params_in_objective() -> None:
    def objective(trial: ferrotune.trial.BaseTrial) -> float:
        x = trial.suggest_float("x", -1, 1)
        n = trial.suggest_int("n", 0, 5)
        return x + n

    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=20)
    assert objective(study.best_trial) == study.best_value
    assert objective(FixedTrial(study.best_params)) == study.best_value
    with pytest.raises(ValueError, match="not found"):
        objective(FixedTrial({"x": 0.1}))


def test_multi_objective_value_access() -> None:
    trial = create_trial(values=[1.0, 2.0])
    with pytest.raises(RuntimeError, match="multi-objective"):
        _ = trial.value


def test_copy_pickle_and_equality() -> None:
    trial = create_trial(
        params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)}, value=1.0
    )
    clone = copy.deepcopy(trial)
    assert clone == trial and clone is not trial
    clone.params["x"] = 0.7
    assert trial.params["x"] == 0.5
    assert pickle.loads(pickle.dumps(trial)) == trial
    other = FrozenTrial(
        number=1,
        state=TrialState.RUNNING,
        value=None,
        datetime_start=datetime.datetime.now(),
        datetime_complete=None,
        params={},
        distributions={},
        user_attrs={},
        system_attrs={},
        intermediate_values={},
        trial_id=1,
    )
    assert trial < other and trial <= other
    assert "FrozenTrial(number=-1" in repr(trial)
