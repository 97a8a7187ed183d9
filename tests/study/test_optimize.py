from __future__ import annotations

import logging
import math
import threading
import time

import pytest

import ferrotune
from ferrotune.samplers import RandomSampler
from ferrotune.study import MaxTrialsCallback, StudyDirection
from ferrotune.trial import Trial, TrialState


def _study(**kwargs: object) -> ferrotune.Study:
    return ferrotune.create_study(sampler=RandomSampler(seed=0), **kwargs)  # type: ignore[arg-type]


def _states(study: ferrotune.Study) -> list[TrialState]:
    return [t.state for t in study.trials]


def test_float_result_completes_trial() -> None:
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=5)
    assert _states(study) == [TrialState.COMPLETE] * 5
    assert all(t.value == t.params["x"] ** 2 for t in study.trials)


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (math.nan, "is not acceptable"),
        (None, "None could not be cast"),
        ("abc", "could not be cast to float"),
        ([1.0, 2.0], "did not match the number of the objectives"),
    ],
)
def test_bad_objective_results_fail_the_trial(result: object, reason: str) -> None:
    study = _study()
    study.optimize(lambda t: result, n_trials=2)  # type: ignore[arg-type,return-value]
    assert _states(study) == [TrialState.FAIL, TrialState.FAIL]
    assert reason in study.trials[0].system_attrs["fail_reason"]
    assert study.trials[0].values is None


def test_exception_fails_trial_and_is_reraised() -> None:
    study = _study()

    def objective(trial: Trial) -> float:
        trial.suggest_float("x", 0, 1)
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        study.optimize(objective, n_trials=3)
    assert _states(study) == [TrialState.FAIL]
    assert "boom" in study.trials[0].system_attrs["fail_reason"]


def test_caught_exception_lets_study_continue() -> None:
    study = _study()
    calls = []

    def objective(trial: Trial) -> float:
        calls.append(trial.number)
        if trial.number % 2:
            raise ValueError(f"bad trial {trial.number}")
        return 1.0

    study.optimize(objective, n_trials=4, catch=(ValueError,))
    assert _states(study) == [TrialState.COMPLETE, TrialState.FAIL] * 2
    study.optimize(objective, n_trials=2, catch=ValueError)  # a bare type is accepted too
    assert len(study.trials) == 6
    with pytest.raises(TypeError, match="catch"):
        study.optimize(objective, n_trials=1, catch="ValueError")  # type: ignore[arg-type]


def test_keyboard_interrupt_fails_trial_and_propagates() -> None:
    study = _study()

    def objective(trial: Trial) -> float:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=3)
    assert _states(study) == [TrialState.FAIL]
    assert not study.get_trials(states=(TrialState.RUNNING,))


def test_pruned_trial_keeps_last_intermediate_value() -> None:
    study = _study()

    def objective(trial: Trial) -> float:
        trial.report(3.0, 0)
        trial.report(2.0, 5)
        raise ferrotune.TrialPruned("stop here")

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert trial.value == 2.0


def test_no_running_trial_left_after_any_outcome() -> None:
    study = _study()
    outcomes = iter([1.0, math.nan, None])

    def objective(trial: Trial) -> float:
        if trial.number == 3:
            raise ferrotune.TrialPruned()
        if trial.number == 4:
            raise RuntimeError("x")
        return next(outcomes)  # type: ignore[return-value]

    study.optimize(objective, n_trials=5, catch=(RuntimeError,))
    assert not study.get_trials(states=(TrialState.RUNNING,))
    assert _states(study) == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.FAIL,
        TrialState.PRUNED,
        TrialState.FAIL,
    ]


def test_timeout_stops_starting_trials() -> None:
    study = _study()

    def objective(trial: Trial) -> float:
        time.sleep(0.05)
        return 0.0

    start = time.monotonic()
    study.optimize(objective, timeout=0.3)
    elapsed = time.monotonic() - start
    assert 2 <= len(study.trials) <= 10
    assert elapsed < 2.0


def test_n_jobs_runs_on_threads_safely() -> None:
    study = _study()
    threads: set[int] = set()
    lock = threading.Lock()

    def objective(trial: Trial) -> float:
        with lock:
            threads.add(threading.get_ident())
        time.sleep(0.002)
        return sum(trial.suggest_float(f"x{i}", 0, 1) for i in range(5))

    study.optimize(objective, n_trials=60, n_jobs=3)
    trials = study.trials
    assert len(trials) == 60
    assert sorted(t.number for t in trials) == list(range(60))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(len(t.params) == 5 for t in trials)
    assert len(threads) > 1
    with pytest.raises(ValueError, match="n_jobs"):
        study.optimize(objective, n_trials=1, n_jobs=0)


