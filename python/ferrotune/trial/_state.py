"""Trial states."""

from __future__ import annotations

import enum


class TrialState(enum.IntEnum):
    """State of a trial: RUNNING, COMPLETE, PRUNED, FAIL or WAITING (enqueued)."""

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    __str__ = enum.Enum.__str__

    def is_finished(self) -> bool:
        """Return ``True`` for COMPLETE, PRUNED and FAIL."""
        return self != TrialState.RUNNING and self != TrialState.WAITING
