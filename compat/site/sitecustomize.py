"""Installs the optuna -> ferrotune import alias in every Python process of a compat run.

Only active when COMPAT_OPTUNA_SDIST is set (compat/run.py sets it), so subprocesses that
Optuna's tests start (the ``optuna`` CLI, ``python -c``) get the alias too.
"""

import optuna_alias

optuna_alias.install()
