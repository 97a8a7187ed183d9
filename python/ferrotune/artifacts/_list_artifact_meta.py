"""Listing the artifacts linked to a trial or a study."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ferrotune.artifacts._upload import ARTIFACTS_ATTR_PREFIX, ArtifactMeta, _resolve_storage
from ferrotune.study import Study
from ferrotune.trial import FrozenTrial, Trial

if TYPE_CHECKING:
    from ferrotune.storages import BaseStorage


def get_all_artifact_meta(
    study_or_trial: Trial | FrozenTrial | Study, *, storage: BaseStorage | None = None
) -> list[ArtifactMeta]:
    """Return the metadata of the artifacts uploaded to a trial or to a study.

    For a study this lists the artifacts uploaded to the study itself, not those of its
    trials. Artifacts come in the order the storage returns the system attributes.

    Parameters
    ----------
    study_or_trial
        A :class:`~ferrotune.trial.Trial`, :class:`~ferrotune.trial.FrozenTrial` or
        :class:`~ferrotune.study.Study`.
    storage
        The study's storage; required only for a ``FrozenTrial``.

    Returns
    -------
    list[ArtifactMeta]
        One entry per artifact, with its ``artifact_id`` for
        :func:`~ferrotune.artifacts.download_artifact`.
    """
    storage = _resolve_storage(study_or_trial, storage)
    if isinstance(study_or_trial, Study):
        attrs = storage.get_study_system_attrs(study_or_trial._study_id)
    else:
        attrs = storage.get_trial_system_attrs(study_or_trial._trial_id)
    metas = []
    for key, value in attrs.items():
        if key.startswith(ARTIFACTS_ATTR_PREFIX):
            fields = json.loads(value)
            metas.append(
                ArtifactMeta(
                    artifact_id=fields["artifact_id"],
                    filename=fields["filename"],
                    mimetype=fields["mimetype"],
                    encoding=fields["encoding"],
                )
            )
    return metas
