"""The ``ferrotune`` command line (Optuna's commands and output formats)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import yaml

import ferrotune as ft
from ferrotune.cli import main

SPACE = json.dumps(
    {
        "x": {
            "name": "FloatDistribution",
            "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None},
        }
    }
)


@pytest.fixture
def url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["-q", *args])
    return code, capsys.readouterr().out.strip()


def test_create_ask_tell_and_inspect(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "create-study", "--study-name", "s", "--storage", url) == (0, "s")
    code, _ = run(capsys, "create-study", "--study-name", "s", "--storage", url)
    assert code == 1  # duplicate
    assert (
        run(capsys, "create-study", "--study-name", "s", "--storage", url, "--skip-if-exists")[0]
        == 0
    )
    for i in range(3):
        code, out = run(capsys, "ask", "--study-name", "s", "--storage", url,
                        "--search-space", SPACE)  # fmt: skip
        asked = json.loads(out)
        assert asked["number"] == i and 0.0 <= asked["params"]["x"] <= 1.0
        assert run(capsys, "tell", "--study-name", "s", "--storage", url, "--trial-number",
                   str(i), "--values", str(float(i)))[0] == 0  # fmt: skip
    code, out = run(capsys, "trials", "--study-name", "s", "--storage", url, "-f", "json")
    trials = json.loads(out)
    assert [t["number"] for t in trials] == [0, 1, 2]
    assert [t["value"] for t in trials] == [0.0, 1.0, 2.0]
    assert all(t["state"] == "COMPLETE" and "x" in t["params"] for t in trials)
    code, out = run(capsys, "best-trial", "--study-name", "s", "--storage", url, "-f", "yaml")
    assert yaml.safe_load(out)["number"] == 0
    code, out = run(capsys, "best-trials", "--study-name", "s", "--storage", url, "-f", "json",
                    "--flatten")  # fmt: skip
    assert [t["number"] for t in json.loads(out)] == [0]
    assert "params_x" in json.loads(out)[0]
    code, out = run(capsys, "trials", "--study-name", "s", "--storage", url)
    lines = out.splitlines()
    assert lines[0].startswith("+-") and "| number |" in lines[1] and len(lines) == 7
    study = ft.load_study(study_name="s", storage=url)
    assert [t.value for t in study.trials] == [0.0, 1.0, 2.0]


def test_study_commands(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "create-study", "--study-name", "a", "--storage", url)
    run(capsys, "create-study", "--study-name", "b", "--storage", url, "--directions",
        "minimize", "maximize")  # fmt: skip
    assert run(capsys, "study", "set-user-attr", "--study-name", "a", "-k", "team", "--value",
               "ml", "--storage", url)[0] == 0  # fmt: skip
    assert run(capsys, "study-names", "--storage", url) == (0, "a\nb")
    _, out = run(capsys, "studies", "--storage", url, "-f", "json")
    studies = {s["name"]: s for s in json.loads(out)}
    assert studies["a"]["user_attrs"] == {"team": "ml"}
    assert studies["b"]["direction"] == ["MINIMIZE", "MAXIMIZE"]
    assert studies["a"]["n_trials"] == 0
    _code, out = run(capsys, "studies", "--storage", url, "-f", "yaml")
    assert {s["name"] for s in yaml.safe_load(out)} == {"a", "b"}
    assert run(capsys, "delete-study", "--study-name", "a", "--storage", url)[0] == 0
    assert run(capsys, "study-names", "--storage", url, "-f", "json") == (0, '[{"name": "b"}]')


def test_storage_upgrade_and_errors(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "create-study", "--study-name", "a", "--storage", url)
    assert run(capsys, "storage", "upgrade", "--storage", url)[0] == 0
    assert run(capsys, "trials", "--study-name", "missing", "--storage", url)[0] == 1
    assert main(["-q", "trials", "--study-name", "a"]) == 1  # no storage given
    assert run(capsys, "study-names", "--storage", "not a url")[0] == 1


def test_journal_file_storage(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / "journal.log")
    open(path, "w").close()
    assert run(capsys, "create-study", "--study-name", "j", "--storage", path)[0] == 0
    assert run(capsys, "study-names", "--storage", path) == (0, "j")


def test_console_entry_point(url: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ferrotune.cli", "--version"], capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert out.stdout.strip() == f"ferrotune {ft.__version__}"


def test_grpc_proxy_serves_a_storage(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from ferrotune.storages import GrpcStorageProxy

    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "ferrotune.cli", "grpc-proxy", "--storage", url, "--host",
         "localhost", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        proxy = GrpcStorageProxy(host="localhost", port=port)
        proxy.wait_server_ready(timeout=60)
        study = ft.create_study(storage=proxy, study_name="p")
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
        proxy.close()
    finally:
        server.kill()
        server.communicate(timeout=30)
    assert len(ft.load_study(study_name="p", storage=url).trials) == 5
    assert run(capsys, "grpc-proxy", "--storage", url, "--port", "0")[0] == 1
    assert run(capsys, "grpc-proxy", "--storage", url, "--threads", "0")[0] == 1


def test_value_and_table_print_lists_and_dicts_as_optuna(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "create-study", "--study-name", "b", "--storage", url, "--directions",
        "minimize", "maximize")  # fmt: skip
    run(capsys, "study", "set-user-attr", "--study-name", "b", "-k", "k", "--value", "v",
        "--storage", url)  # fmt: skip
    _, out = run(capsys, "studies", "--storage", url, "-f", "value")
    assert "('MINIMIZE', 'MAXIMIZE')" in out and "{'k': 'v'}" in out
    _, out = run(capsys, "studies", "--storage", url, "--flatten")
    assert "direction_0" in out and "{'k': 'v'}" in out
    _, out = run(capsys, "studies", "--storage", url, "-f", "json")
    assert json.loads(out)[0]["direction"] == ["MINIMIZE", "MAXIMIZE"]


def test_tell_and_ask_without_study_name(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "create-study", "--study-name", "only", "--storage", url)
    code, out = run(capsys, "ask", "--storage", url)
    assert code == 0 and json.loads(out) == {"number": 0, "params": {}}
    assert run(capsys, "tell", "--storage", url, "--trial-number", "0", "--values", "1.5")[0] == 0
    assert ft.load_study(study_name="only", storage=url).trials[0].value == 1.5


def test_ask_errors_carry_optunas_messages(
    url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert main(["ask", "--storage", url, "--study-name", "none"]) == 1
    assert "Implicit study creation within the 'ask' command" in caplog.text
    run(capsys, "create-study", "--study-name", "s", "--storage", url)
    assert main(["ask", "--storage", url, "--study-name", "s", "--sampler-kwargs", "{}"]) == 1
    assert "`--sampler_kwargs` is set without `--sampler`." in caplog.text


def test_help_and_usage_errors(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    assert main([]) == 0
    empty = capsys.readouterr().out
    assert main(["help"]) == 0
    assert capsys.readouterr().out == empty and empty.startswith("usage:")
    monkeypatch.delenv("OPTUNA_STORAGE", raising=False)
    monkeypatch.delenv("FERROTUNE_STORAGE", raising=False)
    assert main(["-q", "create-study"]) == 1
    assert capsys.readouterr().out.startswith("usage: ferrotune create-study")
