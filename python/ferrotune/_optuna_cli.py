"""The opt-in ``optuna`` command: a launcher that runs ferrotune's CLI under Optuna's name.

``ferrotune install-optuna-cli`` writes it (next to ``ferrotune`` by default) so that shell
scripts written for Optuna (``optuna create-study``, ``optuna ask``, ...) run unchanged.
It is never installed by ``pip install ferrotune`` and it refuses to shadow a real Optuna:
an ``optuna`` file it did not write, another ``optuna`` command on ``PATH`` or the
``optuna`` package installed in this environment stop it unless ``--force`` is given.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import stat
import sys
import sysconfig
from pathlib import Path

from ferrotune.exceptions import CLIUsageError

# A line every launcher holds: how ``--uninstall`` and a re-install recognise their own file.
MARKER = "ferrotune-optuna-launcher"
# Optuna's version whose CLI ferrotune implements (``optuna --version`` prints it first).
OPTUNA_API_VERSION = "5.0.0"


def launcher_name() -> str:
    """File name of the launcher on this platform (``optuna``, ``optuna.cmd`` on Windows)."""
    return "optuna.cmd" if os.name == "nt" else "optuna"


def default_dir() -> Path:
    """Where ``ferrotune`` itself is installed: the environment's scripts directory."""
    return Path(sysconfig.get_path("scripts"))


def launcher_text(python: str) -> str:
    """The launcher's content: run ``ferrotune.cli.main`` as ``optuna`` with ``python``."""
    call = "import sys; from ferrotune.cli import main; sys.exit(main(prog='optuna'))"
    if os.name == "nt":
        return f'@rem {MARKER}\r\n@"{python}" -c "{call}" %*\r\n'
    head = f"#!{python}\n"
    if " " in python or len(head) > 127:  # a shebang cannot hold spaces or long paths
        head = f"#!/bin/sh\n'''exec' \"{python}\" \"$0\" \"$@\"\n' '''\n"
    return (
        f"{head}# {MARKER}: written by `ferrotune install-optuna-cli`; remove it with\n"
        "# `ferrotune install-optuna-cli --uninstall`.\n"
        "import sys\n\n"
        "from ferrotune.cli import main\n\n"
        "sys.exit(main(prog='optuna'))\n"
    )


def is_launcher(path: Path) -> bool:
    """Whether ``path`` is a launcher written by :func:`install` (and not Optuna's script)."""
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return MARKER.encode() in head


def installed_optuna() -> str | None:
    """The version of the ``optuna`` distribution installed in this environment, if any."""
    try:
        return importlib.metadata.version("optuna")
    except importlib.metadata.PackageNotFoundError:
        return None


def _conflicts(target: Path) -> list[str]:
    """Why writing ``target`` could shadow (or be shadowed by) a real Optuna command."""
    reasons = []
    if target.exists() and not is_launcher(target):
        reasons.append(f"{target} exists and was not written by ferrotune")
    on_path = shutil.which("optuna")
    if on_path is not None:
        found = Path(on_path)
        if found.resolve() != target.resolve() and not is_launcher(found):
            reasons.append(f"another `optuna` command is on PATH: {found}")
    version = installed_optuna()
    if version is not None:
        reasons.append(
            f"Optuna {version} is installed in this environment ({sys.prefix}); its own "
            "`optuna` command belongs there"
        )
    return reasons


def install(directory: Path | None = None, *, force: bool = False) -> Path:
    """Write the ``optuna`` launcher into ``directory`` and return its path.

    Raises :class:`~ferrotune.exceptions.CLIUsageError` naming each conflict with a real
    Optuna (see the module docstring) unless ``force``.
    """
    directory = default_dir() if directory is None else directory
    target = directory / launcher_name()
    reasons = _conflicts(target)
    if reasons and not force:
        raise CLIUsageError(
            "Not installing the `optuna` launcher: "
            + "; ".join(reasons)
            + ". Pass --force to install it anyway, or --dir DIR to put it elsewhere."
        )
    if not directory.is_dir():
        raise CLIUsageError(f"--dir {directory} is not a directory.")
    if target.exists() and not is_launcher(target):
        target.unlink()  # --force: do not write through a symlink into another file
    target.write_text(launcher_text(sys.executable), encoding="utf-8")
    mode = target.stat().st_mode
    target.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target


def uninstall(directory: Path | None = None) -> Path:
    """Remove the launcher from ``directory``; an ``optuna`` file ferrotune did not write is
    left alone (:class:`~ferrotune.exceptions.CLIUsageError`)."""
    directory = default_dir() if directory is None else directory
    target = directory / launcher_name()
    if not target.exists():
        raise CLIUsageError(f"There is no `optuna` launcher at {target}.")
    if not is_launcher(target):
        raise CLIUsageError(f"{target} was not written by ferrotune; leaving it alone.")
    target.unlink()
    return target
