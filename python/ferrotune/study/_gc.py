"""Keeping the cyclic garbage collector off the finished trial records during optimize.

Every finished trial stays in memory as a few container objects (its record, its
distributions, its values). CPython's collector walks all of them again at each full
collection, which it runs whenever the long-lived objects grew by a quarter: a cost per
trial that grows with the study. Finished records never become garbage while their study
lives, so :class:`GcShelter` moves the objects alive at doubling trial counts (1024, 2048,
...) to the collector's permanent generation with :func:`gc.freeze`, which costs O(1), and
moves them back with :func:`gc.unfreeze` when optimize ends. Objects frozen that become
unreachable meanwhile are still freed by reference counting; only garbage *cycles* among
them wait until the end of :meth:`Study.optimize` to be collected.

Nothing is frozen when the collector is disabled, when the process already uses
:func:`gc.freeze` (its frozen objects stay as they are) or with ``gc_after_trial=True``.
"""

from __future__ import annotations

import gc

FIRST_FREEZE = 1024


class GcShelter:
    """Freeze the objects alive at trial counts 1024, 2048, 4096, ... until :meth:`close`.

    Parameters
    ----------
    enabled
        Whether to freeze at all (``False`` makes every call a no-op).
    """

    __slots__ = ("_froze", "_next")

    def __init__(self, enabled: bool) -> None:
        usable = enabled and gc.isenabled() and gc.get_freeze_count() == 0
        self._next = FIRST_FREEZE if usable else -1
        self._froze = False

    def tick(self, n_trials: int) -> None:
        """Called after each trial with the number of trials run so far."""
        if n_trials == self._next:
            gc.freeze()
            self._froze = True
            self._next *= 2

    def close(self) -> None:
        """Hand everything frozen here back to the collector."""
        if self._froze:
            gc.unfreeze()
            self._froze = False
        self._next = -1