def test_callbacks_see_each_finished_trial_and_can_stop() -> None:
    study = _study()
    seen: list[tuple[int, TrialState]] = []

    def callback(study: ferrotune.Study, trial: ferrotune.FrozenTrial) -> None:
        seen.append((trial.number, trial.state))
        if trial.number == 4:
            study.stop()

    study.optimize(lambda t: 1.0, n_trials=20, callbacks=[callback])
    assert seen == [(i, TrialState.COMPLETE) for i in range(5)]
    with pytest.raises(RuntimeError, match="inside an objective"):
        study.stop()


def test_max_trials_callback_counts_states() -> None:
    study = _study()

    def objective(trial: Trial) -> float:
        if trial.number % 2:
            raise ferrotune.TrialPruned()
        return 1.0

    study.optimize(objective, n_trials=50, callbacks=[MaxTrialsCallback(3)])
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 3
    study2 = _study()
    study2.optimize(
        objective,
        n_trials=50,
        callbacks=[MaxTrialsCallback(4, states=(TrialState.COMPLETE, TrialState.PRUNED))],
    )
    assert len(study2.trials) == 4


def test_progress_bar_is_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=7, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "7/7" in err and "Best value" in err


def test_progress_bar_with_timeout_alone_is_time_based(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def objective(trial: Trial) -> float:
        time.sleep(0.02)
        return trial.suggest_float("x", 0, 1)

    _study().optimize(objective, timeout=0.1, show_progress_bar=True)
    err = capsys.readouterr().err
    # Optuna's format: "{desc} {percentage}%|{bar}| {elapsed}/{timeout}", no trial count.
    assert "100%|" in err and "| 00:00/00:00" in err and "it/s" not in err


def test_progress_bar_with_trials_and_timeout_shows_the_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _study().optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=3, timeout=100, show_progress_bar=True
    )
    err = capsys.readouterr().err
    assert "3/3" in err and "/100 seconds" in err


def test_progress_bar_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    study = _study()
    with pytest.warns(UserWarning, match="n_trials and timeout are None"):
        study.optimize(lambda t: 1.0, show_progress_bar=True, callbacks=[lambda s, t: s.stop()])
    with pytest.warns(UserWarning, match="not supported with n_jobs != 1"):
        study.optimize(lambda t: 1.0, timeout=0.05, n_jobs=2, show_progress_bar=True)
    assert "%|" not in capsys.readouterr().err  # no bar in either case


def test_progress_bar_routes_log_lines_through_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    from tqdm.auto import tqdm

    written: list[str] = []
    monkeypatch.setattr(tqdm, "write", staticmethod(lambda msg, *a, **k: written.append(msg)))
    logger = ferrotune.logging.get_logger("ferrotune.test")

    def objective(trial: Trial) -> float:
        logger.warning("inside the bar")
        return 1.0

    _study().optimize(objective, n_trials=1, show_progress_bar=True)
    assert any("inside the bar" in line for line in written)
    root = logging.getLogger("ferrotune")
    assert ferrotune.logging._default_handler in root.handlers  # given back afterwards


def test_gc_after_trial_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or 0)
    _study().optimize(lambda t: 1.0, n_trials=3, gc_after_trial=True)
    assert len(calls) == 3


def test_nested_optimize_is_rejected() -> None:
    study = _study()

    def objective(trial: Trial) -> float:
        study.optimize(lambda t: 1.0, n_trials=1)
        return 1.0

    with pytest.raises(RuntimeError, match="Nested"):
        study.optimize(objective, n_trials=1)


def test_log_lines_per_trial(caplog: pytest.LogCaptureFixture) -> None:
    ferrotune.logging.set_verbosity(ferrotune.logging.INFO)
    ferrotune.logging.enable_propagation()
    try:
        study = _study(direction=StudyDirection.MAXIMIZE)
        with caplog.at_level(logging.INFO, logger="ferrotune"):
            study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
            study.optimize(lambda t: math.nan, n_trials=1)
    finally:
        ferrotune.logging.disable_propagation()
    text = caplog.text
    assert "Trial 0 finished with value:" in text and "Best is trial" in text
    assert "Trial 2 failed with parameters" in text
    assert ferrotune.logging.get_verbosity() == logging.INFO


def test_seeded_sampler_is_reproducible() -> None:
    def run(seed: int) -> list[dict[str, object]]:
        study = ferrotune.create_study(sampler=RandomSampler(seed=seed))
        study.optimize(
            lambda t: (
                t.suggest_float("x", -1, 1)
                + t.suggest_int("n", 0, 9)
                + len(str(t.suggest_categorical("c", ["a", "bb"])))
            ),
            n_trials=30,
        )
        return [t.params for t in study.trials]

    assert run(3) == run(3)
    assert run(3) != run(4)
