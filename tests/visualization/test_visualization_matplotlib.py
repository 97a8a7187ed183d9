"""Matplotlib axes: contents equal the trials / the plotly data; every plot renders to PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import optuna
import pytest

import ferrotune
import ferrotune.visualization as fv
import ferrotune.visualization.matplotlib as fm
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.trial import TrialState

Pair = tuple[ferrotune.Study, optuna.Study]


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


def _first(ax: Any) -> Any:
    return np.ravel(ax)[0] if isinstance(ax, np.ndarray) else ax


def test_history_points_and_best_line(pair: Pair) -> None:
    ours, _ = pair
    ax = fm.plot_optimization_history(ours)
    assert ax.get_title() == "Optimization History Plot"
    feasible = [t for t in ours.trials if t.state == TrialState.COMPLETE and t.params["x"] <= 3]
    points = ax.collections[0].get_offsets()
    assert points[:, 0].tolist() == [t.number for t in feasible]
    assert points[:, 1].tolist() == [t.value for t in feasible]
    line = ax.get_lines()[0]
    assert line.get_ydata().tolist() == list(fv.plot_optimization_history(ours).data[1].y)
    bars = fm.plot_optimization_history([ours, ours], error_bar=True)
    assert bars.get_legend() is not None


def test_slice_panels(pair: Pair) -> None:
    ours, _ = pair
    axes = fm.plot_slice(ours)
    assert len(axes) == 4
    assert [a.get_xlabel() for a in axes] == ["lr", "n", "opt", "x"]
    assert axes[0].get_xscale() == "log"
    x_panel = axes[3]
    feasible = [t for t in ours.trials if t.state == TrialState.COMPLETE and t.params["x"] <= 3]
    assert x_panel.collections[0].get_offsets()[:, 0].tolist() == [t.params["x"] for t in feasible]
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["'sgd'", "'adam'", "'rms'"]


def test_contour_and_rank(pair: Pair) -> None:
    ours, _ = pair
    ax = fm.plot_contour(ours, params=["x", "lr"])
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "lr"
    kinds = [type(c).__name__ for c in ax.collections]
    assert any("Contour" in k or "QuadContour" in k for k in kinds)
    grid = fm.plot_contour(ours, params=["x", "lr", "opt"])
    assert grid.shape == (3, 3)
    rank = fm.plot_rank(ours, params=["x", "lr"])
    complete = [t for t in ours.trials if t.state == TrialState.COMPLETE]
    offsets = rank.collections[0].get_offsets()
    assert offsets[:, 0].tolist() == [t.params["x"] for t in complete]


def test_importances_bars_equal_importances(pair: Pair) -> None:
    ours, _ = pair
    ax = fm.plot_param_importances(ours)
    importances = ferrotune.importance.get_param_importances(ours)
    widths = {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches)}
    assert widths == pytest.approx(importances)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == next(iter(importances))  # most important on top


def test_pareto_hypervolume_edf_intermediate_timeline(pair: Pair, pair_mo: Pair) -> None:
    ours, _ = pair
    mo, _ = pair_mo
    ax = fm.plot_pareto_front(mo)
    sizes = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert sizes["Best Trial"] == len(mo.best_trials)
    assert sizes["Infeasible Trial"] == sum(
        1 for t in mo.trials if t.state == TrialState.COMPLETE and t.params["x"] > 3
    )
    with pytest.warns(ExperimentalWarning):
        hv = fm.plot_hypervolume_history(mo, [2.0, -5.0])
    with pytest.warns(ExperimentalWarning):
        ref = fv.plot_hypervolume_history(mo, [2.0, -5.0])
    assert hv.get_lines()[0].get_ydata().tolist() == list(ref.data[0].y)
    edf = fm.plot_edf(ours)
    assert edf.get_lines()[0].get_ydata()[-1] == 1.0
    inter = fm.plot_intermediate_values(ours)
    assert len(inter.get_lines()) == sum(1 for t in ours.trials if t.intermediate_values)
    timeline = fm.plot_timeline(ours)
    assert len(timeline.patches) == len(ours.trials)


def test_every_plot_renders_png(pair: Pair, pair_mo: Pair, pair_mo3: Pair, tmp_path: Path) -> None:
    ours, _ = pair
    mo, _ = pair_mo
    mo3, _ = pair_mo3
    plots = {
        "history": lambda: fm.plot_optimization_history(ours),
        "slice": lambda: fm.plot_slice(ours),
        "contour": lambda: fm.plot_contour(ours, params=["x", "lr", "opt"]),
        "parallel": lambda: fm.plot_parallel_coordinate(ours),
        "edf": lambda: fm.plot_edf([ours, mo], target=lambda t: t.values[0], target_name="v0"),
        "intermediate": lambda: fm.plot_intermediate_values(ours),
        "rank": lambda: fm.plot_rank(ours, params=["x", "lr", "opt"]),
        "timeline": lambda: fm.plot_timeline(ours),
        "pareto": lambda: fm.plot_pareto_front(mo),
        "pareto3d": lambda: fm.plot_pareto_front(mo3),
        "importances": lambda: fm.plot_param_importances(ours),
    }
    for name, draw in plots.items():
        ax = _first(draw())
        path = tmp_path / f"{name}.png"
        ax.figure.savefig(path, dpi=60)
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert len(data) > 5000, name
        plt.close("all")
    with pytest.warns(ExperimentalWarning):
        ax = fm.plot_hypervolume_history(mo, [2.0, -5.0])
    ax.figure.savefig(tmp_path / "hv.png", dpi=60)
    assert (tmp_path / "hv.png").stat().st_size > 5000


def test_empty_study_draws_empty_axes() -> None:
    empty = ferrotune.create_study()
    assert len(fm.plot_optimization_history(empty).collections) == 0
    assert len(fm.plot_slice(empty).collections) == 0
    assert len(fm.plot_param_importances(empty).patches) == 0
    assert len(fm.plot_contour(empty).collections) == 0
    assert len(fm.plot_parallel_coordinate(empty).get_lines()) == 0
    assert fm.is_available()


def test_import_does_not_load_plotting_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ferrotune, ferrotune.visualization, ferrotune.visualization.matplotlib;"
        "print('plotly' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
