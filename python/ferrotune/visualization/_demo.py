"""Write the demo's plots (history, importances, slice) as standalone HTML files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ferrotune.study import Study


def _write_demo_plots(
    study: Study, out_dir: str | os.PathLike[str], *, include_plotlyjs: str | bool = "directory"
) -> list[Path]:
    """Write ``<study>_history.html``, ``<study>_importances.html`` and ``<study>_slice.html``.

    Parameters
    ----------
    study
        A single-objective study with completed trials.
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
        plot_slice,
    )

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in study.study_name)
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
