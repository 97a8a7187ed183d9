"""Library-wide logging configuration with Optuna's functions, levels and line format.

ferrotune logs under the ``ferrotune`` logger with Optuna's default format,
``[I 2026-12-02 05:00:00,123] A new study created in memory with name: ...``. A script
written for Optuna that attaches handlers to ``optuna.logging.get_logger("optuna")`` gets
this same logger: names ``optuna`` and ``optuna.X`` map to ``ferrotune`` and ``ferrotune.X``.
"""

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
    "create_default_formatter",
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
_OPTUNA_NAME = "optuna"


def create_default_formatter() -> logging.Formatter:
    """Return the formatter of the default handler: ``[I <asctime>] <message>``."""
    return logging.Formatter("[%(levelname)1.1s %(asctime)s] %(message)s")


def _get_library_root_logger() -> logging.Logger:
    return logging.getLogger(_LIBRARY_NAME)


_root_logger = _get_library_root_logger  # the name ferrotune's own modules use


def _configure_library_root_logger() -> None:
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        _default_handler = logging.StreamHandler()  # sys.stderr
        _default_handler.setFormatter(create_default_formatter())
        root = _get_library_root_logger()
        root.addHandler(_default_handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def _reset_library_root_logger() -> None:
    """Undo :func:`_configure_library_root_logger` (the next call builds a new handler)."""
    global _default_handler
    with _lock:
        if _default_handler is None:
            return
        root = _get_library_root_logger()
        root.removeHandler(_default_handler)
        root.setLevel(logging.NOTSET)
        _default_handler = None


def _library_name(name: str) -> str:
    if name == _OPTUNA_NAME or name.startswith(_OPTUNA_NAME + "."):
        return _LIBRARY_NAME + name[len(_OPTUNA_NAME) :]
    if name == _LIBRARY_NAME or name.startswith(_LIBRARY_NAME + "."):
        return name
    return f"{_LIBRARY_NAME}.{name}"


def get_logger(name: str) -> logging.Logger:
    """Return a logger under ferrotune's root logger.

    Parameters
    ----------
    name
        Module name. ``"optuna"`` is ferrotune's root logger and ``"optuna.X"`` is
        ``"ferrotune.X"``; other names outside the ``ferrotune`` hierarchy are nested under it.
    """
    _configure_library_root_logger()
    return logging.getLogger(_library_name(name))


def get_verbosity() -> int:
    """Return the current level of ferrotune's root logger (e.g. ``logging.INFO``)."""
    _configure_library_root_logger()
    return _get_library_root_logger().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of ferrotune's root logger (``ferrotune.logging.WARNING`` etc.)."""
    _configure_library_root_logger()
    _get_library_root_logger().setLevel(verbosity)


def disable_default_handler() -> None:
    """Detach the default stderr handler."""
    _configure_library_root_logger()
    assert _default_handler is not None
    _get_library_root_logger().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Attach the default stderr handler."""
    _configure_library_root_logger()
    assert _default_handler is not None
    _get_library_root_logger().addHandler(_default_handler)


def disable_propagation() -> None:
    """Stop log records from propagating to the Python root logger."""
    _configure_library_root_logger()
    _get_library_root_logger().propagate = False


def enable_propagation() -> None:
    """Let log records propagate to the Python root logger."""
    _configure_library_root_logger()
    _get_library_root_logger().propagate = True
