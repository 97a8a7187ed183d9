"""Integrations with third-party libraries (imported lazily: only the library you use is
needed).

``ferrotune.integration.LightGBMPruningCallback`` and ``XGBoostPruningCallback`` report
each boosting round's validation metric to a trial and stop the training when the study's
pruner says so.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule defining it
_EXPORTS = {
    "LightGBMPruningCallback": "lightgbm",
    "XGBoostPruningCallback": "xgboost",
    "SearchCV": "sklearn",
    "OptunaSearchCV": "sklearn",
    "LightGBMTuner": "lightgbm_tuner",
    "LightGBMTunerCV": "lightgbm_tuner",
    "MLflowCallback": "mlflow",
    "PyTorchLightningPruningCallback": "pytorch_lightning",
    "TFKerasPruningCallback": "keras",
    "DaskStorage": "dask",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
