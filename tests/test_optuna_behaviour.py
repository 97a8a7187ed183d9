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
