"""Public behaviour that matches Optuna 5.0 in detail (each test pins one former difference)."""

from __future__ import annotations

import pytest

import ferrotune
from ferrotune.study import StudyDirection, StudySummary


def _summary(study_id: int, name: str = "s") -> StudySummary:
    return StudySummary(name, StudyDirection.MINIMIZE, None, {}, 0, None, study_id)


def test_study_summary_equality_and_ordering() -> None:
    assert _summary(0) == _summary(0)
    assert _summary(0) != _summary(0, name="t")
    assert _summary(0) != "s"
    assert _summary(0) < _summary(1) and _summary(0) <= _summary(0)
    assert _summary(1) > _summary(0) and _summary(1) >= _summary(1)
    assert sorted([_summary(2), _summary(0), _summary(1)]) == [_summary(i) for i in range(3)]
    with pytest.raises(TypeError):
        _ = _summary(0) < 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        hash(_summary(0))

    storage = ferrotune.storages.InMemoryStorage()
    for name in ("b", "a"):
        ferrotune.create_study(study_name=name, storage=storage)
    summaries = ferrotune.get_all_study_summaries(storage)
    assert summaries == ferrotune.get_all_study_summaries(storage)
    assert [s.study_name for s in sorted(summaries)] == ["b", "a"]


def test_fixed_trial_returns_the_given_value() -> None:
    trial = ferrotune.trial.FixedTrial({"x": 1, "n": 2})
    x = trial.suggest_float("x", 0, 3)
    assert x == 1 and type(x) is int
    assert type(trial.suggest_int("n", 0, 3)) is int
    assert trial.params == {"x": 1, "n": 2}


def test_fixed_trial_set_constraint() -> None:
    trial = ferrotune.trial.FixedTrial({})
    assert trial.constraints == {}
    trial.set_constraint("c0", 1)
    trial.set_constraint("c1", -0.5)
    assert trial.constraints == {"c0": 1.0, "c1": -0.5}
    assert trial.system_attrs == {"constraints:c0": 1.0, "constraints:c1": -0.5}
    with pytest.warns(UserWarning, match="already set"):
        trial.set_constraint("c0", 3.0)
    assert trial.constraints["c0"] == 1.0
    with pytest.raises(ValueError, match="NaN"):
        trial.set_constraint("c2", float("nan"))
    with pytest.raises(TypeError, match="number"):
        trial.set_constraint("c2", "abc")  # type: ignore[arg-type]

    def objective(trial: ferrotune.trial.BaseTrial) -> float:
        trial.set_constraint("c", trial.suggest_float("x", 0, 1) - 0.5)
        return 0.0

    fixed = ferrotune.trial.FixedTrial({"x": 0.75})
    objective(fixed)
    assert fixed.constraints == {"c": 0.25}
