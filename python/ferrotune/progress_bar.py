"""tqdm progress bar for ``Study.optimize(show_progress_bar=True)``, as Optuna's."""

from __future__ import annotations

import logging
import threading
import warnings
from typing import TYPE_CHECKING, Any

from ferrotune import logging as _logging

if TYPE_CHECKING:
    from ferrotune.study.study import Study


class _TqdmLoggingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes log records with ``tqdm.write``, so they do not break the bar."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm.auto import tqdm

            tqdm.write(self.format(record))
            self.flush()
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception:
            self.handleError(record)


class ProgressBar:
    """A bar over ``n_trials``, or over the seconds of ``timeout`` when it is the only
    budget, showing the best value so far (as Optuna's).

    With both ``n_trials`` and ``timeout``, the bar counts trials and shows
    "elapsed/timeout seconds" next to it. Without a budget no bar is shown (with a
    warning). While the bar is shown, the library's log lines go through ``tqdm.write``.

    Parameters
    ----------
    enabled
        ``show_progress_bar`` of ``Study.optimize``.
    n_trials, timeout
        The budget of ``Study.optimize``.
    """

    def __init__(self, enabled: bool, n_trials: int | None, timeout: float | None) -> None:
        if enabled and n_trials is None and timeout is None:
            warnings.warn(
                "Progress bar won't be displayed because n_trials and timeout are None.",
                UserWarning,
                stacklevel=4,
            )
        self._enabled = bool(enabled) and (n_trials is not None or timeout is not None)
        self._n_trials = n_trials
        self._timeout = timeout
        self._lock = threading.Lock()
        self._last_elapsed = 0.0
        self._bar: Any = None
        self._handler: _TqdmLoggingHandler | None = None
        if self._enabled:
            from tqdm.auto import tqdm

            if n_trials is not None:
                self._bar = tqdm(total=n_trials)
            else:
                total = tqdm.format_interval(timeout)
                fmt = "{desc} {percentage:3.0f}%|{bar}| {elapsed}/" + total
                self._bar = tqdm(total=timeout, bar_format=fmt)
            self._redirect_logging()

    def _redirect_logging(self) -> None:
        _logging.disable_default_handler()
        default = _logging._default_handler
        handler = _TqdmLoggingHandler()
        handler.setLevel(logging.INFO)
        if default is not None and default.formatter is not None:
            handler.setFormatter(default.formatter)
        _logging._root_logger().addHandler(handler)
        self._handler = handler

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
            if self._n_trials is not None:
                self._bar.update(1)
                if self._timeout is not None:
                    self._bar.set_postfix_str(f"{elapsed_seconds:.02f}/{self._timeout} seconds")
            else:
                assert self._timeout is not None
                step = min(elapsed_seconds, self._timeout) - self._last_elapsed
                self._last_elapsed += max(step, 0.0)
                self._bar.update(max(step, 0.0))

    def close(self) -> None:
        """Close the bar and give the log lines back to the default handler."""
        if self._enabled:
            self._bar.close()
            if self._handler is not None:
                _logging._root_logger().removeHandler(self._handler)
                self._handler = None
                _logging.enable_default_handler()
