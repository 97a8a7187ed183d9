"""Shared pieces of the fuzz suite: hostile values, the outcome check and the usability check.

See ``conftest.py`` for what is checked and the example budget of each entry point.
"""

from __future__ import annotations

import contextlib
import decimal
import fractions
import math
import os
import re
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import ferrotune as optuna
from ferrotune.exceptions import OptunaError
from ferrotune.trial import TrialState

T = TypeVar("T")

# Upper bound on the wall time of one call into ferrotune (the machine may be loaded).
MAX_SECONDS = 5.0

# The exceptions a hostile value may raise. Anything else (AttributeError, IndexError,
# ZeroDivisionError, AssertionError, RuntimeError from the core, a driver error, ...) is a bug.
ALLOWED = (ValueError, TypeError, OverflowError, KeyError, OptunaError)

# A string long enough to overflow every fixed-size column and buffer.
LONG = "x" * 5_000


class Opaque:
    """An object no API expects: no numeric, sequence or mapping protocol."""

    def __repr__(self) -> str:
        return "<Opaque>"


_FIXED: list[object] = [
    math.nan,
    math.inf,
    -math.inf,
    0,
    0.0,
    -0.0,
    -1,
    1,
    -1.5,
    True,
    False,
    None,
    "",
    "1.5",
    "nan",
    "minimize",
    LONG,
    b"",
    b"\xff\xfe",
    2**31,
    2**63,
    2**64,
    -(2**63) - 1,
    10**400,
    1e308,
    -1e308,
    5e-324,
    [],
    [1.0],
    [math.nan, 1],
    {},
    {"a": 1},
    (),
    (1, 2),
    {1, 2},
    complex(1, 2),
    decimal.Decimal("1.5"),
    decimal.Decimal("NaN"),
    fractions.Fraction(1, 3),
    np.nan,
    np.float64(math.inf),
    np.float32(0.5),
    np.int64(-3),
    np.uint64(2**64 - 1),
    np.bool_(True),
    np.str_("a"),
    np.array([1.0, 2.0]),
    np.array(3.0),
    Opaque(),
]

_numpy_scalars: st.SearchStrategy[object] = st.one_of(
    st.floats().map(np.float64),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.integers(0, 2**64 - 1).map(np.uint64),
    st.integers(-128, 127).map(np.int8),
)

_scalars: st.SearchStrategy[object] = st.one_of(
    st.sampled_from(_FIXED),
    st.floats(),
    st.integers(-(2**100), 2**100),
    st.text(max_size=12),
    st.binary(max_size=8),
    _numpy_scalars,
)


def hostile() -> st.SearchStrategy[object]:
    """Hostile values: special floats, huge ints, numpy scalars, strings, bytes, None,
    bools, containers and objects of no expected type."""
    return st.one_of(
        _scalars,
        st.lists(_scalars, max_size=3),
        st.dictionaries(st.text(max_size=3), _scalars, max_size=2),
    )


def renderings(value: object) -> list[str]:
    """The ways a message may show ``value``: its repr and str, and for numpy scalars
    those of the Python scalar; reprs longer than 60 characters count by their first 30
    (messages may abbreviate)."""
    out = [repr(value), str(value)]
    item = getattr(value, "item", None)
    if isinstance(value, np.generic) and item is not None:
        out += [repr(item()), str(item())]
    if isinstance(value, float | np.floating) and math.isfinite(value):
        out.append(f"{float(value):g}")
    with contextlib.suppress(Exception):
        if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
            out.append(str(int(value)))
    return [r if len(r) <= 60 else r[:30] for r in out if r]


def names_bad_value(
    message: str, value: object, names: Sequence[str], also: Sequence[str] = ()
) -> bool:
    """``message`` names the bad value: it contains one of ``names`` (the argument that
    received it) as a whole word, or one of :func:`renderings` of the value, or, for a
    list, tuple or dict, of one of its items, keys or values (the culprit inside it), or
    one of ``also`` (another spelling of the value, such as a URL as SQLAlchemy renders it)."""
    if any(a and a in message for a in also):
        return True
    for name in names:
        if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message):
            return True
    parts: list[object] = [value]
    if isinstance(value, list | tuple):
        parts += list(value)
    elif isinstance(value, dict):
        parts += [*value.keys(), *value.values()]
    return any(r in message for part in parts for r in renderings(part))


def timed(fn: Callable[[], T], what: str = "call") -> T:
    """``fn()``, asserting it returns (or raises) within :data:`MAX_SECONDS`."""
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():  # warnings about hostile values are expected
            warnings.simplefilter("ignore")
            return fn()
    finally:
        elapsed = time.perf_counter() - start
        assert elapsed < MAX_SECONDS, f"{what} took {elapsed:.1f} s"


