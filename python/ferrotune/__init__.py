"""ferrotune: hyperparameter optimization with Optuna's API and a Rust core.

``import ferrotune as optuna`` runs Optuna scripts: studies, trials, distributions,
samplers, pruners and storages keep Optuna's names and semantics.
"""

from ferrotune import (
    distributions,
    exceptions,
    importance,
    integration,
    logging,
    pruners,
    samplers,
    search_space,
    storages,
    study,
    trial,
    visualization,
)
from ferrotune._imports import _LazyImport
from ferrotune.exceptions import TrialPruned
from ferrotune.study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from ferrotune.trial import FixedTrial, FrozenTrial, Trial, TrialState, create_trial
from ferrotune.version import __version__

# imported on first use, as Optuna does (``import ferrotune.artifacts`` replaces it)
artifacts = _LazyImport("ferrotune.artifacts")

__all__ = [
    "FixedTrial",
    "FrozenTrial",
    "Study",
    "Trial",
    "TrialPruned",
    "TrialState",
    "__version__",
    "artifacts",
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "distributions",
    "exceptions",
    "get_all_study_names",
    "get_all_study_summaries",
    "importance",
    "integration",
    "load_study",
    "logging",
    "pruners",
    "samplers",
    "search_space",
    "storages",
    "study",
    "trial",
    "visualization",
]
