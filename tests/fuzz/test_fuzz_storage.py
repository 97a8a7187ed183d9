"""Fuzz: storage URLs, and journal files cut short or with garbage written into them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from _fuzz import ALLOWED, assert_usable, attempt, budget, hostile, new_name, timed
from hypothesis import event, given
from hypothesis import strategies as st

import ferrotune as optuna
from ferrotune.storages import JournalStorage
from ferrotune.storages.journal import JournalFileBackend


@contextlib.contextmanager
def _in_temporary_directory() -> Iterator[str]:
    """Relative SQLite paths of the generated URLs land in a fresh directory."""
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="ferrotune-fuzz-") as d:
        os.chdir(d)
        try:
            yield d
        finally:
            os.chdir(cwd)


# No "/" or "\\": generated paths stay inside the temporary directory.
_tail = st.text(st.characters(exclude_characters="/\\", codec="utf-8"), max_size=12)
# Hosts are loopback addresses with a closed port: no DNS lookups, refused at once.
_PREFIXES = [
    "sqlite:///",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///file.db?",
    "sqlite:///file.db?mode=",
    "postgresql://127.0.0.1:1/",
    "postgresql+psycopg://user:pw@127.0.0.1:1/",
    "postgresql+psycopg2://127.0.0.1:1/",
    "mysql://127.0.0.1:1/",
    "mysql+pymysql://127.0.0.1:1/",
    "redis://127.0.0.1:1/",
    "file:",
    "journal:",
    "http://127.0.0.1:1/",
    "",
    "//",
    ":",
]
_prefixed = st.builds(lambda p, t: p + t, st.sampled_from(_PREFIXES), _tail)
# Three in four URLs are a scheme and a tail, the rest any hostile value.
urls = st.integers(0, 3).flatmap(lambda i: hostile() if i == 0 else _prefixed)


def _rendered(url: object) -> list[str]:
    try:
        import sqlalchemy as sa

        return [sa.engine.make_url(url).render_as_string(hide_password=True)]  # type: ignore[arg-type]
    except Exception:
        return []


def _in_memory(url: object) -> bool:
    """SQLite in memory, or in a private temporary file (an empty path): not shared."""
    base = url.split("?")[0] if isinstance(url, str) else None
    return base in ("sqlite://", "sqlite:///", "sqlite:///:memory:")


@budget("storage_url")
@given(url=urls)
def test_storage_urls(url: object) -> None:
    with _in_temporary_directory():
        name = new_name()
        make = lambda: optuna.create_study(storage=url, study_name=name)  # type: ignore[arg-type]  # noqa: E731
        # A driver that is not installed (MySQL) is an ImportError naming the URL; messages
        # show the URL as SQLAlchemy renders it (escaped, password hidden).
        ok, study = attempt(make, url, ["storage"], _rendered(url), (*ALLOWED, ImportError))
        event("accepted" if ok else "refused")
        if ok:
            assert isinstance(study, optuna.Study)
            # An in-memory (or empty-path) SQLite database is not shared by a second
            # engine: reload from the study's storage there.
            assert_usable(study, study._storage if _in_memory(url) else url)  # type: ignore[arg-type]


def _journal(path: str, name: str) -> None:
    storage = JournalStorage(JournalFileBackend(path))
    study = optuna.create_study(storage=storage, study_name=name, directions=["minimize"])
    study.set_user_attr("note", "ünïcode")
    study.enqueue_trial({"x": 0.25})

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.suggest_categorical("c", ["a", "b", None])
        trial.report(x, 1)
        trial.set_user_attr("u", [1, 2])
        return x

    study.optimize(objective, n_trials=3)
    trial = study.ask()  # left RUNNING, as a killed worker leaves it
    trial.suggest_int("n", 0, 5)


_garbage = st.one_of(
    st.binary(min_size=1, max_size=40),
    st.sampled_from(
        [b"\n", b"\x00", b"\xff\xfe", b"{", b"}\n", b"[]\n", b"{}\n", b"null\n", b'"x"\n']
    ),
    st.builds(lambda t: (t + "\n").encode(), st.text(max_size=30)),
    st.sampled_from(
        [
            b'{"op_code": 5, "worker_id": "w", "trial_id": 999, "state": 1}\n',
            b'{"op_code": 6, "worker_id": "w", "trial_id": 0, "param_name": "x"}\n',
            b'{"op_code": 4, "worker_id": "w", "study_id": 0, "datetime_start": 7}\n',
            b'{"op_code": 1, "worker_id": "w", "study_id": -1}\n',
            b'{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": []}\n',
            b'{"op_code": 9, "worker_id": "w", "trial_id": 0, "step": 1e400, "value": 1}\n',
        ]
    ),
)


@budget("journal")
@given(
    edit=st.sampled_from(["truncate", "insert", "overwrite", "append", "duplicate line"]),
    position=st.floats(0.0, 1.0),
    garbage=_garbage,
)
def test_journal_file_contents(edit: str, position: float, garbage: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="ferrotune-fuzz-") as d:
        path = os.path.join(d, "journal.log")
        name = "journal-fuzz"
        _journal(path, name)
        with open(path, "rb") as f:
            data = f.read()
        at = int(position * len(data))
        if edit == "truncate":
            data = data[:at]
        elif edit == "insert":
            data = data[:at] + garbage + data[at:]
        elif edit == "overwrite":
            data = data[:at] + garbage + data[at + len(garbage) :]
        elif edit == "append":
            data = data + garbage
        else:
            lines = data.split(b"\n")
            i = min(int(position * len(lines)), len(lines) - 1)
            data = b"\n".join([*lines[: i + 1], *lines[i:]])
        with open(path, "wb") as out:
            out.write(data)

        def load() -> optuna.Study:
            return optuna.load_study(
                study_name=name, storage=JournalStorage(JournalFileBackend(path))
            )

        # A refused file names the corrupt line (or the study it no longer holds).
        ok, study = attempt(load, garbage, ["line", name, "study_name"])
        event(f"{edit}: {'loaded' if ok else 'refused'}")
        if ok:
            assert isinstance(study, optuna.Study)
            timed(lambda: study.trials)
            assert_usable(study, lambda: JournalStorage(JournalFileBackend(path)))


def test_allowed_exceptions_are_documented() -> None:
    assert {c.__name__ for c in ALLOWED} == {
        "ValueError",
        "TypeError",
        "OverflowError",
        "KeyError",
        "OptunaError",
    }
