"""Uploading artifacts: the content goes to an artifact store, the metadata to the storage.

The metadata of an artifact is a JSON system attribute ``artifacts:<artifact_id>`` of the
trial or study it belongs to, as in Optuna, so every process that opens the study (and
Optuna itself, or optuna-dashboard) sees the same artifacts.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import os
import uuid
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ferrotune.study import Study
from ferrotune.trial import FrozenTrial, Trial

if TYPE_CHECKING:
    from ferrotune.artifacts._protocol import ArtifactStore
    from ferrotune.storages import BaseStorage

ARTIFACTS_ATTR_PREFIX = "artifacts:"
DEFAULT_MIME_TYPE = "application/octet-stream"
_PREVIOUSLY_POSITIONAL = ("study_or_trial", "file_path", "artifact_store")
_R = TypeVar("_R")


@dataclass
class ArtifactMeta:
    """What the storage records about one artifact.

    Parameters
    ----------
    artifact_id
        The artifact's id in its artifact store.
    filename
        The base name of the uploaded file.
    mimetype
        The MIME type (guessed from the file name unless given at upload).
    encoding
        A ``Content-Encoding`` such as ``"gzip"`` (guessed from the file name unless given).
    """

    artifact_id: str
    filename: str
    mimetype: str
    encoding: str | None


def _resolve_storage(
    study_or_trial: Trial | FrozenTrial | Study, storage: BaseStorage | None
) -> BaseStorage:
    if storage is not None:
        return storage
    if isinstance(study_or_trial, Trial):
        return study_or_trial.storage
    if isinstance(study_or_trial, Study):
        return study_or_trial._storage
    raise ValueError("storage is required for FrozenTrial.")


def _keyword_arguments_only(func: Callable[..., _R]) -> Callable[..., _R]:
    """Accept the arguments Optuna < 4 took positionally, with Optuna's ``FutureWarning``."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> _R:
        if not args:
            return func(**kwargs)
        if len(args) > len(_PREVIOUSLY_POSITIONAL):
            raise TypeError(
                f"{func.__name__}() takes {len(_PREVIOUSLY_POSITIONAL)} positional arguments "
                f"but {len(args)} were given."
            )
        given = dict(zip(_PREVIOUSLY_POSITIONAL, args, strict=False))
        warnings.warn(
            f"{func.__name__}() got {set(given)} as positional arguments but they were "
            "expected to be given as keyword arguments.\n"
            f"Positional arguments {list(_PREVIOUSLY_POSITIONAL)} in {func.__name__}() have "
            "been deprecated since v4.0.0. They will be replaced with the corresponding "
            "keyword arguments in v6.0.0, so please use the keyword specification instead. "
            "See https://github.com/optuna/optuna/releases/tag/v4.0.0 for details.",
            FutureWarning,
            stacklevel=2,
        )
        twice = set(given) & set(kwargs)
        if twice:
            raise TypeError(f"{func.__name__}() got multiple values for arguments {twice}.")
        return func(**given, **kwargs)

    return wrapper


@_keyword_arguments_only
def upload_artifact(
    *,
    artifact_store: ArtifactStore,
    file_path: str,
    study_or_trial: Trial | FrozenTrial | Study,
    storage: BaseStorage | None = None,
    mimetype: str | None = None,
    encoding: str | None = None,
) -> str:
    """Upload a file to an artifact store and link it to a trial or a study.

    Parameters
    ----------
    artifact_store
        Where the content goes (:class:`FileSystemArtifactStore`, :class:`Boto3ArtifactStore`,
        ...).
    file_path
        The file to upload.
    study_or_trial
        The :class:`~ferrotune.trial.Trial`, :class:`~ferrotune.trial.FrozenTrial` or
        :class:`~ferrotune.study.Study` the artifact belongs to.
    storage
        The study's storage; required only for a ``FrozenTrial``.
    mimetype
        The MIME type (default: guessed from the file name, else
        ``application/octet-stream``).
    encoding
        A ``Content-Encoding`` such as ``"gzip"`` (default: guessed from the file name).

    Returns
    -------
    str
        The new artifact's id.
    """
    storage = _resolve_storage(study_or_trial, storage)
    filename = os.path.basename(file_path)
    guessed_type, guessed_encoding = mimetypes.guess_type(filename)
    artifact_id = str(uuid.uuid4())
    meta = ArtifactMeta(
        artifact_id=artifact_id,
        filename=filename,
        mimetype=mimetype or guessed_type or DEFAULT_MIME_TYPE,
        encoding=encoding or guessed_encoding,
    )
    key, value = ARTIFACTS_ATTR_PREFIX + artifact_id, json.dumps(asdict(meta))
    if isinstance(study_or_trial, Study):
        storage.set_study_system_attr(study_or_trial._study_id, key, value)
    else:
        storage.set_trial_system_attr(study_or_trial._trial_id, key, value)
    with open(file_path, "rb") as f:
        artifact_store.write(artifact_id, f)
    return artifact_id
