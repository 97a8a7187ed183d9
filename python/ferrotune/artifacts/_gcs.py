"""Artifacts as blobs of a Google Cloud Storage bucket."""

from __future__ import annotations

import io
import warnings
from typing import Any, BinaryIO

from ferrotune._experimental import experimental_class
from ferrotune._imports import try_import
from ferrotune.artifacts.exceptions import ArtifactNotFound


def _import_gcs() -> Any:
    """``google.cloud.storage``, imported when a store is built (not with ferrotune)."""
    with try_import() as imports, warnings.catch_warnings():
        # google.api_core warns (ImportWarning) when the optional grpcio-status is missing
        warnings.simplefilter("ignore", ImportWarning)
        import google.cloud.storage
    imports.check()
    return google.cloud.storage


@experimental_class("3.4.0")
class GCSArtifactStore:
    """Store each artifact as the blob ``artifact_id`` of a GCS bucket.

    Parameters
    ----------
    bucket_name
        An existing bucket.
    client
        A ``google.cloud.storage.Client`` (default: one built from the environment's
        credentials, e.g. after ``gcloud auth application-default login``).

    Examples
    --------
    .. code-block:: python

        from ferrotune.artifacts import GCSArtifactStore, upload_artifact

        artifact_store = GCSArtifactStore("my-bucket")
    """

    def __init__(self, bucket_name: str, client: Any | None = None) -> None:
        storage = _import_gcs()
        self.bucket_name = bucket_name
        self.client = client or storage.Client()
        self.bucket_obj = self.client.bucket(bucket_name)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Download the blob and return its bytes as a file object."""
        blob = self.bucket_obj.get_blob(artifact_id)
        if blob is None:
            raise ArtifactNotFound(
                f"Artifact {artifact_id!r} not found in bucket {self.bucket_name!r}"
            )
        return io.BytesIO(blob.download_as_bytes())

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Upload the whole of ``content_body`` as the blob ``artifact_id``."""
        self.bucket_obj.blob(artifact_id).upload_from_string(content_body.read())

    def remove(self, artifact_id: str) -> None:
        """Delete the blob."""
        self.bucket_obj.delete_blob(artifact_id)
