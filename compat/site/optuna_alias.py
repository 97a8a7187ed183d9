"""Import alias for running Optuna's own test suite against ferrotune.

``optuna`` and every ``optuna.X`` resolve to the module objects ``ferrotune`` /
``ferrotune.X`` (the same objects: ``optuna.Study is ferrotune.Study``, and a
``mock.patch("optuna.X.y")`` patches ferrotune). ``optuna.testing`` and ``optuna.testing.*``
come from the unpacked Optuna sdist named by ``COMPAT_OPTUNA_SDIST``: they are Optuna's test
helpers, not the API under test.

The sdist's ``optuna.testing`` imports a few names at module level that ferrotune may lack
(``optuna._imports._LazyImport``, ``optuna.storages.GrpcStorageProxy``) or touches on every
use (``optuna.storages._CachedStorage``, in an isinstance()). So that these load at all, and
only while ferrotune lacks them, harness placeholders stand in: the placeholder
``GrpcStorageProxy`` and ``_CachedStorage`` classes raise when instantiated (the grpc and
cached_sqlite storage modes then fail test by test, listed), and the placeholder
``optuna._imports`` (used only if ferrotune has no ``_imports``) has nothing but
``_LazyImport``.

The real optuna package is never imported: ``find_spec`` claims every ``optuna`` name, so no
later finder (site-packages, the sdist's own ``optuna/``) gets to load it. ``violations()``
names any module that came from a real optuna tree anyway; the pytest plugin fails the run on
it, and a subprocess writes its own violations to ``COMPAT_VIOLATIONS_DIR`` at exit.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Sequence
from typing import Any

ALIAS = "optuna"
TARGET = "ferrotune"
TESTING = "optuna.testing"


class _LazyImport(types.ModuleType):
    """Harness placeholder for ``optuna._imports._LazyImport`` (imports on first attribute)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._name = name

    def __getattr__(self, item: str) -> Any:
        return getattr(importlib.import_module(self._name), item)


class _MissingGrpcStorageProxy:
    """Harness placeholder: ferrotune has no ``GrpcStorageProxy``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("compat harness: ferrotune has no GrpcStorageProxy")


class _MissingCachedStorage:
    """Harness placeholder: ferrotune has no ``optuna.storages._CachedStorage`` (private)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("compat harness: ferrotune has no storages._CachedStorage")


def _placeholder_imports_module() -> types.ModuleType:
    module = types.ModuleType("optuna._imports", "compat harness placeholder")
    module._LazyImport = _LazyImport  # type: ignore[attr-defined]
    module.__file__ = __file__
    return module


# Names that the sdist's optuna.testing.storages uses on every StorageSupplier (an
# isinstance() in __exit__, an import at module level); a placeholder raises when used.
_STORAGE_PLACEHOLDERS: dict[str, type] = {
    "GrpcStorageProxy": _MissingGrpcStorageProxy,
    "_CachedStorage": _MissingCachedStorage,
}
_PLACEHOLDERS: dict[str, dict[str, type]] = {"ferrotune.storages": _STORAGE_PLACEHOLDERS}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self._spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.target == "<placeholder:_imports>":
            return _placeholder_imports_module()
        module = importlib.import_module(self.target)
        self._spec = getattr(module, "__spec__", None)
        for name, placeholder in _PLACEHOLDERS.get(self.target, {}).items():
            if not hasattr(module, name):
                setattr(module, name, placeholder)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # importlib has set __spec__ to the alias spec; give ferrotune's module its own back.
        if self._spec is not None:
            module.__spec__ = self._spec


class OptunaAliasFinder(importlib.abc.MetaPathFinder):
    def __init__(self, sdist: str) -> None:
        self.testing_dir = os.path.join(sdist, "optuna", "testing")

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        if fullname == TESTING:
            return importlib.util.spec_from_file_location(
                TESTING,
                os.path.join(self.testing_dir, "__init__.py"),
                submodule_search_locations=[self.testing_dir],
            )
        if fullname.startswith(TESTING + "."):
            parent = fullname.rpartition(".")[0]
            importlib.import_module(parent)
            search = list(getattr(sys.modules[parent], "__path__", []))
            spec = importlib.machinery.PathFinder.find_spec(fullname, search)
            if spec is None:
                raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
            return spec
        target_name = TARGET + fullname[len(ALIAS) :]
        try:
            found = importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            if fullname == "optuna._imports":
                return importlib.machinery.ModuleSpec(
                    fullname, _AliasLoader("<placeholder:_imports>")
                )
            # Claim the name anyway so that no later finder loads a real optuna module.
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        is_package = found.submodule_search_locations is not None
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(target_name), is_package=is_package
        )


def _real_optuna_roots() -> list[str]:
    roots = []
    for entry in sys.path:
        candidate = os.path.join(entry or os.getcwd(), ALIAS)
        if os.path.isdir(candidate):
            roots.append(os.path.realpath(candidate) + os.sep)
    return roots


def violations() -> list[str]:
    """Modules whose file lies in a real optuna tree (site-packages or the sdist's own code)."""
    sdist = os.environ.get("COMPAT_OPTUNA_SDIST", "")
    testing = os.path.realpath(os.path.join(sdist, "optuna", "testing")) + os.sep
    roots = _real_optuna_roots()
    if sdist:
        roots.append(os.path.realpath(os.path.join(sdist, "optuna")) + os.sep)
    found = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str):
            continue
        real = os.path.realpath(file)
        if real.startswith(testing):
            continue
        if any(real.startswith(root) for root in roots) or "site-packages/optuna/" in real:
            found.append(f"{name} from {file}")
    return sorted(found)


def _report_at_exit() -> None:
    out_dir = os.environ.get("COMPAT_VIOLATIONS_DIR")
    bad = violations()
    if out_dir and bad:
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, f"pid-{os.getpid()}.txt"), "w") as fh:
            fh.write("\n".join(bad) + "\n")


def install() -> None:
    sdist = os.environ.get("COMPAT_OPTUNA_SDIST")
    if not sdist:
        return
    if any(isinstance(finder, OptunaAliasFinder) for finder in sys.meta_path):
        return
    loaded = [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]
    if loaded:
        raise RuntimeError(f"optuna was imported before the compat alias: {loaded}")
    sys.meta_path.insert(0, OptunaAliasFinder(sdist))
    atexit.register(_report_at_exit)
