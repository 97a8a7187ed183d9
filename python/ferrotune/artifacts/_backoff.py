"""Retrying middleware for artifact stores whose operations fail transiently."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import BinaryIO, TypeVar

from ferrotune.artifacts._protocol import ArtifactStore
from ferrotune.artifacts.exceptions import ArtifactNotFound

_logger = logging.getLogger(__name__)
_T = TypeVar("_T")


class Backoff:
    """Wrap an artifact store so that failed operations are retried with exponential backoff.

    An operation that raises (anything but ``ArtifactNotFound``, which is final) is retried
    after ``min(min_delay * multiplier**i, max_delay)`` seconds for the ``i``-th failure,
    at most ``max_retries`` attempts in all; the last failure is raised.

    Parameters
    ----------
    backend
        The artifact store to wrap.
    max_retries
        Attempts per operation (> 0).
    multiplier
        Growth of the delay between attempts (> 0).
    min_delay
        First delay, in seconds (> 0).
    max_delay
        Largest delay, in seconds (> ``min_delay``).

    Examples
    --------
    .. code-block:: python

        from ferrotune.artifacts import Backoff, Boto3ArtifactStore

        artifact_store = Backoff(Boto3ArtifactStore("my-bucket"))
    """

    def __init__(
        self,
        backend: ArtifactStore,
        *,
        max_retries: int = 10,
        multiplier: float = 2,
        min_delay: float = 0.1,
        max_delay: float = 30,
    ) -> None:
        if not max_retries > 0:
            raise ValueError(f"max_retries must be > 0, but got {max_retries!r}.")
        if not multiplier > 0:
            raise ValueError(f"multiplier must be > 0, but got {multiplier!r}.")
        if not min_delay > 0:
            raise ValueError(f"min_delay must be > 0, but got {min_delay!r}.")
        if not max_delay > min_delay:
            raise ValueError(
                f"max_delay must be > min_delay ({min_delay!r}), but got {max_delay!r}."
            )
        self._backend = backend
        self._max_retries = max_retries
        self._multiplier = multiplier
        self._min_delay = min_delay
        self._max_delay = max_delay

    def _get_sleep_secs(self, n_retry: int) -> float:
        return float(min(self._min_delay * self._multiplier**n_retry, self._max_delay))

    def _retry(
        self, what: str, artifact_id: str, attempt: Callable[[], _T], rewind: BinaryIO | None
    ) -> _T:
        for n_retry in range(self._max_retries):
            try:
                return attempt()
            except ArtifactNotFound:
                raise
            except Exception as e:
                if n_retry == self._max_retries - 1:
                    raise
                _logger.error(
                    f"Failed to {what} artifact={artifact_id} n_retry={n_retry}", exc_info=e
                )
            if rewind is not None:
                rewind.seek(0)
            time.sleep(self._get_sleep_secs(n_retry))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Open the artifact, retrying failures."""
        return self._retry(
            "open", artifact_id, lambda: self._backend.open_reader(artifact_id), None
        )

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Write the artifact, rewinding ``content_body`` before each retry."""
        self._retry(
            "write",
            artifact_id,
            lambda: self._backend.write(artifact_id, content_body),
            content_body,
        )

    def remove(self, artifact_id: str) -> None:
        """Remove the artifact, retrying failures."""
        self._retry("remove", artifact_id, lambda: self._backend.remove(artifact_id), None)
