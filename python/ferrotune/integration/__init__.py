"""Integrations with third-party libraries (imported lazily: only the library you use is
needed).

``ferrotune.integration.LightGBMPruningCallback`` and ``XGBoostPruningCallback`` report
each boosting round's validation metric to a trial and stop the training when the study's
pruner says so.

The names of Optuna 5.0's ``optuna.integration`` that ferrotune does not build in
(``CatBoostPruningCallback``, ``PyCmaSampler``, ``WeightsAndBiasesCallback``, ...) and their
submodules (``ferrotune.integration.catboost``, ...) are forwarded to the optuna-integration
package, as Optuna forwards them, through a copy of its modules bound to ferrotune (see
``ferrotune.integration._forward``): their ``optuna`` is ferrotune, so a forwarded pruning
callback prunes the ferrotune trial.
"""

from __future__ import annotations

import importlib
from typing import Any

from ferrotune.integration import _forward

# public name -> ferrotune submodule defining it
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
    "KerasPruningCallback": "keras",
    "DaskStorage": "dask",
}
# forwarded public name -> optuna-integration submodule defining it
_FORWARDS = {name: module for module, names in _forward.FORWARDED.items() for name in names}
_SUBMODULES = {*_EXPORTS.values(), *_forward.FORWARDED, "tfkeras"}

__all__ = sorted({*_EXPORTS, *_FORWARDS})

_forward.install()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    elif name in _FORWARDS:
        value = getattr(_forward.import_copy(_FORWARDS[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_FORWARDS, *_SUBMODULES})
