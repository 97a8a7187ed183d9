"""``Study.trials_dataframe``: one row per trial, one column per (nested) attribute."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ferrotune.study._tell import FAIL_REASON_KEY
from ferrotune.trial import TrialState

if TYPE_CHECKING:
    import pandas as pd

    from ferrotune.study.study import Study


def _import_pandas() -> Any:
    try:
        import pandas
    except ImportError as e:
        raise ImportError(
            "Study.trials_dataframe needs pandas. Install it with `pip install pandas` "
            "(or `pip install ferrotune[pandas]`)."
        ) from e
    return pandas


def trials_dataframe(study: Study, attrs: tuple[str, ...], multi_index: bool) -> pd.DataFrame:
    """Build the DataFrame of :meth:`Study.trials_dataframe` (Optuna's column layout)."""
    pandas = _import_pandas()
    trials = study.get_trials(deepcopy=False)
    if not trials:
        empty: pd.DataFrame = pandas.DataFrame()
        return empty
    if "value" in attrs and study._is_multi_objective():
        attrs = tuple("values" if a == "value" else a for a in attrs)
    metric_names = study.metric_names
    n_objectives = len(study.directions)
    columns_seen: dict[str, set[tuple[str, Any]]] = defaultdict(set)
    records = []
    for trial in trials:
        record: dict[tuple[str, Any], Any] = {}
        for attr in attrs:
            column = attr.lstrip("_")
            value = getattr(trial, attr)
            if isinstance(value, TrialState):
                value = value.name
            if isinstance(value, dict):
                for key, nested in value.items():
                    if attr == "system_attrs" and key == FAIL_REASON_KEY:
                        # ferrotune keeps the reason a trial failed; Optuna's frame has no
                        # such column, so scripts that count columns see the same frame.
                        continue
                    record[(column, key)] = nested
                    columns_seen[attr].add((column, key))
            elif attr == "values":
                vals = [None] * n_objectives if value is None else value
                keys = range(n_objectives) if metric_names is None else metric_names
                for key, nested in zip(keys, vals):
                    record[(column, key)] = nested
                    columns_seen[attr].add((column, key))
            elif isinstance(value, list):
                for key, nested in enumerate(value):
                    record[(column, key)] = nested
                    columns_seen[attr].add((column, key))
            elif attr == "value":
                key = "" if metric_names is None else metric_names[0]
                record[(column, key)] = value
                columns_seen[attr].add((column, key))
            else:
                record[(column, "")] = value
                columns_seen[attr].add((column, ""))
        records.append(record)
    columns: list[tuple[str, Any]] = []
    for attr in attrs:
        if attr not in columns_seen:
            continue
        if attr == "values" and metric_names is not None:
            columns.extend((attr.lstrip("_"), name) for name in metric_names)
        else:
            columns.extend(sorted(columns_seen[attr], key=lambda c: str(c[1])))
    frame: pd.DataFrame = pandas.DataFrame(records, columns=pandas.MultiIndex.from_tuples(columns))
    if not multi_index:
        frame.columns = ["_".join(str(p) for p in col if p != "") for col in columns]
    return frame
