from __future__ import annotations

import pytest

import ferrotune
from ferrotune.distributions import CategoricalDistribution, FloatDistribution
from ferrotune.exceptions import DuplicatedStudyError, ExperimentalWarning
from ferrotune.samplers import RandomSampler
from ferrotune.storages import InMemoryStorage
from ferrotune.study import StudyDirection
from ferrotune.trial import TrialState, create_trial


def _study(**kwargs: object) -> ferrotune.Study:
    return ferrotune.create_study(sampler=RandomSampler(seed=0), **kwargs)  # type: ignore[arg-type]


def test_directions() -> None:
    assert _study().direction == StudyDirection.MINIMIZE
    assert _study(direction="maximize").direction == StudyDirection.MAXIMIZE
    study = _study(directions=["minimize", StudyDirection.MAXIMIZE])
    assert study.directions == [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]
    with pytest.raises(RuntimeError, match="multi-objective"):
        _ = study.direction
    with pytest.raises(ValueError, match="'upward'"):
        _study(direction="upward")
    with pytest.raises(ValueError, match="only one of"):
        _study(direction="minimize", directions=["minimize"])
    # A bare string is not a list of directions: ValueError as in Optuna, not TypeError.
    with pytest.raises(ValueError, match="use `direction` instead of `directions`"):
        _study(directions="minimize")


def test_best_trial_value_params() -> None:
    study = _study(direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=30)
    values = [t.value for t in study.trials]
    assert study.best_value == max(values)  # type: ignore[type-var]
    assert study.best_trial.number == values.index(study.best_value)
    assert study.best_params == {"x": study.best_value}


def test_best_with_no_complete_trial_raises() -> None:
    study = _study()
    with pytest.raises(ValueError, match="No trials are completed"):
        _ = study.best_trial
    with pytest.raises(ValueError, match="No trials are completed"):
        _ = study.best_value
    study.optimize(lambda t: float("nan"), n_trials=1)
    with pytest.raises(ValueError, match="No trials are completed"):
        _ = study.best_params


def test_best_trial_ignores_infeasible_trials() -> None:
    study = _study()
    for value, constraint in [(0.0, 1.0), (1.0, -1.0), (2.0, 0.0)]:
        trial = study.ask()
        trial.set_constraint("c", constraint)
        study.tell(trial, value)
    assert study.best_value == 1.0
    study2 = _study()
    trial = study2.ask()
    trial.set_constraint("c", 5.0)
    study2.tell(trial, 0.0)
    with pytest.raises(ValueError, match="feasible"):
        _ = study2.best_trial


def test_multi_objective_best_trials_is_pareto_front() -> None:
    study = _study(directions=["minimize", "maximize"])
    points = [(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (0.5, 0.5), (2.0, 3.0), (4.0, 4.0)]
    for p in points:
        trial = study.ask()
        study.tell(trial, list(p))
    front = {t.number for t in study.best_trials}
    # (1,1) dominated by nothing with lower f0 and higher f1? (0.5,0.5) has lower f0 but
    # lower f1, so (1,1) stays; (3,2) is dominated by (2,3); duplicates both stay.
    assert front == {0, 1, 3, 4, 5}
    with pytest.raises(RuntimeError, match="multi-objective"):
        _ = study.best_trial
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3)
    assert len(study.trials) == 9


def test_ask_tell_interface() -> None:
    study = _study()
    trial = study.ask()
    x = trial.suggest_float("x", -1, 1)
    frozen = study.tell(trial, x**2)
    assert frozen.state == TrialState.COMPLETE and frozen.value == x**2
    t2 = study.ask()
    study.tell(t2.number, state=TrialState.PRUNED)
    t3 = study.ask()
    study.tell(t3, state=TrialState.FAIL)
    assert [t.state for t in study.trials] == [
        TrialState.COMPLETE,
        TrialState.PRUNED,
        TrialState.FAIL,
    ]


