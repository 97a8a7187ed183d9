"""The opt-in ``optuna`` launcher of ``ferrotune install-optuna-cli`` (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ferrotune as ft
from ferrotune import _optuna_cli
from ferrotune.cli import main

SPACE = json.dumps(
    {
        "x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}},
        "n": {"name": "IntDistribution", "attributes": {"low": 1, "high": 8}},
    }
)


def _env(path_dirs: list[Path]) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*map(str, path_dirs), env.get("PATH", "")])
    env.pop("OPTUNA_STORAGE", None)
    env.pop("FERROTUNE_STORAGE", None)
    return env


def _ferrotune(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ferrotune.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _optuna(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # By name, found on PATH, as a shell script would run it.
    return subprocess.run(["optuna", *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.skipif(os.name == "nt", reason="the test drives the POSIX launcher")
def test_installed_launcher_runs_optuna_commands_end_to_end(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = _env([bin_dir])
    # --force: Optuna itself may be installed in the test environment (the compat extra).
    done = _ferrotune("install-optuna-cli", "--dir", str(bin_dir), "--force", env=env)
    assert done.returncode == 0, done.stderr
    launcher = bin_dir / "optuna"
    assert f"Installed {launcher}" in done.stdout
    assert os.access(launcher, os.X_OK) and _optuna_cli.is_launcher(launcher)

    version = _optuna("--version", env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"optuna 5.0.0 (ferrotune {ft.__version__})"

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    created = _optuna("create-study", "--study-name", "s", "--storage", url, env=env)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "s"
    asked = _optuna(
        "ask", "--study-name", "s", "--storage", url, "--search-space", SPACE,
        "--sampler", "RandomSampler", "--sampler-kwargs", '{"seed": 0}', env=env,
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    trial = json.loads(asked.stdout)
    assert trial["number"] == 0
    assert 0.0 <= trial["params"]["x"] <= 1.0 and trial["params"]["n"] in range(1, 9)
    told = _optuna(
        "tell", "--study-name", "s", "--storage", url, "--trial-number", "0",
        "--values", "0.25", env=env,
    )  # fmt: skip
    assert told.returncode == 0, told.stderr
    listed = _optuna("trials", "--study-name", "s", "--storage", url, "-f", "json", env=env)
    assert json.loads(listed.stdout)[0]["value"] == 0.25
    stored = ft.load_study(study_name="s", storage=url).trials[0]
    assert stored.value == 0.25 and stored.params == trial["params"]

    # Usage and help name the command `optuna`; ferrotune's own command is not offered.
    usage = _optuna("-q", "create-study", env=env)
    assert usage.returncode == 1 and usage.stdout.startswith("usage: optuna create-study")
    assert _optuna("install-optuna-cli", env=env).returncode == 2

    removed = _ferrotune("install-optuna-cli", "--dir", str(bin_dir), "--uninstall", env=env)
    assert removed.returncode == 0, removed.stderr
    assert not launcher.exists()


def _no_optuna_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(_optuna_cli, "installed_optuna", lambda: None)
    target = tmp_path / "bin"
    target.mkdir()
    return target


def test_install_without_optuna_needs_no_force(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _no_optuna_anywhere(monkeypatch, tmp_path)
    assert main(["-q", "install-optuna-cli", "--dir", str(target)]) == 0
    launcher = target / _optuna_cli.launcher_name()
    assert _optuna_cli.is_launcher(launcher)
    assert launcher.read_text().startswith(f"#!{sys.executable}\n")
    # Installing again refreshes the launcher (it is ferrotune's own file).
    assert main(["-q", "install-optuna-cli", "--dir", str(target)]) == 0
    assert "Installed" in capsys.readouterr().out


def test_install_refuses_to_replace_a_real_optuna_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = _no_optuna_anywhere(monkeypatch, tmp_path)
    foreign = target / _optuna_cli.launcher_name()
    foreign.write_text("#!/bin/sh\necho real optuna\n")
    assert main(["install-optuna-cli", "--dir", str(target)]) == 1
    assert f"{foreign} exists and was not written by ferrotune" in caplog.text
    assert foreign.read_text() == "#!/bin/sh\necho real optuna\n"
    # --uninstall leaves a file it did not write alone.
    assert main(["install-optuna-cli", "--dir", str(target), "--uninstall"]) == 1
    assert "was not written by ferrotune; leaving it alone" in caplog.text
    assert foreign.exists()
    # --force replaces it.
    assert main(["-q", "install-optuna-cli", "--dir", str(target), "--force"]) == 0
    assert _optuna_cli.is_launcher(foreign)


def test_install_refuses_when_optuna_is_on_path_or_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = _no_optuna_anywhere(monkeypatch, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = elsewhere / "optuna"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    monkeypatch.setenv("PATH", str(elsewhere))
    assert main(["install-optuna-cli", "--dir", str(target)]) == 1
    assert f"another `optuna` command is on PATH: {other}" in caplog.text
    assert not (target / _optuna_cli.launcher_name()).exists()

    monkeypatch.setenv("PATH", str(target))
    monkeypatch.setattr(_optuna_cli, "installed_optuna", lambda: "5.0.0")
    caplog.clear()
    assert main(["install-optuna-cli", "--dir", str(target)]) == 1
    assert "Optuna 5.0.0 is installed in this environment" in caplog.text
    assert not (target / _optuna_cli.launcher_name()).exists()


def test_install_into_a_missing_directory_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _no_optuna_anywhere(monkeypatch, tmp_path)
    assert main(["install-optuna-cli", "--dir", str(tmp_path / "nope")]) == 1
    assert "is not a directory" in caplog.text
    assert main(["install-optuna-cli", "--dir", str(tmp_path / "nope"), "--uninstall"]) == 1
    assert "There is no `optuna` launcher" in caplog.text


def test_launcher_for_paths_a_shebang_cannot_hold() -> None:
    text = _optuna_cli.launcher_text("/opt/my env/bin/python")
    if os.name != "nt":
        assert text.startswith('#!/bin/sh\n\'\'\'exec\' "/opt/my env/bin/python" "$0" "$@"')
    assert _optuna_cli.MARKER in text and "main(prog='optuna')" in text


def test_main_rejects_other_program_names() -> None:
    with pytest.raises(ValueError, match="prog='optuna2'"):
        main(["--version"], prog="optuna2")


def test_default_dir_is_where_ferrotune_is_installed(monkeypatch: Any) -> None:
    import sysconfig

    assert _optuna_cli.default_dir() == Path(sysconfig.get_path("scripts"))
