"""plot_terminator_improvement: the plotly figure equals Optuna's; matplotlib draws the same."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import optuna
import optuna.visualization as ov
import pytest
from tests.terminator.conftest import QUIET, both_studies

import ferrotune
import ferrotune.terminator as ft
import ferrotune.visualization as fv
from ferrotune.visualization._info import improvement_info

pytestmark = QUIET


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


def _values(n: int) -> list[float | None]:
    rng = np.random.default_rng(n)
    values: list[float | None] = [None, None]  # the plot starts at the first COMPLETE trial
    values += [None if i % 5 == 4 else float(v) for i, v in enumerate(rng.normal(size=n))]
    return values


def _kwargs(mod: Any, plot_error: bool, min_n_trials: int) -> dict[str, Any]:
    return {
        "plot_error": plot_error,
        "improvement_evaluator": mod.terminator.BestValueStagnationEvaluator(3),
        "error_evaluator": mod.terminator.StaticErrorEvaluator(0.5) if plot_error else None,
        "min_n_trials": min_n_trials,
    }


@pytest.mark.parametrize("n", [0, 4, 25])
@pytest.mark.parametrize("plot_error", [False, True])
@pytest.mark.parametrize("min_n_trials", [1, 5, 20])
def test_plotly_figure_equals_optuna(n: int, plot_error: bool, min_n_trials: int) -> None:
    ours, theirs = both_studies(_values(n), direction="maximize")
    a = fv.plot_terminator_improvement(ours, **_kwargs(ferrotune, plot_error, min_n_trials))
    b = ov.plot_terminator_improvement(theirs, **_kwargs(optuna, plot_error, min_n_trials))
    da, db = a.to_dict(), b.to_dict()
    # Optuna adds an empty Scatter when there are no errors; ferrotune draws nothing there.
    data_b = [t for t in db["data"] if t.get("x") is not None or t.get("y") is not None]
    assert da["data"] == data_b
    assert da["layout"] == db["layout"]


def test_info_starts_at_first_complete_trial_and_repeats_constant_error() -> None:
    study, _ = both_studies([None, None, 1.0, None, 0.5, 2.0])
    info = improvement_info(
        study, True, ft.BestValueStagnationEvaluator(3), ft.StaticErrorEvaluator(0.25)
    )
    assert info.trial_numbers == [2, 3, 4, 5]
    assert info.improvements == [3, 3, 3, 2]  # minimize: best is trial 4
    assert info.errors == [0.25] * 4


def test_info_without_error_and_empty_study() -> None:
    study, _ = both_studies([None])
    info = improvement_info(study, True, ft.BestValueStagnationEvaluator(3))
    assert (info.trial_numbers, info.improvements, info.errors) == ([], [], None)


def test_multi_objective_study_is_rejected() -> None:
    study = ferrotune.create_study(directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match="multi-objective"):
        fv.plot_terminator_improvement(study)
    with pytest.raises(ValueError, match="multi-objective"):
        fv.matplotlib.plot_terminator_improvement(study)


@pytest.mark.parametrize("min_n_trials", [3, 40])
def test_matplotlib_draws_the_plotly_data(min_n_trials: int) -> None:
    ours, _ = both_studies(_values(25), direction="maximize")
    kwargs = _kwargs(ferrotune, True, min_n_trials)
    figure = fv.plot_terminator_improvement(ours, **kwargs)
    ax = fv.matplotlib.plot_terminator_improvement(ours, **kwargs)
    lines = ax.get_lines()
    assert len(lines) == len(figure.data)
    for line, trace in zip(lines, figure.data, strict=True):
        assert list(line.get_xdata()) == list(trace.x)
        assert list(line.get_ydata()) == list(trace.y)
    assert lines[0].get_alpha() == 0.25
    assert [t.get_text() for t in ax.get_legend().get_texts()] == (
        ["Terminator Improvement", "Error"]
    )
    assert ax.get_ylim() == pytest.approx(figure.layout.yaxis.range)
    assert ax.get_title() == "Terminator Improvement Plot"
    ax.figure.savefig(__import__("io").BytesIO(), format="png")


def test_matplotlib_empty_study_has_no_lines() -> None:
    ax = fv.matplotlib.plot_terminator_improvement(
        ferrotune.create_study(), improvement_evaluator=ft.BestValueStagnationEvaluator()
    )
    assert ax.get_lines() == []
