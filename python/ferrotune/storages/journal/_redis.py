"""Journal in Redis, with Optuna's keys (``<prefix>:log_number``, ``<prefix>:log:<n>``)."""

from __future__ import annotations

import functools
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ferrotune import logging as _logging
from ferrotune._deprecated import deprecated_class
from ferrotune.exceptions import StorageInternalError
from ferrotune.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot

_logger = _logging.get_logger(__name__)
_T = TypeVar("_T")

# Appends a record unless the append token (KEYS[1]) was seen: a retry after a connection
# lost between the server running the script and the client reading its reply must not
# append the record twice. Tokens expire after an hour.
_APPEND_SCRIPT = (
    "if not redis.call('set', KEYS[1], '1', 'NX', 'EX', 3600) then return 0 end "
    "local i = redis.call('incr', string.format('%s:log_number', ARGV[1])) "
    "redis.call('set', string.format('%s:log:%d', ARGV[1], i), ARGV[2]) "
    "return 1"
)
_BATCH = 1000
# Seconds of retrying a Redis server that is unreachable: once connected (a restart of a
# few seconds is ridden out) and before the first successful command (a wrong URL fails fast).
_RETRY_SECONDS = 20.0
_FIRST_CONNECT_SECONDS = 1.0
# Seconds to wait for a log key whose number was taken (INCR) but whose record was never
# set: a cluster-mode writer that died between the two. The gap is then filled with a no-op
# record (SET NX, so every reader agrees; a late writer takes a new number).
_MISSING_LOG_SECONDS = 30.0
# A record every journal reader (ferrotune, Optuna) applies as nothing: a study attribute
# of a study that does not exist, written by no live worker.
_GAP_RECORD = {
    "op_code": 2,
    "worker_id": "ferrotune-journal-gap",
    "study_id": -1,
    "user_attr": {},
}


def _redact(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)


@functools.cache
def _unavailable_type() -> type[Exception]:
    import redis

    class RedisUnavailableError(StorageInternalError, redis.exceptions.ConnectionError):
        """The Redis server stayed unreachable (also a ``redis`` ``ConnectionError``)."""

    return RedisUnavailableError


class JournalRedisBackend(BaseJournalBackend, BaseJournalSnapshot):
    """Journal stored in a Redis server (needs the ``redis`` package).

    The connection is opened lazily, at the first read or write (as in Optuna). A server
    that goes away (a restart) is retried with backoff for 20 s, then a
    :class:`~ferrotune.exceptions.StorageInternalError` is raised (it is also a
    ``redis.exceptions.ConnectionError``, as Optuna raises); an unreachable server at the
    first command fails after about a second.

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
        self._transient: tuple[type[Exception], ...] = (
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
        )
        self._connected = False

    def __getstate__(self) -> dict[str, Any]:
        return {"_url": self._url, "_use_cluster": self._use_cluster, "_prefix": self._prefix}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Not ``self.__init__``: a deprecated subclass would warn again on unpickling.
        JournalRedisBackend.__init__(self, state["_url"], state["_use_cluster"], state["_prefix"])

    def _retry(self, fn: Callable[[], _T]) -> _T:
        """``fn()``, retried with backoff while the server is unreachable."""
        budget = _RETRY_SECONDS if self._connected else _FIRST_CONNECT_SECONDS
        deadline = time.monotonic() + budget
        delay = 0.05
        while True:
            try:
                result = fn()
            except self._transient as e:
                if time.monotonic() + delay > deadline:
                    raise _unavailable_type()(
                        f"Redis server at {_redact(self._url)} unreachable for {budget:g} s: {e}"
                    ) from e
                _logger.warning(f"Redis unavailable ({e}); retrying in {delay:.2f} s.")
                time.sleep(delay * (1.0 + random.random()))
                delay = min(delay * 2, 1.0)
                continue
            self._connected = True
            return result

    def _key(self, number: int) -> str:
        return f"{self._prefix}:log:{number}"

    def _missing(self, number: int) -> bytes:
        """The record ``number``, whose key is missing: waited for, then filled as a gap."""
        key = self._key(number)
        deadline = time.monotonic() + _MISSING_LOG_SECONDS
        wait = 0.01
        while time.monotonic() < deadline:
            time.sleep(wait)
            wait = min(wait * 2, 1.0)
            value: Any = self._retry(lambda: self._redis.get(key))
            if value is not None:
                return bytes(value)
        gap = json.dumps(_GAP_RECORD)
        if self._retry(lambda: self._redis.set(key, gap, nx=True)):
            _logger.warning(
                f"Journal in Redis ({self._prefix}): record {number} was never written (a "
                f"writer died after taking its number); skipped after "
                f"{_MISSING_LOG_SECONDS:g} s."
            )
        value = self._retry(lambda: self._redis.get(key))
        return gap.encode() if value is None else bytes(value)

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        raw_max = self._retry(lambda: self._redis.get(f"{self._prefix}:log_number"))
        if raw_max is None:
            return
        last = int(raw_max)
        number = log_number_from
        while number <= last:
            stop = min(last, number + _BATCH - 1)
            keys = [self._key(i) for i in range(number, stop + 1)]
            values = self._retry(functools.partial(self._redis.mget, keys))
            for i, value in enumerate(values):
                if value is None:  # a cluster-mode writer between INCR and SET
                    value = self._missing(number + i)
                try:
                    record = json.loads(value)
                except (json.JSONDecodeError, UnicodeDecodeError) as e:  # or not UTF-8
                    # Even the last record: a SET is atomic, there are no half-written
                    # records to wait for (Optuna skips an unreadable last record).
                    raise ValueError(
                        f"Journal in Redis ({self._prefix}) is corrupt at line "
                        f"{number + i + 1}: {e}."
                    ) from e
                yield record
            number = stop + 1

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        counter = f"{self._prefix}:log_number"
        self._retry(lambda: self._redis.setnx(counter, -1))
        for log in logs:
            text = json.dumps(log)
            if self._use_cluster:
                self._append_cluster(counter, text)
            else:
                token = f"{self._prefix}:append:{uuid.uuid4().hex}"
                self._retry(
                    functools.partial(self._append, keys=[token], args=[self._prefix, text])
                )

    def _append_cluster(self, counter: str, text: str) -> None:
        """INCR then SET NX: a reader may have filled a number taken too long ago."""
        while True:
            number = int(self._retry(lambda: self._redis.incr(counter, 1)))
            key = self._key(number)
            if self._retry(functools.partial(self._redis.set, key, text, nx=True)):
                return
            if self._retry(functools.partial(self._redis.get, key)) == text.encode():
                return  # this very SET, whose reply was lost, was retried

    def save_snapshot(self, snapshot: bytes) -> None:
        self._retry(lambda: self._redis.set(f"{self._prefix}:snapshot", snapshot))

    def load_snapshot(self) -> bytes | None:
        value: Any = self._retry(lambda: self._redis.get(f"{self._prefix}:snapshot"))
        return None if value is None else bytes(value)


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~optuna.storages.journal.JournalRedisBackend` instead."
)
class JournalRedisStorage(JournalRedisBackend):
    """Deprecated name of :class:`JournalRedisBackend`."""
