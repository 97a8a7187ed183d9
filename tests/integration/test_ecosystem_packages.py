"""optuna-integration and optuna-dashboard, unchanged, with ferrotune standing in for optuna.

Both packages import Optuna's small private helpers (``optuna._imports.try_import``,
``optuna._experimental``, ``optuna._deprecated``, ``optuna._typing``). Each test runs in a
fresh interpreter where an import alias makes ``optuna`` and every ``optuna.X`` resolve to
``ferrotune`` / ``ferrotune.X`` (the real optuna, installed next to them, is never loaded).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_ALIAS = """
import importlib, importlib.abc, importlib.machinery, importlib.util, sys

class _OptunaIsFerrotune(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "optuna" and not fullname.startswith("optuna."):
            return None
        found = importlib.util.find_spec("ferrotune" + fullname[len("optuna"):])
        if found is None:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        is_package = found.submodule_search_locations is not None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=is_package)

    def create_module(self, spec):
        return importlib.import_module("ferrotune" + spec.name[len("optuna"):])

    def exec_module(self, module):
        pass

sys.meta_path.insert(0, _OptunaIsFerrotune())
"""

_CHECK_NO_REAL_OPTUNA = """
import sys
real = [n for n, m in sys.modules.items()
        if "site-packages/optuna/" in (getattr(m, "__file__", None) or "")]
assert not real, real
"""


def _run_as_optuna(code: str) -> str:
    source = _ALIAS + textwrap.dedent(code) + _CHECK_NO_REAL_OPTUNA
    python_dir = Path(__file__).resolve().parents[2] / "python"
    path = os.pathsep.join(p for p in (str(python_dir), os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", source],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _require(package: str) -> None:
    # find_spec fails on an imported optuna_integration (its module has no __spec__).
    if package not in sys.modules and importlib.util.find_spec(package) is None:
        pytest.skip(f"could not import {package!r}: not installed")


@pytest.mark.parametrize(
    "module",
    ["optuna_integration.dask", "optuna_integration.catboost", "optuna_integration.lightgbm"],
)
def test_optuna_integration_modules_import(module: str) -> None:
    _require("optuna_integration")
    out = _run_as_optuna(
        f"""
        import optuna, {module}
        assert optuna.__name__ == "ferrotune"
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_optuna_integration_deferred_import_names_missing_package() -> None:
    _require("optuna_integration")
    out = _run_as_optuna(
        """
        import importlib.util
        from optuna_integration.dask import dask as module
        if importlib.util.find_spec("distributed") is None:
            assert not module._imports.is_successful()
            try:
                module.DaskStorage()
            except ImportError as e:
                assert "distributed" in str(e) or "dask" in str(e), e
            else:
                raise AssertionError("DaskStorage without dask must raise ImportError")
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_optuna_integration_lightgbm_pruning_callback_prunes() -> None:
    _require("optuna_integration")
    _require("lightgbm")
    out = _run_as_optuna(
        """
        import warnings
        import numpy as np
        import lightgbm as lgb
        import optuna
        from optuna_integration.lightgbm import LightGBMPruningCallback

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        rng = np.random.default_rng(0)
        x = rng.normal(size=(200, 3))
        y = (x[:, 0] > 0).astype(int)
        train, valid = lgb.Dataset(x[:150], y[:150]), lgb.Dataset(x[150:], y[150:])

        def objective(trial):
            callback = LightGBMPruningCallback(trial, "binary_logloss")
            params = {"objective": "binary", "verbose": -1,
                      "learning_rate": trial.suggest_float("lr", 1e-3, 0.3, log=True)}
            booster = lgb.train(params, train, 20, valid_sets=[valid], callbacks=[callback])
            return float(booster.best_score["valid_0"]["binary_logloss"])

        study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))
        study.optimize(objective, n_trials=2)
        states = {t.state.name for t in study.trials}
        assert states == {"PRUNED"}, states
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_optuna_dashboard_serves_a_ferrotune_storage() -> None:
    _require("optuna_dashboard")
    out = _run_as_optuna(
        """
        import json
        from wsgiref.util import setup_testing_defaults
        import optuna
        import optuna_dashboard

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = optuna.storages.InMemoryStorage()
        study = optuna.create_study(storage=storage, study_name="tuned")
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        app = optuna_dashboard.wsgi(storage)

        def get(path):
            environ = {}
            setup_testing_defaults(environ)
            environ["PATH_INFO"] = path
            status = []
            body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
            assert status == ["200 OK"], (status, body[:500])
            return json.loads(body)

        summaries = get("/api/studies")["study_summaries"]
        assert [s["study_name"] for s in summaries] == ["tuned"]
        detail = get(f"/api/studies/{summaries[0]['study_id']}")
        assert len(detail["trials"]) == 3
        print("ok")
        """
    )
    assert out.strip() == "ok"
