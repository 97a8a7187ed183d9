"""Storages: where studies and trials live."""

from __future__ import annotations

from ferrotune.storages._base import BaseStorage
from ferrotune.storages._history import TrialHistory
from ferrotune.storages._in_memory import InMemoryStorage

__all__ = ["BaseStorage", "InMemoryStorage", "TrialHistory", "get_storage"]


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
