"""tqdm progress bar for ``Study.optimize(show_progress_bar=True)``."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ferrotune.study.study import Study


class ProgressBar:
    """A bar over ``n_trials`` (or seconds of ``timeout``) showing the best value so far."""

    def __init__(self, enabled: bool, n_trials: int | None, timeout: float | None) -> None:
        self._enabled = bool(enabled) and (n_trials is not None or timeout is not None)
        self._timeout_mode = n_trials is None
        self._lock = threading.Lock()
        self._last_elapsed = 0.0
        self._bar: Any = None
        if self._enabled:
            from tqdm.auto import tqdm

            if self._timeout_mode:
                self._bar = tqdm(total=timeout, bar_format="{l_bar}{bar}{r_bar}")
            else:
                self._bar = tqdm(total=n_trials)

    def update(self, elapsed_seconds: float, study: Study) -> None:
        """Advance by one trial (or to ``elapsed_seconds``) and show the best value."""
        if not self._enabled:
            return
        with self._lock:
            if not study._is_multi_objective():
                try:
                    best = study._get_best_trial()
                    self._bar.set_description(
                        f"Best trial: {best.number}. Best value: {best.value:.6g}", refresh=False
                    )
                except ValueError:
                    pass
            if self._timeout_mode:
                total = self._bar.total
                step = min(elapsed_seconds, total) - self._last_elapsed
                self._last_elapsed += max(step, 0.0)
                self._bar.update(max(step, 0.0))
            else:
                self._bar.update(1)

    def close(self) -> None:
        """Close the bar."""
        if self._enabled:
            self._bar.close()
