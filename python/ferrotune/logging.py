"""Library-wide logging configuration with Optuna's functions and levels."""

from __future__ import annotations

import logging
import threading
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "disable_default_handler",
    "disable_propagation",
    "enable_default_handler",
    "enable_propagation",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
]

_lock = threading.Lock()
_default_handler: logging.Handler | None = None
_LIBRARY_NAME = "ferrotune"


def _root_logger() -> logging.Logger:
    return logging.getLogger(_LIBRARY_NAME)


def _configure_root_logger() -> None:
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        _default_handler = logging.StreamHandler()
        _default_handler.setFormatter(logging.Formatter("[%(levelname)s %(asctime)s] %(message)s"))
        root = _root_logger()
        root.addHandler(_default_handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def get_logger(name: str) -> logging.Logger:
    """Return a logger under ferrotune's root logger.

    Parameters
    ----------
    name
        Module name; names outside the ``ferrotune`` hierarchy are nested under it.
    """
    _configure_root_logger()
    if not name.startswith(_LIBRARY_NAME):
        name = f"{_LIBRARY_NAME}.{name}"
    return logging.getLogger(name)


def get_verbosity() -> int:
    """Return the current level of ferrotune's root logger (e.g. ``logging.INFO``)."""
    _configure_root_logger()
    return _root_logger().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of ferrotune's root logger (``ferrotune.logging.WARNING`` etc.)."""
    _configure_root_logger()
    _root_logger().setLevel(verbosity)


def disable_default_handler() -> None:
    """Detach the default stderr handler."""
    _configure_root_logger()
    assert _default_handler is not None
    _root_logger().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Attach the default stderr handler."""
    _configure_root_logger()
    assert _default_handler is not None
    _root_logger().addHandler(_default_handler)


def disable_propagation() -> None:
    """Stop log records from propagating to the Python root logger."""
    _configure_root_logger()
    _root_logger().propagate = False


def enable_propagation() -> None:
    """Let log records propagate to the Python root logger."""
    _configure_root_logger()
    _root_logger().propagate = True
