"""Keras integration: prune unpromising trials from a ``model.fit`` callback.

``TFKerasPruningCallback`` subclasses ``keras.callbacks.Callback`` (Keras 3, any backend)
or ``tensorflow.keras.callbacks.Callback``. Neither TensorFlow nor Keras is installed in
ferrotune's CI (large wheels), so the callback is tested against a minimal stand-in of the
Keras callback API (``tests/integration/test_framework_callbacks.py``), not a real model.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from ferrotune.exceptions import TrialPruned
from ferrotune.integration._pruning import missing


def _find_callback() -> tuple[Any, bool]:
    for module in ("keras.callbacks", "tensorflow.keras.callbacks"):
        try:
            return importlib.import_module(module).Callback, True
        except ImportError:
            continue
    return object, False


_Callback, _AVAILABLE = _find_callback()

if TYPE_CHECKING:
    from ferrotune.trial import Trial

__all__ = ["KerasPruningCallback", "TFKerasPruningCallback"]


class TFKerasPruningCallback(_Callback):  # type: ignore[misc,valid-type]
    """Report a Keras metric at the end of every epoch and prune the trial.

    Parameters
    ----------
    trial
        The trial being trained.
    monitor
        Name of a metric in Keras' epoch logs, e.g. ``"val_loss"`` or ``"val_accuracy"``.

    Examples
    --------
    .. code-block:: python

        model.fit(x, y, validation_split=0.2, epochs=20,
                  callbacks=[TFKerasPruningCallback(trial, "val_loss")])
    """

    def __init__(self, trial: Trial, monitor: str) -> None:
        if not _AVAILABLE:
            raise missing("tensorflow", "TFKerasPruningCallback")
        super().__init__()
        self._trial = trial
        self._monitor = monitor

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Report ``logs[monitor]`` at ``epoch``; raise ``TrialPruned`` if pruned."""
        score = (logs or {}).get(self._monitor)
        if score is None:
            warnings.warn(
                f"The metric '{self._monitor}' is not in the evaluation logs for pruning. "
                "Please make sure you set the correct metric name.",
                UserWarning,
                stacklevel=2,
            )
            return
        self._trial.report(float(score), step=epoch)
        if self._trial.should_prune():
            raise TrialPruned(f"Trial was pruned at epoch {epoch}.")


KerasPruningCallback = TFKerasPruningCallback
