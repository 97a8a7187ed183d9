"""Public behaviour that matches Optuna 5.0 in detail (each test pins one former difference)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import ferrotune
from ferrotune.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
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


def _sample_relative_points(
    search_space: dict[str, BaseDistribution], n_startup_trials: int = 1
) -> list[dict[str, Any]]:
    """Optuna's sampler-harness setting: one told trial, then direct sample_relative calls."""
    sampler = ferrotune.samplers.CmaEsSampler(seed=0, n_startup_trials=n_startup_trials)
    study = ferrotune.create_study(sampler=sampler)
    trial = study.ask(search_space)
    study.tell(trial, sum(trial.params.values()))
    points = []
    for _ in range(12):
        trial_id = study._storage.create_new_trial(study._study_id)
        frozen = study._storage.get_trial(trial_id)
        points.append(sampler.sample_relative(study, frozen, search_space))
    return points


def test_cmaes_sample_relative_with_categorical_distributions() -> None:
    space: dict[str, BaseDistribution] = {
        "x": CategoricalDistribution([1, 10, 100]),
        "y": CategoricalDistribution([-1, -10, -100]),
    }
    points = _sample_relative_points(space)
    for params in points:
        assert set(params) == {"x", "y"}
        assert params["x"] in (1, 10, 100) and params["y"] in (-1, -10, -100)
        assert all(type(v) is int for v in params.values())
    assert len({p["x"] for p in points}) > 1  # sampled, not a constant


@pytest.mark.parametrize(
    "x_distribution",
    [
        FloatDistribution(-1.0, 1.0),
        FloatDistribution(1e-7, 1.0, log=True),
        FloatDistribution(-10, 10, step=0.5),
        IntDistribution(1, 10),
        IntDistribution(1, 100, log=True),
    ],
)
def test_cmaes_sample_relative_with_mixed_distributions(x_distribution: BaseDistribution) -> None:
    assert isinstance(x_distribution, (FloatDistribution, IntDistribution))
    space = {"x": x_distribution, "y": CategoricalDistribution([-1, -10, -100])}
    for params in _sample_relative_points(space):
        assert set(params) == {"x", "y"}
        assert x_distribution.low <= params["x"] <= x_distribution.high
        assert type(params["x"]) is (int if isinstance(x_distribution, IntDistribution) else float)
        assert params["y"] in (-1, -10, -100)


