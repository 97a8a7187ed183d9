"""A pruner that never prunes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.pruners._base import BasePruner
from ferrotune.trial._frozen import FrozenTrial

if TYPE_CHECKING:
    from ferrotune.study import Study


class NopPruner(BasePruner):
    """Never prune."""

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        return False
