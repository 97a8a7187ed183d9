"""Write the demo's plots (history, importances, slice) as standalone HTML files."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ferrotune.trial import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


def _write_demo_plots(
    study: Study, out_dir: str | os.PathLike[str], *, include_plotlyjs: str | bool = "directory"
) -> list[Path]:
    """Write ``<study>_history.html``, ``<study>_importances.html`` and ``<study>_slice.html``.

    Parameters
    ----------
    study
        A study with completed trials (multi-objective: the history page shows the Pareto
        front, the slice page the first objective).
    out_dir
        Folder for the files (created if missing).
    include_plotlyjs
        Passed to plotly's ``write_html``. The default ``"directory"`` writes one shared
        ``plotly.min.js`` next to the files (viewable offline, small pages); ``"cdn"`` loads
        plotly.js from the network; ``True`` embeds it in every file (about 4.6 MB each).

    Returns
    -------
    list[pathlib.Path]
        The written files, in that order.
    """
    from ferrotune.visualization._plotly import (
        plot_optimization_history,
        plot_param_importances,
        plot_pareto_front,
        plot_slice,
    )

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in study.study_name)
    if study._is_multi_objective():
        # History of a multi-objective study: its Pareto front (2 or 3 objectives) or the
        # first objective; the slice plot shows the first objective.
        name = (study.metric_names or ["Objective 0"])[0]

        def first(trial: FrozenTrial) -> float:
            return float((trial.values or [math.nan])[0])

        history = (
            plot_pareto_front(study)
            if len(study.directions) in (2, 3)
            else plot_optimization_history(study, target=first, target_name=name)
        )
        with warnings.catch_warnings():
            # PED-ANOVA's "lower target is better" note, once per objective: noise in a demo.
            warnings.simplefilter("ignore", UserWarning)
            importances = plot_param_importances(study)
        figures = {
            "history": history,
            "importances": importances,
            "slice": plot_slice(study, target=first, target_name=name),
        }
    else:
        figures = {
            "history": plot_optimization_history(study),
            "importances": plot_param_importances(study),
            "slice": plot_slice(study),
        }
    paths = []
    for kind, figure in figures.items():
        path = folder / f"{stem}_{kind}.html"
        figure.write_html(str(path), include_plotlyjs=include_plotlyjs)
        paths.append(path)
    return paths