class _CategoricalCmaEs(ferrotune.samplers.CmaEsSampler):
    """CMA-ES given the categorical parameters too (as a subclass or a caller may)."""

    def infer_relative_search_space(
        self, study: ferrotune.Study, trial: ferrotune.trial.FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return ferrotune.search_space.intersection_search_space(study.get_trials(deepcopy=False))


def test_cmaes_learns_over_one_hot_encoded_categoricals() -> None:
    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        c = trial.suggest_categorical("c", ["bad", "worse", "good"])
        return x**2 + {"good": 0.0, "bad": 10.0, "worse": 20.0}[c]

    sampler = _CategoricalCmaEs(seed=1, n_startup_trials=1, popsize=6)
    study = ferrotune.create_study(sampler=sampler)
    study.optimize(objective, n_trials=90)
    # Every trial after the first was sampled by CMA-ES, categorical included.
    assert all(any(k.startswith("cma:") for k in t.system_attrs) for t in study.trials[1:])
    assert [t.params["c"] for t in study.trials[-12:]].count("good") >= 10
    assert study.best_value < 0.5
    assert ferrotune.samplers.CmaEsSampler().infer_relative_search_space(
        study, study.trials[-1]
    ) == {"x": FloatDistribution(-5, 5)}


def _future_warning(make: Callable[[], object]) -> tuple[object, str]:
    with pytest.warns(FutureWarning) as record:
        obj = make()
    messages = [str(w.message) for w in record if issubclass(w.category, FutureWarning)]
    assert len(messages) == 1
    return obj, messages[0]


@pytest.mark.parametrize(
    ("name", "args", "kind", "attributes"),
    [
        ("UniformDistribution", (0, 1), "FloatDistribution", {"low": 0.0, "high": 1.0}),
        ("LogUniformDistribution", (1, 2), "FloatDistribution", {"low": 1.0, "high": 2.0}),
        (
            "DiscreteUniformDistribution",
            (0, 1, 0.25),
            "FloatDistribution",
            {"low": 0.0, "high": 1.0, "q": 0.25},
        ),
        (
            "IntUniformDistribution",
            (0, 10, 2),
            "IntDistribution",
            {"low": 0, "high": 10, "step": 2},
        ),
        (
            "IntLogUniformDistribution",
            (1, 10),
            "IntDistribution",
            {"low": 1, "high": 10, "step": 1},
        ),
    ],
)
def test_deprecated_distributions_as_in_optuna(
    name: str, args: tuple[float, ...], kind: str, attributes: dict[str, float]
) -> None:
    import json

    import optuna

    ours, message = _future_warning(lambda: getattr(ferrotune.distributions, name)(*args))
    theirs, their_message = _future_warning(lambda: getattr(optuna.distributions, name)(*args))
    assert message == their_message
    assert isinstance(ours, getattr(ferrotune.distributions, kind))
    assert type(ours) in ferrotune.distributions.DISTRIBUTION_CLASSES
    assert isinstance(ours, BaseDistribution)
    assert repr(ours) == repr(theirs)
    text = ferrotune.distributions.distribution_to_json(ours)
    assert json.loads(text) == {"name": name, "attributes": attributes}
    assert text == optuna.distributions.distribution_to_json(theirs)  # type: ignore[arg-type]
    # JSON with the old name: the deprecated class, with its warning (as Optuna's).
    back, _ = _future_warning(lambda: ferrotune.distributions.json_to_distribution(text))
    assert type(back) is type(ours) and back == ours
    current = getattr(ferrotune.distributions, kind)(**{"low": args[0], "high": args[1]})
    assert ours != current  # another class, as in Optuna
    with pytest.raises(ValueError, match="different distribution kind"):
        ferrotune.distributions.check_distribution_compatibility(ours, current)


def test_deprecated_distributions_are_converted_where_optuna_converts() -> None:
    with pytest.warns(FutureWarning, match="DiscreteUniformDistribution"):
        old = ferrotune.distributions.DiscreteUniformDistribution(0, 1, 0.25)
    assert old.q == 0.25 and old.step == 0.25
    study = ferrotune.create_study()
    with pytest.warns(FutureWarning, match="internally converted to FloatDistribution"):
        trial = study.ask({"x": old})
    assert trial.distributions == {"x": FloatDistribution(0, 1, step=0.25)}
    with pytest.warns(FutureWarning, match="internally converted"):
        frozen = ferrotune.trial.create_trial(params={"x": 0.5}, distributions={"x": old}, value=1)
    assert frozen.distributions == {"x": FloatDistribution(0, 1, step=0.25)}
    # Storages read the old names, silently, as the current classes.
    assert ferrotune.distributions._json_to_distribution(
        '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 8, "step": 1}}'
    ) == IntDistribution(1, 8, log=True)


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("JournalFileStorage", "JournalFileBackend"),
        ("JournalFileOpenLock", "JournalFileOpenLock"),
        ("JournalFileSymlinkLock", "JournalFileSymlinkLock"),
    ],
)
def test_deprecated_journal_file_names_as_in_optuna(
    name: str, current: str, tmp_path: Path
) -> None:
    import optuna

    path = str(tmp_path / "journal.log")
    ours, message = _future_warning(lambda: getattr(ferrotune.storages, name)(path))
    _, their_message = _future_warning(lambda: getattr(optuna.storages, name)(path))
    assert message == their_message
    assert isinstance(ours, getattr(ferrotune.storages.journal, current))
    assert name in ferrotune.storages.__all__


def test_deprecated_journal_storage_names_work(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    with pytest.warns(FutureWarning, match="JournalFileStorage has been deprecated in v4.0.0"):
        backend = ferrotune.storages.JournalFileStorage(path)
    study = ferrotune.create_study(storage=ferrotune.storages.JournalStorage(backend))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == 2
    with pytest.warns(FutureWarning, match="JournalRedisStorage has been deprecated in v4.0.0"):
        redis_backend = ferrotune.storages.JournalRedisStorage("redis://127.0.0.1:1/0")
    assert isinstance(redis_backend, ferrotune.storages.journal.JournalRedisBackend)

    class Backend(ferrotune.storages.BaseJournalLogStorage):
        def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
            return []

        def append_logs(self, logs: list[dict[str, Any]]) -> None:
            pass

    with pytest.warns(FutureWarning, match="BaseJournalLogStorage has been deprecated"):
        log_storage = Backend()
    assert isinstance(log_storage, ferrotune.storages.journal.BaseJournalBackend)


def test_deprecation_decorators_word_warnings_as_optuna() -> None:
    from ferrotune._deprecated import deprecated_class, deprecated_func

    @deprecated_func("1.0.0", "2.0.0", text="Use g instead.")
    def f(x: int) -> int:
        """Double."""
        return 2 * x

    with pytest.warns(FutureWarning) as record:
        assert f(2) == 4
    assert str(record[0].message) == (
        "f has been deprecated in v1.0.0. This feature will be removed in v2.0.0. "
        "See https://github.com/optuna/optuna/releases/tag/v1.0.0. Use g instead."
    )
    assert f.__doc__ is not None and "Deprecated in v1.0.0" in f.__doc__

    @deprecated_class("1.0.0", "2.0.0", name="The thing")
    class Thing:
        pass

    with pytest.warns(FutureWarning, match=r"^The thing has been deprecated in v1\.0\.0\."):
        Thing()
    with pytest.raises(ValueError, match="Invalid version specification"):
        deprecated_func("1.0", "2.0.0")
    with pytest.raises(ValueError, match="version relationship"):
        deprecated_class("3.0.0", "2.0.0")
