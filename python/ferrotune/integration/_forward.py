"""optuna-integration's modules, bound to ferrotune instead of Optuna.

Optuna's ``optuna.integration`` forwards the integrations it does not build in to the
optuna-integration package (``optuna_integration.catboost`` and so on). Those modules
``import optuna`` and raise ``optuna.TrialPruned``, subclass ``optuna.samplers.BaseSampler``,
call ``optuna.create_study`` ... Imported as they are, they would load the real Optuna (when
installed) and their exceptions would not prune a ferrotune trial.

So ferrotune loads its own copy of each module it forwards: the source file of
``optuna_integration.<path>`` is executed as the module
``ferrotune.integration._optuna_integration.<path>``, with an ``__import__`` of its own that
reads ``optuna`` as ``ferrotune`` and ``optuna_integration`` as this private copy. Every
other import (catboost, cma, ...) is the ordinary one. The copy is separate from the
``optuna_integration`` package itself, so a process may use both: code that imports
``optuna_integration`` directly gets the real Optuna's classes, ``ferrotune.integration``
gets ferrotune's, and neither import changes the other.

:class:`ForwardFinder` also serves ``ferrotune.integration.<name>`` for each forwarded
submodule (``ferrotune.integration.catboost``): a module that lists the names Optuna's
``optuna.integration.<name>`` lists and reads every attribute from the private copy.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Mapping, Sequence
from typing import Any

from ferrotune._imports import _INTEGRATION_IMPORT_ERROR_TEMPLATE

PACKAGE = "optuna_integration"
INTEGRATION = "ferrotune.integration"
MIRROR = f"{INTEGRATION}._optuna_integration"

# Optuna 5.0's ``optuna.integration`` submodules that ferrotune forwards, with the names each
# one lists (the others of Optuna's list are built in, see ``ferrotune.integration``).
FORWARDED: Mapping[str, Sequence[str]] = {
    "botorch": ("BoTorchSampler",),
    "catboost": ("CatBoostPruningCallback",),
    "cma": ("PyCmaSampler",),
    "fastaiv2": ("FastAIV2PruningCallback", "FastAIPruningCallback"),
    "pytorch_distributed": ("TorchDistributedTrial",),
    "pytorch_ignite": ("PyTorchIgnitePruningHandler",),
    "shap": ("ShapleyImportanceEvaluator",),
    "skorch": ("SkorchPruningCallback",),
    "tensorboard": ("TensorBoardCallback",),
    "tensorflow": ("TensorFlowPruningHook",),
    "wandb": ("WeightsAndBiasesCallback",),
}

_RENAMES = ((PACKAGE, MIRROR), ("optuna", "ferrotune"))


def _rename(name: str) -> str:
    """The module ``name`` stands for inside the copy (``optuna.trial`` -> ``ferrotune.trial``)."""
    for old, new in _RENAMES:
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return name


_builtin_import = builtins.__import__


def _import(
    name: str,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
    fromlist: Sequence[str] | None = (),
    level: int = 0,
) -> types.ModuleType:
    """``__import__`` of the copied modules: absolute ``optuna`` names are ferrotune's."""
    renamed = _rename(name) if level == 0 else name
    module = _builtin_import(renamed, globals, locals, fromlist or (), level)
    if renamed == name or fromlist:
        return module
    # ``import optuna.trial`` binds the top package ``optuna`` (ferrotune); the attribute
    # chain of ``import optuna_integration.lightgbm as lgb`` starts at the copy's root.
    return sys.modules[_rename(name.partition(".")[0])]


_BUILTINS = {**builtins.__dict__, "__import__": _import}


@functools.cache
def _package_dir() -> str | None:
    """The directory of the installed optuna-integration package (without importing it)."""
    if PACKAGE in sys.modules:
        # Imported already (its __init__ replaces itself with a module without __spec__),
        # or None: blocked.
        locations = getattr(sys.modules[PACKAGE], "__path__", None)
    else:
        spec = importlib.util.find_spec(PACKAGE)
        locations = None if spec is None else spec.submodule_search_locations
    return str(next(iter(locations))) if locations else None


class _CopyLoader(importlib.machinery.SourceFileLoader):
    """Executes an optuna-integration source file with the renaming ``__import__``."""

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["__builtins__"] = _BUILTINS
        super().exec_module(module)


class _ForwardLoader(importlib.abc.Loader):
    """Builds ``ferrotune.integration.<name>`` for a forwarded submodule."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__.rpartition(".")[2]
        target = import_copy(name)
        module.__all__ = list(FORWARDED[name])  # type: ignore[attr-defined]
        for attr in FORWARDED[name]:
            setattr(module, attr, getattr(target, attr))
        module.__dict__["__getattr__"] = functools.partial(getattr, target)


class ForwardFinder(importlib.abc.MetaPathFinder):
    """Finds the private copy of optuna-integration and the forwarded submodules."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == MIRROR or fullname.startswith(MIRROR + "."):
            return self._copy_spec(fullname)
        parent, _, name = fullname.rpartition(".")
        if parent == INTEGRATION and name in FORWARDED:
            return importlib.machinery.ModuleSpec(fullname, _ForwardLoader())
        return None

    @staticmethod
    def _copy_spec(fullname: str) -> importlib.machinery.ModuleSpec | None:
        root = _package_dir()
        if root is None:
            return None
        parts = fullname[len(MIRROR) :].split(".")[1:]
        base = os.path.join(root, *parts)
        init = os.path.join(base, "__init__.py")
        if os.path.isfile(init):
            # No search path of its own: only this finder loads the copy's submodules.
            return importlib.util.spec_from_file_location(
                fullname, init, loader=_CopyLoader(fullname, init), submodule_search_locations=[]
            )
        source = base + ".py"
        if parts and os.path.isfile(source):
            return importlib.util.spec_from_file_location(
                fullname, source, loader=_CopyLoader(fullname, source)
            )
        return None


def install() -> None:
    """Put :class:`ForwardFinder` first on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, ForwardFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, ForwardFinder())


def import_copy(module: str) -> types.ModuleType:
    """ferrotune's copy of ``optuna_integration.<module>``.

    Raises
    ------
    ModuleNotFoundError
        With Optuna's message (``pip install optuna-integration[<module>]``) when
        optuna-integration is not installed (a library the integration needs, such as
        catboost, is only checked when its class is used, as in optuna-integration); naming
        the private Optuna module when the integration needs one ferrotune lacks.
    """
    install()
    if _package_dir() is None:
        raise ModuleNotFoundError(_INTEGRATION_IMPORT_ERROR_TEMPLATE.format(module))
    try:
        return importlib.import_module(f"{MIRROR}.{module}")
    except ModuleNotFoundError as err:
        if not (err.name or "").startswith("ferrotune."):
            raise
        private = "optuna" + err.name[len("ferrotune") :]  # type: ignore[index]
        raise ModuleNotFoundError(
            f"optuna-integration's `{module}` module imports `{private}`, a private module "
            "of Optuna that ferrotune does not provide.",
            name=err.name,
        ) from err
