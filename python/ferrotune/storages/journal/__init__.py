"""Journal storage and its backends (Optuna's journal format)."""

from __future__ import annotations

from ferrotune.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot
from ferrotune.storages.journal._file import (
    BaseJournalFileLock,
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
)
from ferrotune.storages.journal._redis import JournalRedisBackend
from ferrotune.storages.journal._storage import JournalStorage

__all__ = [
    "BaseJournalBackend",
    "BaseJournalFileLock",
    "BaseJournalSnapshot",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileSymlinkLock",
    "JournalRedisBackend",
    "JournalStorage",
]