def test_tell_errors() -> None:
    study = _study()
    trial = study.ask()
    with pytest.raises(ValueError, match="Values are required"):
        study.tell(trial, state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match="Values cannot be specified"):
        study.tell(trial, 1.0, state=TrialState.PRUNED)
    with pytest.raises(ValueError, match="Cannot tell with state"):
        study.tell(trial, 1.0, state=TrialState.WAITING)
    with pytest.raises(ValueError, match="not acceptable"):
        study.tell(trial, float("nan"), state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match="has not been created"):
        study.tell(99, 1.0)
    with pytest.raises(TypeError, match="trial object or trial number"):
        study.tell("0", 1.0)  # type: ignore[arg-type]
    study.tell(trial, 1.0)
    with pytest.raises(ValueError, match="Cannot tell a COMPLETE trial"):
        study.tell(trial, 2.0)
    frozen = study.tell(trial, 2.0, skip_if_finished=True)
    assert frozen.value == 1.0


def test_tell_with_unusable_value_fails_and_warns() -> None:
    study = _study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="not acceptable"):
        frozen = study.tell(trial, float("nan"))
    assert frozen.state == TrialState.FAIL


def test_enqueue_trial() -> None:
    study = _study()
    study.enqueue_trial({"x": 0.25, "c": "b"}, user_attrs={"source": "expert"})
    study.enqueue_trial({"x": 0.75})
    study.enqueue_trial({"x": 0.25, "c": "b"}, skip_if_exists=True)  # skipped

    def objective(trial: ferrotune.Trial) -> float:
        return trial.suggest_float("x", 0, 1) + len(
            str(trial.suggest_categorical("c", ["a", "b"]))
        )

    study.optimize(objective, n_trials=3)
    trials = study.trials
    assert trials[0].params == {"x": 0.25, "c": "b"}
    assert trials[0].user_attrs == {"source": "expert"}
    assert trials[1].params["x"] == 0.75
    assert len(trials) == 3
    study.enqueue_trial({"x": 0.25, "c": "b"}, skip_if_exists=True)
    assert len(study.trials) == 3
    with pytest.warns(UserWarning, match="out of range"):
        study.enqueue_trial({"x": 5.0})
        study.optimize(objective, n_trials=1)
    with pytest.raises(TypeError, match="must be a dict"):
        study.enqueue_trial([("x", 1.0)])  # type: ignore[arg-type]


def test_add_trial_and_add_trials() -> None:
    study = _study()
    dist = {"x": FloatDistribution(0, 1), "c": CategoricalDistribution(["a", "b"])}
    study.add_trial(create_trial(params={"x": 0.3, "c": "a"}, distributions=dist, value=3.0))
    study.add_trials(
        [
            create_trial(params={"x": 0.1, "c": "b"}, distributions=dist, value=1.0),
            create_trial(state=TrialState.FAIL),
        ]
    )
    assert [t.number for t in study.trials] == [0, 1, 2]
    assert study.best_params == {"x": 0.1, "c": "b"}
    with pytest.raises(ValueError, match="2 objectives"):
        _study(directions=["minimize", "minimize"]).add_trial(create_trial(value=1.0))


def test_user_attrs_and_metric_names() -> None:
    study = _study(directions=["minimize", "maximize"])
    study.set_user_attr("dataset", "iris")
    assert study.user_attrs == {"dataset": "iris"}
    study.set_system_attr("owner", {"team": "ml"})
    assert study.system_attrs["owner"] == {"team": "ml"}
    study.system_attrs["owner"]["team"] = "changed"  # a copy: the study is unchanged
    assert study.system_attrs["owner"] == {"team": "ml"}
    assert study.metric_names is None
    with pytest.warns(ExperimentalWarning, match="set_metric_names is experimental"):
        study.set_metric_names(["loss", "acc"])
    assert study.metric_names == ["loss", "acc"]
    with pytest.raises(ValueError, match="metric names"), pytest.warns(ExperimentalWarning):
        study.set_metric_names(["only-one"])


