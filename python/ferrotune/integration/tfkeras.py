"""``ferrotune.integration.tfkeras``: Optuna's module name for the Keras pruning callback."""

from ferrotune.integration.keras import TFKerasPruningCallback

__all__ = ["TFKerasPruningCallback"]
