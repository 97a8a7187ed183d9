"""``ferrotune.integration`` forwards Optuna's other integrations to optuna-integration.

The forwarded classes come from ferrotune's copy of optuna-integration's modules, whose
``optuna`` is ferrotune: tested with the real optuna-integration, catboost and cma packages.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import ferrotune
from ferrotune.integration import _forward

cb = pytest.importorskip("catboost")
pytest.importorskip("optuna_integration")

ferrotune.logging.set_verbosity(ferrotune.logging.WARNING)

_PYTHON_DIR = Path(__file__).resolve().parents[2] / "python"


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3))
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)


def _catboost_objective(callback_class: Any, api: Any) -> Any:
    """An objective fitting CatBoost with ``callback_class`` (``api``: ferrotune or optuna)."""
    x, y = _data()

    def objective(trial: Any) -> float:
        depth = trial.suggest_int("depth", 2, 3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", api.exceptions.ExperimentalWarning)
            callback = callback_class(trial, "Logloss")
        model = cb.CatBoostClassifier(
            iterations=8,
            depth=depth,
            verbose=0,
            thread_count=1,
            random_seed=0,
            allow_writing_files=False,
        )
        model.fit(x[:80], y[:80], eval_set=[(x[80:], y[80:])], callbacks=[callback])
        callback.check_pruned()
        return float(model.get_best_score()["validation"]["Logloss"])

    return objective


def test_catboost_pruning_callback_prunes_a_ferrotune_trial() -> None:
    from ferrotune.integration import CatBoostPruningCallback

    assert CatBoostPruningCallback.__module__.startswith(_forward.MIRROR)
    # Pruned at the first iteration: every reported value is above 0.
    study = ferrotune.create_study(pruner=ferrotune.pruners.ThresholdPruner(upper=0.0))
    study.optimize(_catboost_objective(CatBoostPruningCallback, ferrotune), n_trials=2)
    assert [t.state for t in study.trials] == [ferrotune.trial.TrialState.PRUNED] * 2
    assert all(list(t.intermediate_values) == [0] for t in study.trials)
    # Never pruned: the callback reports every iteration and the trials complete.
    study = ferrotune.create_study(pruner=ferrotune.pruners.NopPruner())
    study.optimize(_catboost_objective(CatBoostPruningCallback, ferrotune), n_trials=1)
    (trial,) = study.trials
    assert trial.state == ferrotune.trial.TrialState.COMPLETE
    assert sorted(trial.intermediate_values) == list(range(8))
    assert trial.value == pytest.approx(trial.intermediate_values[7])


def test_forwarded_submodule_and_names() -> None:
    import ferrotune.integration.catboost as module

    from ferrotune.integration import CatBoostPruningCallback

    assert module.__all__ == ["CatBoostPruningCallback"]
    assert module.CatBoostPruningCallback is CatBoostPruningCallback
    assert ferrotune.integration.catboost is module
    # The copy's ``optuna`` is ferrotune.
    copy = sys.modules[CatBoostPruningCallback.__module__]
    assert copy.optuna is ferrotune
    assert copy.experimental_class is ferrotune._experimental.experimental_class


def test_pycma_sampler_samples_a_ferrotune_study() -> None:
    pytest.importorskip("cma")
    from ferrotune.integration import PyCmaSampler

    assert issubclass(PyCmaSampler, ferrotune.samplers.BaseSampler)
    proposed: dict[int, dict[str, Any]] = {}

    class Recording(PyCmaSampler):  # type: ignore[misc,valid-type]
        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> Any:
            params = super().sample_relative(study, trial, search_space)
            proposed[trial.number] = dict(params)
            return params

    def sphere(trial: Any) -> float:
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        return (x - 1) ** 2 + (y + 2) ** 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated in optuna-integration
        sampler = PyCmaSampler(seed=0, n_startup_trials=4)
        recording = Recording(seed=0, n_startup_trials=4)
    # The copy's classes pickle by name.
    assert type(pickle.loads(pickle.dumps(sampler))) is PyCmaSampler
    study = ferrotune.create_study(sampler=recording)
    study.optimize(sphere, n_trials=40)
    # pycma proposed every trial after the 4 random ones, from the ferrotune study's history.
    cma_trials = [n for n, params in proposed.items() if params]
    assert cma_trials == list(range(4, 40))
    assert all(study.trials[n].params == proposed[n] for n in cma_trials)
    assert study.best_value < 1.5


def test_dask_storage_is_the_builtin_one() -> None:
    # Optuna forwards one Dask name, DaskStorage; ferrotune builds it in, and the built-in
    # wins over optuna-integration's.
    from ferrotune.integration import DaskStorage
    from ferrotune.integration import dask as module

    assert DaskStorage is module.DaskStorage
    assert module.__file__ == str(_PYTHON_DIR / "ferrotune" / "integration" / "dask.py")
    assert issubclass(DaskStorage, ferrotune.storages.BaseStorage)
    assert "dask" not in _forward.FORWARDED


def test_names_cover_optuna_integration() -> None:
    optuna_integration = pytest.importorskip("optuna.integration")
    optuna_names = set(optuna_integration.__all__)
    assert optuna_names <= set(ferrotune.integration.__all__)
    assert optuna_names <= set(dir(ferrotune.integration))


def test_integration_needing_a_missing_private_module_names_it() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"`shap`.*`optuna\._transform`"):
        ferrotune.integration.ShapleyImportanceEvaluator  # noqa: B018


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchCallback"):
        ferrotune.integration.NoSuchCallback  # noqa: B018


@pytest.mark.filterwarnings("ignore::Warning")
def test_real_optuna_and_ferrotune_side_by_side() -> None:
    """optuna_integration imported directly keeps Optuna; ferrotune.integration is ferrotune."""
    import optuna
    import optuna_integration.catboost as real

    from ferrotune.integration import CatBoostPruningCallback

    assert real.CatBoostPruningCallback is not CatBoostPruningCallback
    assert sys.modules["optuna_integration.catboost"] is real
    assert sys.modules[real.CatBoostPruningCallback.__module__].optuna is optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ostudy = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))
    ostudy.optimize(_catboost_objective(real.CatBoostPruningCallback, optuna), n_trials=1)
    assert ostudy.trials[0].state == optuna.trial.TrialState.PRUNED
    fstudy = ferrotune.create_study(pruner=ferrotune.pruners.ThresholdPruner(upper=0.0))
    fstudy.optimize(_catboost_objective(CatBoostPruningCallback, ferrotune), n_trials=1)
    assert fstudy.trials[0].state == ferrotune.trial.TrialState.PRUNED


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_PYTHON_DIR)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


def test_forwarding_loads_neither_optuna_nor_optuna_integration() -> None:
    out = _run(
        """
        import sys, warnings
        import ferrotune
        from ferrotune.integration import CatBoostPruningCallback, PyCmaSampler
        import ferrotune.integration.cma
        warnings.simplefilter("ignore")
        trial = ferrotune.create_study().ask()
        CatBoostPruningCallback(trial, "Logloss")
        PyCmaSampler(seed=0)
        loaded = [name for name in sys.modules
                  if name.split(".")[0] in ("optuna", "optuna_integration")]
        assert not loaded, loaded
        print("ok")
        """
    )
    assert out == "ok"


def test_without_optuna_integration_optunas_message() -> None:
    out = _run(
        """
        import sys
        sys.modules["optuna_integration"] = None  # as if not installed
        import ferrotune.integration
        expected = ("\\nCould not find `optuna-integration` for `catboost`.\\n"
                    "Please run `pip install optuna-integration[catboost]`.")
        for attempt in (
            lambda: ferrotune.integration.CatBoostPruningCallback,
            lambda: __import__("ferrotune.integration.catboost"),
        ):
            try:
                attempt()
            except ModuleNotFoundError as e:
                assert str(e) == expected, str(e)
            else:
                raise AssertionError("no error without optuna-integration")
        # The built-in integrations do not need it.
        from ferrotune.integration import DaskStorage, LightGBMTuner
        print("ok")
        """
    )
    assert out == "ok"
