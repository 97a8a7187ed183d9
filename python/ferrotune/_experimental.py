"""Experimental-feature decorators with Optuna's warnings (``optuna._experimental``).

An experimental function or class emits an :class:`~ferrotune.exceptions.ExperimentalWarning`
worded as Optuna's ("foo is experimental (supported from v1.1.0). The interface can change
in the future.") and gets Optuna's note appended to its docstring. Third-party packages
(optuna-integration, optuna-dashboard, OptunaHub) decorate their own code with these.
"""

from __future__ import annotations

import functools
import textwrap
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from ferrotune.exceptions import ExperimentalWarning

FT = TypeVar("FT")
FP = ParamSpec("FP")
CT = TypeVar("CT")

_EXPERIMENTAL_NOTE_TEMPLATE = """

.. note::
    Added in v{ver} as an experimental feature. The interface may change in newer versions
    without prior notice. See https://github.com/optuna/optuna/releases/tag/v{ver}.
"""


def warn_experimental_argument(option_name: str) -> None:
    """Warn that the argument ``option_name`` is experimental.

    Parameters
    ----------
    option_name
        The argument's name, quoted in the message.
    """
    warnings.warn(
        f"Argument ``{option_name}`` is an experimental feature."
        " The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=3,
    )


def _validate_version(version: str) -> None:
    if not isinstance(version, str) or len(version.split(".")) != 3:
        raise ValueError(
            f"Invalid version specification. Must follow `x.y.z` format but `{version}` is given"
        )


def _get_docstring_indent(docstring: str) -> str:
    return docstring.split("\n")[-1] if "\n" in docstring else ""


def _append_note(docstring: str | None, note: str) -> str:
    """``docstring`` with ``note`` appended at the docstring's own indentation."""
    docstring = docstring or ""
    indent = _get_docstring_indent(docstring)
    return docstring.strip() + textwrap.indent(note, indent) + indent


def _message(name: str, version: str) -> str:
    return (
        f"{name} is experimental (supported from v{version}). "
        "The interface can change in the future."
    )


def experimental_func(
    version: str, name: str | None = None
) -> Callable[[Callable[FP, FT]], Callable[FP, FT]]:
    """Decorate a function as experimental: each call emits an ``ExperimentalWarning``.

    Parameters
    ----------
    version
        The first version with the feature, ``"x.y.z"``.
    name
        The feature's name in the message (default: ``module.qualname`` of the function).
    """
    _validate_version(version)

    def decorator(func: Callable[FP, FT]) -> Callable[FP, FT]:
        func.__doc__ = _append_note(func.__doc__, _EXPERIMENTAL_NOTE_TEMPLATE.format(ver=version))
        message = _message(name or f"{func.__module__}.{func.__qualname__}", version)

        @functools.wraps(func)
        def wrapper(*args: FP.args, **kwargs: FP.kwargs) -> FT:
            warnings.warn(message, ExperimentalWarning, stacklevel=2)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def experimental_class(version: str, name: str | None = None) -> Callable[[CT], CT]:
    """Decorate a class as experimental: each instantiation emits an ``ExperimentalWarning``.

    Parameters
    ----------
    version
        The first version with the feature, ``"x.y.z"``.
    name
        The feature's name in the message (default: the class's name).
    """
    _validate_version(version)

    def decorator(cls: CT) -> CT:
        original_init = cls.__init__  # type: ignore[misc]
        message = _message(name or cls.__name__, version)  # type: ignore[attr-defined]

        @functools.wraps(original_init)
        def wrapped_init(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(message, ExperimentalWarning, stacklevel=2)
            original_init(self, *args, **kwargs)

        cls.__init__ = wrapped_init  # type: ignore[misc]
        cls.__doc__ = _append_note(cls.__doc__, _EXPERIMENTAL_NOTE_TEMPLATE.format(ver=version))
        return cls

    return decorator