def attempt(
    fn: Callable[[], T],
    value: object,
    names: Sequence[str],
    also: Sequence[str] = (),
    allowed: tuple[type[BaseException], ...] = ALLOWED,
) -> tuple[bool, T | BaseException]:
    """Run ``fn`` (a call given the hostile ``value`` for the argument(s) ``names``).

    It succeeds, or raises one of :data:`ALLOWED` whose message names the value; either
    way within :data:`MAX_SECONDS`. Returns ``(True, result)`` or ``(False, exception)``.
    """
    try:
        return True, timed(fn, f"call with {names}={value!r:.80}")
    except allowed as e:
        message = str(e)
        assert names_bad_value(message, value, names, also), (
            f"{type(e).__name__}({message!r}) names neither {list(names)} nor {value!r:.80}"
        )
        return False, e
    except Exception as e:
        raise AssertionError(
            f"{names}={value!r:.80} raised {type(e).__name__}: {e}, not one of "
            f"{[c.__name__ for c in allowed]}"
        ) from e


@contextlib.contextmanager
def sqlite_url() -> Iterator[str]:
    """A fresh SQLite file storage URL in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="ferrotune-fuzz-") as d:
        yield f"sqlite:///{os.path.join(d, 'fuzz.db')}"


@contextlib.contextmanager
def fresh_storage(
    kind: str,
) -> Iterator[tuple[optuna.storages.BaseStorage, Callable[[], optuna.storages.BaseStorage]]]:
    """A new SQLite (``"sqlite"``) or journal file (``"journal"``) storage in a temporary
    directory, and a function opening the same file again."""
    from ferrotune.storages import JournalStorage, RDBStorage
    from ferrotune.storages.journal import JournalFileBackend

    with tempfile.TemporaryDirectory(prefix="ferrotune-fuzz-") as d:
        if kind == "sqlite":
            url = f"sqlite:///{os.path.join(d, 'fuzz.db')}"
            yield RDBStorage(url), lambda: RDBStorage(url)
        else:
            path = os.path.join(d, "journal.log")
            yield (
                JournalStorage(JournalFileBackend(path)),
                lambda: JournalStorage(JournalFileBackend(path)),
            )


def new_name() -> str:
    return "fuzz-" + uuid.uuid4().hex[:8]


def valid_objective(n_objectives: int) -> Callable[[optuna.Trial], Any]:
    def objective(trial: optuna.Trial) -> Any:
        x = trial.suggest_float("fuzz_ok", 0.0, 1.0, step=0.5)  # also on BruteForceSampler
        return x if n_objectives == 1 else tuple(x + i for i in range(n_objectives))

    return objective


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def assert_usable(
    study: optuna.Study,
    storage: str | optuna.storages.BaseStorage | Callable[[], optuna.storages.BaseStorage],
    objective: Callable[[optuna.Trial], Any] | None = None,
) -> None:
    """After a hostile call: two more trials (of ``objective``, by default one float
    parameter) complete, the best trial(s) can be read, and the study reloads from
    ``storage`` (a URL, a storage, or a function opening a new storage on the same file)
    with the same trials and runs a trial there too."""
    n_objectives = len(study.directions)
    valid = objective or valid_objective(n_objectives)
    before = len(study.trials)
    # Queued trials run first (and may fail on their queued values); two more after them.
    n_waiting = sum(t.state == TrialState.WAITING for t in study.trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        timed(
            lambda: study.optimize(valid, n_trials=2 + n_waiting),
            "2 trials",
        )
        trials = study.trials
        assert not any(t.state == TrialState.WAITING for t in trials), [t.state for t in trials]
        new = trials[before:]
        assert [t.state for t in new] == [TrialState.COMPLETE] * 2, [
            (t.state, t.system_attrs.get("fail_reason")) for t in new
        ]
        if n_objectives == 1:
            best = timed(lambda: study.best_trial, "best_trial")
            assert best.state == TrialState.COMPLETE
        else:
            assert timed(lambda: study.best_trials, "best_trials")
        reloaded = timed(
            lambda: optuna.load_study(
                study_name=study.study_name, storage=storage() if callable(storage) else storage
            ),
            "reload",
        )
        again = reloaded.trials
        assert len(again) == len(trials)
        for a, b in zip(trials, again):
            assert a.state == b.state, (a, b)
            assert a.params.keys() == b.params.keys(), (a.params, b.params)
            assert all(_same(a.params[k], b.params[k]) for k in a.params), (a.params, b.params)
        timed(lambda: reloaded.optimize(valid_objective(n_objectives), n_trials=1), "reloaded")
        assert reloaded.trials[-1].state == TrialState.COMPLETE


# Examples per entry point (hypothesis ``max_examples``); conftest.py's table quotes them.
EXAMPLES: dict[str, int] = {
    "suggest": 300,
    "create_study": 100,
    "sampler": 300,
    "pruner": 200,
    "tell": 100,
    "report": 100,
    "enqueue_trial": 100,
    "add_trial": 150,
    "objective": 100,
    "storage_url": 100,
    "journal": 150,
}


def budget(entry: str) -> settings:
    """Fixed, derandomized hypothesis settings of one entry point."""
    return settings(
        max_examples=EXAMPLES[entry],
        derandomize=True,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
