"""Artifacts as files in one directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO

from ferrotune.artifacts.exceptions import ArtifactNotFound


class FileSystemArtifactStore:
    """Store each artifact as the file ``<base_path>/<artifact_id>``.

    Parameters
    ----------
    base_path
        An existing directory (a shared file system lets several workers share artifacts).

    Examples
    --------
    .. code-block:: python

        import ferrotune as optuna
        from ferrotune.artifacts import FileSystemArtifactStore, upload_artifact

        store = FileSystemArtifactStore("./artifacts")

        def objective(trial):
            x = trial.suggest_float("x", -10, 10)
            with open("model.txt", "w") as f:
                f.write(str(x))
            upload_artifact(artifact_store=store, file_path="model.txt", study_or_trial=trial)
            return x**2
    """

    def __init__(self, base_path: str | Path) -> None:
        self._base_path = Path(base_path)

    def _path_of(self, artifact_id: str) -> Path:
        """The file of ``artifact_id``; ``ValueError`` for ids that leave ``base_path``."""
        if os.path.isabs(artifact_id):
            raise ValueError(f"Invalid artifact_id: {artifact_id}")
        base = os.path.abspath(self._base_path)
        path = self._base_path / artifact_id
        if os.path.commonpath([base, os.path.abspath(path)]) != base:
            raise ValueError(f"Invalid artifact_id: {artifact_id}")
        return path

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Open the artifact's file for binary reading."""
        path = self._path_of(artifact_id)
        try:
            return open(path, "rb")  # the caller closes it
        except FileNotFoundError as e:
            raise ArtifactNotFound(f"Artifact {artifact_id!r} not found in {path.parent}") from e

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Copy ``content_body`` into the artifact's file."""
        with open(self._path_of(artifact_id), "wb") as f:
            shutil.copyfileobj(content_body, f)

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact's file."""
        path = self._path_of(artifact_id)
        try:
            os.remove(path)
        except FileNotFoundError as e:
            raise ArtifactNotFound(f"Artifact {artifact_id!r} not found in {path.parent}") from e
