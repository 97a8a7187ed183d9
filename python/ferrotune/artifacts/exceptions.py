"""Exceptions of artifact stores."""

from ferrotune.exceptions import OptunaError


class ArtifactNotFound(OptunaError):
    """Raised by an artifact store's ``open_reader`` or ``remove`` for an unknown artifact id."""
