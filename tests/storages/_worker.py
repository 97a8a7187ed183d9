"""Worker process for the distributed storage tests (run as a script, not collected)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import ferrotune as ft
from ferrotune.storages import JournalStorage, RDBStorage, RetryFailedTrialCallback
from ferrotune.storages.journal import JournalFileBackend, JournalRedisBackend


def _storage(spec: str, heartbeat: bool) -> object:
    """``spec``: an RDB URL, ``journal:<path>`` or ``redis:<url>#<prefix>``."""
    beats: dict[str, Any] = {}
    if heartbeat:
        beats = {
            "heartbeat_interval": 1,
            "grace_period": 2,
            "failed_trial_callback": RetryFailedTrialCallback(max_retry=2),
        }
    if spec.startswith("journal:"):
        return JournalStorage(JournalFileBackend(spec[len("journal:") :]), **beats)
    if spec.startswith("redis:"):
        url, prefix = spec[len("redis:") :].split("#")
        return JournalStorage(JournalRedisBackend(url, prefix=prefix), **beats)
    return RDBStorage(spec, **beats)


def main() -> None:
    spec, study_name, n_trials, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    ft.logging.set_verbosity(ft.logging.ERROR)
    sampler_cls = getattr(ft.samplers, "TPESampler", ft.samplers.RandomSampler)
    study = ft.create_study(
        storage=_storage(spec, heartbeat=mode != "plain"),
        study_name=study_name,
        load_if_exists=True,
        sampler=sampler_cls(seed=os.getpid()),
    )

    def objective(trial: ft.Trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_int("y", 0, 5)
        trial.set_user_attr("pid", os.getpid())
        if mode == "hang" and "failed_trial" not in trial.system_attrs:
            with open(sys.argv[5], "w") as f:  # tell the test we are mid-trial
                f.write(str(trial.number))
            time.sleep(600)
        return (x - 1.0) ** 2 + y

    study.optimize(objective, n_trials=n_trials)


if __name__ == "__main__":
    main()
