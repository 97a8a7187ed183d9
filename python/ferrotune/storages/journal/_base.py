"""Interfaces of journal backends (Optuna's ``BaseJournalBackend``)."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any

from ferrotune._deprecated import deprecated_class


class BaseJournalBackend(abc.ABC):
    """An append-only log of storage operations shared by processes.

    Implementations must be process safe: several processes may call :meth:`read_logs`
    and :meth:`append_logs` at once.
    """

    @abc.abstractmethod
    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        """Logs numbered ``log_number_from`` and later (0: all of them), in order."""

    @abc.abstractmethod
    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append JSON-serialisable logs atomically and in order."""


class BaseJournalSnapshot(abc.ABC):
    """Optional snapshot support of a journal backend."""

    @abc.abstractmethod
    def save_snapshot(self, snapshot: bytes) -> None:
        """Store a serialised snapshot."""

    @abc.abstractmethod
    def load_snapshot(self) -> bytes | None:
        """The stored snapshot, or ``None``."""


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~optuna.storages.journal.BaseJournalBackend` instead."
)
class BaseJournalLogStorage(BaseJournalBackend):
    """Deprecated name of :class:`BaseJournalBackend`."""
