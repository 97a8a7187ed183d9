"""The interface every artifact store implements (Optuna's ``ArtifactStore`` protocol)."""

from __future__ import annotations

from typing import BinaryIO, Protocol


class ArtifactStore(Protocol):
    """Where artifact contents live; their metadata is kept in the study's storage.

    Its methods are called by :func:`~ferrotune.artifacts.upload_artifact` and
    :func:`~ferrotune.artifacts.download_artifact`, not by users directly.
    """

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Open the artifact for binary reading; ``ArtifactNotFound`` if it does not exist."""
        ...

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Store the whole of ``content_body`` under ``artifact_id``."""
        ...

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact (a store may raise ``ArtifactNotFound`` if it does not exist)."""
        ...
