"""Studies and the functions that create, load, copy and delete them."""

from ferrotune.study._callbacks import MaxTrialsCallback
from ferrotune.study._frozen import FrozenStudy, StudySummary
from ferrotune.study._study_direction import StudyDirection
from ferrotune.study.study import (
    ObjectiveFuncType,
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)

__all__ = [
    "FrozenStudy",
    "MaxTrialsCallback",
    "ObjectiveFuncType",
    "Study",
    "StudyDirection",
    "StudySummary",
    "copy_study",
    "create_study",
    "delete_study",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
]
