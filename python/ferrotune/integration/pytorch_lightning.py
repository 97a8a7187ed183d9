"""PyTorch Lightning integration: prune unpromising trials from a ``Trainer`` callback.

Works with ``lightning`` (``lightning.pytorch``) or the older ``pytorch_lightning`` package.
Neither is installed in ferrotune's CI (PyTorch wheels are several GB), so this callback is
tested against a minimal stand-in of Lightning's callback API (``tests/integration/
test_framework_callbacks.py``), not against a real ``Trainer``.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from ferrotune.exceptions import TrialPruned
from ferrotune.integration._pruning import missing


def _find_callback() -> tuple[Any, bool]:
    for module in ("lightning.pytorch", "pytorch_lightning"):
        try:
            return importlib.import_module(module).Callback, True
        except ImportError:
            continue
    return object, False


_Callback, _AVAILABLE = _find_callback()

if TYPE_CHECKING:
    from ferrotune.trial import Trial

__all__ = ["PyTorchLightningPruningCallback"]

_PRUNED_KEY = "ddp_pl:pruned"
_EPOCH_KEY = "ddp_pl:epoch"


class PyTorchLightningPruningCallback(_Callback):  # type: ignore[misc,valid-type]
    """Report a validation metric after every validation epoch and prune the trial.

    Parameters
    ----------
    trial
        The trial being trained.
    monitor
        Name of a metric logged with ``self.log(...)`` in the ``LightningModule``
        (e.g. ``"val_acc"``); it must be in ``trainer.callback_metrics``.

    Notes
    -----
    In a single process the callback raises :class:`~ferrotune.TrialPruned` from
    ``on_validation_end``, which stops ``trainer.fit``. Under a distributed strategy (DDP)
    raising would hang the other ranks, so it sets ``trainer.should_stop`` instead and
    records the decision in the trial; call :meth:`check_pruned` after ``trainer.fit``.

    Examples
    --------
    .. code-block:: python

        def objective(trial):
            model = LitModel(lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True))
            trainer = L.Trainer(max_epochs=20, callbacks=[
                PyTorchLightningPruningCallback(trial, monitor="val_acc")])
            trainer.fit(model, datamodule=dm)
            return trainer.callback_metrics["val_acc"].item()
    """

    def __init__(self, trial: Trial, monitor: str) -> None:
        if not _AVAILABLE:
            raise missing("lightning", "PyTorchLightningPruningCallback")
        super().__init__()
        self._trial = trial
        self.monitor = monitor
        self.is_ddp_backend = False

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        """Detect a distributed strategy (decides raise vs ``should_stop``)."""
        connector = getattr(trainer, "_accelerator_connector", None)
        self.is_ddp_backend = bool(getattr(connector, "is_distributed", False))

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        """Report ``monitor`` at the current epoch; prune if the pruner says so."""
        if getattr(trainer, "sanity_checking", False):
            return
        score = trainer.callback_metrics.get(self.monitor)
        if score is None:
            warnings.warn(
                f"The metric '{self.monitor}' is not in the evaluation logs for pruning. "
                "Please make sure you set the correct metric name.",
                UserWarning,
                stacklevel=2,
            )
            return
        epoch = int(pl_module.current_epoch)
        should_stop = False
        if getattr(trainer, "is_global_zero", True):
            value = score.item() if hasattr(score, "item") else score
            self._trial.report(float(value), step=epoch)
            should_stop = self._trial.should_prune()
        strategy = getattr(trainer, "strategy", None)
        if self.is_ddp_backend and strategy is not None:
            should_stop = bool(strategy.broadcast(should_stop))
        if not should_stop:
            return
        if not self.is_ddp_backend:
            raise TrialPruned(f"Trial was pruned at epoch {epoch}.")
        trainer.should_stop = True
        if getattr(trainer, "is_global_zero", True):
            storage = self._trial.study._storage
            storage.set_trial_system_attr(self._trial._trial_id, _PRUNED_KEY, True)
            storage.set_trial_system_attr(self._trial._trial_id, _EPOCH_KEY, epoch)

    def check_pruned(self) -> None:
        """Raise :class:`~ferrotune.TrialPruned` if a distributed run was pruned."""
        attrs = self._trial.study._storage.get_trial_system_attrs(self._trial._trial_id)
        if attrs.get(_PRUNED_KEY):
            raise TrialPruned(f"Trial was pruned at epoch {attrs.get(_EPOCH_KEY)}.")
