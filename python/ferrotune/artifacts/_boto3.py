"""Artifacts as objects of an S3 (or S3-compatible) bucket, through boto3."""

from __future__ import annotations

import io
import shutil
from typing import Any, BinaryIO

from ferrotune._imports import try_import
from ferrotune.artifacts.exceptions import ArtifactNotFound


def _import_boto3() -> tuple[Any, type[Exception]]:
    """``boto3`` and botocore's ``ClientError``, imported when a store is built (not with
    ferrotune): ``ImportError`` naming the package if it is missing."""
    with try_import() as imports:
        import boto3
        from botocore.exceptions import ClientError
    imports.check()
    return boto3, ClientError


class Boto3ArtifactStore:
    """Store each artifact as the object ``artifact_id`` of an S3 bucket.

    Parameters
    ----------
    bucket_name
        An existing bucket.
    client
        A boto3 S3 client (default: ``boto3.client("s3")``, configured from the environment;
        pass ``boto3.client("s3", endpoint_url=...)`` for MinIO and other S3-compatible
        servers).
    avoid_buf_copy
        Upload the given file object directly instead of a copy in memory. boto3's
        ``upload_fileobj`` may close the object it uploads, hence the copy by default.

    Examples
    --------
    .. code-block:: python

        from ferrotune.artifacts import Boto3ArtifactStore, upload_artifact

        artifact_store = Boto3ArtifactStore("my-bucket")

        def objective(trial):
            ...
            upload_artifact(artifact_store=artifact_store, file_path=path, study_or_trial=trial)
    """

    def __init__(
        self, bucket_name: str, client: Any | None = None, *, avoid_buf_copy: bool = False
    ) -> None:
        boto3, self._client_error = _import_boto3()
        self.bucket = bucket_name
        self.client = client or boto3.client("s3")
        self._avoid_buf_copy = avoid_buf_copy

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Return the object's streaming body."""
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=artifact_id)
        except self._client_error as e:
            if _is_not_found(e):
                raise ArtifactNotFound(
                    f"Artifact {artifact_id!r} not found in bucket {self.bucket!r}"
                ) from e
            raise
        body: BinaryIO = obj["Body"]
        return body

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Upload ``content_body`` as the object ``artifact_id``."""
        source = content_body
        if not self._avoid_buf_copy:
            source = io.BytesIO()
            shutil.copyfileobj(content_body, source)
            source.seek(0)
        self.client.upload_fileobj(source, self.bucket, artifact_id)

    def remove(self, artifact_id: str) -> None:
        """Delete the object (S3 reports no error for a missing key)."""
        self.client.delete_object(Bucket=self.bucket, Key=artifact_id)


def _is_not_found(error: Any) -> bool:
    code = error.response.get("Error", {}).get("Code")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return bool(code == "NoSuchKey" or status == 404)
