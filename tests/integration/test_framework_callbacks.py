"""PyTorch Lightning and Keras pruning callbacks.

Neither framework installs quickly on the CI machine (multi-GB wheels), so the callbacks
are exercised against minimal stand-ins of the frameworks' callback APIs: a fake
``lightning.pytorch.Callback`` / ``keras.callbacks.Callback`` and trainer objects with the
attributes the callbacks read. A real ``Trainer``/``model.fit`` is not run here.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

import pytest

import ferrotune
from ferrotune.exceptions import TrialPruned

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)


class _Score:
    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


def _load(monkeypatch: pytest.MonkeyPatch, module: str, fakes: dict[str, Any]) -> Any:
    for name, attrs in fakes.items():
        fake = types.ModuleType(name)
        for key, value in attrs.items():
            setattr(fake, key, value)
        monkeypatch.setitem(sys.modules, name, fake)
    monkeypatch.delitem(sys.modules, module, raising=False)
    loaded = importlib.import_module(module)
    monkeypatch.delitem(sys.modules, module)  # later imports see the real environment
    return loaded


@pytest.fixture
def lightning(monkeypatch: pytest.MonkeyPatch) -> Any:
    class Callback:  # the part of lightning.pytorch.Callback the callback relies on
        pass

    return _load(
        monkeypatch,
        "ferrotune.integration.pytorch_lightning",
        {"lightning": {}, "lightning.pytorch": {"Callback": Callback}},
    )


@pytest.fixture
def keras(monkeypatch: pytest.MonkeyPatch) -> Any:
    class Callback:
        pass

    return _load(
        monkeypatch,
        "ferrotune.integration.keras",
        {"keras": {}, "keras.callbacks": {"Callback": Callback}},
    )


def _pruning_study() -> ferrotune.Study:
    # Prunes any trial whose intermediate value exceeds 1.0.
    return ferrotune.create_study(pruner=ferrotune.pruners.ThresholdPruner(upper=1.0))


def _trainer(metrics: dict[str, Any], distributed: bool = False) -> Any:
    trainer = types.SimpleNamespace(
        sanity_checking=False,
        callback_metrics=metrics,
        is_global_zero=True,
        should_stop=False,
        _accelerator_connector=types.SimpleNamespace(is_distributed=distributed),
        strategy=types.SimpleNamespace(broadcast=lambda x: x),
    )
    return trainer


def test_lightning_reports_each_epoch_and_prunes(lightning: Any) -> None:
    study = _pruning_study()
    trial = study.ask()
    callback = lightning.PyTorchLightningPruningCallback(trial, monitor="val_loss")
    trainer = _trainer({"val_loss": _Score(0.5)})
    callback.on_fit_start(trainer, None)
    for epoch in range(3):
        callback.on_validation_end(trainer, types.SimpleNamespace(current_epoch=epoch))
    trainer.callback_metrics["val_loss"] = _Score(2.0)
    with pytest.raises(TrialPruned, match="epoch 3"):
        callback.on_validation_end(trainer, types.SimpleNamespace(current_epoch=3))
    frozen = study._storage.get_trial(trial._trial_id)
    assert frozen.intermediate_values == {0: 0.5, 1: 0.5, 2: 0.5, 3: 2.0}


def test_lightning_sanity_check_and_missing_metric(lightning: Any) -> None:
    study = _pruning_study()
    trial = study.ask()
    callback = lightning.PyTorchLightningPruningCallback(trial, monitor="val_acc")
    trainer = _trainer({"val_acc": _Score(5.0)})
    trainer.sanity_checking = True
    callback.on_validation_end(trainer, types.SimpleNamespace(current_epoch=0))
    trainer.sanity_checking = False
    trainer.callback_metrics = {}
    with pytest.warns(UserWarning, match="'val_acc' is not in the evaluation logs"):
        callback.on_validation_end(trainer, types.SimpleNamespace(current_epoch=0))
    assert study._storage.get_trial(trial._trial_id).intermediate_values == {}


def test_lightning_distributed_stops_then_check_pruned(lightning: Any) -> None:
    study = _pruning_study()
    trial = study.ask()
    callback = lightning.PyTorchLightningPruningCallback(trial, monitor="val_loss")
    trainer = _trainer({"val_loss": _Score(3.0)}, distributed=True)
    callback.on_fit_start(trainer, None)
    callback.on_validation_end(trainer, types.SimpleNamespace(current_epoch=0))
    assert trainer.should_stop is True
    with pytest.raises(TrialPruned, match="epoch 0"):
        callback.check_pruned()


def test_keras_reports_each_epoch_and_prunes(keras: Any) -> None:
    study = _pruning_study()
    trial = study.ask()
    callback = keras.TFKerasPruningCallback(trial, "val_loss")
    callback.on_epoch_end(0, {"val_loss": 0.25, "loss": 0.3})
    callback.on_epoch_end(1, {"val_loss": 0.75})
    with pytest.warns(UserWarning, match="'val_loss' is not in the evaluation logs"):
        callback.on_epoch_end(2, {"loss": 0.1})
    with pytest.raises(TrialPruned, match="epoch 3"):
        callback.on_epoch_end(3, {"val_loss": 1.5})
    frozen = study._storage.get_trial(trial._trial_id)
    assert frozen.intermediate_values == {0: 0.25, 1: 0.75, 3: 1.5}
    assert keras.KerasPruningCallback is keras.TFKerasPruningCallback


def test_without_the_frameworks_the_error_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` fail
    monkeypatch.delitem(sys.modules, "ferrotune.integration.pytorch_lightning", raising=False)
    module = importlib.import_module("ferrotune.integration.pytorch_lightning")
    monkeypatch.delitem(sys.modules, "ferrotune.integration.pytorch_lightning")
    study = ferrotune.create_study()
    with pytest.raises(ImportError, match="lightning"):
        module.PyTorchLightningPruningCallback(study.ask(), monitor="val_loss")
    for name in ("keras", "keras.callbacks", "tensorflow", "tensorflow.keras"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "ferrotune.integration.keras", raising=False)
    kmodule = importlib.import_module("ferrotune.integration.keras")
    monkeypatch.delitem(sys.modules, "ferrotune.integration.keras")
    with pytest.raises(ImportError, match="tensorflow"):
        kmodule.TFKerasPruningCallback(study.ask(), "val_loss")