def test_trials_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 3), n_trials=5)
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "number",
        "value",
        "datetime_start",
        "datetime_complete",
        "duration",
        "params_n",
        "params_x",
        "state",
    ]
    assert df["value"].tolist() == [t.value for t in study.trials]
    assert df["state"].tolist() == ["COMPLETE"] * 5
    multi = study.trials_dataframe(attrs=("number", "params"), multi_index=True)
    assert ("params", "x") in multi.columns
    mo = _study(directions=["minimize", "minimize"])
    with pytest.warns(ExperimentalWarning):
        mo.set_metric_names(["a", "b"])
    mo.optimize(lambda t: (1.0, 2.0), n_trials=2)
    assert {"values_a", "values_b"} <= set(mo.trials_dataframe().columns)
    assert _study().trials_dataframe().empty


def test_trials_dataframe_of_failed_trials_has_optuna_columns() -> None:
    pytest.importorskip("pandas")
    study = _study()

    def fail(trial: ferrotune.Trial) -> float:
        trial.suggest_int("x", 1, 1)
        trial.storage.set_trial_system_attr(trial._trial_id, "other", 3)
        raise ValueError("boom")

    study.optimize(fail, n_trials=2, catch=(ValueError,))
    assert "boom" in study.trials[0].system_attrs["fail_reason"]
    df = study.trials_dataframe()
    assert "system_attrs_fail_reason" not in df.columns
    assert df["system_attrs_other"].tolist() == [3, 3]
    assert df["state"].tolist() == ["FAIL", "FAIL"]


def test_trials_dataframe_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "pandas":
            raise ImportError("no pandas")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install pandas"):
        _study().trials_dataframe()


def test_create_load_delete_copy_and_summaries() -> None:
    storage = InMemoryStorage()
    study = ferrotune.create_study(storage=storage, study_name="s1", direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
    with pytest.raises(DuplicatedStudyError, match="s1"):
        ferrotune.create_study(storage=storage, study_name="s1")
    again = ferrotune.create_study(storage=storage, study_name="s1", load_if_exists=True)
    assert len(again.trials) == 4
    with pytest.raises(ValueError, match="Cannot overwrite study direction"):
        ferrotune.create_study(
            storage=storage, study_name="s1", load_if_exists=True, direction="minimize"
        )
    loaded = ferrotune.load_study(study_name="s1", storage=storage)
    assert loaded.best_value == study.best_value
    assert ferrotune.load_study(study_name=None, storage=storage).study_name == "s1"
    with pytest.raises(KeyError, match="nope"):
        ferrotune.load_study(study_name="nope", storage=storage)

    other = InMemoryStorage()
    ferrotune.copy_study(from_study_name="s1", from_storage=storage, to_storage=other)
    copied = ferrotune.load_study(study_name="s1", storage=other)
    assert [t.params for t in copied.trials] == [t.params for t in study.trials]
    assert copied.direction == StudyDirection.MAXIMIZE

    ferrotune.create_study(storage=storage, study_name="s2")
    assert sorted(ferrotune.get_all_study_names(storage)) == ["s1", "s2"]
    summaries = {s.study_name: s for s in ferrotune.get_all_study_summaries(storage)}
    assert summaries["s1"].n_trials == 4
    assert summaries["s1"].best_trial is not None
    assert summaries["s1"].best_trial.value == study.best_value
    assert summaries["s2"].best_trial is None
    with pytest.raises(ValueError, match="exactly 1 study"):
        ferrotune.load_study(study_name=None, storage=storage)
    ferrotune.delete_study(study_name="s2", storage=storage)
    assert ferrotune.get_all_study_names(storage) == ["s1"]


def test_invalid_storage_arguments() -> None:
    with pytest.raises(TypeError, match="storage"):
        ferrotune.create_study(storage=42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Invalid storage URL"):
        ferrotune.create_study(storage="not-a-url")


def test_study_pickles() -> None:
    import pickle

    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    restored = pickle.loads(pickle.dumps(study))
    assert [t.value for t in restored.trials] == [t.value for t in study.trials]
    restored.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert len(restored.trials) == 4
