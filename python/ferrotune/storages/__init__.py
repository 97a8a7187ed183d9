"""Storages: where studies and trials live."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ferrotune.storages import journal
from ferrotune.storages._base import BaseStorage
from ferrotune.storages._callbacks import (
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
)
from ferrotune.storages._heartbeat import fail_stale_trials
from ferrotune.storages._history import TrialHistory
from ferrotune.storages._in_memory import InMemoryStorage
from ferrotune.storages.journal import JournalStorage
from ferrotune.storages.journal._base import BaseJournalLogStorage
from ferrotune.storages.journal._file import (
    DeprecatedJournalFileOpenLock as JournalFileOpenLock,
)
from ferrotune.storages.journal._file import (
    DeprecatedJournalFileSymlinkLock as JournalFileSymlinkLock,
)
from ferrotune.storages.journal._file import JournalFileStorage
from ferrotune.storages.journal._redis import JournalRedisStorage

if TYPE_CHECKING:
    from ferrotune.storages._grpc import GrpcStorageProxy, run_grpc_proxy_server
    from ferrotune.storages._rdb import RDBStorage

__all__ = [
    "BaseJournalLogStorage",
    "BaseStorage",
    "GrpcStorageProxy",
    "InMemoryStorage",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
    "JournalStorage",
    "RDBStorage",
    "RetryFailedTrialCallback",
    "RetryHeartbeatStaleTrialCallback",
    "TrialHistory",
    "fail_stale_trials",
    "get_storage",
    "journal",
    "run_grpc_proxy_server",
]


def __getattr__(name: str) -> Any:
    # SQLAlchemy is imported on first use of RDBStorage, not by `import ferrotune`.
    if name == "RDBStorage":
        from ferrotune.storages._rdb import RDBStorage

        return RDBStorage
    # grpcio (the `grpc` extra) is imported on first use of the gRPC proxy.
    if name in ("GrpcStorageProxy", "run_grpc_proxy_server"):
        from ferrotune.storages import _grpc

        return getattr(_grpc, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    """Turn ``None`` (in-memory), a database URL or a storage object into a storage.

    Parameters
    ----------
    storage
        ``None`` for a new :class:`InMemoryStorage`, a URL such as ``"sqlite:///study.db"``
        or ``"postgresql+psycopg://..."``, or a storage instance (returned as is).
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        return _storage_from_url(storage)
    raise TypeError(f"`storage` must be None, a URL string or a BaseStorage, but got {storage!r}.")


def _storage_from_url(url: str) -> BaseStorage:
    if "://" not in url:
        raise ValueError(
            f"Invalid storage URL {url!r}: expected e.g. 'sqlite:///study.db' or "
            "'postgresql+psycopg://user:password@host/db'."
        )
    try:
        from ferrotune.storages._rdb import RDBStorage  # type: ignore[import-not-found,attr-defined,unused-ignore]
    except ImportError as e:
        raise ValueError(
            f"Storage URL {url!r} needs the RDB storage, which is not available in this build."
        ) from e
    storage: BaseStorage = RDBStorage(url)
    return storage
