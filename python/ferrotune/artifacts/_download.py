"""Downloading an artifact to a local file."""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ferrotune.artifacts._protocol import ArtifactStore


def download_artifact(*, artifact_store: ArtifactStore, file_path: str, artifact_id: str) -> None:
    """Copy an artifact from its artifact store to ``file_path``.

    Parameters
    ----------
    artifact_store
        The store the artifact was uploaded to.
    file_path
        Where to write it; ``FileExistsError`` if the file exists.
    artifact_id
        The artifact's id (from :func:`~ferrotune.artifacts.upload_artifact` or
        :func:`~ferrotune.artifacts.get_all_artifact_meta`).
    """
    if os.path.exists(file_path):
        raise FileExistsError(f"File already exists: {file_path}")
    with artifact_store.open_reader(artifact_id) as reader, open(file_path, "wb") as writer:
        shutil.copyfileobj(reader, writer)
