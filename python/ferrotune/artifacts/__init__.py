"""Artifacts: files (models, plots, logs) attached to trials and studies.

The content of an artifact goes to an *artifact store* (a directory, an S3 or GCS bucket);
its metadata (:class:`ArtifactMeta`) is a system attribute of the trial or study, so it is
shared through the study's storage with every worker, with Optuna and with optuna-dashboard.
"""

from ferrotune.artifacts import exceptions
from ferrotune.artifacts._backoff import Backoff
from ferrotune.artifacts._boto3 import Boto3ArtifactStore
from ferrotune.artifacts._download import download_artifact
from ferrotune.artifacts._filesystem import FileSystemArtifactStore
from ferrotune.artifacts._gcs import GCSArtifactStore
from ferrotune.artifacts._list_artifact_meta import get_all_artifact_meta
from ferrotune.artifacts._protocol import ArtifactStore
from ferrotune.artifacts._upload import ArtifactMeta, upload_artifact

__all__ = [
    "ArtifactMeta",
    "ArtifactStore",
    "Backoff",
    "Boto3ArtifactStore",
    "FileSystemArtifactStore",
    "GCSArtifactStore",
    "download_artifact",
    "exceptions",
    "get_all_artifact_meta",
    "upload_artifact",
]
