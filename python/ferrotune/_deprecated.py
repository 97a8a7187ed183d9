"""Deprecation decorators with Optuna's warnings (``optuna._deprecated``).

A deprecated class or function emits a ``FutureWarning`` worded as Optuna's, e.g.
"UniformDistribution has been deprecated in v3.0.0. This feature will be removed in v6.0.0.
See https://github.com/optuna/optuna/releases/tag/v3.0.0. Use ... instead."
"""

from __future__ import annotations

import functools
import textwrap
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from ferrotune._experimental import _append_note

FT = TypeVar("FT")
FP = ParamSpec("FP")
CT = TypeVar("CT")

_DEPRECATION_NOTE_TEMPLATE = """

.. warning::
    Deprecated in v{d_ver}. This feature will be removed in the future. The removal of this
    feature is currently scheduled for v{r_ver}, but this schedule is subject to change.
    See https://github.com/optuna/optuna/releases/tag/v{d_ver}.
"""

_DEPRECATION_WARNING_TEMPLATE = (
    "{name} has been deprecated in v{d_ver}. "
    "This feature will be removed in v{r_ver}. "
    "See https://github.com/optuna/optuna/releases/tag/v{d_ver}."
)


def _parse_version(version: str) -> tuple[int, ...]:
    parts = version.split(".") if isinstance(version, str) else []
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(
            f"Invalid version specification. Must follow `x.y.z` format but `{version}` is given"
        )
    return tuple(int(p) for p in parts)


def _validate_two_version(old_version: str, new_version: str) -> None:
    if _parse_version(old_version) > _parse_version(new_version):
        raise ValueError(
            "Invalid version relationship. The deprecated version must be smaller than "
            "the removed version, but (deprecated version, removed version) = "
            f"({old_version}, {new_version}) are specified."
        )


def _message(name: str, deprecated_version: str, removed_version: str, text: str | None) -> str:
    message = _DEPRECATION_WARNING_TEMPLATE.format(
        name=name, d_ver=deprecated_version, r_ver=removed_version
    )
    return message if text is None else message + " " + text


def _add_note(
    doc: str | None, deprecated_version: str, removed_version: str, text: str | None
) -> str:
    note = _DEPRECATION_NOTE_TEMPLATE.format(d_ver=deprecated_version, r_ver=removed_version)
    if text is not None:
        note += "\n\n" + textwrap.indent(text.strip(), "    ") + "\n"
    return _append_note(doc, note)


def deprecated_func(
    deprecated_version: str,
    removed_version: str,
    name: str | None = None,
    text: str | None = None,
) -> Callable[[Callable[FP, FT]], Callable[FP, FT]]:
    """Decorate a function as deprecated: each call emits a ``FutureWarning``.

    Parameters
    ----------
    deprecated_version, removed_version
        ``"x.y.z"`` versions, the first not greater than the second.
    name
        The feature's name in the message (default: the function's name).
    text
        Appended to the message and to the docstring's deprecation note.
    """
    _validate_two_version(deprecated_version, removed_version)

    def decorator(func: Callable[FP, FT]) -> Callable[FP, FT]:
        func.__doc__ = _add_note(func.__doc__, deprecated_version, removed_version, text)
        message = _message(name or func.__name__, deprecated_version, removed_version, text)

        @functools.wraps(func)
        def wrapper(*args: FP.args, **kwargs: FP.kwargs) -> FT:
            warnings.warn(message, FutureWarning, stacklevel=2)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def deprecated_class(
    deprecated_version: str,
    removed_version: str,
    name: str | None = None,
    text: str | None = None,
) -> Callable[[CT], CT]:
    """Decorate a class as deprecated: each instantiation emits a ``FutureWarning``.

    Parameters
    ----------
    deprecated_version, removed_version
        ``"x.y.z"`` versions, the first not greater than the second.
    name
        The feature's name in the message (default: the class's name).
    text
        Appended to the message and to the docstring's deprecation note.
    """
    _validate_two_version(deprecated_version, removed_version)

    def decorator(cls: CT) -> CT:
        original_init = cls.__init__  # type: ignore[misc]
        message = _message(
            name or cls.__name__,  # type: ignore[attr-defined]
            deprecated_version,
            removed_version,
            text,
        )

        @functools.wraps(original_init)
        def wrapped_init(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(message, FutureWarning, stacklevel=2)
            original_init(self, *args, **kwargs)

        cls.__init__ = wrapped_init  # type: ignore[misc]
        cls.__doc__ = _add_note(cls.__doc__, deprecated_version, removed_version, text)
        return cls

    return decorator
