"""Third-party samplers, pruners and storages written against Optuna's method names work."""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

import pytest

import ferrotune
from ferrotune.distributions import BaseDistribution, FloatDistribution
from ferrotune.pruners import BasePruner
from ferrotune.samplers import BaseSampler, RandomSampler
from ferrotune.search_space import IntersectionSearchSpace
from ferrotune.storages import BaseStorage, InMemoryStorage
from ferrotune.study import StudyDirection
from ferrotune.study._frozen import FrozenStudy
from ferrotune.trial import FrozenTrial, TrialState


class MidpointSampler(BaseSampler):
    """Relative sampling of the intersection space at its midpoints; random otherwise."""

    def __init__(self) -> None:
        self._space = IntersectionSearchSpace()
        self._fallback = RandomSampler(seed=0)
        self.calls: list[str] = []

    def infer_relative_search_space(
        self, study: ferrotune.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._space.calculate(study)

    def sample_relative(
        self, study: ferrotune.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self.calls.append("relative")
        return {
            name: (d.low + d.high) / 2
            for name, d in search_space.items()
            if isinstance(d, FloatDistribution)
        }

    def sample_independent(
        self,
        study: ferrotune.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self.calls.append(f"independent:{param_name}")
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: ferrotune.Study, trial: FrozenTrial) -> None:
        self.calls.append(f"before:{trial.number}")

    def after_trial(
        self,
        study: ferrotune.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self.calls.append(f"after:{trial.number}:{state.name}")


def test_custom_sampler_hooks_and_relative_sampling() -> None:
    sampler = MidpointSampler()
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 10) + t.suggest_float("y", 0, 2), n_trials=3)
    assert study.trials[0].params != {"x": 5.0, "y": 1.0}  # first trial: nothing to intersect
    assert study.trials[1].params == {"x": 5.0, "y": 1.0}
    assert sampler.calls[:5] == [
        "before:0",
        "relative",
        "independent:x",
        "independent:y",
        "after:0:COMPLETE",
    ]
    assert "after:2:COMPLETE" in sampler.calls


class PruneAtStepPruner(BasePruner):
    def __init__(self, step: int) -> None:
        self.step = step

    def prune(self, study: ferrotune.Study, trial: FrozenTrial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.step


def test_custom_pruner() -> None:
    study = ferrotune.create_study(sampler=RandomSampler(seed=0), pruner=PruneAtStepPruner(3))

    def objective(trial: ferrotune.Trial) -> float:
        for step in range(10):
            trial.report(float(step), step)
            if trial.should_prune():
                raise ferrotune.TrialPruned()
        return 0.0

    study.optimize(objective, n_trials=2)
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 2
    assert [t.last_step for t in study.trials] == [3, 3]


class DelegatingStorage(BaseStorage):
    """A storage implementing only Optuna's abstract methods (no ferrotune fast paths)."""

    def __init__(self) -> None:
        self._inner = InMemoryStorage()
        self.calls = 0

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return getattr(self._inner, name)(*args, **kwargs)

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        return int(self._call("create_new_study", directions, study_name))

    def delete_study(self, study_id: int) -> None:
        self._call("delete_study", study_id)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._call("set_study_user_attr", study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._call("set_study_system_attr", study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return int(self._call("get_study_id_from_name", study_name))

    def get_study_name_from_id(self, study_id: int) -> str:
        return str(self._call("get_study_name_from_id", study_id))

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return list(self._call("get_study_directions", study_id))

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return dict(self._call("get_study_user_attrs", study_id))

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return dict(self._call("get_study_system_attrs", study_id))

    def get_all_studies(self) -> list[FrozenStudy]:
        return list(self._call("get_all_studies"))

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        return int(self._call("create_new_trial", study_id, template_trial))

    def set_trial_param(
        self, trial_id: int, param_name: str, param_value_internal: float, distribution: Any
    ) -> None:
        self._call("set_trial_param", trial_id, param_name, param_value_internal, distribution)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return int(self._call("get_trial_id_from_study_id_trial_number", study_id, trial_number))

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        return bool(self._call("set_trial_state_values", trial_id, state, values))

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        self._call("set_trial_intermediate_value", trial_id, step, value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._call("set_trial_user_attr", trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._call("set_trial_system_attr", trial_id, key, value)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return self._call("get_trial", trial_id)  # type: ignore[no-any-return]

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        return list(self._call("get_all_trials", study_id, deepcopy, states))


def test_third_party_storage_runs_a_full_study() -> None:
    storage = DelegatingStorage()
    study = ferrotune.create_study(
        storage=storage, sampler=MidpointSampler(), direction="maximize"
    )

    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", 0, 10)
        trial.set_user_attr("double", 2 * x)
        trial.report(x, 0)
        return x

    study.optimize(objective, n_trials=6)
    study.enqueue_trial({"x": 9.5})
    study.optimize(objective, n_trials=1)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 7
    assert study.trials[1].params == {"x": 5.0}
    assert study.best_value == 9.5
    assert study.trials[6].user_attrs == {"double": 19.0}
    assert study.trials[6].intermediate_values == {0: 9.5}
    history = study._get_trial_history()
    assert history.param("x").tolist() == [t.params["x"] for t in study.trials]
    assert storage.calls > 0
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="Cannot tell a COMPLETE trial"):
        study.tell(trial, 1.0)
