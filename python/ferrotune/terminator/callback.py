"""A :meth:`Study.optimize` callback that stops the study when a terminator says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ferrotune.logging import get_logger
from ferrotune.terminator._warnings import warn_deprecated_module
from ferrotune.terminator.terminator import Terminator

if TYPE_CHECKING:
    from ferrotune.study import Study
    from ferrotune.terminator.terminator import BaseTerminator
    from ferrotune.trial import FrozenTrial

_logger = get_logger(__name__)


class TerminatorCallback:
    """Stop :meth:`Study.optimize` once ``terminator.should_terminate(study)`` is true.

    Parameters
    ----------
    terminator
        The terminator asked after every trial; default :class:`Terminator` ``()``.
    """

    def __init__(self, terminator: BaseTerminator | None = None) -> None:
        warn_deprecated_module()
        self._terminator = terminator or Terminator()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._terminator.should_terminate(study=study):
            _logger.info("The study has been stopped by the terminator.")
            study.stop()
