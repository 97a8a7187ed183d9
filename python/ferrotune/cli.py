"""The ``ferrotune`` command line: Optuna's CLI commands on ferrotune storages.

Examples
--------
.. code-block:: console

    $ ferrotune create-study --study-name demo --storage sqlite:///demo.db
    $ ferrotune ask --study-name demo --storage sqlite:///demo.db \\
        --search-space '{"x": {"name": "FloatDistribution", "attributes": {"low": 0, "high": 1}}}'
    $ ferrotune tell --study-name demo --storage sqlite:///demo.db --trial-number 0 --values 0.5
    $ ferrotune trials --study-name demo --storage sqlite:///demo.db -f json
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

import ferrotune
from ferrotune.distributions import _json_to_distribution
from ferrotune.exceptions import CLIUsageError
from ferrotune.storages import BaseStorage, JournalStorage
from ferrotune.storages.journal import JournalFileBackend, JournalRedisBackend
from ferrotune.trial import FrozenTrial, TrialState

_DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_FORMATS = ("value", "json", "table", "yaml")
_STORAGE_CLASSES = ("RDBStorage", "JournalFileBackend", "JournalRedisBackend")
Column = tuple[str, str]
Record = dict[Column, Any]

_logger = ferrotune.logging.get_logger(__name__)


# -- storages ------------------------------------------------------------------------------
def _storage(url: str | None, storage_class: str | None) -> BaseStorage:
    url = url or os.environ.get("FERROTUNE_STORAGE") or os.environ.get("OPTUNA_STORAGE")
    if not url:
        raise CLIUsageError(
            "Storage is not specified: pass --storage URL (or set FERROTUNE_STORAGE)."
        )
    from ferrotune.storages import RDBStorage

    if storage_class == "JournalRedisBackend" or (
        storage_class is None and url.startswith(("redis://", "rediss://", "unix://"))
    ):
        return JournalStorage(JournalRedisBackend(url))
    if storage_class == "JournalFileBackend" or (storage_class is None and os.path.isfile(url)):
        return JournalStorage(JournalFileBackend(url))
    return RDBStorage(url)


# -- output --------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """A JSON/YAML-friendly copy of ``value``."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime(_DATETIME_FORMAT)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        # Kept a tuple so that `value`/`table` print it as Optuna does, e.g. ('MINIMIZE',).
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    return str(value)


