"""Journal in Redis, with Optuna's keys (``<prefix>:log_number``, ``<prefix>:log:<n>``)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from ferrotune._deprecated import deprecated_class
from ferrotune.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot

_APPEND_SCRIPT = (
    "local i = redis.call('incr', string.format('%s:log_number', ARGV[1])) "
    "redis.call('set', string.format('%s:log:%d', ARGV[1], i), ARGV[2])"
)
_BATCH = 1000


class JournalRedisBackend(BaseJournalBackend, BaseJournalSnapshot):
    """Journal stored in a Redis server (needs the ``redis`` package).

    The connection is opened lazily, at the first read or write (as in Optuna), so an
    unreachable server raises ``redis.exceptions.ConnectionError`` then.

    Parameters
    ----------
    url
        Redis URL, e.g. ``"redis://localhost:6379/0"``.
    use_cluster
        Redis cluster mode: appends are then not atomic.
    prefix
        Key prefix, to keep several journals in one Redis database.
    """

    def __init__(self, url: str, use_cluster: bool = False, prefix: str = "") -> None:
        try:
            import redis
        except ImportError as e:
            raise ImportError(
                "JournalRedisBackend needs the `redis` package: pip install redis"
            ) from e
        if not isinstance(url, str) or "://" not in url:
            raise ValueError(f"Invalid Redis URL {url!r}: expected e.g. 'redis://localhost:6379'.")
        self._url = url
        self._use_cluster = use_cluster
        self._prefix = prefix
        try:
            self._redis = redis.Redis.from_url(url)
        except ValueError as e:
            raise ValueError(f"Invalid Redis URL {url!r}: {e}") from e
        self._append = self._redis.register_script(_APPEND_SCRIPT)

    def __getstate__(self) -> dict[str, Any]:
        return {"_url": self._url, "_use_cluster": self._use_cluster, "_prefix": self._prefix}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Not ``self.__init__``: a deprecated subclass would warn again on unpickling.
        JournalRedisBackend.__init__(self, state["_url"], state["_use_cluster"], state["_prefix"])

    def _key(self, number: int) -> str:
        return f"{self._prefix}:log:{number}"

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        raw_max = self._redis.get(f"{self._prefix}:log_number")
        if raw_max is None:
            return
        last = int(raw_max)
        number = log_number_from
        while number <= last:
            stop = min(last, number + _BATCH - 1)
            keys = [self._key(i) for i in range(number, stop + 1)]
            values = self._redis.mget(keys)
            for i, value in enumerate(values):
                wait = 0.01
                while value is None:  # a cluster-mode writer between INCR and SET
                    time.sleep(wait)
                    wait = min(wait * 2, 1.0)
                    value = self._redis.get(keys[i])
                try:
                    record = json.loads(value)
                except (json.JSONDecodeError, UnicodeDecodeError) as e:  # or not UTF-8
                    if number + i != last:
                        raise ValueError(
                            f"Journal in Redis ({self._prefix}) is corrupt at line "
                            f"{number + i + 1}: {e}."
                        ) from e
                    continue  # a last record being written
                yield record
            number = stop + 1

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self._redis.setnx(f"{self._prefix}:log_number", -1)
        for log in logs:
            text = json.dumps(log)
            if self._use_cluster:
                number = self._redis.incr(f"{self._prefix}:log_number", 1)
                self._redis.set(self._key(int(number)), text)
            else:
                self._append(keys=[], args=[self._prefix, text])

    def save_snapshot(self, snapshot: bytes) -> None:
        self._redis.set(f"{self._prefix}:snapshot", snapshot)

    def load_snapshot(self) -> bytes | None:
        value: Any = self._redis.get(f"{self._prefix}:snapshot")
        return None if value is None else bytes(value)


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~optuna.storages.journal.JournalRedisBackend` instead."
)
class JournalRedisStorage(JournalRedisBackend):
    """Deprecated name of :class:`JournalRedisBackend`."""
