"""Plotly figures: trace data equals the trials, and matches Optuna 5.0 on the same study."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import optuna.visualization as ov
import pytest

import ferrotune
import ferrotune.visualization as fv
from ferrotune.exceptions import ExperimentalWarning
from ferrotune.importance import FanovaImportanceEvaluator
from ferrotune.trial import TrialState

Pair = tuple[ferrotune.Study, optuna.Study]


def go_first(fig: Any) -> Any:
    """A copy of ``fig`` with its first trace only."""
    return go_traces(fig, 1)


def go_traces(fig: Any, n: int) -> Any:
    """A copy of ``fig`` with its first ``n`` traces."""
    import plotly.graph_objects as go

    return go.Figure(data=list(fig.data[:n]))


def _traces(fig: Any) -> list[tuple[str | None, list[Any], list[Any]]]:
    out = []
    for t in fig.data:
        x = [] if getattr(t, "x", None) is None else list(t.x)
        y = [] if getattr(t, "y", None) is None else list(t.y)
        out.append((t.name, x, y))
    return out


def _close(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    for u, v in zip(a, b, strict=True):
        if isinstance(u, (int, float)) and isinstance(v, (int, float)):
            if not (math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12) or (math.isinf(u) and u == v)):
                return False
        elif u != v:
            return False
    return True


def _same_traces(ours: Any, theirs: Any) -> None:
    a, b = _traces(ours), _traces(theirs)
    assert len(a) == len(b), (a, b)
    for (na, xa, ya), (nb, xb, yb) in zip(a, b, strict=True):
        assert na == nb
        assert _close(xa, xb), (na, xa, xb)
        assert _close(ya, yb), (na, ya, yb)


def test_optimization_history_matches_trials_and_optuna(pair: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_optimization_history(ours)
    assert fig.layout.title.text == "Optimization History Plot"
    complete = [t for t in ours.trials if t.state == TrialState.COMPLETE]
    feasible = [t for t in complete if t.params["x"] <= 3.0]
    points = fig.data[0]
    assert list(points.x) == [t.number for t in feasible]
    assert list(points.y) == [t.value for t in feasible]
    # The best-value line spans every trial; pruned, failed and infeasible ones carry it on.
    best = np.minimum.accumulate(
        [
            t.value if t.state == TrialState.COMPLETE and t.params["x"] <= 3 else np.inf
            for t in ours.trials
        ]
    )
    assert list(fig.data[1].x) == [t.number for t in ours.trials]
    assert list(fig.data[1].y) == best.tolist()
    assert list(fig.data[2].x) == [t.number for t in complete if t.params["x"] > 3.0]
    _same_traces(fig, ov.plot_optimization_history(theirs))


def test_optimization_history_several_studies_and_error_bars(builder: Callable[..., Pair]) -> None:
    pairs = [builder(30, seed=s) for s in (3, 4, 5)]
    ours = [p[0] for p in pairs]
    theirs = [p[1] for p in pairs]
    _same_traces(fv.plot_optimization_history(ours), ov.plot_optimization_history(theirs))
    fig = fv.plot_optimization_history(ours, error_bar=True)
    ref = ov.plot_optimization_history(theirs, error_bar=True)
    # Means, best line and its band are identical. Optuna's last (infeasible) trace pairs the
    # union of trial numbers with per-number states of another length and carries no y values;
    # ours lists nothing there.
    _same_traces(go_traces(fig, 4), go_traces(ref, 4))
    assert len(fig.data[4].x) == len(ref.data[4].y) == 0
    assert _close(list(fig.data[0].error_y.array), list(ref.data[0].error_y.array))
    # The mean at trial 0 is the mean over the studies of trial 0's value.
    assert fig.data[0].y[0] == pytest.approx(np.mean([s.trials[0].value for s in ours]))


def test_optimization_history_target_and_errors(pair: Pair, pair_mo: Pair) -> None:
    ours, _ = pair
    with pytest.warns(UserWarning, match="target_name"):
        fig = fv.plot_optimization_history(ours, target=lambda t: t.params["x"])
    assert [tr.name for tr in fig.data] == ["Objective Value", "Infeasible Trial"]
    with pytest.raises(ValueError, match="multi-objective"):
        fv.plot_optimization_history(pair_mo[0])
    fig = fv.plot_optimization_history(
        pair_mo[0], target=lambda t: t.values[0], target_name="loss"
    )
    assert fig.layout.yaxis.title.text == "loss"
    assert len(fv.plot_optimization_history(ferrotune.create_study()).data) == 0


def test_slice_matches_trials_and_optuna(pair: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_slice(ours)
    assert fig.layout.xaxis.type == "log"  # lr (parameters are sorted)
    assert list(fig.layout.xaxis3.categoryarray) == ["'sgd'", "'adam'", "'rms'"]
    # Optuna 5.0 drops the infeasible points of categorical parameters (its categorical
    # path never records their trial numbers); we draw them. Numeric panels are identical.
    _same_traces(
        fv.plot_slice(ours, params=["lr", "n", "x"]),
        ov.plot_slice(theirs, params=["lr", "n", "x"]),
    )
    ref_cat = ov.plot_slice(theirs, params=["opt"])
    cat = fv.plot_slice(ours, params=["opt"])
    _same_traces(go_first(cat), go_first(ref_cat))
    infeasible = [t for t in ours.trials if t.state == TrialState.COMPLETE and t.params["x"] > 3.0]
    assert sorted(cat.data[1].y) == sorted(t.value for t in infeasible)
    one = fv.plot_slice(ours, params=["x"])
    feasible = [t for t in ours.trials if t.state == TrialState.COMPLETE and t.params["x"] <= 3.0]
    assert list(one.data[0].x) == [t.params["x"] for t in feasible]
    assert list(one.data[0].marker.color) == [t.number for t in feasible]
    with pytest.raises(ValueError, match="zzz"):
        fv.plot_slice(ours, params=["zzz"])
    assert len(fv.plot_slice(ferrotune.create_study()).data) == 0


def test_slice_conditional_parameters(builder: Callable[..., Pair]) -> None:
    ours, theirs = builder(30, seed=6, conditional=True)
    _same_traces(fv.plot_slice(ours), ov.plot_slice(theirs))


def test_contour(pair: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_contour(ours, params=["x", "lr"])
    ref = ov.plot_contour(theirs, params=["x", "lr"])
    assert [type(t).__name__ for t in fig.data] == [type(t).__name__ for t in ref.data]
    # Parameters are sorted: lr on x (log axis), x on y.
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.yaxis.type is None or fig.layout.yaxis.type == "linear"
    assert list(fig.data[1].x) == list(ref.data[1].x)
    assert list(fig.data[1].y) == list(ref.data[1].y)
    # Same sparse grid as Optuna (plotly fills the gaps): distinct values padded by the axis
    # range, the target at observed cells, NaN elsewhere.
    assert _close(list(fig.data[0].x), list(ref.data[0].x))
    assert _close(list(fig.data[0].y), list(ref.data[0].y))
    z, ref_z = np.asarray(fig.data[0].z, dtype=float), np.asarray(ref.data[0].z, dtype=float)
    assert np.array_equal(np.isnan(z), np.isnan(ref_z))
    assert np.allclose(z[~np.isnan(z)], ref_z[~np.isnan(ref_z)])
    complete = [t for t in ours.trials if t.state == TrialState.COMPLETE]
    assert np.nanmin(z) == min(t.value for t in complete)
    points = fig.data[1]
    feasible = [t for t in complete if t.params["x"] <= 3.0]
    assert list(points.x) == [t.params["lr"] for t in feasible]
    assert list(points.y) == [t.params["x"] for t in feasible]
    # Matrix for more than two parameters; one trace set per cell, categorical axis.
    grid = fv.plot_contour(ours, params=["x", "lr", "opt"])
    assert grid.layout.xaxis2.type == "category"  # lr, opt, x: opt is the second column
    assert sum(type(t).__name__ == "Contour" for t in grid.data) == 6
    assert len(fv.plot_contour(ours, params=["x"]).data) == 0


def _lines(fig: Any) -> list[tuple[list[Any], list[Any], Any]]:
    return [
        (list(t.y), [tuple(c) for c in t.customdata], t.line.dash)
        for t in fig.data
        if t.mode == "lines" and t.customdata is not None
    ]


def test_parallel_coordinate(pair: Pair, builder: Callable[..., Pair], pair_mo: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_parallel_coordinate(ours)
    ref = ov.plot_parallel_coordinate(theirs)
    assert list(fig.layout.xaxis.ticktext) == list(ref.layout.xaxis.ticktext)
    mine, other = _lines(fig), _lines(ref)
    assert len(mine) == len(other) == sum(t.state == TrialState.COMPLETE for t in ours.trials)
    for (y, custom, dash), (ry, rcustom, rdash) in zip(mine, other, strict=True):
        assert _close(y, ry)
        assert custom == rcustom
        assert dash == rdash
    assert [a.text for a in fig.layout.annotations] == [a.text for a in ref.layout.annotations]
    # Line colours follow the objective; the objective axis holds the trials' values.
    complete = [t for t in ours.trials if t.state == TrialState.COMPLETE]
    assert [c[0][1] for _, c, _ in mine] == [f"{t.value:.3g}" for t in complete]
    # Conditional parameters: trials without one sit at the "None" tick below the axis.
    cond, cond_ref = builder(30, seed=6, conditional=True)
    a, b = fv.plot_parallel_coordinate(cond), ov.plot_parallel_coordinate(cond_ref)
    for (y, custom, _), (ry, rcustom, _) in zip(_lines(a), _lines(b), strict=True):
        assert _close(y, ry) and custom == rcustom
    assert "None" in [x.text for x in a.layout.annotations]
    # Multi-objective without target: one axis per objective, coloured by Pareto rank.
    mo, mo_ref = pair_mo
    a, b = fv.plot_parallel_coordinate(mo), ov.plot_parallel_coordinate(mo_ref)
    assert list(a.layout.xaxis.ticktext)[:2] == ["Objective 0", "Objective 1"]
    assert sorted(map(str, _lines(a))) == sorted(map(str, _lines(b)))
    assert a.data[-1].marker.colorbar.title.text == "Pareto Rank"
    assert len(fv.plot_parallel_coordinate(ferrotune.create_study()).data) == 0


def test_edf(builder: Callable[..., Pair]) -> None:
    pairs = [builder(30, seed=s) for s in (7, 8)]
    fig = fv.plot_edf([p[0] for p in pairs])
    ref = ov.plot_edf([p[1] for p in pairs])
    _same_traces(fig, ref)
    for trace, (study, _) in zip(fig.data, pairs, strict=True):
        values = np.array([t.value for t in study.trials if t.state == TrialState.COMPLETE])
        assert trace.y[-1] == 1.0
        for x, y in zip(trace.x[::10], trace.y[::10], strict=True):
            assert y == pytest.approx(np.mean(values <= x))


def test_intermediate_values(pair: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_intermediate_values(ours)
    ref = ov.plot_intermediate_values(theirs)
    assert [t.name for t in fig.data] == [t.name for t in ref.data]
    for t, r in zip(fig.data, ref.data, strict=True):
        assert list(t.x) == list(r.x)
        assert _close(list(t.y), list(r.y))
    reported = [t for t in ours.trials if t.intermediate_values]
    assert len(fig.data) == len(reported)


def test_rank(pair: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_rank(ours, params=["x", "lr"])
    complete = [t for t in ours.trials if t.state == TrialState.COMPLETE]
    assert list(fig.data[0].x) == [t.params["x"] for t in complete]
    assert list(fig.data[0].y) == [t.params["lr"] for t in complete]
    colors = fig.data[0].marker.color
    best = int(np.argmin([t.value for t in complete]))
    # Infeasible trials are grey; the best feasible is blue (RdYlBu_r).
    r, _, b = (float(v) for v in colors[best][4:-1].split(","))
    assert b > r
    ref = ov.plot_rank(theirs, params=["x", "lr"])
    assert list(ref.data[0].x) == list(fig.data[0].x)
    assert list(ref.data[0].marker.color) == list(colors)
    assert list(ref.data[0].hovertext) == list(fig.data[0].hovertext)
    assert ref.data[-1].marker.colorbar.ticktext == fig.data[-1].marker.colorbar.ticktext
    grid = fv.plot_rank(ours)
    assert sum(type(t).__name__ == "Scatter" for t in grid.data) == 16 + 1


def test_timeline(pair: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_timeline(ours)
    by_state = {t.name: list(t.y) for t in fig.data}
    assert sorted(n for ys in by_state.values() for n in ys) == list(range(40))
    assert by_state["PRUNED"] == [t.number for t in ours.trials if t.state == TrialState.PRUNED]
    assert "INFEASIBLE" in by_state
    assert all(v == pytest.approx(1500.0) for t in fig.data for v in t.x)
    assert len(fv.plot_timeline(ours, n_recent_trials=5).data[0].y) <= 5
    with pytest.raises(ValueError, match="n_recent_trials"):
        fv.plot_timeline(ours, n_recent_trials=0)
    ref = ov.plot_timeline(theirs)
    assert [t.name for t in ref.data] == [t.name for t in fig.data]
    for a, b in zip(fig.data, ref.data, strict=True):
        assert list(a.y) == list(b.y) and list(a.base) == list(b.base)
        assert list(a.x) == list(b.x) and list(a.text) == list(b.text)
        assert a.marker.color == b.marker.color


def test_pareto_front_2d_and_3d(pair_mo: Pair, pair_mo3: Pair) -> None:
    ours, theirs = pair_mo
    fig = fv.plot_pareto_front(ours)
    ref = ov.plot_pareto_front(theirs)
    _same_traces(fig, ref)
    assert [t.hovertemplate for t in fig.data] == [t.hovertemplate for t in ref.data]
    infeasible, _dominated, best = fig.data
    assert sorted(best.marker.color) == sorted(t.number for t in ours.best_trials)
    assert len(infeasible.x) == sum(
        1 for t in ours.trials if t.state == TrialState.COMPLETE and t.params["x"] > 3.0
    )
    assert fig.layout.xaxis.title.text == "Objective 0"
    only = fv.plot_pareto_front(ours, include_dominated_trials=False, target_names=["a", "b"])
    assert len(only.data[1].x) == 0
    assert only.layout.yaxis.title.text == "b"
    ours3, theirs3 = pair_mo3
    fig3 = fv.plot_pareto_front(ours3)
    ref3 = ov.plot_pareto_front(theirs3)
    assert type(fig3.data[0]).__name__ == "Scatter3d"
    for a, b in zip(fig3.data, ref3.data, strict=True):
        assert _close(list(a.z), list(b.z))
    with pytest.raises(ValueError, match="target_names"):
        fv.plot_pareto_front(ours, target_names=["a"])
    with pytest.warns(FutureWarning, match="constraints_func"):
        cf = fv.plot_pareto_front(ours, constraints_func=lambda t: [t.values[0] - 0.5])
    assert "Infeasible Trial" in cf.data[0].hovertemplate
    with pytest.raises(ValueError, match="2 or 3"):
        fv.plot_pareto_front(ours, targets=lambda t: [1.0, 2.0, 3.0, 4.0])


def test_hypervolume_history_matches_optuna(pair_mo: Pair, pair_mo3: Pair) -> None:
    for (ours, theirs), ref_point in ((pair_mo, [2.0, -5.0]), (pair_mo3, [5.0, -20.0, 10.0])):
        with pytest.warns(ExperimentalWarning):
            fig = fv.plot_hypervolume_history(ours, ref_point)
        with pytest.warns(optuna.exceptions.ExperimentalWarning):
            ref = ov.plot_hypervolume_history(theirs, ref_point)
        assert list(fig.data[0].x) == list(ref.data[0].x)
        assert np.allclose(fig.data[0].y, ref.data[0].y, rtol=1e-9)
        assert fig.data[0].y[-1] > 0
    with pytest.warns(ExperimentalWarning), pytest.raises(ValueError, match="multi-objective"):
        fv.plot_hypervolume_history(ferrotune.create_study(), [1.0])
    with pytest.warns(ExperimentalWarning), pytest.raises(ValueError, match="dimension"):
        fv.plot_hypervolume_history(pair_mo[0], [1.0])


def test_param_importances(pair: Pair, pair_mo: Pair) -> None:
    ours, theirs = pair
    fig = fv.plot_param_importances(ours)
    ref = ov.plot_param_importances(theirs)
    assert list(fig.data[0].y) == list(ref.data[0].y)
    assert np.allclose(fig.data[0].x, ref.data[0].x)
    assert list(fig.data[0].text) == list(ref.data[0].text)
    ours_hover = [h.split(":")[0] for h in fig.data[0].hovertemplate]
    assert ours_hover == [h.split(":")[0] for h in ref.data[0].hovertemplate]
    fan = fv.plot_param_importances(ours, evaluator=FanovaImportanceEvaluator(seed=0))
    assert sum(fan.data[0].x) == pytest.approx(1.0)
    with pytest.warns(UserWarning, match="low `target`"):
        mo = fv.plot_param_importances(pair_mo[0])
    assert [t.name for t in mo.data] == ["Objective Value 0", "Objective Value 1"]
    assert len(fv.plot_param_importances(ferrotune.create_study()).data) == 0


def test_is_available_and_html_render(pair: Pair, pair_mo: Pair, tmp_path: Path) -> None:
    assert fv.is_available()
    ours, _ = pair
    mo, _ = pair_mo
    figures = {
        "history": fv.plot_optimization_history(ours),
        "slice": fv.plot_slice(ours),
        "contour": fv.plot_contour(ours),
        "parallel": fv.plot_parallel_coordinate(ours),
        "edf": fv.plot_edf(ours),
        "intermediate": fv.plot_intermediate_values(ours),
        "rank": fv.plot_rank(ours),
        "timeline": fv.plot_timeline(ours),
        "pareto": fv.plot_pareto_front(mo),
        "importances": fv.plot_param_importances(ours),
    }
    with pytest.warns(ExperimentalWarning):
        figures["hypervolume"] = fv.plot_hypervolume_history(mo, [2.0, -5.0])
    for name, fig in figures.items():
        path = tmp_path / f"{name}.html"
        fig.write_html(str(path), include_plotlyjs=False)
        text = path.read_text()
        assert "Plotly.newPlot" in text, name
        assert len(fig.data) > 0, name


def test_demo_plots_written(pair: Pair, pair_mo: Pair, tmp_path: Path) -> None:
    paths = fv._write_demo_plots(pair[0], tmp_path / "out")
    assert [p.name for p in paths] == ["s0_history.html", "s0_importances.html", "s0_slice.html"]
    assert all(p.stat().st_size > 1000 for p in paths)
    # One shared plotly.js next to the pages: viewable offline.
    assert (tmp_path / "out" / "plotly.min.js").stat().st_size > 1_000_000
    assert 'src="plotly.min.js"' in paths[0].read_text()
    mo_paths = fv._write_demo_plots(pair_mo[0], tmp_path / "mo", include_plotlyjs=False)
    assert "Pareto-front Plot" in mo_paths[0].read_text()


def test_running_trials_like_optuna() -> None:
    figures = []
    for mod, vis in ((ferrotune, fv), (optuna, ov)):
        study = mod.create_study(sampler=mod.samplers.RandomSampler(seed=0))
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        study.ask().suggest_float("x", 0, 1)  # stays RUNNING
        figures.append((vis.plot_timeline(study), vis.plot_optimization_history(study)))
    (tl, hist), (tl_ref, hist_ref) = figures
    assert [(t.name, list(t.y)) for t in tl.data] == [(t.name, list(t.y)) for t in tl_ref.data]
    assert [t.name for t in tl.data] == ["COMPLETE", "RUNNING"]
    assert [list(t.x) for t in hist.data] == [list(t.x) for t in hist_ref.data]
