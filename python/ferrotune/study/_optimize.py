"""The optimize loop: sequential or on a thread pool."""

from __future__ import annotations

import copy
import gc
import numbers
import os
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from ferrotune import logging as _logging
from ferrotune.exceptions import TrialPruned
from ferrotune.progress_bar import ProgressBar
from ferrotune.study._gc import GcShelter
from ferrotune.study._tell import tell_trial
from ferrotune.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from ferrotune.study.study import ObjectiveFuncType, Study

_logger = _logging.get_logger(__name__)
Callback = Callable[["Study", FrozenTrial], None]
# Enum members bound once: reading ``TrialState.X`` goes through the enum metaclass's
# ``__getattr__`` hook and costs ~10x a global lookup (several per trial add up).
_COMPLETE = TrialState.COMPLETE
_PRUNED = TrialState.PRUNED
_FAIL = TrialState.FAIL


def _normalise_catch(catch: Any) -> tuple[type[BaseException], ...]:
    if isinstance(catch, type) and issubclass(catch, BaseException):
        return (catch,)
    if isinstance(catch, (list, tuple, set, frozenset)):
        items = tuple(catch)
        if all(isinstance(c, type) and issubclass(c, BaseException) for c in items):
            return items
    raise TypeError(
        f"The catch argument is of type '{type(catch).__name__}' but must be a tuple of "
        f"exception types: {catch!r}."
    )


def optimize(
    study: Study,
    func: ObjectiveFuncType,
    *,
    n_trials: int | None,
    timeout: float | None,
    n_jobs: int,
    catch: Any,
    callbacks: Iterable[Callback] | None,
    gc_after_trial: bool,
    show_progress_bar: bool,
) -> None:
    """Implementation of :meth:`Study.optimize`."""
    catch_types = _normalise_catch(catch)
    if not callable(func):
        raise TypeError(f"The objective must be callable, but got {func!r}.")
    if n_trials is not None and (
        isinstance(n_trials, bool) or not isinstance(n_trials, (int, numbers.Integral))
    ):
        raise TypeError(f"`n_trials` must be an int or None, but got {n_trials!r}.")
    if n_trials is not None:
        n_trials = int(n_trials)  # numpy integers too, as Optuna
    if n_trials is not None and n_trials < 0:
        raise ValueError(f"`n_trials` must be non-negative, but got {n_trials}.")
    if timeout is not None and timeout < 0:
        raise ValueError(f"`timeout` must be non-negative, but got {timeout}.")
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, (int, numbers.Integral))
        or n_jobs == 0
        or n_jobs < -1
    ):
        raise ValueError(f"`n_jobs` must be a positive int or -1, but got {n_jobs!r}.")
    n_jobs = int(n_jobs)
    if study._thread_local.in_optimize_loop:
        raise RuntimeError("Nested invocation of `Study.optimize` method isn't allowed.")
    callback_list = list(callbacks) if callbacks is not None else []
    if show_progress_bar and n_trials is None and timeout is not None and n_jobs != 1:
        warnings.warn(
            "The timeout-based progress bar is not supported with n_jobs != 1.",
            UserWarning,
            stacklevel=3,
        )
        show_progress_bar = False
    progress = ProgressBar(show_progress_bar, n_trials, timeout)
    study._stop_flag = False
    started = time.monotonic()
    shelter = GcShelter(n_jobs == 1 and not gc_after_trial)
    try:
        if n_jobs == 1:
            _run_sequential(
                study,
                func,
                n_trials,
                timeout,
                catch_types,
                callback_list,
                gc_after_trial,
                started,
                progress,
                shelter=shelter,
            )
        else:
            workers = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
            futures: set[Future[None]] = set()
            with ThreadPoolExecutor(max_workers=workers) as executor:
                submitted = 0
                while True:
                    if study._stop_flag:
                        break
                    if timeout is not None and time.monotonic() - started > timeout:
                        break
                    if n_trials is not None and submitted >= n_trials:
                        break
                    if len(futures) >= workers:
                        done, futures = wait(futures, return_when=FIRST_COMPLETED)
                        for f in done:
                            f.result()
                    futures.add(
                        executor.submit(
                            _run_sequential,
                            study,
                            func,
                            1,
                            timeout,
                            catch_types,
                            callback_list,
                            gc_after_trial,
                            started,
                            progress,
                            True,
                        ),
                    )
                    submitted += 1
                done, _ = wait(futures)
                for f in done:
                    f.result()
    finally:
        shelter.close()
        study._thread_local.in_optimize_loop = False
        progress.close()


def _run_sequential(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int | None,
    timeout: float | None,
    catch: tuple[type[BaseException], ...],
    callbacks: list[Callback],
    gc_after_trial: bool,
    started: float,
    progress: ProgressBar,
    in_thread: bool = False,
    shelter: GcShelter | None = None,
) -> None:
    study._thread_local.in_optimize_loop = True
    if in_thread:
        study.sampler.reseed_rng()
    done = 0
    ran = 0
    try:
        while True:
            if study._stop_flag:
                break
            if n_trials is not None:
                if done >= n_trials:
                    break
                done += 1
            if timeout is not None and time.monotonic() - started >= timeout:
                break
            try:
                frozen = run_trial(study, func, catch)
            finally:
                if gc_after_trial:
                    gc.collect()
            ran += 1
            if shelter is not None and ran == shelter._next:
                shelter.tick(ran)
            if callbacks:
                snapshot = study._storage.get_trial(frozen._trial_id)
                for callback in callbacks:
                    callback(study, copy.deepcopy(snapshot))
            if progress._enabled:
                progress.update(time.monotonic() - started, study)
    finally:
        if in_thread:
            study._thread_local.in_optimize_loop = False
        study._storage.remove_session()


def run_trial(
    study: Study, func: ObjectiveFuncType, catch: tuple[type[BaseException], ...]
) -> FrozenTrial:
    """Run one trial of ``func`` and store its outcome; re-raise uncaught errors."""
    heartbeat = getattr(study._storage, "_run_heartbeat", None)
    if heartbeat is not None:
        heartbeat.fail_stale_trials(study)
    trial = study.ask()
    state: TrialState | None = None
    result: Any = None
    error: BaseException | None = None
    exc_info: Any = None
    context = heartbeat.trial_context(trial._trial_id) if heartbeat is not None else None
    if context is not None:
        context.__enter__()
    try:
        result = func(trial)
    except TrialPruned as e:
        state = _PRUNED
        error = e
    except (Exception, KeyboardInterrupt) as e:
        state = _FAIL
        error = e
        exc_info = (type(e), e, e.__traceback__)
        study._storage.set_trial_system_attr(trial._trial_id, "fail_reason", repr(e))
    finally:
        if context is not None:
            context.__exit__(None, None, None)
    frozen, reason = tell_trial(
        study, trial, result, state, skip_if_finished=False, from_optimize=True
    )
    number = trial._cached_frozen_trial.number
    final = frozen.state
    if final is _COMPLETE:
        values = frozen._values
        assert values is not None
        if _logger.isEnabledFor(_logging.INFO):
            study._log_completed_trial(values, number, trial._cached_frozen_trial.params)
    elif final == _PRUNED:
        _logger.info(f"Trial {number} pruned. {error}")
    elif final == _FAIL:
        message = repr(error) if error is not None else reason
        _logger.warning(
            f"Trial {number} failed with parameters: {trial._cached_frozen_trial.params} "
            f"because of the following error: {message}.",
            exc_info=exc_info,
        )
        _logger.warning(f"Trial {number} failed with value {result!r}.")
    if final == _FAIL and error is not None and not isinstance(error, catch):
        raise error
    return frozen
