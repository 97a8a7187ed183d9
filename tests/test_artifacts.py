"""ferrotune.artifacts: FileSystemArtifactStore, Backoff, upload / list / download."""

from __future__ import annotations

import importlib
import io
import json
import logging
import warnings
from pathlib import Path
from typing import BinaryIO

import pytest

import ferrotune as optuna
from ferrotune.artifacts import (
    ArtifactMeta,
    Backoff,
    FileSystemArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from ferrotune.artifacts.exceptions import ArtifactNotFound
from ferrotune.exceptions import OptunaError


def _file(directory: Path, name: str, content: bytes = b"foo") -> str:
    path = directory / name
    path.write_bytes(content)
    return str(path)


@pytest.fixture
def store(tmp_path: Path) -> FileSystemArtifactStore:
    base = tmp_path / "artifacts"
    base.mkdir()
    return FileSystemArtifactStore(base)


# -- FileSystemArtifactStore -----------------------------------------------------------------


@pytest.mark.parametrize("as_str", [True, False])
def test_filesystem_write_read_remove(tmp_path: Path, as_str: bool) -> None:
    store = FileSystemArtifactStore(str(tmp_path) if as_str else tmp_path)
    store.write("a-1", io.BytesIO(b"Hello World"))
    assert (tmp_path / "a-1").read_bytes() == b"Hello World"
    with store.open_reader("a-1") as f:
        assert f.read() == b"Hello World"
    store.write("a-1", io.BytesIO(b"again"))  # overwrites
    with store.open_reader("a-1") as f:
        assert f.read() == b"again"
    store.remove("a-1")
    assert not (tmp_path / "a-1").exists()


def test_filesystem_missing_artifact_raises_artifact_not_found(
    store: FileSystemArtifactStore,
) -> None:
    assert issubclass(ArtifactNotFound, OptunaError)
    with pytest.raises(ArtifactNotFound):
        store.open_reader("nope")
    with pytest.raises(ArtifactNotFound):
        store.remove("nope")


@pytest.mark.parametrize("artifact_id", ["../outside", "/etc/passwd", "a/../../b"])
def test_filesystem_rejects_ids_outside_the_base_path(
    store: FileSystemArtifactStore, artifact_id: str
) -> None:
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.write(artifact_id, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.open_reader(artifact_id)
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.remove(artifact_id)


# -- Backoff ---------------------------------------------------------------------------------


class _FlakyStore:
    """An in-memory store whose first ``failures`` calls of each operation raise."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or ConnectionError("flaky")
        self.calls: dict[str, int] = {"open_reader": 0, "write": 0, "remove": 0}
        self.data: dict[str, bytes] = {}

    def _maybe_fail(self, operation: str) -> None:
        self.calls[operation] += 1
        if self.calls[operation] <= self.failures:
            raise self.error

    def open_reader(self, artifact_id: str) -> BinaryIO:
        self._maybe_fail("open_reader")
        if artifact_id not in self.data:
            raise ArtifactNotFound(artifact_id)
        return io.BytesIO(self.data[artifact_id])

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        content = content_body.read()  # consumes the body before failing, like a real upload
        self._maybe_fail("write")
        self.data[artifact_id] = content

    def remove(self, artifact_id: str) -> None:
        self._maybe_fail("remove")
        if artifact_id not in self.data:
            raise ArtifactNotFound(artifact_id)
        del self.data[artifact_id]


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr("ferrotune.artifacts._backoff.time.sleep", slept.append)
    return slept


def test_backoff_sleep_schedule() -> None:
    backoff = Backoff(_FlakyStore(0), min_delay=0.1, multiplier=10, max_delay=10)
    assert [backoff._get_sleep_secs(i) for i in range(4)] == [0.1, 1.0, 10, 10]
    default = Backoff(_FlakyStore(0))
    expected = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30]
    assert [default._get_sleep_secs(i) for i in range(10)] == pytest.approx(expected)


def test_backoff_retries_until_success_and_rewinds_the_body(
    sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    inner = _FlakyStore(failures=3)
    backoff = Backoff(inner, min_delay=0.5, multiplier=2, max_delay=1.5)
    with caplog.at_level(logging.ERROR, logger="ferrotune.artifacts"):
        backoff.write("a", io.BytesIO(b"payload"))
    assert inner.data == {"a": b"payload"}  # the fourth attempt read the body from the start
    assert sleeps == [0.5, 1.0, 1.5]
    assert inner.calls["write"] == 4
    assert caplog.text.count("Failed to write artifact=a") == 3
    with backoff.open_reader("a") as f:
        assert f.read() == b"payload"
    backoff.remove("a")
    assert inner.data == {}
    assert inner.calls["open_reader"] == 4 and inner.calls["remove"] == 4  # once each after


def test_backoff_gives_up_after_max_retries(sleeps: list[float]) -> None:
    inner = _FlakyStore(failures=100)
    backoff = Backoff(inner, max_retries=4, min_delay=0.1, multiplier=2, max_delay=1)
    for call in (
        lambda: backoff.open_reader("a"),
        lambda: backoff.write("a", io.BytesIO(b"x")),
        lambda: backoff.remove("a"),
    ):
        with pytest.raises(ConnectionError, match="flaky"):
            call()
    assert inner.calls == {"open_reader": 4, "write": 4, "remove": 4}
    assert sleeps == [0.1, 0.2, 0.4] * 3  # no sleep after the last attempt


def test_backoff_does_not_retry_artifact_not_found(sleeps: list[float]) -> None:
    inner = _FlakyStore(failures=0)
    backoff = Backoff(inner)
    with pytest.raises(ArtifactNotFound):
        backoff.open_reader("missing")
    with pytest.raises(ArtifactNotFound):
        backoff.remove("missing")
    assert inner.calls["open_reader"] == 1 and inner.calls["remove"] == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": 0},
        {"multiplier": 0},
        {"min_delay": 0},
        {"min_delay": 1.0, "max_delay": 1.0},
    ],
)
def test_backoff_rejects_bad_settings(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Backoff(_FlakyStore(0), **kwargs)  # type: ignore[arg-type]


# -- upload / list / download ----------------------------------------------------------------


def test_upload_to_trial_and_study(tmp_path: Path, store: FileSystemArtifactStore) -> None:
    path = _file(tmp_path, "dummy.txt")
    study = optuna.create_study()
    trial = study.ask()
    trial_artifact = upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)
    study_artifact = upload_artifact(artifact_store=store, file_path=path, study_or_trial=study)
    assert trial_artifact != study_artifact
    assert get_all_artifact_meta(trial) == [
        ArtifactMeta(trial_artifact, "dummy.txt", "text/plain", None)
    ]
    assert get_all_artifact_meta(study) == [
        ArtifactMeta(study_artifact, "dummy.txt", "text/plain", None)
    ]
    with store.open_reader(trial_artifact) as f:
        assert f.read() == b"foo"
    # the metadata is a JSON system attribute, as Optuna stores it
    stored = study._storage.get_trial_system_attrs(trial._trial_id)
    assert json.loads(stored[f"artifacts:{trial_artifact}"]) == {
        "artifact_id": trial_artifact,
        "filename": "dummy.txt",
        "mimetype": "text/plain",
        "encoding": None,
    }


def test_frozen_trial_needs_the_storage(tmp_path: Path, store: FileSystemArtifactStore) -> None:
    path = _file(tmp_path, "model.bin")
    study = optuna.create_study()
    frozen = study._storage.get_trial(study.ask()._trial_id)  # a running trial's record
    with pytest.raises(ValueError, match="storage is required"):
        upload_artifact(artifact_store=store, file_path=path, study_or_trial=frozen)
    with pytest.raises(ValueError, match="storage is required"):
        get_all_artifact_meta(frozen)
    artifact_id = upload_artifact(
        artifact_store=store, file_path=path, study_or_trial=frozen, storage=study._storage
    )
    metas = get_all_artifact_meta(frozen, storage=study._storage)
    assert [(m.artifact_id, m.mimetype) for m in metas] == [
        (artifact_id, "application/octet-stream")
    ]


@pytest.mark.parametrize(
    ("name", "mimetype", "encoding", "expected"),
    [
        ("data.csv.gz", None, None, ("text/csv", "gzip")),
        ("mesh.obj", "model/obj", "utf-8", ("model/obj", "utf-8")),
        ("noext", None, None, ("application/octet-stream", None)),
    ],
)
def test_upload_guesses_or_takes_the_type(
    tmp_path: Path,
    store: FileSystemArtifactStore,
    name: str,
    mimetype: str | None,
    encoding: str | None,
    expected: tuple[str, str | None],
) -> None:
    trial = optuna.create_study().ask()
    upload_artifact(
        artifact_store=store,
        file_path=_file(tmp_path, name),
        study_or_trial=trial,
        mimetype=mimetype,
        encoding=encoding,
    )
    (meta,) = get_all_artifact_meta(trial)
    assert (meta.filename, meta.mimetype, meta.encoding) == (name, *expected)


def test_upload_with_positional_arguments_warns(
    tmp_path: Path, store: FileSystemArtifactStore
) -> None:
    path = _file(tmp_path, "dummy.txt")
    trial = optuna.create_study().ask()
    with pytest.warns(FutureWarning, match="deprecated since v4.0.0"):
        first = upload_artifact(trial, path, store)  # type: ignore[misc]
    with pytest.warns(FutureWarning):
        second = upload_artifact(trial, file_path=path, artifact_store=store)  # type: ignore[misc]
    assert {m.artifact_id for m in get_all_artifact_meta(trial)} == {first, second}
    with pytest.raises(TypeError, match="multiple values"), pytest.warns(FutureWarning):
        upload_artifact(trial, path, file_path=path, artifact_store=store)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional arguments"):
        upload_artifact(trial, path, store, None)  # type: ignore[misc]


def test_download_artifact(tmp_path: Path, store: FileSystemArtifactStore) -> None:
    study = optuna.create_study()
    artifact_id = upload_artifact(
        artifact_store=store,
        file_path=_file(tmp_path, "weights.bin", b"\x00\x01\x02"),
        study_or_trial=study,
    )
    target = tmp_path / "downloaded.bin"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=artifact_id)
    assert target.read_bytes() == b"\x00\x01\x02"
    with pytest.raises(FileExistsError):
        download_artifact(artifact_store=store, file_path=str(target), artifact_id=artifact_id)
    with pytest.raises(ArtifactNotFound):
        download_artifact(
            artifact_store=store, file_path=str(tmp_path / "other"), artifact_id="nope"
        )


def test_artifacts_are_shared_through_the_storage(
    tmp_path: Path, store: FileSystemArtifactStore
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        path = _file(tmp_path, f"model-{trial.number}.txt", str(x).encode())
        upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)
        return x

    study = optuna.create_study(storage=url, study_name="shared")
    study.optimize(objective, n_trials=3)
    upload_artifact(
        artifact_store=store, file_path=_file(tmp_path, "summary.json"), study_or_trial=study
    )

    loaded = optuna.load_study(study_name="shared", storage=url)  # another process would too
    best = loaded.best_trial
    (meta,) = get_all_artifact_meta(best, storage=loaded._storage)
    assert meta.filename == f"model-{best.number}.txt"
    target = tmp_path / "best.txt"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=meta.artifact_id)
    assert float(target.read_text()) == best.value
    assert [m.filename for m in get_all_artifact_meta(loaded)] == ["summary.json"]


def test_optuna_reads_ferrotunes_artifacts(tmp_path: Path, store: FileSystemArtifactStore) -> None:
    real_optuna = pytest.importorskip("optuna")
    with warnings.catch_warnings():
        # google.api_core (imported by optuna.artifacts) warns without grpcio-status
        warnings.simplefilter("ignore", ImportWarning)
        importlib.import_module("optuna.artifacts")
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(storage=url, study_name="interop")
    trial = study.ask()
    artifact_id = upload_artifact(
        artifact_store=store, file_path=_file(tmp_path, "plot.png"), study_or_trial=trial
    )
    study.tell(trial, 1.0)

    theirs = real_optuna.load_study(study_name="interop", storage=url)
    metas = real_optuna.artifacts.get_all_artifact_meta(theirs.trials[0], storage=theirs._storage)
    assert [(m.artifact_id, m.filename, m.mimetype) for m in metas] == [
        (artifact_id, "plot.png", "image/png")
    ]
    target = tmp_path / "via-optuna.png"
    real_optuna.artifacts.download_artifact(
        artifact_store=real_optuna.artifacts.FileSystemArtifactStore(store._base_path),
        file_path=str(target),
        artifact_id=artifact_id,
    )
    assert target.read_bytes() == b"foo"
