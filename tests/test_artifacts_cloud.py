"""Boto3ArtifactStore and GCSArtifactStore against real servers on loopback.

S3: moto's standalone server (``moto[server]``, ``ThreadedMotoServer``) speaks the S3 HTTP API;
boto3 talks to it through ``endpoint_url`` exactly as to AWS or MinIO. GCS: the
``gcp-storage-emulator`` server speaks the GCS JSON API; the google-cloud-storage client
reaches it through ``STORAGE_EMULATOR_HOST``.
"""

from __future__ import annotations

import io
import socket
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ferrotune as optuna
from ferrotune.artifacts import (
    Backoff,
    Boto3ArtifactStore,
    GCSArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from ferrotune.artifacts.exceptions import ArtifactNotFound
from ferrotune.exceptions import ExperimentalWarning


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> tuple[Any, str]:
    boto3 = pytest.importorskip("boto3")
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    bucket = f"bucket-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


@pytest.mark.parametrize("avoid_buf_copy", [False, True])
def test_boto3_write_read_remove(s3_bucket: tuple[Any, str], avoid_buf_copy: bool) -> None:
    client, bucket = s3_bucket
    store = Boto3ArtifactStore(bucket, client, avoid_buf_copy=avoid_buf_copy)
    body = io.BytesIO(b"Hello World")
    store.write("a-1", body)
    if not avoid_buf_copy:
        assert not body.closed  # the upload consumed a copy, the caller's object stays open
    keys = [o["Key"] for o in client.list_objects(Bucket=bucket)["Contents"]]
    assert keys == ["a-1"]
    assert client.get_object(Bucket=bucket, Key="a-1")["Body"].read() == b"Hello World"
    with store.open_reader("a-1") as f:
        assert f.read() == b"Hello World"
    store.remove("a-1")
    assert client.list_objects(Bucket=bucket).get("Contents", []) == []


def test_boto3_missing_artifact(s3_bucket: tuple[Any, str]) -> None:
    client, bucket = s3_bucket
    store = Boto3ArtifactStore(bucket, client)
    with pytest.raises(ArtifactNotFound, match=bucket):
        store.open_reader("not-there")
    store.remove("not-there")  # S3 deletes of missing keys succeed


def test_boto3_other_errors_are_not_artifact_not_found(s3_bucket: tuple[Any, str]) -> None:
    botocore_exceptions = pytest.importorskip("botocore.exceptions")
    client, _ = s3_bucket
    store = Boto3ArtifactStore("no-such-bucket", client)
    with pytest.raises(botocore_exceptions.ClientError) as raised:
        store.write("a", io.BytesIO(b"x"))
    assert not isinstance(raised.value, ArtifactNotFound)


def test_boto3_default_client_from_the_environment(
    s3_bucket: tuple[Any, str], s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, bucket = s3_bucket
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = Boto3ArtifactStore(bucket)
    store.write("env", io.BytesIO(b"from env"))
    with store.open_reader("env") as f:
        assert f.read() == b"from env"


def test_boto3_study_artifacts_round_trip(s3_bucket: tuple[Any, str], tmp_path: Path) -> None:
    client, bucket = s3_bucket
    store = Backoff(Boto3ArtifactStore(bucket, client), max_retries=2)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        path = tmp_path / f"x-{trial.number}.txt"
        path.write_text(repr(x))
        upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
        return x**2

    study = optuna.create_study(storage=f"sqlite:///{tmp_path / 's3.db'}")
    study.optimize(objective, n_trials=3)
    best = study.best_trial
    (meta,) = get_all_artifact_meta(best, storage=study._storage)
    target = tmp_path / "best.txt"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=meta.artifact_id)
    assert float(target.read_text()) == best.params["x"]
    assert len(client.list_objects(Bucket=bucket)["Contents"]) == 3


@pytest.fixture(scope="module")
def gcs_client() -> Iterator[Any]:
    emulator = pytest.importorskip("gcp_storage_emulator.server")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)  # google.api_core, no grpcio-status
        storage = pytest.importorskip("google.cloud.storage")
    credentials = pytest.importorskip("google.auth.credentials")
    port = _free_port()
    server = emulator.create_server("127.0.0.1", port, in_memory=True)
    server.start()
    patch = pytest.MonkeyPatch()
    patch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
    try:
        yield storage.Client(project="test", credentials=credentials.AnonymousCredentials())
    finally:
        patch.undo()
        server.stop()


def _gcs_store(client: Any) -> GCSArtifactStore:
    bucket = f"bucket-{uuid.uuid4().hex[:12]}"
    client.create_bucket(bucket)
    with pytest.warns(ExperimentalWarning, match="GCSArtifactStore is experimental"):
        return GCSArtifactStore(bucket, client)


def test_gcs_write_read_remove(gcs_client: Any) -> None:
    store = _gcs_store(gcs_client)
    store.write("a-1", io.BytesIO(b"Hello GCS"))
    assert store.bucket_obj.get_blob("a-1").download_as_bytes() == b"Hello GCS"
    with store.open_reader("a-1") as f:
        assert f.read() == b"Hello GCS"
    store.remove("a-1")
    assert store.bucket_obj.get_blob("a-1") is None
    with pytest.raises(ArtifactNotFound, match=store.bucket_name):
        store.open_reader("a-1")


def test_gcs_study_artifact(gcs_client: Any, tmp_path: Path) -> None:
    store = _gcs_store(gcs_client)
    study = optuna.create_study()
    path = tmp_path / "notes.md"
    path.write_text("# notes")
    artifact_id = upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=study)
    (meta,) = get_all_artifact_meta(study)
    assert (meta.artifact_id, meta.mimetype) == (artifact_id, "text/markdown")
    target = tmp_path / "copy.md"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=artifact_id)
    assert target.read_text() == "# notes"
