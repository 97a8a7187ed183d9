"""Journal in a local or NFS file: one JSON object per line, as Optuna writes it."""

from __future__ import annotations

import abc
import contextlib
import errno
import json
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from typing import Any, BinaryIO

from ferrotune import logging as _logging
from ferrotune._deprecated import deprecated_class
from ferrotune.storages.journal._base import BaseJournalBackend

LOCK_FILE_SUFFIX = ".lock"
RENAME_FILE_SUFFIX = ".rename"

_logger = _logging.get_logger(__name__)


class BaseJournalFileLock(abc.ABC):
    """An inter-process lock around appends to a journal file."""

    @abc.abstractmethod
    def acquire(self) -> bool:
        """Block until the lock is held; return ``True``."""

    @abc.abstractmethod
    def release(self) -> None:
        """Release the lock."""


class _ExclusiveFileLock(BaseJournalFileLock):
    """Lock held while ``<file>.lock`` exists; a lock older than ``grace_period`` is broken."""

    def __init__(self, filepath: str, grace_period: int | None = 30) -> None:
        if grace_period is not None:
            if isinstance(grace_period, bool) or grace_period <= 0:
                raise ValueError(
                    "The value of `grace_period` should be a positive integer, got "
                    f"{grace_period!r}."
                )
            if grace_period < 3:
                warnings.warn(
                    f"The value of `grace_period` ({grace_period}) might be too small.",
                    UserWarning,
                    stacklevel=2,
                )
        self._target = filepath
        self._lock_file = filepath + LOCK_FILE_SUFFIX
        self.grace_period = grace_period

    @abc.abstractmethod
    def _create(self) -> None:
        """Create the lock file atomically; raise ``FileExistsError`` if it exists."""

    def acquire(self) -> bool:
        sleep = 0.001
        last_change = time.monotonic()
        last_warning = time.monotonic()
        seen_mtime: float | None = None
        while True:
            try:
                self._create()
                return True
            except OSError as err:
                if err.errno != errno.EEXIST:
                    raise
            now = time.monotonic()
            if now - last_warning > 10.0:
                _logger.warning(
                    f"It is taking longer than 10 seconds to acquire the lock file "
                    f"{self._lock_file}. Retrying..."
                )
                last_warning = now
            if self.grace_period is not None:
                try:
                    mtime = os.lstat(self._lock_file).st_mtime
                except OSError:
                    continue
                if mtime != seen_mtime:
                    seen_mtime = mtime
                    last_change = now
                elif now - last_change > self.grace_period:
                    _logger.warning(
                        f"The lock file {self._lock_file} has not been released for "
                        f"{self.grace_period} s; breaking it (its holder probably died)."
                    )
                    with contextlib.suppress(RuntimeError):
                        self.release()
                    sleep = 0.001
                    continue
            time.sleep(sleep)
            sleep = min(sleep * 2, 0.1)

    def release(self) -> None:
        # Rename first so that two processes breaking a stale lock cannot both delete it.
        moved = self._lock_file + str(uuid.uuid4()) + RENAME_FILE_SUFFIX
        try:
            os.rename(self._lock_file, moved)
        except OSError as e:
            raise RuntimeError(f"Did not possess the lock {self._lock_file}.") from e
        os.unlink(moved)


class JournalFileSymlinkLock(_ExclusiveFileLock):
    """Lock by creating a symbolic link (works on NFSv2 and later).

    Parameters
    ----------
    filepath
        The journal file to protect; the lock is ``filepath + ".lock"``.
    grace_period
        Seconds after which an unchanged lock is considered abandoned and broken.
    """

    def _create(self) -> None:
        os.symlink(self._target, self._lock_file)


class JournalFileOpenLock(_ExclusiveFileLock):
    """Lock by creating a file with ``O_EXCL`` (NFSv3 and later).

    Parameters
    ----------
    filepath
        The journal file to protect; the lock is ``filepath + ".lock"``.
    grace_period
        Seconds after which an unchanged lock is considered abandoned and broken.
    """

    def _create(self) -> None:
        os.close(os.open(self._lock_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY))


@contextlib.contextmanager
def _locked(lock: BaseJournalFileLock) -> Iterator[None]:
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


