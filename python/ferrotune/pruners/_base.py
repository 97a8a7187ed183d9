"""The pruner interface."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class BasePruner(abc.ABC):
    """Base class of pruners: decide whether a running trial should stop."""

    @abc.abstractmethod
    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if ``trial`` should be pruned now."""
