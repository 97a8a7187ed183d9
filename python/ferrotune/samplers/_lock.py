"""Samplers that hold locks and per-process caches but still pickle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

#: Attribute name -> factory of its fresh value.
Factories = Mapping[str, Callable[[], Any]]


def reset_to_none() -> None:
    """Factory of a per-process cache that starts as ``None``."""
    return None


class PicklableLocksMixin:
    """Leaves a sampler's locks and per-process caches out of its pickled state.

    A ``threading.Lock`` cannot be pickled, and caches of one process (indexes keyed by
    ``id(storage)``, native engines) mean nothing in another. A subclass names them:
    ``_LOCKS`` maps each lock attribute to its factory (``threading.Lock`` by default,
    ``threading.RLock`` for a re-entrant one), ``_PROCESS_CACHES`` maps each cache attribute
    to the factory of its empty value. :meth:`_create_locks` creates the locks (call it in
    ``__init__``); unpickling creates them again and resets the caches.
    """

    _LOCKS: ClassVar[Factories] = {"_lock": threading.Lock}
    _PROCESS_CACHES: ClassVar[Factories] = {}
    # The default lock; a subclass with other lock names annotates its own.
    _lock: threading.Lock | threading.RLock

    def _create_locks(self) -> None:
        for name, factory in self._LOCKS.items():
            setattr(self, name, factory())

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for name in (*self._LOCKS, *self._PROCESS_CACHES):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name, factory in self._PROCESS_CACHES.items():
            setattr(self, name, factory())
        self._create_locks()