class JournalFileBackend(BaseJournalBackend):
    """Journal in a file shared by processes on one machine or over NFS.

    The file format is Optuna's: one compact JSON object per line. Appends are done under
    ``lock_obj``; reads need no lock. A last line cut short by a crash is ignored with a
    warning (and removed by the next append), so nothing written before it is lost.

    Parameters
    ----------
    file_path
        Path of the journal file (created if missing).
    lock_obj
        :class:`JournalFileSymlinkLock` (default) or :class:`JournalFileOpenLock`.
    """

    def __init__(self, file_path: str, lock_obj: BaseJournalFileLock | None = None) -> None:
        if not isinstance(file_path, (str, os.PathLike)):
            raise TypeError(f"`file_path` must be a path, but got {file_path!r}.")
        self._file_path = os.fspath(file_path)
        self._lock = lock_obj or JournalFileSymlinkLock(self._file_path)
        if not os.path.exists(self._file_path):
            open(self._file_path, "ab").close()
        # log number -> byte offset of its line, for the numbers read so far
        self._offsets: dict[int, int] = {0: 0}
        self._warned_truncation: set[int] = set()

    def __getstate__(self) -> dict[str, Any]:
        return {"_file_path": self._file_path, "_lock": self._lock}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._offsets = {0: 0}
        self._warned_truncation = set()

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        start_number = log_number_from if log_number_from in self._offsets else 0
        offset = self._offsets[start_number]
        with open(self._file_path, "rb") as f:
            f.seek(offset)
            data = f.read()
        if not data:
            return
        lines = data.split(b"\n")
        tail = lines.pop()  # bytes after the last newline: empty unless truncated
        number = start_number
        for line in lines:
            offset += len(line) + 1
            number += 1
            self._offsets[number] = offset
            if number - 1 < log_number_from:
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:  # garbage, or not UTF-8
                raise ValueError(
                    f"Journal file {self._file_path} is corrupt at line {number}: {e}."
                ) from e
            if not isinstance(record, dict):
                raise ValueError(
                    f"Journal file {self._file_path} is corrupt at line {number}: {record!r} "
                    "is not a journal record."
                )
            yield record
        if tail and offset not in self._warned_truncation:
            self._warned_truncation.add(offset)
            _logger.warning(
                f"Ignoring an incomplete last line in the journal file {self._file_path} "
                f"({len(tail)} bytes at offset {offset}); a writer probably crashed mid-write."
            )

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs)
        with _locked(self._lock), open(self._file_path, "r+b") as f:
            end = f.seek(0, os.SEEK_END)
            if end > 0:
                f.seek(end - 1)
                if f.read(1) != b"\n":
                    end = self._cut_partial_line(f, end)
            f.seek(end)
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())

    def _cut_partial_line(self, f: BinaryIO, end: int) -> int:
        """Drop a line left incomplete by a crashed writer (we hold the lock)."""
        block = 4096
        pos = end
        while pos > 0:
            step = min(block, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = pos - step + newline + 1
                break
            pos -= step
        else:
            keep = 0
        _logger.warning(
            f"Removing an incomplete last line ({end - keep} bytes) from the journal file "
            f"{self._file_path} before appending."
        )
        f.truncate(keep)
        return int(keep)


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~optuna.storages.journal.JournalFileBackend` instead."
)
class JournalFileStorage(JournalFileBackend):
    """Deprecated name of :class:`JournalFileBackend`."""


@deprecated_class(
    "4.0.0",
    "6.0.0",
    name="The import path :class:`~optuna.storages.JournalFileOpenLock`",
    text="Use :class:`~optuna.storages.journal.JournalFileOpenLock` instead.",
)
class DeprecatedJournalFileOpenLock(JournalFileOpenLock):
    """``ferrotune.storages.JournalFileOpenLock``: a deprecated import path."""


@deprecated_class(
    "4.0.0",
    "6.0.0",
    name="The import path :class:`~optuna.storages.JournalFileSymlinkLock`",
    text="Use :class:`~optuna.storages.journal.JournalFileSymlinkLock` instead.",
)
class DeprecatedJournalFileSymlinkLock(JournalFileSymlinkLock):
    """``ferrotune.storages.JournalFileSymlinkLock``: a deprecated import path."""