def _rows(
    records: list[Record], columns: list[Column], flatten: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    """Turn ``(group, key)`` records into rows keyed by header names."""
    header: list[str] = []
    rows: list[dict[str, Any]] = []
    if flatten:
        list_columns = {
            c
            for c in columns
            if c[1] == "" and any(isinstance(r.get(c), (list, tuple)) for r in records)
        }
        for c in columns:
            if c[1] != "":
                header.append(f"{c[0]}_{c[1]}")
            elif c in list_columns:
                width = max(len(r[c]) for r in records if c in r)
                header.extend(f"{c[0]}_{i}" for i in range(width))
            else:
                header.append(c[0])
        for r in records:
            row: dict[str, Any] = {}
            for c in columns:
                if c not in r:
                    continue
                value = _plain(r[c])
                if c[1] != "":
                    row[f"{c[0]}_{c[1]}"] = value
                elif c in list_columns:
                    row.update({f"{c[0]}_{i}": v for i, v in enumerate(value)})
                else:
                    row[c[0]] = value
            rows.append(row)
        return rows, header
    for c in columns:
        if c[0] not in header:
            header.append(c[0])
    for r in records:
        nested: dict[str, Any] = {name: {} for name in header}
        for c in columns:
            if c not in r:
                continue
            if c[1] == "":
                nested[c[0]] = _plain(r[c])
            else:
                nested[c[0]][c[1]] = _plain(r[c])
        rows.append(nested)
    return rows, header


def _cell_text(value: Any) -> str:
    """A cell of the `value`/`table` formats: Python's ``str``, as Optuna prints it."""
    return "" if value is None else str(value)


def _table(rows: list[dict[str, Any]], header: list[str]) -> str:
    cells = [[_cell_text(row.get(h)) for h in header] for row in rows]
    numeric = [
        all(row.get(h) is None or isinstance(row.get(h), (int, float)) for row in rows)
        for h in header
    ]
    # Optuna sizes a column by str(value), so an empty (None) cell counts as "None".
    widths = [max([len(h)] + [len(str(row.get(h))) for row in rows]) for h in header]

    def line(values: list[str]) -> str:
        parts = [
            f" {v:>{w}} " if num else f" {v:<{w}} " for v, w, num in zip(values, widths, numeric)
        ]
        return "|" + "|".join(parts) + "|"

    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    return "\n".join([rule, line(header), rule, *(line(c) for c in cells), rule])


def _render(records: list[Record] | Record, columns: list[Column], fmt: str, flatten: bool) -> str:
    single = isinstance(records, dict)
    as_list: list[Record] = [records] if isinstance(records, dict) else records
    rows, header = _rows(as_list, columns, flatten)
    if fmt == "value":
        return "\n".join(" ".join(_cell_text(row.get(h)) for h in header) for row in rows).strip()
    if fmt == "table":
        return _table(rows, header)
    if fmt == "json":
        return json.dumps(rows[0] if single else rows)
    if fmt == "yaml":
        try:
            import yaml
        except ImportError as e:
            raise CLIUsageError("`-f yaml` needs PyYAML: pip install pyyaml") from e
        return str(yaml.safe_dump(rows[0] if single else rows)).strip()
    raise CLIUsageError(f"Unknown output format {fmt!r}; choose from {', '.join(_FORMATS)}.")


def _trial_records(study: ferrotune.Study) -> tuple[list[Record], list[Column]]:
    multi = len(study.directions) > 1
    records: list[Record] = []
    param_keys: dict[str, None] = {}
    attr_keys: dict[str, None] = {}
    trials = study.get_trials(deepcopy=False)
    for t in trials:
        param_keys.update(dict.fromkeys(t.params))
        attr_keys.update(dict.fromkeys(t.user_attrs))
    for t in trials:
        records.append(_trial_record(t, multi))
    columns: list[Column] = [("number", ""), ("values" if multi else "value", "")]
    columns += [("datetime_start", ""), ("datetime_complete", ""), ("duration", "")]
    columns += [("params", k) for k in param_keys]
    columns += [("user_attrs", k) for k in attr_keys]
    columns.append(("state", ""))
    return records, columns


def _trial_record(t: FrozenTrial, multi: bool) -> Record:
    record: Record = {("number", ""): t.number}
    if multi:
        record[("values", "")] = t.values
    else:
        record[("value", "")] = t.value
    record[("datetime_start", "")] = t.datetime_start
    record[("datetime_complete", "")] = t.datetime_complete
    record[("duration", "")] = None if t.duration is None else str(t.duration)
    for k, v in t.params.items():
        record[("params", k)] = v
    for k, v in t.user_attrs.items():
        record[("user_attrs", k)] = v
    record[("state", "")] = t.state.name
    return record


# -- commands ------------------------------------------------------------------------------
def _output_args(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("-f", "--format", choices=_FORMATS, default=default, help="Output format.")
    p.add_argument("--flatten", action="store_true", help="One column per nested key.")


def _create_study(args: argparse.Namespace) -> int:
    study = ferrotune.create_study(
        storage=_storage(args.storage, args.storage_class),
        study_name=args.study_name,
        direction=args.direction,
        directions=args.directions,
        load_if_exists=args.skip_if_exists,
    )
    print(study.study_name)
    return 0


def _delete_study(args: argparse.Namespace) -> int:
    storage = _storage(args.storage, args.storage_class)
    storage.delete_study(storage.get_study_id_from_name(args.study_name))
    return 0


def _set_user_attr(args: argparse.Namespace) -> int:
    study = ferrotune.load_study(
        study_name=args.study_name, storage=_storage(args.storage, args.storage_class)
    )
    study.set_user_attr(args.key, args.value)
    _logger.info("Attribute successfully written.")
    return 0


def _study_names(args: argparse.Namespace) -> int:
    names = ferrotune.get_all_study_names(_storage(args.storage, args.storage_class))
    key = ("name", "")
    print(_render([{key: n} for n in names], [key], args.format, False))
    return 0


def _studies(args: argparse.Namespace) -> int:
    storage = _storage(args.storage, args.storage_class)
    summaries = ferrotune.get_all_study_summaries(storage, include_best_trial=False)
    columns: list[Column] = [("name", ""), ("direction", ""), ("n_trials", "")]
    columns.append(("datetime_start", ""))
    records: list[Record] = []
    for s in summaries:
        records.append(
            {
                ("name", ""): s.study_name,
                ("direction", ""): tuple(d.name for d in s.directions),
                ("n_trials", ""): s.n_trials,
                ("datetime_start", ""): s.datetime_start,
                ("user_attrs", ""): s.user_attrs,
            }
        )
    if any(r[("user_attrs", "")] for r in records):
        columns.append(("user_attrs", ""))
    print(_render(records, columns, args.format, args.flatten))
    return 0


def _load(args: argparse.Namespace) -> ferrotune.Study:
    return ferrotune.load_study(
        study_name=args.study_name, storage=_storage(args.storage, args.storage_class)
    )


def _trials(args: argparse.Namespace) -> int:
    records, columns = _trial_records(_load(args))
    print(_render(records, columns, args.format, args.flatten))
    return 0


def _best_trial(args: argparse.Namespace) -> int:
    study = _load(args)
    records, columns = _trial_records(study)
    print(_render(records[study.best_trial.number], columns, args.format, args.flatten))
    return 0


def _best_trials(args: argparse.Namespace) -> int:
    study = _load(args)
    best = {t.number for t in study.best_trials}
    records, columns = _trial_records(study)
    chosen = [r for r in records if r[("number", "")] in best]
    print(_render(chosen, columns, args.format, args.flatten))
    return 0


def _storage_upgrade(args: argparse.Namespace) -> int:
    from ferrotune.storages import RDBStorage

    url = args.storage or os.environ.get("FERROTUNE_STORAGE") or os.environ.get("OPTUNA_STORAGE")
    if not url:
        raise CLIUsageError("Storage is not specified: pass --storage URL.")
    storage = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    current = storage.get_current_version()
    if current == storage.get_head_version():
        _logger.info("This storage is up-to-date.")
    elif current in storage.get_all_versions():
        _logger.info(f"Upgrading the storage schema from {current} to the latest version.")
        storage.upgrade()
        _logger.info("Completed to upgrade the storage.")
    else:
        _logger.warning(
            f"The storage schema {current!r} is newer than this ferrotune knows; upgrade "
            "ferrotune (`pip install -U ferrotune`)."
        )
        return 1
    return 0


def _ask(args: argparse.Namespace) -> int:
    sampler = None
    if args.sampler is not None:
        kwargs = json.loads(args.sampler_kwargs) if args.sampler_kwargs else {}
        sampler_cls = getattr(ferrotune.samplers, args.sampler, None)
        if sampler_cls is None:
            raise CLIUsageError(f"Unknown sampler {args.sampler!r}.")
        sampler = sampler_cls(**kwargs)
    elif args.sampler_kwargs is not None:
        raise ValueError(
            "`--sampler_kwargs` is set without `--sampler`. Please specify `--sampler` as"
            " well or omit `--sampler-kwargs`."
        )
    space = {}
    if args.search_space is not None:
        space = {
            name: _json_to_distribution(json.dumps(d))
            for name, d in json.loads(args.search_space).items()
        }
    try:
        study = ferrotune.load_study(
            study_name=args.study_name,
            storage=_storage(args.storage, args.storage_class),
            sampler=sampler,
        )
    except KeyError as e:
        raise KeyError(
            "Implicit study creation within the 'ask' command was dropped in Optuna v4.0.0. "
            "Please use the 'create-study' command beforehand."
        ) from e
    trial = study.ask(fixed_distributions=space)
    _logger.info(f"Asked trial {trial.number} with parameters {trial.params}.")
    record: Record = {("number", ""): trial.number}
    columns: list[Column] = [("number", "")]
    if not trial.params and not args.flatten:
        record[("params", "")] = {}
        columns.append(("params", ""))
    for name, value in trial.params.items():
        record[("params", name)] = value
        columns.append(("params", name))
    print(_render(record, columns, args.format, args.flatten))
    return 0


def _tell(args: argparse.Namespace) -> int:
    study = _load(args)
    state = TrialState[args.state.upper()] if args.state is not None else None
    study.tell(args.trial_number, args.values, state=state, skip_if_finished=args.skip_if_finished)
    _logger.info(f"Told trial {args.trial_number} with values {args.values} and state {state}.")
    return 0


def _grpc_proxy(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from ferrotune.storages import run_grpc_proxy_server

    if not 0 < args.port < 65536:
        raise CLIUsageError(f"--port must be in 1..65535, but got {args.port}.")
    if args.threads < 1:
        raise CLIUsageError(f"--threads must be >= 1, but got {args.threads}.")
    storage = _storage(args.storage, args.storage_class)
    _logger.info(f"Serving the storage as a gRPC proxy on {args.host}:{args.port}.")
    run_grpc_proxy_server(
        storage,
        host=args.host,
        port=args.port,
        thread_pool=ThreadPoolExecutor(max_workers=args.threads),
    )
    return 0


def _build(name: str, p: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    if name == "create-study":
        p.add_argument("--study-name", default=None, help="Name of the new study.")
        p.add_argument("--direction", choices=("minimize", "maximize"), default=None)
        p.add_argument("--directions", choices=("minimize", "maximize"), nargs="+")
        p.add_argument("--skip-if-exists", action="store_true", help="Load an existing study.")
        return _create_study
    if name == "delete-study":
        p.add_argument("--study-name", required=True)
        return _delete_study
    if name == "study set-user-attr":
        p.add_argument("--study-name", required=True)
        p.add_argument("--key", "-k", required=True)
        p.add_argument("--value", required=True)
        return _set_user_attr
    if name == "study-names":
        p.add_argument("-f", "--format", choices=_FORMATS, default="value")
        return _study_names
    if name == "studies":
        _output_args(p, "table")
        return _studies
    if name in ("trials", "best-trial", "best-trials"):
        p.add_argument("--study-name", required=True)
        _output_args(p, "table")
        return {"trials": _trials, "best-trial": _best_trial, "best-trials": _best_trials}[name]
    if name == "storage upgrade":
        return _storage_upgrade
    if name == "ask":
        p.add_argument("--study-name", default=None, help="Name of the study.")
        p.add_argument("--sampler", help="Sampler class name, e.g. TPESampler.")
        p.add_argument("--sampler-kwargs", help="Sampler arguments as JSON.")
        p.add_argument("--search-space", help="{name: distribution JSON} to suggest.")
        _output_args(p, "json")
        return _ask
    if name == "grpc-proxy":
        p.add_argument("--host", default="localhost", help="Address to listen on.")
        p.add_argument("--port", type=int, default=13000, help="Port to listen on.")
        p.add_argument("--threads", type=int, default=10, help="Threads answering calls.")
        return _grpc_proxy
    if name == "install-optuna-cli":
        p.add_argument(
            "--dir",
            default=None,
            help="Directory of the launcher (default: where `ferrotune` is installed).",
        )
        p.add_argument(
            "--force", action="store_true", help="Install even where a real Optuna is found."
        )
        p.add_argument("--uninstall", action="store_true", help="Remove the launcher.")
        return _install_optuna_cli
    assert name == "tell"
    p.add_argument("--study-name", default=None, help="Name of the study.")
    p.add_argument("--trial-number", type=int, required=True)
    p.add_argument("--values", type=float, nargs="+")
    p.add_argument("--state", choices=("complete", "pruned", "fail"))
    p.add_argument("--skip-if-finished", action="store_true")
    return _tell


COMMANDS = (
    "create-study",
    "delete-study",
    "study set-user-attr",
    "study-names",
    "studies",
    "trials",
    "best-trial",
    "best-trials",
    "storage upgrade",
    "ask",
    "tell",
    "grpc-proxy",
    "install-optuna-cli",
)
# Commands of ``ferrotune`` only (not offered by the ``optuna`` launcher).
_FERROTUNE_ONLY = ("install-optuna-cli",)


def _install_optuna_cli(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ferrotune import _optuna_cli

    directory = None if args.dir is None else Path(args.dir)
    if args.uninstall:
        removed = _optuna_cli.uninstall(directory)
        print(f"Removed {removed}")
        return 0
    written = _optuna_cli.install(directory, force=args.force)
    print(f"Installed {written}: `optuna COMMAND` now runs `ferrotune COMMAND`.")
    if shutil.which("optuna") is None:
        _logger.warning(f"{written.parent} is not on PATH: run it as {written}.")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--storage", default=None, help="Storage URL, e.g. sqlite:///study.db (or a journal path)."
    )
    parser.add_argument("--storage-class", choices=_STORAGE_CLASSES, default=None)
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="count", dest="verbose", default=1)
    verbosity.add_argument("-q", "--quiet", action="store_const", dest="verbose", const=0)
    parser.add_argument("--log-file", default=None, help="Also write logs to this file.")
    parser.add_argument("--debug", action="store_true", help="Show tracebacks.")


def _parser(
    prog: str = "ferrotune",
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The main parser and each command's subparser (whose help a usage error prints)."""
    common = argparse.ArgumentParser(add_help=False)
    _common(common)
    parser = argparse.ArgumentParser(prog=prog, parents=[common])
    version = f"ferrotune {ferrotune.__version__}"
    if prog == "optuna":
        from ferrotune._optuna_cli import OPTUNA_API_VERSION

        version = f"optuna {OPTUNA_API_VERSION} ({version})"
    parser.add_argument("--version", action="version", version=version)
    sub = parser.add_subparsers(dest="command")
    subparsers: dict[str, argparse.ArgumentParser] = {}
    commands = _commands(prog)
    for name in commands:
        p = sub.add_parser(name, parents=[common], help=f"{name} command")
        p.set_defaults(handler=_build(name, p))
        subparsers[name] = p

    def print_main_help(args: argparse.Namespace) -> int:
        parser.print_help()
        return 0

    help_parser = sub.add_parser("help", help="Show help message and exit.")
    help_parser.set_defaults(handler=print_main_help, verbose=1, log_file=None, debug=False)
    return parser, subparsers


def _commands(prog: str) -> tuple[str, ...]:
    if prog == "ferrotune":
        return COMMANDS
    return tuple(c for c in COMMANDS if c not in _FERROTUNE_ONLY)


def _join_commands(argv: list[str], commands: Sequence[str] = COMMANDS) -> list[str]:
    """Merge two-word commands (``storage upgrade``) into one argument."""
    for i in range(len(argv) - 1):
        pair = f"{argv[i]} {argv[i + 1]}"
        if pair in commands:
            return [pair, *argv[:i], *argv[i + 2 :]]
    for i, arg in enumerate(argv):
        if arg in commands:
            return [arg, *argv[:i], *argv[i + 1 :]]
    return argv


def main(argv: Sequence[str] | None = None, *, prog: str = "ferrotune") -> int:
    """Entry point of the ``ferrotune`` console script.

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).
    prog
        The command's name: ``"optuna"`` for the launcher of ``ferrotune
        install-optuna-cli``, which offers Optuna's commands and prints Optuna's API version
        for ``--version``.
    """
    if prog not in ("ferrotune", "optuna"):
        raise ValueError(f"`prog` must be 'ferrotune' or 'optuna', but got prog={prog!r}.")
    # No arguments at all is the `help` command, as in Optuna.
    args_list = list(sys.argv[1:] if argv is None else argv) or ["help"]
    parser, subparsers = _parser(prog)
    joined = _join_commands(args_list, _commands(prog))
    args = parser.parse_args(joined)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    ferrotune.logging.set_verbosity(level)
    if args.log_file:
        handler = logging.FileHandler(args.log_file)
        handler.setLevel(level)
        logging.getLogger("ferrotune").addHandler(handler)
    try:
        code: int = args.handler(args)
        return code
    except CLIUsageError as e:
        if args.debug:
            raise
        # Optuna logs the error and prints the command's help (usage first) on stdout.
        _logger.error(str(e))
        subparsers[joined[0]].print_help()
        return 1
    except Exception as e:
        if args.debug:
            raise
        _logger.error(f"{type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
