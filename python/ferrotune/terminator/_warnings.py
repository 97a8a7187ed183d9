"""The deprecation warning that Optuna 5.0 gives for its ``optuna.terminator`` module."""

from __future__ import annotations

import warnings

from ferrotune._deprecated import _DEPRECATION_WARNING_TEMPLATE

# Optuna 5.0 deprecates the terminator in v4.9.0 for removal in v6.0.0; it warns when a
# Terminator or TerminatorCallback is built and when cross-validation scores are reported.
_MESSAGE = _DEPRECATION_WARNING_TEMPLATE.format(
    name="`optuna.terminator` module", d_ver="4.9.0", r_ver="6.0.0"
)


def warn_deprecated_module() -> None:
    """Emit Optuna's ``FutureWarning`` for the deprecated terminator module."""
    warnings.warn(_MESSAGE, FutureWarning, stacklevel=3)
