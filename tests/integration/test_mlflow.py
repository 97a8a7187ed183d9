"""MLflowCallback: every trial becomes a run in a local MLflow file store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

mlflow = pytest.importorskip("mlflow")

import ferrotune  # noqa: E402
from ferrotune.integration import MLflowCallback  # noqa: E402

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    # MLflow 3 keeps the file store behind an opt-in (it prefers a database backend).
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    return (tmp_path / "mlruns").as_uri()


def _runs(uri: str, experiment: str) -> list[Any]:
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    exp = client.get_experiment_by_name(experiment)
    assert exp is not None
    runs = client.search_runs([exp.experiment_id])
    return sorted(runs, key=lambda r: int(r.data.tags["number"]))


def _objective(trial: ferrotune.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    trial.set_user_attr("note", f"trial {trial.number}")
    if trial.number == 2:
        raise ferrotune.TrialPruned
    return x * x + (kind == "b")


def test_each_trial_is_a_run(tracking_uri: str) -> None:
    callback = MLflowCallback(tracking_uri=tracking_uri, metric_name="loss")
    study = ferrotune.create_study(study_name="mlflow-demo")
    study.optimize(_objective, n_trials=4, callbacks=[callback])
    runs = _runs(tracking_uri, "mlflow-demo")
    assert [r.info.run_name for r in runs] == ["0", "1", "2", "3"]
    for run, trial in zip(runs, study.trials, strict=True):
        assert run.data.params == {k: str(v) for k, v in trial.params.items()}
        assert run.data.tags["state"] == trial.state.name
        assert run.data.tags["direction"] == "MINIMIZE"
        assert run.data.tags["note"] == f"trial {trial.number}"
        assert "x_distribution" in run.data.tags
        if trial.state == ferrotune.trial.TrialState.COMPLETE:
            assert run.data.metrics == {"loss": pytest.approx(trial.value)}
        else:
            assert run.data.metrics == {}


def test_multi_objective_names_and_study_tags(tracking_uri: str) -> None:
    callback = MLflowCallback(
        tracking_uri=tracking_uri, tag_study_user_attrs=True, tag_trial_user_attrs=False
    )
    study = ferrotune.create_study(study_name="mo", directions=["minimize", "maximize"])
    study.set_user_attr("team", "ferrotune")

    def objective(trial: ferrotune.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study.optimize(objective, n_trials=2, callbacks=[callback])
    runs = _runs(tracking_uri, "mo")
    assert set(runs[0].data.metrics) == {"value_0", "value_1"}
    assert runs[0].data.tags["team"] == "ferrotune"
    assert runs[0].data.tags["direction"] == "MINIMIZE,MAXIMIZE"
    with pytest.raises(ValueError, match="2 objectives"):
        MLflowCallback(tracking_uri=tracking_uri, metric_name=["only_one"])(study, study.trials[0])


def test_track_in_mlflow_shares_the_run(tracking_uri: str) -> None:
    callback = MLflowCallback(tracking_uri=tracking_uri)

    @callback.track_in_mlflow()
    def objective(trial: ferrotune.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        mlflow.log_metric("inner", 2 * x)
        return x

    study = ferrotune.create_study(study_name="tracked")
    study.optimize(objective, n_trials=3, callbacks=[callback])
    runs = _runs(tracking_uri, "tracked")
    assert len(runs) == 3
    for run, trial in zip(runs, study.trials, strict=True):
        assert trial.system_attrs["mlflow_run_id"] == run.info.run_id
        assert run.data.metrics["inner"] == pytest.approx(2 * trial.value)
        assert run.data.metrics["value"] == pytest.approx(trial.value)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="metric_name"):
        MLflowCallback(metric_name=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mlflow_kwargs"):
        MLflowCallback(mlflow_kwargs=["nested"])  # type: ignore[arg-type]
