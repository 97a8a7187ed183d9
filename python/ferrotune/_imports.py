"""Deferred imports of optional packages (Optuna's ``optuna._imports``).

Third-party packages written for Optuna (optuna-integration, optuna-dashboard, OptunaHub
samplers) guard their optional imports with :func:`try_import`::

    with try_import() as _imports:
        import lightgbm

    def train(...):
        _imports.check()  # ImportError naming lightgbm, only when it is really needed
"""

from __future__ import annotations

import importlib
import types
from types import TracebackType
from typing import Any

_INTEGRATION_IMPORT_ERROR_TEMPLATE = (
    "\nCould not find `optuna-integration` for `{0}`.\n"
    "Please run `pip install optuna-integration[{0}]`."
)


class _DeferredImportExceptionContextManager:
    """Swallow an ``ImportError`` or ``SyntaxError`` raised in its block until :meth:`check`."""

    def __init__(self) -> None:
        self._deferred: tuple[Exception, str] | None = None

    def __enter__(self) -> _DeferredImportExceptionContextManager:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        if isinstance(exc_value, ImportError):
            reason = (
                f"Tried to import '{exc_value.name}' but failed. Please make sure that the "
                "package is installed correctly to use this feature. Actual error: "
                f"{exc_value}."
            )
        elif isinstance(exc_value, SyntaxError):
            reason = (
                "Tried to import a package but failed due to a syntax error in "
                f"{exc_value.filename}. Please make sure that the Python version is correct "
                f"to use this feature. Actual error: {exc_value}."
            )
        else:
            return None  # no exception, or one that is not about importing: let it through
        self._deferred = (exc_value, reason)
        return True

    def is_successful(self) -> bool:
        """Whether the block ran without an import failure."""
        return self._deferred is None

    def check(self) -> None:
        """Raise ``ImportError`` (chained to the original error) if an import failed."""
        if self._deferred is not None:
            original, reason = self._deferred
            raise ImportError(reason) from original


def try_import() -> _DeferredImportExceptionContextManager:
    """Return a context manager that defers import failures of optional packages.

    Returns
    -------
    _DeferredImportExceptionContextManager
        Use ``is_successful()`` to test and ``check()`` to raise the deferred ``ImportError``.
    """
    return _DeferredImportExceptionContextManager()


class _LazyImport(types.ModuleType):
    """A module object that imports the module ``name`` on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._name = name

    def _load(self) -> types.ModuleType:
        module = importlib.import_module(self._name)
        self.__dict__.update(module.__dict__)
        return module

    def __getattr__(self, item: str) -> Any:
        return getattr(self._load(), item)
